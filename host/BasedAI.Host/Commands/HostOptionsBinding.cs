using System.CommandLine;
using BasedAI.Host.Hosting;
using BasedAI.Plugins;
using Microsoft.Extensions.Configuration;

namespace BasedAI.Host.Commands;

/// <summary>Options shared by the host and plugin commands, and how they become configuration.</summary>
internal static class HostOptionsBinding
{
    public static Option<string?> Home() => new("--home")
    {
        Description = "Host home directory (default ~/.basedai; config Host:Home, env BASEDAI_Host__Home).",
    };

    public static Option<string?> PluginsDirectory() => new("--plugins-dir")
    {
        Description = "Plugins directory, one sub-folder per plugin (default <home>/plugins; config Host:PluginsDirectory).",
    };

    /// <summary>Builds the configuration, with the command's options taking precedence over every other source.</summary>
    public static IConfigurationRoot Configuration(ParseResult parseResult, Option<string?> home, Option<string?> pluginsDirectory, IDictionary<string, string?>? extra = null)
    {
        var overrides = new Dictionary<string, string?>(extra ?? new Dictionary<string, string?>())
        {
            ["Host:Home"] = parseResult.GetValue(home),
            ["Host:PluginsDirectory"] = parseResult.GetValue(pluginsDirectory),
        };
        return HostConfiguration.Build(parseResult.UnmatchedTokens, overrides);
    }

    /// <summary>Writes a plugin error the same way everywhere and picks the exit code: the plugin's own fault is invalid input.</summary>
    public static int Report(PluginLoadException error)
    {
        Console.Error.WriteLine($"error: {error.Message}");
        foreach (var manifestError in error.ManifestErrors)
        {
            Console.Error.WriteLine($"  {manifestError}");
        }
        return error.Kind switch
        {
            PluginErrorKind.Conflict or PluginErrorKind.StartFailed or PluginErrorKind.Unhealthy or PluginErrorKind.InitializationFailed
                or PluginErrorKind.MissingPluginDependency or PluginErrorKind.PermissionDenied => ExitCodes.Failure,
            _ => ExitCodes.InvalidInput,
        };
    }
}
