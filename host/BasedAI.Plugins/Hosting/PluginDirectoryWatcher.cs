using System.Security.Cryptography;
using System.Text;
using BasedAI.Plugins.Manifest;
using BasedAI.Plugins.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BasedAI.Plugins.Hosting;

/// <summary>What the watcher last did with one plugin folder.</summary>
/// <param name="Folder">The folder's full path.</param>
/// <param name="PluginId">The id its manifest names, when readable.</param>
/// <param name="Version">The version its manifest names, when readable.</param>
/// <param name="Error">Why its content is not the one running, or null when it is.</param>
public sealed record PluginFolderState(string Folder, string? PluginId, string? Version, string? Error);

/// <summary>
/// Keeps a <see cref="PluginRuntime"/> in step with a plugins directory (one sub-folder per plugin, each with a brain.json):
/// a new folder is loaded, a changed folder is hot swapped to its new content, a removed folder is unloaded. Changes are
/// noticed through file-system events, debounced so that a copy in progress is not loaded half-written, with a periodic rescan
/// as a safety net. Content that failed is not retried until it changes again. Folders whose names start with '.' are ignored
/// (staging areas of <see cref="PluginDirectory"/>).
/// </summary>
public sealed class PluginDirectoryWatcher : IAsyncDisposable
{
    private readonly PluginRuntime _runtime;
    private readonly ILogger _logger;
    private readonly TimeSpan _debounce;
    private readonly TimeSpan _pollInterval;
    private readonly SemaphoreSlim _reconcileGate = new(1, 1);
    private readonly SemaphoreSlim _changed = new(0, int.MaxValue);
    private readonly Dictionary<string, (string Fingerprint, PluginFolderState State)> _folders = new(StringComparer.Ordinal);
    private FileSystemWatcher? _watcher;
    private CancellationTokenSource? _stopping;
    private Task? _loop;
    private long _lastEventTicks;
    private int _disposed;

    /// <summary>Creates a watcher over <paramref name="pluginsDirectory"/>; call <see cref="StartAsync"/> to begin.</summary>
    public PluginDirectoryWatcher(PluginRuntime runtime, string pluginsDirectory, ILogger? logger = null, TimeSpan? debounce = null, TimeSpan? pollInterval = null)
    {
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(pluginsDirectory);
        _runtime = runtime;
        PluginsDirectory = Path.GetFullPath(pluginsDirectory);
        _logger = logger ?? NullLogger.Instance;
        _debounce = debounce ?? TimeSpan.FromMilliseconds(500);
        _pollInterval = pollInterval ?? TimeSpan.FromSeconds(5);
    }

    /// <summary>The directory watched.</summary>
    public string PluginsDirectory { get; }

    /// <summary>The state of every plugin folder seen.</summary>
    public IReadOnlyList<PluginFolderState> Folders
    {
        get { lock (_folders) { return _folders.Values.Select(f => f.State).OrderBy(s => s.Folder, StringComparer.Ordinal).ToList(); } }
    }

    /// <summary>Loads what is in the directory now, then (when <paramref name="watch"/>) follows its changes until disposed.</summary>
    public async Task StartAsync(bool watch, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(PluginsDirectory);
        await ReconcileAsync(cancellationToken).ConfigureAwait(false);
        if (!watch)
        {
            return;
        }
        _stopping = new CancellationTokenSource();
        _watcher = new FileSystemWatcher(PluginsDirectory)
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        _watcher.Changed += OnChanged;
        _watcher.Created += OnChanged;
        _watcher.Deleted += OnChanged;
        _watcher.Renamed += OnChanged;
        _watcher.Error += (_, e) => _logger.LogWarning("Plugin directory watcher error ({Error}); relying on the periodic rescan", e.GetException().Message);
        _watcher.EnableRaisingEvents = true;
        _loop = Task.Run(() => WatchLoopAsync(_stopping.Token), CancellationToken.None);
        _logger.LogInformation("Watching {Directory} for plugins dropped in, replaced or removed", PluginsDirectory);
    }

    private void OnChanged(object sender, FileSystemEventArgs e)
    {
        Interlocked.Exchange(ref _lastEventTicks, DateTime.UtcNow.Ticks);
        _changed.Release();
    }

    private async Task WatchLoopAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await _changed.WaitAsync(_pollInterval, cancellationToken).ConfigureAwait(false);
                // Debounce: wait until the directory has been quiet for a while, so a copy in progress finishes first.
                while (true)
                {
                    var quiet = DateTime.UtcNow - new DateTime(Interlocked.Read(ref _lastEventTicks), DateTimeKind.Utc);
                    if (quiet >= _debounce)
                    {
                        break;
                    }
                    await Task.Delay(_debounce - quiet, cancellationToken).ConfigureAwait(false);
                }
                while (_changed.CurrentCount > 0)
                {
                    await _changed.WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                await ReconcileAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _logger.LogWarning("Plugin directory scan failed ({Error}); retrying at the next change or rescan", e.Message);
            }
        }
    }

    /// <summary>Brings the runtime in line with the directory once: load new folders, swap changed ones, unload removed ones.</summary>
    public async Task ReconcileAsync(CancellationToken cancellationToken = default)
    {
        await _reconcileGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var present = Directory.Exists(PluginsDirectory)
                ? Directory.EnumerateDirectories(PluginsDirectory)
                    .Where(d => !Path.GetFileName(d).StartsWith('.') && File.Exists(Path.Combine(d, PluginManifestReader.FileName)))
                    .Select(Path.GetFullPath).Order(StringComparer.Ordinal).ToList()
                : [];
            await RemoveVanishedAsync(present, cancellationToken).ConfigureAwait(false);

            // Dependencies may sit in folders sorted after their dependents: retry those until a pass makes no progress.
            var pending = present;
            while (pending.Count > 0)
            {
                var retry = new List<string>();
                foreach (string folder in pending)
                {
                    if (await ApplyAsync(folder, cancellationToken).ConfigureAwait(false) == PluginErrorKind.MissingPluginDependency)
                    {
                        retry.Add(folder);
                    }
                }
                if (retry.Count == pending.Count)
                {
                    break;
                }
                foreach (string folder in retry)
                {
                    lock (_folders)
                    {
                        _folders.Remove(folder);
                    }
                }
                pending = retry;
            }
        }
        finally
        {
            _reconcileGate.Release();
        }
    }

    private async Task RemoveVanishedAsync(List<string> present, CancellationToken cancellationToken)
    {
        var presentSet = present.ToHashSet(StringComparer.Ordinal);
        foreach (var status in _runtime.GetStatus())
        {
            string source = Path.GetFullPath(status.SourceDirectory);
            if (IsInside(source) && !presentSet.Contains(source))
            {
                _logger.LogInformation("Plugin folder {Folder} was removed; unloading {Plugin}", source, status.Id);
                var report = await _runtime.RemoveAsync(status.Id, cancellationToken).ConfigureAwait(false);
                _logger.LogInformation("{Report}", report.Describe());
            }
        }
        lock (_folders)
        {
            foreach (string gone in _folders.Keys.Where(f => !presentSet.Contains(f)).ToList())
            {
                _folders.Remove(gone);
            }
        }
    }

    /// <returns>The error kind when the folder's content could not be applied, otherwise null.</returns>
    private async Task<PluginErrorKind?> ApplyAsync(string folder, CancellationToken cancellationToken)
    {
        string fingerprint = Fingerprint(folder);
        lock (_folders)
        {
            if (_folders.TryGetValue(folder, out var known) && known.Fingerprint == fingerprint)
            {
                return null;
            }
        }
        string? id = null, version = null;
        PluginErrorKind? failure = null;
        string? error = null;
        try
        {
            var manifest = PluginManifestReader.ReadFromDirectory(folder);
            (id, version) = (manifest.Id, manifest.Version);
            var loaded = _runtime.GetStatus(manifest.Id);
            if (loaded is null)
            {
                await _runtime.LoadAsync(folder, cancellationToken).ConfigureAwait(false);
            }
            else if (Path.GetFullPath(loaded.SourceDirectory) == folder)
            {
                var swap = await _runtime.SwapAsync(manifest.Id, folder, cancellationToken).ConfigureAwait(false);
                _logger.LogInformation("Hot swapped {Plugin} {Old} -> {New} (load {Load:F0} ms, drain {Drain:F0} ms); {Unload}",
                    swap.Id, swap.OldVersion, swap.NewVersion, swap.LoadTime.TotalMilliseconds, swap.DrainTime.TotalMilliseconds, swap.Unload.Describe());
            }
            else
            {
                throw new PluginLoadException(PluginErrorKind.Conflict, folder, manifest.Id, $"plugin '{manifest.Id}' is already loaded from '{loaded.SourceDirectory}'");
            }
        }
        catch (PluginLoadException e)
        {
            (failure, error) = (e.Kind, e.Message);
            _logger.LogError("{Error}", e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            (failure, error) = (PluginErrorKind.InvalidManifest, $"{folder}: {e.Message}");
            _logger.LogError("Plugin folder {Folder} could not be applied: {Error}", folder, e.Message);
        }
        lock (_folders)
        {
            _folders[folder] = (fingerprint, new PluginFolderState(folder, id, version, error));
        }
        return failure;
    }

    private bool IsInside(string path) =>
        Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(path)) is { } parent
        && string.Equals(Path.GetFullPath(parent), Path.TrimEndingDirectorySeparator(PluginsDirectory), StringComparison.Ordinal);

    /// <summary>Names, sizes and write times of every file: cheap, and changes whenever a version is dropped in.</summary>
    internal static string Fingerprint(string folder)
    {
        var text = new StringBuilder();
        foreach (string file in Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(file);
            text.Append(Path.GetRelativePath(folder, file)).Append('|').Append(info.Length).Append('|').Append(info.LastWriteTimeUtc.Ticks).Append('\n');
        }
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>Stops watching. Plugins stay loaded; dispose the runtime to unload them.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        if (_watcher is not null)
        {
            _watcher.EnableRaisingEvents = false;
            _watcher.Dispose();
        }
        if (_stopping is not null)
        {
            await _stopping.CancelAsync().ConfigureAwait(false);
            if (_loop is not null)
            {
                await _loop.ConfigureAwait(false);
            }
            _stopping.Dispose();
        }
    }
}
