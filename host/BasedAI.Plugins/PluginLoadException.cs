using BasedAI.Plugins.Manifest;

namespace BasedAI.Plugins;

/// <summary>Why a plugin could not be loaded, started or swapped in.</summary>
public enum PluginErrorKind
{
    /// <summary>brain.json is missing, is not JSON, or breaks the schema.</summary>
    InvalidManifest,
    /// <summary>The manifest's apiVersion is not supported by this host's BasedAI.Abstractions.</summary>
    IncompatibleApiVersion,
    /// <summary>The manifest's hostVersion range excludes this host.</summary>
    IncompatibleHostVersion,
    /// <summary>A plugin named in the manifest's dependencies is not loaded, or its version is out of range.</summary>
    MissingPluginDependency,
    /// <summary>The manifest asks for a permission the host configuration denies.</summary>
    PermissionDenied,
    /// <summary>The entry assembly is missing from the plugin folder.</summary>
    MissingEntryAssembly,
    /// <summary>An assembly is not a valid .NET assembly (truncated, corrupt, wrong format).</summary>
    CorruptAssembly,
    /// <summary>An assembly the plugin references is neither in its folder nor shared by the host.</summary>
    MissingDependency,
    /// <summary>The entry type does not exist, is not public, or does not implement IBrainTemplate.</summary>
    InvalidEntryType,
    /// <summary>The entry type's constructor, Describe or ConfigureServices threw, or its container could not be built.</summary>
    InitializationFailed,
    /// <summary>StartAsync threw or timed out.</summary>
    StartFailed,
    /// <summary>The health check reported Unhealthy, threw or timed out.</summary>
    Unhealthy,
    /// <summary>The request conflicts with the host's state (duplicate id, id changed, plugin not unloadable).</summary>
    Conflict,
}

/// <summary>A plugin failed to load, start or swap in. The message names the plugin, the step and the cause.</summary>
public sealed class PluginLoadException : Exception
{
    /// <summary>Creates an exception.</summary>
    /// <remarks>
    /// Errors raised by plugin code are passed as <paramref name="details"/> text, not as an inner exception: an exception object
    /// thrown from a plugin references its code and would keep the plugin's load context from unloading.
    /// </remarks>
    public PluginLoadException(PluginErrorKind kind, string source, string? pluginId, string message,
        IReadOnlyList<ManifestError>? manifestErrors = null, string? details = null)
        : base(Format(kind, source, pluginId, message))
    {
        Details = details;
        Kind = kind;
        Source = source;
        PluginId = pluginId;
        Reason = message;
        ManifestErrors = manifestErrors ?? [];
    }

    /// <summary>What went wrong.</summary>
    public PluginErrorKind Kind { get; }

    /// <summary>The plugin folder or file the error is about.</summary>
    public new string Source { get; }

    /// <summary>The plugin id, when the manifest was readable.</summary>
    public string? PluginId { get; }

    /// <summary>The underlying error with its stack trace, as text, when there was one.</summary>
    public string? Details { get; }

    /// <summary>The cause, without the plugin prefix.</summary>
    public string Reason { get; }

    /// <summary>The schema or semantic errors, for <see cref="PluginErrorKind.InvalidManifest"/>.</summary>
    public IReadOnlyList<ManifestError> ManifestErrors { get; }

    private static string Format(PluginErrorKind kind, string source, string? pluginId, string message) =>
        $"plugin {(pluginId ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(source)))} ({kind}): {message}";
}
