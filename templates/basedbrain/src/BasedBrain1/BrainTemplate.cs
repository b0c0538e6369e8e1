using BasedAI.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BasedBrain1;

/// <summary>
/// The plugin's entry point, named in brain.json. The host creates it, calls ConfigureServices once, builds the plugin's own
/// container, starts it, and switches traffic to it only after CheckHealthAsync reports Healthy (or Degraded).
/// Keep no static state and stop everything you start in StopAsync: the host unloads the plugin on every hot swap and reports
/// a leak if anything still references it.
/// </summary>
public sealed class BrainTemplate : IBrainTemplate
{
    private ILogger? _logger;
    private bool _started;

    public BrainTemplateDescription Describe() => new("BasedBrain1", [DigestTask.TaskName], ["digest"]);

    public void ConfigureServices(IBrainRegistrationContext context)
    {
        context.Services.AddSingleton(new DigestOptions
        {
            ChunkSize = int.TryParse(context.Host.Configuration["ChunkSize"], out int chunk) && chunk > 0 ? chunk : 64 * 1024,
        });
        context.AddComputeTask<DigestTask>();
    }

    public Task StartAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var host = services.GetRequiredService<IBrainHostContext>();
        _logger = services.GetRequiredService<ILogger<BrainTemplate>>();
        _logger.LogInformation("{Plugin} {Version} started (data in {DataDirectory})", host.PluginId, host.PluginVersion, host.DataDirectory);
        _started = true;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _started = false;
        _logger?.LogInformation("stopped");
        return Task.CompletedTask;
    }

    public Task<BrainHealth> CheckHealthAsync(CancellationToken cancellationToken) =>
        Task.FromResult(_started ? BrainHealth.Healthy : new BrainHealth(BrainHealthStatus.Unhealthy, "not started"));
}
