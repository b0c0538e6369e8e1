using System.Collections.Immutable;
using System.Diagnostics;
using System.Reflection;
using BasedAI.Abstractions;
using BasedAI.Plugins.Loading;
using BasedAI.Plugins.Manifest;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BasedAI.Plugins.Runtime;

/// <summary>What the runtime knows about one loaded plugin.</summary>
/// <param name="Id">The plugin id.</param>
/// <param name="Version">The active version.</param>
/// <param name="DisplayName">The manifest's display name.</param>
/// <param name="SourceDirectory">The folder it was loaded from.</param>
/// <param name="ComputeTasks">Its compute task names.</param>
/// <param name="Capabilities">Its capability tags (manifest and Describe).</param>
/// <param name="Health">The latest health report.</param>
/// <param name="InFlight">Work items running now on the active version.</param>
/// <param name="Completed">Work items completed by the active version.</param>
/// <param name="Swaps">Successful hot swaps since it was first loaded.</param>
public sealed record PluginStatus(string Id, string Version, string DisplayName, string SourceDirectory, IReadOnlyList<string> ComputeTasks,
    IReadOnlyList<string> Capabilities, BrainHealth Health, int InFlight, long Completed, int Swaps);

/// <summary>The outcome of a successful hot swap.</summary>
/// <param name="Id">The plugin id.</param>
/// <param name="OldVersion">The version swapped out.</param>
/// <param name="NewVersion">The version now active.</param>
/// <param name="LoadTime">Load, start and health check of the new version (the old one kept serving meanwhile).</param>
/// <param name="DrainTime">From the switch until the old version's last in-flight work item finished.</param>
/// <param name="Unload">How the old version's unload went.</param>
public sealed record SwapResult(string Id, string OldVersion, string NewVersion, TimeSpan LoadTime, TimeSpan DrainTime, UnloadReport Unload);

/// <summary>
/// Runs plugins and routes work to them. Each plugin id has a slot whose active version is an immutable snapshot; work items
/// read the snapshot without locks, a swap replaces it atomically (YARP style) after the new version has loaded, started and
/// passed its health check, then drains and unloads the old one. A failed load, start or health check leaves the old version
/// serving. Work submitted during a swap is never lost: it runs on the old version if it arrived first, otherwise on the new.
/// </summary>
public sealed class PluginRuntime : IAsyncDisposable
{
    /// <summary>The host version manifests are checked against when the options do not say otherwise.</summary>
    public static readonly string DefaultHostVersion = ReadHostVersion();

    private readonly PluginRuntimeOptions _options;
    private readonly PluginLoader _loader;
    private readonly ShadowCopies _shadowCopies;
    private readonly ILogger _logger;
    private readonly object _slotsWriteLock = new();
    private ImmutableDictionary<string, PluginSlot> _slots = ImmutableDictionary.Create<string, PluginSlot>(StringComparer.Ordinal);
    private int _disposed;

    /// <summary>Creates a runtime.</summary>
    public PluginRuntime(PluginRuntimeOptions options, ILoggerFactory? loggerFactory = null, IConfiguration? configuration = null, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        loggerFactory ??= NullLoggerFactory.Instance;
        _logger = loggerFactory.CreateLogger("BasedAI.Plugins");
        _shadowCopies = new ShadowCopies(options.ShadowDirectory);
        _shadowCopies.RemoveStale();
        _loader = new PluginLoader(options, _shadowCopies, new SharedAssemblies(options.AdditionalSharedAssemblies), loggerFactory,
            configuration ?? new ConfigurationBuilder().Build(), clock ?? TimeProvider.System);
    }

    /// <summary>The ids of the loaded plugins.</summary>
    public IReadOnlyCollection<string> PluginIds => _slots.Keys.ToList();

    /// <summary>Unloads that did not complete (leaked contexts), most recent last.</summary>
    public IReadOnlyList<UnloadReport> Leaks => _loader.Leaks;

    /// <summary>Loads, starts and health-checks a plugin that is not loaded yet.</summary>
    /// <exception cref="PluginLoadException">The plugin could not be loaded; nothing else is affected.</exception>
    public async Task<PluginStatus> LoadAsync(string pluginDirectory, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        string source = Path.GetFullPath(pluginDirectory);
        var manifest = _loader.ReadManifest(source, VersionOf);
        var slot = new PluginSlot(manifest.Id);
        lock (_slotsWriteLock)
        {
            if (_slots.ContainsKey(manifest.Id))
            {
                throw new PluginLoadException(PluginErrorKind.Conflict, source, manifest.Id, $"a plugin with id '{manifest.Id}' is already loaded; swap it instead");
            }
            // Reserved before loading, so a concurrent load of the same id is refused; work for it fails as "not loaded" until published.
            _slots = _slots.Add(manifest.Id, slot);
        }
        try
        {
            await slot.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var plugin = await _loader.LoadAsync(source, VersionOf, cancellationToken).ConfigureAwait(false);
                slot.Publish(plugin);
                _logger.LogInformation("Loaded plugin {Plugin} from {Source} (tasks: {Tasks})", plugin.Manifest, source, string.Join(", ", plugin.TaskNames));
                return slot.Status()!;
            }
            finally
            {
                slot.Gate.Release();
            }
        }
        catch
        {
            lock (_slotsWriteLock)
            {
                _slots = _slots.Remove(manifest.Id);
            }
            throw;
        }
    }

    /// <summary>
    /// Hot swaps plugin <paramref name="pluginId"/> to the version in <paramref name="pluginDirectory"/>: load, start and health-check
    /// it beside the active one, switch atomically, drain the old version's in-flight work, stop and unload it, verify the unload.
    /// </summary>
    /// <exception cref="PluginLoadException">The new version failed; it was rolled back and the old version keeps serving.</exception>
    public async Task<SwapResult> SwapAsync(string pluginId, string pluginDirectory, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        var slot = GetSlot(pluginId);
        string source = Path.GetFullPath(pluginDirectory);
        await slot.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var old = slot.Active ?? throw new InvalidOperationException($"plugin '{pluginId}' is being removed");
            if (!old.Manifest.Unloadable)
            {
                throw new PluginLoadException(PluginErrorKind.Conflict, source, pluginId,
                    $"the active version {old.Manifest.Version} declares unloadable=false; restart the host to change it");
            }
            var manifest = _loader.ReadManifest(source, VersionOf);
            if (manifest.Id != pluginId)
            {
                throw new PluginLoadException(PluginErrorKind.Conflict, source, manifest.Id, $"plugin ids are immutable: '{source}' holds '{manifest.Id}', not '{pluginId}'");
            }
            var watch = Stopwatch.StartNew();
            LoadedPlugin next;
            try
            {
                next = await _loader.LoadAsync(source, VersionOf, cancellationToken).ConfigureAwait(false);
            }
            catch (PluginLoadException e)
            {
                _logger.LogError("Swap of {Plugin} to {Source} rolled back, {Old} keeps serving: {Error}", pluginId, source, old.Manifest, e.Message);
                throw new PluginLoadException(e.Kind, e.Source, e.PluginId, $"{e.Reason}; swap rolled back, {old.Manifest} keeps serving", e.ManifestErrors, e.Details);
            }
            var loadTime = watch.Elapsed;
            slot.Publish(next);
            _logger.LogInformation("Swapped {Old} -> {New}; draining {InFlight} in-flight work item(s) on the old version", old.Manifest, next.Manifest, old.InFlight);
            var (unload, drainTime) = await RetireAsync(old).ConfigureAwait(false);
            return new SwapResult(pluginId, old.Manifest.Version, next.Manifest.Version, loadTime, drainTime, unload);
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    /// <summary>Stops routing to <paramref name="pluginId"/>, drains its work, stops and unloads it.</summary>
    public async Task<UnloadReport> RemoveAsync(string pluginId, CancellationToken cancellationToken = default)
    {
        var slot = GetSlot(pluginId);
        await slot.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var old = slot.Publish(null) ?? throw new InvalidOperationException($"plugin '{pluginId}' is not loaded");
            lock (_slotsWriteLock)
            {
                _slots = _slots.Remove(pluginId);
            }
            _logger.LogInformation("Removing plugin {Plugin}", old.Manifest);
            return (await RetireAsync(old).ConfigureAwait(false)).Report;
        }
        finally
        {
            slot.Gate.Release();
        }
    }

    /// <summary>Runs <paramref name="item"/> on the active version of <paramref name="pluginId"/>.</summary>
    /// <exception cref="InvalidOperationException">No such plugin is loaded.</exception>
    /// <exception cref="ArgumentException">The plugin has no compute task named <see cref="WorkItem.Task"/>.</exception>
    public async ValueTask<WorkResult> ExecuteAsync(string pluginId, WorkItem item, IProgress<WorkProgress>? progress = null, CancellationToken cancellationToken = default) =>
        (await ExecuteOnActiveAsync(pluginId, item, progress, cancellationToken).ConfigureAwait(false)).Result;

    /// <summary>Like <see cref="ExecuteAsync"/>, and also says which plugin version ran the item (useful around hot swaps).</summary>
    public ValueTask<(WorkResult Result, string Version)> ExecuteOnActiveAsync(string pluginId, WorkItem item, IProgress<WorkProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(item);
        return ExecuteCoreAsync(GetSlot(pluginId), item, progress, cancellationToken);
    }

    private static async ValueTask<(WorkResult Result, string Version)> ExecuteCoreAsync(PluginSlot slot, WorkItem item, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        string pluginId = slot.Id;
        while (true)
        {
            var active = slot.Active ?? throw new InvalidOperationException($"plugin '{pluginId}' is not loaded");
            // TryAcquire fails only when a swap has already published the successor, so the retry reads a newer version.
            if (active.TryAcquire())
            {
                try
                {
                    return (await active.ExecuteAsync(item, progress, cancellationToken).ConfigureAwait(false), active.Manifest.Version);
                }
                finally
                {
                    active.Release();
                }
            }
        }
    }

    /// <summary>The status of every loaded plugin.</summary>
    public IReadOnlyList<PluginStatus> GetStatus() =>
        _slots.Values.Select(s => s.Status()).OfType<PluginStatus>().OrderBy(s => s.Id, StringComparer.Ordinal).ToList();

    /// <summary>The status of one plugin, or null when it is not loaded.</summary>
    public PluginStatus? GetStatus(string pluginId) => _slots.TryGetValue(pluginId, out var slot) ? slot.Status() : null;

    /// <summary>Runs every active version's health check and records the result in its status.</summary>
    public async Task<IReadOnlyDictionary<string, BrainHealth>> CheckHealthAsync(CancellationToken cancellationToken = default)
    {
        var results = new Dictionary<string, BrainHealth>(StringComparer.Ordinal);
        foreach (var slot in _slots.Values)
        {
            if (slot.Active is { } active && active.TryAcquire())
            {
                try
                {
                    var health = await _loader.CheckHealthAsync(active, cancellationToken).ConfigureAwait(false);
                    results[slot.Id] = health;
                    if (health.Status != BrainHealthStatus.Healthy)
                    {
                        _logger.LogWarning("Plugin {Plugin} reports {Status}: {Description}", active.Manifest, health.Status, health.Description);
                    }
                }
                finally
                {
                    active.Release();
                }
            }
        }
        return results;
    }

    /// <summary>Drains, stops and unloads every plugin, in reverse dependency order (reverse load order).</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        foreach (var slot in _slots.Values.OrderByDescending(s => s.LoadOrder))
        {
            try
            {
                await RemoveAsync(slot.Id).ConfigureAwait(false);
            }
            catch (InvalidOperationException)
            {
                // Removed concurrently.
            }
        }
    }

    private async Task<(UnloadReport Report, TimeSpan DrainTime)> RetireAsync(LoadedPlugin old)
    {
        var watch = Stopwatch.StartNew();
        var drained = old.BeginDrain();
        // WaitAsync, not WhenAny with Task.Delay: a pending Delay would keep a timer alive for the whole DrainTimeout per swap.
        if (!await drained.WaitAsync(_options.DrainTimeout).ContinueWith(static t => t.IsCompletedSuccessfully, TaskScheduler.Default).ConfigureAwait(false))
        {
            _logger.LogWarning("Plugin {Plugin} still has {InFlight} work item(s) in flight after {Timeout}; waiting for them before stopping it",
                old.Manifest, old.InFlight, _options.DrainTimeout);
            await drained.ConfigureAwait(false);
        }
        var drainTime = watch.Elapsed;
        var report = await _loader.UnloadAsync(old, started: true, _options.UnloadTimeout).ConfigureAwait(false);
        return (report, drainTime);
    }

    private PluginSlot GetSlot(string pluginId) =>
        _slots.TryGetValue(pluginId, out var slot) ? slot : throw new InvalidOperationException($"plugin '{pluginId}' is not loaded");

    private SemanticVersion? VersionOf(string pluginId) => _slots.TryGetValue(pluginId, out var slot) ? slot.Active?.Version : null;

    private static string ReadHostVersion()
    {
        string? informational = typeof(PluginRuntime).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        string version = informational?.Split('+')[0] ?? "0.0.0";
        return SemanticVersion.TryParse(version, out _) ? version : "0.0.0";
    }

    /// <summary>One plugin id: its active version (an immutable snapshot) and the gate that serializes swaps.</summary>
    private sealed class PluginSlot(string id)
    {
        private static long s_loadOrder;
        private LoadedPlugin? _active;
        private int _swaps = -1;

        public string Id { get; } = id;

        public long LoadOrder { get; } = Interlocked.Increment(ref s_loadOrder);

        public SemaphoreSlim Gate { get; } = new(1, 1);

        public LoadedPlugin? Active => Volatile.Read(ref _active);

        /// <summary>Atomically makes <paramref name="next"/> the active version and returns the previous one.</summary>
        public LoadedPlugin? Publish(LoadedPlugin? next)
        {
            if (next is not null)
            {
                Interlocked.Increment(ref _swaps);
            }
            return Interlocked.Exchange(ref _active, next);
        }

        public PluginStatus? Status()
        {
            var active = Active;
            if (active is null)
            {
                return null;
            }
            var capabilities = active.Manifest.Capabilities.Union(active.Description?.Capabilities ?? []).ToList();
            return new PluginStatus(Id, active.Manifest.Version, active.Manifest.DisplayName, active.SourceDirectory, active.TaskNames.ToList(),
                capabilities, active.LastHealth, active.InFlight, active.Completed, Math.Max(0, Volatile.Read(ref _swaps)));
        }
    }
}
