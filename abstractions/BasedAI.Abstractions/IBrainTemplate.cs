namespace BasedAI.Abstractions;

/// <summary>
/// The entry point of a Brain template plugin: the compute task a Brain owner picks for their Brain.
/// The host creates one instance per loaded plugin version (the type named in <c>brain.json</c>, public parameterless constructor),
/// then calls, in order: <see cref="Describe"/>, <see cref="ConfigureServices"/>, <see cref="StartAsync"/>,
/// <see cref="CheckHealthAsync"/> (before traffic is switched to it and periodically after), and finally <see cref="StopAsync"/>.
/// </summary>
public interface IBrainTemplate
{
    /// <summary>Describes what this template offers at run time (its compute tasks and capabilities).</summary>
    BrainTemplateDescription Describe();

    /// <summary>
    /// Registers the plugin's services and compute tasks in its own private container. Called once, before the container is built.
    /// </summary>
    void ConfigureServices(IBrainRegistrationContext context);

    /// <summary>Starts background work (listeners, model loading). The plugin's container is built and passed in.</summary>
    Task StartAsync(IServiceProvider services, CancellationToken cancellationToken);

    /// <summary>Stops background work. In-flight compute work has already drained when this is called.</summary>
    Task StopAsync(CancellationToken cancellationToken);

    /// <summary>Reports whether the template can serve work now.</summary>
    Task<BrainHealth> CheckHealthAsync(CancellationToken cancellationToken);
}

/// <summary>What a template says about itself at run time.</summary>
/// <param name="DisplayName">A human-readable name.</param>
/// <param name="ComputeTasks">The names of the compute tasks it registers (see <see cref="IComputeTask.Name"/>).</param>
/// <param name="Capabilities">Free-form capability tags, e.g. <c>zk-llm</c>, <c>evm</c>, <c>gpu</c>.</param>
public sealed record BrainTemplateDescription(string DisplayName, IReadOnlyList<string> ComputeTasks, IReadOnlyList<string> Capabilities);
