using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using BasedAI.Abstractions;
using BasedAI.Plugins.Loading;
using BasedAI.Plugins.Manifest;
using Microsoft.Extensions.DependencyInjection;

namespace BasedAI.Plugins.Runtime;

/// <summary>
/// One loaded, started plugin version: its load context, template instance, private container and compute tasks, plus the count
/// of work items running on it. Immutable once started, so it can be published as the active snapshot of a slot and swapped
/// atomically; a version being replaced is drained (no new work, in-flight work finishes) before it is stopped and unloaded.
/// </summary>
internal sealed class LoadedPlugin
{
    private PluginLoadContext? _context;
    private IBrainTemplate? _template;
    private ServiceProvider? _services;
    private Dictionary<string, IComputeTask>? _tasks;
    private int _inFlight;
    private int _draining;
    private long _completed;
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LoadedPlugin(PluginManifest manifest, string sourceDirectory, string shadowDirectory, PluginLoadContext context)
    {
        Manifest = manifest;
        SourceDirectory = sourceDirectory;
        ShadowDirectory = shadowDirectory;
        _context = context;
        Version = SemanticVersion.Parse(manifest.Version);
    }

    public PluginManifest Manifest { get; }

    public SemanticVersion Version { get; }

    public string SourceDirectory { get; }

    public string ShadowDirectory { get; }

    public BrainTemplateDescription? Description { get; private set; }

    public IReadOnlyCollection<string> TaskNames => (IReadOnlyCollection<string>?)_tasks?.Keys ?? [];

    public int InFlight => Volatile.Read(ref _inFlight);

    public long Completed => Interlocked.Read(ref _completed);

    public BrainHealth LastHealth { get; set; } = new(BrainHealthStatus.Unhealthy, "not checked yet");

    internal PluginLoadContext? Context => _context;

    public void Initialize(IBrainTemplate template, BrainTemplateDescription description, ServiceProvider services, Dictionary<string, IComputeTask> tasks)
    {
        _template = template;
        Description = description;
        _services = services;
        _tasks = tasks;
    }

    public IBrainTemplate Template => _template ?? throw new ObjectDisposedException(Manifest.ToString());

    public IServiceProvider Services => _services ?? throw new ObjectDisposedException(Manifest.ToString());

    /// <summary>Registers a work item as in flight, unless this version is draining (then the caller re-reads the active version).</summary>
    public bool TryAcquire()
    {
        Interlocked.Increment(ref _inFlight);
        if (Volatile.Read(ref _draining) != 0)
        {
            Release();
            return false;
        }
        return true;
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _inFlight) == 0 && Volatile.Read(ref _draining) != 0)
        {
            _drained.TrySetResult();
        }
    }

    public async ValueTask<WorkResult> ExecuteAsync(WorkItem item, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        var tasks = _tasks ?? throw new ObjectDisposedException(Manifest.ToString());
        if (!tasks.TryGetValue(item.Task, out var task))
        {
            throw new ArgumentException($"plugin {Manifest} has no compute task '{item.Task}' (it has: {string.Join(", ", tasks.Keys)})", nameof(item));
        }
        var result = await task.ExecuteAsync(item, progress, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"plugin {Manifest} task '{item.Task}' returned null");
        Interlocked.Increment(ref _completed);
        return Detach(result);
    }

    /// <summary>
    /// Results outlive the plugin version that produced them, so anything of a plugin-defined type (a custom dictionary, a
    /// MemoryManager behind the payload) is copied into host types; plain arrays and framework dictionaries pass unchanged.
    /// </summary>
    private static WorkResult Detach(WorkResult result)
    {
        bool payloadIsArray = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(result.Payload, out _);
        bool metadataIsForeign = result.Metadata is { } metadata && metadata.GetType().Assembly.IsCollectible;
        if (payloadIsArray && !metadataIsForeign)
        {
            return result;
        }
        return new WorkResult(payloadIsArray ? result.Payload : result.Payload.ToArray(),
            metadataIsForeign ? new Dictionary<string, string>(result.Metadata!) : result.Metadata);
    }

    /// <summary>Stops accepting work; the returned task completes when the last in-flight item has finished.</summary>
    public Task BeginDrain()
    {
        // Interlocked gives the full fence that pairs with TryAcquire's increment-then-read.
        Interlocked.Exchange(ref _draining, 1);
        if (Volatile.Read(ref _inFlight) == 0)
        {
            _drained.TrySetResult();
        }
        return _drained.Task;
    }

    /// <summary>Stops the template and disposes its container, collecting (not throwing) their errors.</summary>
    public async Task<List<string>> StopAsync(bool started, TimeSpan timeout)
    {
        var errors = new List<string>();
        using var cts = new CancellationTokenSource(timeout);
        if (started && _template is { } template)
        {
            try
            {
                await template.StopAsync(cts.Token).WaitAsync(timeout).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                errors.Add($"StopAsync: {e.GetType().Name}: {e.Message}");
            }
        }
        if (_services is { } services)
        {
            try
            {
                await services.DisposeAsync().AsTask().WaitAsync(timeout).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                errors.Add($"container disposal: {e.GetType().Name}: {e.Message}");
            }
        }
        return errors;
    }

    /// <summary>
    /// Drops every reference into the plugin, unloads its context and returns a weak reference to it.
    /// Not inlined so that no local in the caller's frame keeps the context reachable.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public WeakReference? BeginUnload()
    {
        _template = null;
        _services = null;
        Description = null;
        _tasks = null;
        var context = _context;
        _context = null;
        if (context is null)
        {
            return null;
        }
        var weak = new WeakReference(context, trackResurrection: true);
        if (context.IsCollectible)
        {
            context.Unload();
        }
        return weak;
    }

    /// <summary>Forces collections until <paramref name="weak"/> dies or <paramref name="timeout"/> passes.</summary>
    public static async Task<(bool Collected, int Collections)> WaitForCollectionAsync(WeakReference weak, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        int collections = 0;
        for (int round = 0; ; round++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            collections++;
            if (!weak.IsAlive)
            {
                return (true, collections);
            }
            if (DateTime.UtcNow >= deadline)
            {
                return (false, collections);
            }
            // A few immediate rounds cover the common case; then back off so in-flight continuations can finish.
            if (round >= 3)
            {
                await Task.Delay(Math.Min(10 * round, 200)).ConfigureAwait(false);
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static (IReadOnlyList<string> Assemblies, IReadOnlyList<string> Holders) DescribeLeak(WeakReference weak)
    {
        if (weak.Target is not AssemblyLoadContext context)
        {
            return ([], []);
        }
        return (context.Assemblies.Select(a => a.GetName().Name ?? a.FullName ?? "?").ToList(), HolderProbe.Find(context));
    }
}
