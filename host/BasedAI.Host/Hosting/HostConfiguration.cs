using BasedAI.Plugins.Hosting;
using BasedAI.Plugins.Runtime;
using Microsoft.Extensions.Configuration;

namespace BasedAI.Host.Hosting;

/// <summary>
/// Configuration for every command, in increasing precedence: the defaults embedded in the executable, <c>appsettings.json</c>
/// and <c>appsettings.&lt;environment&gt;.json</c> in the working directory (optional), environment variables prefixed
/// <c>BASEDAI_</c> (<c>BASEDAI_Host__PluginsDirectory</c>), then <c>--Section:Key=value</c> arguments and command options.
/// </summary>
internal static class HostConfiguration
{
    public static IConfigurationRoot Build(IEnumerable<string> configurationArguments, IDictionary<string, string?>? overrides = null)
    {
        string environment = Environment.GetEnvironmentVariable("BASEDAI_ENVIRONMENT") ?? "Production";
        using var defaults = typeof(HostConfiguration).Assembly.GetManifestResourceStream("BasedAI.Host.appsettings.json")
            ?? throw new InvalidOperationException("the embedded appsettings.json is missing");
        var builder = new ConfigurationBuilder()
            .AddJsonStream(CopyOf(defaults))
            .SetBasePath(Directory.GetCurrentDirectory())
            .AddJsonFile("appsettings.json", optional: true)
            .AddJsonFile($"appsettings.{environment}.json", optional: true)
            .AddEnvironmentVariables("BASEDAI_")
            .AddCommandLine(configurationArguments.ToArray());
        if (overrides is not null)
        {
            builder.AddInMemoryCollection(overrides.Where(o => o.Value is not null));
        }
        return builder.Build();
    }

    private static MemoryStream CopyOf(Stream stream)
    {
        var copy = new MemoryStream();
        stream.CopyTo(copy);
        copy.Position = 0;
        return copy;
    }

    public static string Home(IConfiguration configuration) => ExpandHome(configuration["Host:Home"] is { Length: > 0 } home ? home : "~/.basedai");

    public static string PluginsDirectory(IConfiguration configuration) =>
        configuration["Host:PluginsDirectory"] is { Length: > 0 } path ? Path.GetFullPath(ExpandHome(path)) : Path.Combine(Home(configuration), "plugins");

    public static string DataDirectory(IConfiguration configuration) =>
        configuration["Host:DataDirectory"] is { Length: > 0 } path ? Path.GetFullPath(ExpandHome(path)) : Path.Combine(Home(configuration), "data");

    public static PluginHostOptions HostOptions(IConfiguration configuration)
    {
        var options = new PluginHostOptions();
        configuration.GetSection("Host").Bind(options);
        options.PluginsDirectory = PluginsDirectory(configuration);
        return options;
    }

    public static PluginRuntimeOptions RuntimeOptions(IConfiguration configuration)
    {
        var options = new PluginRuntimeOptions();
        configuration.GetSection("Host:Plugins").Bind(options);
        string home = Home(configuration);
        options.DataDirectory = Path.Combine(DataDirectory(configuration), "plugins");
        options.ShadowDirectory = Path.Combine(home, "shadow");
        if (int.TryParse(configuration["Host:BrainId"], out int brainId))
        {
            options.BrainId = brainId;
        }
        return options;
    }

    private static string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.Length > 2 ? path[2..] : "")
            : Path.GetFullPath(path);
}
