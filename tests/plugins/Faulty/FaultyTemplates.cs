using BasedAI.Abstractions;

namespace BasedAI.TestPlugins.Faulty;

public abstract class FaultyBase : IBrainTemplate
{
    public virtual BrainTemplateDescription Describe() => new(GetType().Name, ["echo"], []);

    public virtual void ConfigureServices(IBrainRegistrationContext context) => context.AddComputeTask<EchoTask>();

    public virtual Task StartAsync(IServiceProvider services, CancellationToken cancellationToken) => Task.CompletedTask;

    public virtual Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public virtual Task<BrainHealth> CheckHealthAsync(CancellationToken cancellationToken) => Task.FromResult(BrainHealth.Healthy);
}

public sealed class ConstructorThrows : FaultyBase
{
    public ConstructorThrows() => throw new InvalidOperationException("constructor refuses to run");
}

public sealed class ConfigureServicesThrows : FaultyBase
{
    public override void ConfigureServices(IBrainRegistrationContext context) => throw new InvalidOperationException("cannot register");
}

public sealed class StartThrows : FaultyBase
{
    public override Task StartAsync(IServiceProvider services, CancellationToken cancellationToken) =>
        throw new InvalidOperationException("model file missing");
}

public sealed class ReportsUnhealthy : FaultyBase
{
    public override Task<BrainHealth> CheckHealthAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new BrainHealth(BrainHealthStatus.Unhealthy, "GPU not found"));
}

/// <summary>Public, but not an IBrainTemplate.</summary>
public sealed class NotATemplate;

public sealed class EchoTask : IComputeTask
{
    public string Name => "echo";

    public ValueTask<WorkResult> ExecuteAsync(WorkItem item, IProgress<WorkProgress>? progress, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new WorkResult(item.Payload));
}
