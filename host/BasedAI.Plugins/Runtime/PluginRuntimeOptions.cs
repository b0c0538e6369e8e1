namespace BasedAI.Plugins.Runtime;

/// <summary>Settings of the plugin runtime (configuration section <c>Host:Plugins</c>).</summary>
public sealed class PluginRuntimeOptions
{
    /// <summary>Where plugin versions are copied before loading (one sub-folder per host process).</summary>
    public string ShadowDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "basedai-shadow");

    /// <summary>Parent of every plugin's private data directory (<c>&lt;DataDirectory&gt;/&lt;plugin id&gt;</c>).</summary>
    public string DataDirectory { get; set; } = Path.Combine(Path.GetTempPath(), "basedai-data");

    /// <summary>The host version that manifests' <c>hostVersion</c> ranges are checked against.</summary>
    public string HostVersion { get; set; } = PluginRuntime.DefaultHostVersion;

    /// <summary>The Brain served by this host, passed to plugins as <c>IBrainHostContext.BrainId</c>.</summary>
    public int? BrainId { get; set; }

    /// <summary>Manifest permissions this host refuses (e.g. <c>network</c>); a plugin asking for one is not loaded.</summary>
    public IList<string> DeniedPermissions { get; } = [];

    /// <summary>Assembly names shared with plugins in addition to <see cref="Loading.SharedAssemblies.DefaultNames"/>.</summary>
    public IList<string> AdditionalSharedAssemblies { get; } = [];

    /// <summary>Limit for <c>StartAsync</c>.</summary>
    public TimeSpan StartTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Limit for one health check.</summary>
    public TimeSpan HealthTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a swapped-out version may take to finish its in-flight work.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Limit for <c>StopAsync</c> and container disposal.</summary>
    public TimeSpan StopTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long the host waits for an unloaded context to be collected before reporting a leak.</summary>
    public TimeSpan UnloadTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
