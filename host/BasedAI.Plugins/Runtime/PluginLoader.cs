using System.Reflection;
using BasedAI.Abstractions;
using BasedAI.Plugins.Loading;
using BasedAI.Plugins.Manifest;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BasedAI.Plugins.Runtime;

/// <summary>
/// Turns a plugin folder into a started, healthy <see cref="LoadedPlugin"/>, or a <see cref="PluginLoadException"/> that names
/// the step that failed. Whatever was loaded before the failure is stopped and unloaded again.
/// </summary>
internal sealed class PluginLoader(PluginRuntimeOptions options, ShadowCopies shadowCopies, SharedAssemblies shared,
    ILoggerFactory loggerFactory, IConfiguration configuration, TimeProvider clock)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("BasedAI.Plugins");
    private readonly SemanticVersion _hostVersion = SemanticVersion.Parse(options.HostVersion);
    private readonly List<UnloadReport> _leaks = [];

    /// <summary>Unloads that did not complete, including those of versions that failed to start.</summary>
    public IReadOnlyList<UnloadReport> Leaks
    {
        get { lock (_leaks) { return _leaks.ToList(); } }
    }

    /// <summary>Reads and checks the manifest of <paramref name="sourceDirectory"/> without loading code.</summary>
    public PluginManifest ReadManifest(string sourceDirectory, Func<string, SemanticVersion?> loadedVersionOf)
    {
        if (!Directory.Exists(sourceDirectory))
        {
            throw new DirectoryNotFoundException($"plugin folder '{sourceDirectory}' does not exist");
        }
        var manifest = PluginManifestReader.ReadFromDirectory(sourceDirectory);
        if (!PluginManifestReader.IsApiVersionSupported(manifest.ApiVersion, out string reason))
        {
            throw Fail(PluginErrorKind.IncompatibleApiVersion, sourceDirectory, manifest, reason);
        }
        if (manifest.HostVersion is { } hostRange && !VersionRange.Parse(hostRange).Contains(_hostVersion))
        {
            throw Fail(PluginErrorKind.IncompatibleHostVersion, sourceDirectory, manifest, $"it requires host version {hostRange}; this host is {_hostVersion}");
        }
        var denied = manifest.Permissions.Where(p => options.DeniedPermissions.Contains(p, StringComparer.OrdinalIgnoreCase)).ToList();
        if (denied.Count > 0)
        {
            throw Fail(PluginErrorKind.PermissionDenied, sourceDirectory, manifest, $"it asks for permission(s) this host denies: {string.Join(", ", denied)}");
        }
        foreach (var dependency in manifest.Dependencies.Where(d => !d.Optional))
        {
            var loaded = loadedVersionOf(dependency.Id);
            if (loaded is null)
            {
                throw Fail(PluginErrorKind.MissingPluginDependency, sourceDirectory, manifest, $"it depends on plugin '{dependency.Id}', which is not loaded");
            }
            if (dependency.Version is { } range && !VersionRange.Parse(range).Contains(loaded))
            {
                throw Fail(PluginErrorKind.MissingPluginDependency, sourceDirectory, manifest, $"it depends on plugin '{dependency.Id}' {range}; {loaded} is loaded");
            }
        }
        if (!File.Exists(Path.Combine(sourceDirectory, manifest.Entry.Assembly)))
        {
            throw Fail(PluginErrorKind.MissingEntryAssembly, sourceDirectory, manifest, $"entry assembly '{manifest.Entry.Assembly}' is not in the plugin folder");
        }
        return manifest;
    }

    /// <summary>Loads, initializes, starts and health-checks the plugin in <paramref name="sourceDirectory"/>.</summary>
    public async Task<LoadedPlugin> LoadAsync(string sourceDirectory, Func<string, SemanticVersion?> loadedVersionOf, CancellationToken cancellationToken)
    {
        var manifest = ReadManifest(sourceDirectory, loadedVersionOf);
        string shadow = shadowCopies.Create(sourceDirectory, manifest.Id, manifest.Version);
        string entryPath = Path.Combine(shadow, manifest.Entry.Assembly);
        var plugin = new LoadedPlugin(manifest, sourceDirectory, shadow,
            new PluginLoadContext($"{manifest.Id}@{manifest.Version}", entryPath, shared, manifest.Unloadable));
        var (failure, started) = await TryStartAsync(plugin, entryPath, cancellationToken).ConfigureAwait(false);
        if (failure is null)
        {
            return plugin;
        }
        // The failure carries only text: an exception object from plugin code would keep the context alive.
        await UnloadAsync(plugin, started, options.UnloadTimeout).ConfigureAwait(false);
        throw failure;
    }

    private async Task<(PluginLoadException? Failure, bool Started)> TryStartAsync(LoadedPlugin plugin, string entryPath, CancellationToken cancellationToken)
    {
        bool started = false;
        try
        {
            var entryType = ResolveEntryType(plugin, plugin.Context!, entryPath);
            Initialize(plugin, entryType);
            await StartAsync(plugin).WaitAsync(cancellationToken).ConfigureAwait(false);
            started = true;
            await CheckHealthForSwitchAsync(plugin, cancellationToken).ConfigureAwait(false);
            return (null, true);
        }
        catch (PluginLoadException e)
        {
            return (e, started);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return (Fail(PluginErrorKind.StartFailed, plugin.SourceDirectory, plugin.Manifest, "cancelled while loading"), started);
        }
        catch (Exception e)
        {
            return (Fail(PluginErrorKind.InitializationFailed, plugin.SourceDirectory, plugin.Manifest, $"{e.GetType().Name}: {e.Message}", e), started);
        }
    }

    private static Type ResolveEntryType(LoadedPlugin plugin, PluginLoadContext context, string entryPath)
    {
        var manifest = plugin.Manifest;
        Assembly entryAssembly;
        try
        {
            entryAssembly = context.LoadFromAssemblyPath(entryPath);
        }
        catch (BadImageFormatException e)
        {
            throw Fail(PluginErrorKind.CorruptAssembly, plugin.SourceDirectory, manifest, $"entry assembly '{manifest.Entry.Assembly}' is not a valid .NET assembly ({e.Message})", e);
        }
        catch (FileLoadException e)
        {
            throw Fail(PluginErrorKind.CorruptAssembly, plugin.SourceDirectory, manifest, $"entry assembly '{manifest.Entry.Assembly}' could not be loaded ({e.Message})", e);
        }
        VerifyReferences(plugin, context, entryAssembly);

        Type? type;
        try
        {
            type = entryAssembly.GetType(manifest.Entry.Type, throwOnError: false);
        }
        catch (Exception e) when (e is FileNotFoundException or TypeLoadException or BadImageFormatException)
        {
            throw Fail(PluginErrorKind.InvalidEntryType, plugin.SourceDirectory, manifest, $"entry type '{manifest.Entry.Type}' could not be loaded: {e.Message}", e);
        }
        if (type is null)
        {
            throw Fail(PluginErrorKind.InvalidEntryType, plugin.SourceDirectory, manifest,
                $"entry type '{manifest.Entry.Type}' is not in {manifest.Entry.Assembly}{DescribeCandidates(entryAssembly)}");
        }
        if (!typeof(IBrainTemplate).IsAssignableFrom(type))
        {
            bool foreignContract = type.GetInterfaces().Any(i => i.FullName == typeof(IBrainTemplate).FullName);
            throw Fail(PluginErrorKind.InvalidEntryType, plugin.SourceDirectory, manifest, foreignContract
                ? $"entry type '{type.FullName}' implements an IBrainTemplate from a different BasedAI.Abstractions than the host's"
                : $"entry type '{type.FullName}' does not implement {typeof(IBrainTemplate).FullName}");
        }
        if (type.IsAbstract || !type.IsPublic && !type.IsNestedPublic || type.GetConstructor(Type.EmptyTypes) is null)
        {
            throw Fail(PluginErrorKind.InvalidEntryType, plugin.SourceDirectory, manifest,
                $"entry type '{type.FullName}' must be a public, non-abstract class with a public parameterless constructor");
        }
        return type;
    }

    /// <summary>
    /// Loads every assembly the plugin's own assemblies reference, so a missing or corrupt dependency is reported now, naming
    /// the file that needs it, rather than as a TypeLoadException in the middle of a work item.
    /// </summary>
    private static void VerifyReferences(LoadedPlugin plugin, PluginLoadContext context, Assembly entryAssembly)
    {
        var pending = new Queue<Assembly>([entryAssembly]);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { entryAssembly.GetName().Name! };
        while (pending.TryDequeue(out var assembly))
        {
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                if (reference.Name is null || !seen.Add(reference.Name))
                {
                    continue;
                }
                Assembly loaded;
                try
                {
                    loaded = context.LoadFromAssemblyName(reference);
                }
                catch (FileNotFoundException e)
                {
                    throw Fail(PluginErrorKind.MissingDependency, plugin.SourceDirectory, plugin.Manifest,
                        $"assembly '{reference.FullName}', referenced by {assembly.GetName().Name}.dll, is neither in the plugin folder nor provided by the host", e);
                }
                catch (Exception e) when (e is BadImageFormatException or FileLoadException)
                {
                    throw Fail(PluginErrorKind.CorruptAssembly, plugin.SourceDirectory, plugin.Manifest,
                        $"assembly '{reference.Name}', referenced by {assembly.GetName().Name}.dll, could not be loaded ({e.Message})", e);
                }
                // Only the plugin's private assemblies are walked further; the host's and the framework's are already consistent.
                if (System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(loaded) == context)
                {
                    pending.Enqueue(loaded);
                }
            }
        }
    }

    private static string DescribeCandidates(Assembly assembly)
    {
        try
        {
            var names = assembly.GetExportedTypes().Where(t => typeof(IBrainTemplate).IsAssignableFrom(t) && !t.IsAbstract).Select(t => t.FullName).ToList();
            return names.Count == 0 ? " (it exports no IBrainTemplate implementation)" : $" (IBrainTemplate implementations there: {string.Join(", ", names)})";
        }
        catch (Exception e) when (e is TypeLoadException or FileNotFoundException)
        {
            return "";
        }
    }

    private void Initialize(LoadedPlugin plugin, Type entryType)
    {
        var manifest = plugin.Manifest;
        string step = "constructor";
        try
        {
            var template = (IBrainTemplate)Activator.CreateInstance(entryType)!;
            step = "Describe";
            var described = template.Describe() ?? throw new InvalidOperationException("Describe returned null");
            // Copied into host-owned arrays: a list built by plugin code may be of a type defined in the plugin
            // (collection expressions synthesize one), and the host keeps the description after unload.
            var description = new BrainTemplateDescription(described.DisplayName, [.. described.ComputeTasks ?? []], [.. described.Capabilities ?? []]);
            string dataDirectory = Path.Combine(options.DataDirectory, manifest.Id);
            Directory.CreateDirectory(dataDirectory);
            // A detached copy of the plugin's section: subscribing to the host configuration's reload token would pin the plugin.
            var section = new ConfigurationBuilder()
                .AddInMemoryCollection(configuration.GetSection($"Plugins:{manifest.Id}").AsEnumerable(makePathsRelative: true))
                .Build();
            var host = new PluginHostContext(manifest.Id, manifest.Version, options.BrainId, dataDirectory, section,
                new PluginLoggerFactory(loggerFactory, manifest.Id), clock);
            var registration = new PluginRegistrationContext(host);
            step = "ConfigureServices";
            template.ConfigureServices(registration);
            step = "building its service container";
            var services = registration.Services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
            step = "resolving its compute tasks";
            var tasks = new Dictionary<string, IComputeTask>(StringComparer.Ordinal);
            foreach (var task in services.GetServices<IComputeTask>())
            {
                if (!tasks.TryAdd(task.Name, task))
                {
                    throw new InvalidOperationException($"two compute tasks are named '{task.Name}'");
                }
            }
            plugin.Initialize(template, description, services, tasks);
        }
        catch (Exception e) when (e is not PluginLoadException)
        {
            var cause = e is TargetInvocationException { InnerException: { } inner } ? inner : e;
            var kind = cause is FileNotFoundException or FileLoadException ? PluginErrorKind.MissingDependency : PluginErrorKind.InitializationFailed;
            throw Fail(kind, plugin.SourceDirectory, manifest, $"{entryType.FullName} {step} threw {cause.GetType().Name}: {cause.Message}", cause);
        }
    }

    private async Task StartAsync(LoadedPlugin plugin)
    {
        using var cts = new CancellationTokenSource(options.StartTimeout);
        try
        {
            await plugin.Template.StartAsync(plugin.Services, cts.Token).WaitAsync(options.StartTimeout).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            string why = e is TimeoutException or OperationCanceledException ? $"did not start within {options.StartTimeout.TotalSeconds:F0} s" : $"StartAsync threw {e.GetType().Name}: {e.Message}";
            throw Fail(PluginErrorKind.StartFailed, plugin.SourceDirectory, plugin.Manifest, why, e);
        }
    }

    /// <summary>The gate before traffic: Unhealthy, a throw or a timeout all keep the new version out.</summary>
    private async Task CheckHealthForSwitchAsync(LoadedPlugin plugin, CancellationToken cancellationToken)
    {
        var health = await CheckHealthAsync(plugin, cancellationToken).ConfigureAwait(false);
        if (health.Status == BrainHealthStatus.Unhealthy)
        {
            throw Fail(PluginErrorKind.Unhealthy, plugin.SourceDirectory, plugin.Manifest, $"health check reported Unhealthy: {health.Description ?? "no description"}");
        }
    }

    public async Task<BrainHealth> CheckHealthAsync(LoadedPlugin plugin, CancellationToken cancellationToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(options.HealthTimeout);
        BrainHealth health;
        try
        {
            health = await plugin.Template.CheckHealthAsync(cts.Token).WaitAsync(options.HealthTimeout, cancellationToken).ConfigureAwait(false)
                ?? new BrainHealth(BrainHealthStatus.Unhealthy, "CheckHealthAsync returned null");
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            health = new BrainHealth(BrainHealthStatus.Unhealthy, e is TimeoutException or OperationCanceledException
                ? $"health check did not answer within {options.HealthTimeout.TotalSeconds:F0} s"
                : $"health check threw {e.GetType().Name}: {e.Message}");
        }
        plugin.LastHealth = health;
        return health;
    }

    /// <summary>Stops, disposes, unloads and verifies the unload of <paramref name="plugin"/>; logs a leak instead of hiding it.</summary>
    public async Task<UnloadReport> UnloadAsync(LoadedPlugin plugin, bool started, TimeSpan unloadTimeout)
    {
        var stopErrors = await plugin.StopAsync(started, options.StopTimeout).ConfigureAwait(false);
        foreach (string error in stopErrors)
        {
            _logger.LogWarning("Plugin {Plugin} failed while stopping: {Error}", plugin.Manifest, error);
        }
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var weak = plugin.BeginUnload();
        if (weak is null)
        {
            return new UnloadReport(plugin.Manifest.Id, plugin.Manifest.Version, true, TimeSpan.Zero, 0, [], [], stopErrors);
        }
        if (!plugin.Manifest.Unloadable)
        {
            _logger.LogWarning("Plugin {Plugin} declares unloadable=false; its code stays loaded until the host restarts", plugin.Manifest);
            return new UnloadReport(plugin.Manifest.Id, plugin.Manifest.Version, false, TimeSpan.Zero, 0, [], ["the manifest declares unloadable=false"], stopErrors);
        }
        var (collected, collections) = await LoadedPlugin.WaitForCollectionAsync(weak, unloadTimeout).ConfigureAwait(false);
        UnloadReport report;
        if (collected)
        {
            report = new UnloadReport(plugin.Manifest.Id, plugin.Manifest.Version, true, watch.Elapsed, collections, [], [], stopErrors);
            ShadowCopies.TryDelete(plugin.ShadowDirectory);
            _logger.LogInformation("{Report}", report.Describe());
        }
        else
        {
            var (assemblies, holders) = LoadedPlugin.DescribeLeak(weak);
            report = new UnloadReport(plugin.Manifest.Id, plugin.Manifest.Version, false, watch.Elapsed, collections, assemblies, holders, stopErrors);
            _logger.LogError("{Report}", report.Describe());
            lock (_leaks)
            {
                _leaks.Add(report);
            }
        }
        return report;
    }

    /// <summary>Builds the error; the cause is kept as text only (see <see cref="PluginLoadException.Details"/>).</summary>
    private static PluginLoadException Fail(PluginErrorKind kind, string source, PluginManifest manifest, string message, Exception? cause = null) =>
        new(kind, source, $"{manifest.Id}@{manifest.Version}", message, details: cause?.ToString());
}
