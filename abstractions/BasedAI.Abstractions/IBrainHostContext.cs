using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace BasedAI.Abstractions;

/// <summary>
/// The host services a plugin receives. They are also registered as singletons in the plugin's container
/// (<see cref="ILoggerFactory"/>, <see cref="IConfiguration"/>, <see cref="TimeProvider"/>, and this interface).
/// </summary>
public interface IBrainHostContext
{
    /// <summary>The plugin's id from its manifest (reverse-DNS, e.g. <c>ai.based.evm</c>).</summary>
    string PluginId { get; }

    /// <summary>The version of the plugin being run (SemVer from its manifest).</summary>
    string PluginVersion { get; }

    /// <summary>The Brain this plugin serves, or null when it runs outside a Brain (tests, tools).</summary>
    int? BrainId { get; }

    /// <summary>A directory private to this plugin id, kept across versions and hot swaps.</summary>
    string DataDirectory { get; }

    /// <summary>The plugin's configuration section (host configuration under <c>Plugins:&lt;id&gt;</c>).</summary>
    IConfiguration Configuration { get; }

    /// <summary>Loggers whose categories are prefixed with the plugin id.</summary>
    ILoggerFactory LoggerFactory { get; }

    /// <summary>The host clock; tests substitute a fake one.</summary>
    TimeProvider Clock { get; }
}
