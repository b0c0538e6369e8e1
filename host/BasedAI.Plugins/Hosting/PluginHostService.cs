using BasedAI.Plugins.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BasedAI.Plugins.Hosting;

/// <summary>Settings of the plugin host service (configuration section <c>Host</c>).</summary>
public sealed class PluginHostOptions
{
    /// <summary>The plugins directory (one sub-folder per plugin).</summary>
    public string PluginsDirectory { get; set; } = "plugins";

    /// <summary>Follow the directory: load dropped-in plugins, hot swap replaced ones, unload removed ones.</summary>
    public bool Watch { get; set; } = true;

    /// <summary>How long the directory must be quiet before a change is applied.</summary>
    public TimeSpan WatchDebounce { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Rescan interval, in case a file-system event was missed.</summary>
    public TimeSpan RescanInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Interval of the periodic health checks; zero disables them.</summary>
    public TimeSpan HealthInterval { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Runs the plugins of a directory for the lifetime of the generic host: loads them at start, follows the directory while
/// running, checks health periodically, and drains and unloads every plugin (verifying each unload) at shutdown.
/// </summary>
public sealed class PluginHostService(PluginRuntime runtime, PluginHostOptions options, ILogger<PluginHostService> logger) : IHostedService, IAsyncDisposable
{
    private PluginDirectoryWatcher? _watcher;
    private CancellationTokenSource? _stopping;
    private Task? _healthLoop;

    /// <summary>The watcher, once started.</summary>
    public PluginDirectoryWatcher? Watcher => _watcher;

    /// <inheritdoc/>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _watcher = new PluginDirectoryWatcher(runtime, options.PluginsDirectory, logger, options.WatchDebounce, options.RescanInterval);
        await _watcher.StartAsync(options.Watch, cancellationToken).ConfigureAwait(false);
        var failed = _watcher.Folders.Where(f => f.Error is not null).ToList();
        logger.LogInformation("Plugin host started over {Directory}: {Loaded} plugin(s) loaded, {Failed} failed",
            _watcher.PluginsDirectory, runtime.PluginIds.Count, failed.Count);
        if (options.HealthInterval > TimeSpan.Zero)
        {
            _stopping = new CancellationTokenSource();
            _healthLoop = Task.Run(() => HealthLoopAsync(_stopping.Token), CancellationToken.None);
        }
    }

    private async Task HealthLoopAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(options.HealthInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false))
            {
                await runtime.CheckHealthAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <inheritdoc/>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping is not null)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            await _healthLoop!.ConfigureAwait(false);
        }
        if (_watcher is not null)
        {
            await _watcher.DisposeAsync().ConfigureAwait(false);
        }
        await runtime.DisposeAsync().ConfigureAwait(false);
        foreach (var leak in runtime.Leaks)
        {
            logger.LogError("{Report}", leak.Describe());
        }
        logger.LogInformation("Plugin host stopped; {Leaks} leaked load context(s)", runtime.Leaks.Count);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        _stopping?.Dispose();
        if (_watcher is not null)
        {
            await _watcher.DisposeAsync().ConfigureAwait(false);
        }
    }
}
