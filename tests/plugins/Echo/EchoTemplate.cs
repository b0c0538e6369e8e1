using System.Globalization;
using BasedAI.Abstractions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BasedAI.TestPlugins.Echo;

/// <summary>A well-behaved plugin: echoes payloads and tags results with the version that ran them.</summary>
public sealed class EchoTemplate : IBrainTemplate
{
    private EchoState? _state;

    public BrainTemplateDescription Describe() => new("Echo", ["echo"], ["echo"]);

    public void ConfigureServices(IBrainRegistrationContext context)
    {
        context.Services.AddSingleton<EchoState>();
        context.AddComputeTask<EchoTask>();
    }

    public Task StartAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        _state = services.GetRequiredService<EchoState>();
        _state.Started = true;
        services.GetRequiredService<ILogger<EchoTemplate>>().LogInformation("echo {Version} started", services.GetRequiredService<IBrainHostContext>().PluginVersion);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _state!.Started = false;
        return Task.CompletedTask;
    }

    public Task<BrainHealth> CheckHealthAsync(CancellationToken cancellationToken) =>
        Task.FromResult(_state is { Started: true } ? BrainHealth.Healthy : new BrainHealth(BrainHealthStatus.Unhealthy, "not started"));
}

/// <summary>Disposed with the plugin's container; leaves a marker in the data directory so tests can see it happen.</summary>
public sealed class EchoState(IBrainHostContext host) : IDisposable
{
    public void Dispose() => File.WriteAllText(Path.Combine(host.DataDirectory, "container-disposed"), host.PluginVersion);

    public bool Started { get; set; }

    public string Version => host.PluginVersion;

    public string Prefix => host.Configuration["Prefix"] ?? "";
}

/// <summary>
/// "echo": returns the payload with the configured prefix; metadata "version" names the plugin version that ran it.
/// Metadata "delayMs" makes it take that long (to keep work in flight across a swap).
/// </summary>
public sealed class EchoTask(EchoState state) : IComputeTask
{
    public string Name => "echo";

    public async ValueTask<WorkResult> ExecuteAsync(WorkItem item, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        if (!state.Started)
        {
            throw new InvalidOperationException($"echo {state.Version} received work after it was stopped");
        }
        if (item.Metadata?.TryGetValue("delayMs", out string? delay) == true)
        {
            await Task.Delay(int.Parse(delay, CultureInfo.InvariantCulture), cancellationToken);
        }
        progress?.Report(new WorkProgress(1.0, "echoed"));
        byte[] prefix = System.Text.Encoding.UTF8.GetBytes(state.Prefix);
        byte[] output = [.. prefix, .. item.Payload.Span];
        return new WorkResult(output, new Dictionary<string, string> { ["version"] = state.Version, ["id"] = item.Id });
    }
}
