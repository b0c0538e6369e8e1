using Microsoft.Extensions.DependencyInjection;

namespace BasedAI.Abstractions;

/// <summary>
/// The narrow surface a plugin registers itself through: its private service collection, the host services it was given,
/// and its compute tasks. Nothing registered here is visible to the host or to other plugins except through
/// <see cref="IComputeTask"/>.
/// </summary>
public interface IBrainRegistrationContext
{
    /// <summary>The plugin's own service collection. The host services of <see cref="Host"/> are already registered in it.</summary>
    IServiceCollection Services { get; }

    /// <summary>The services the host gives this plugin.</summary>
    IBrainHostContext Host { get; }

    /// <summary>Registers a compute task implementation; the host resolves it from the plugin's container by <see cref="IComputeTask.Name"/>.</summary>
    void AddComputeTask<TTask>() where TTask : class, IComputeTask;
}
