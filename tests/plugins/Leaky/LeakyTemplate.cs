using BasedAI.Abstractions;

namespace BasedAI.TestPlugins.Leaky;

/// <summary>Deliberately leaks: the process-wide ProcessExit event keeps a delegate to this instance after unload.</summary>
public sealed class LeakyTemplate : IBrainTemplate
{
    public BrainTemplateDescription Describe() => new("Leaky", [], []);

    public void ConfigureServices(IBrainRegistrationContext context)
    {
    }

    public Task StartAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
        return Task.CompletedTask;
    }

    // The bug under test: StopAsync forgets to unsubscribe.
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<BrainHealth> CheckHealthAsync(CancellationToken cancellationToken) => Task.FromResult(BrainHealth.Healthy);

    private void OnProcessExit(object? sender, EventArgs e)
    {
    }
}
