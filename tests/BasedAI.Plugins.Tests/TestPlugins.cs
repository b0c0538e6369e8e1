using System.Reflection;
using System.Text.Json.Nodes;
using BasedAI.Plugins.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace BasedAI.Plugins.Tests;

/// <summary>The test plugins under tests/plugins, built into artifacts/test-plugins/&lt;Configuration&gt;/, copied per test.</summary>
internal static class TestPlugins
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Configuration { get; } =
        typeof(TestPlugins).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string BuiltDirectory(string name)
    {
        string directory = Path.Combine(RepositoryRoot, "artifacts", "test-plugins", Configuration, "BasedAI.TestPlugins." + name);
        Assert.True(Directory.Exists(directory), $"test plugin {name} is not built at {directory}");
        return directory;
    }

    /// <summary>Copies test plugin <paramref name="name"/> into <paramref name="parent"/>, editing its manifest.</summary>
    public static string Copy(string name, string parent, Action<JsonObject>? editManifest = null, string? folderName = null)
    {
        string target = Path.Combine(parent, folderName ?? name);
        Loading.ShadowCopies.CopyDirectory(BuiltDirectory(name), target);
        if (editManifest is not null)
        {
            EditManifest(target, editManifest);
        }
        return target;
    }

    public static void EditManifest(string pluginDirectory, Action<JsonObject> edit)
    {
        string path = Path.Combine(pluginDirectory, "brain.json");
        var manifest = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(manifest);
        File.WriteAllText(path, manifest.ToJsonString());
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "BasedAI.Host.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("BasedAI.Host.sln not found above the test output directory");
    }
}

/// <summary>A temporary directory holding plugin copies, a shadow root and data, removed after the test.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "basedai-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Sub(string name)
    {
        string sub = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(sub);
        return sub;
    }

    public PluginRuntimeOptions RuntimeOptions(TimeSpan? unloadTimeout = null)
    {
        var options = new PluginRuntimeOptions
        {
            ShadowDirectory = System.IO.Path.Combine(Path, "shadow"),
            DataDirectory = System.IO.Path.Combine(Path, "data"),
            HostVersion = "0.1.0",
        };
        if (unloadTimeout is { } timeout)
        {
            options.UnloadTimeout = timeout;
        }
        return options;
    }

    public PluginRuntime Runtime(TimeSpan? unloadTimeout = null, IConfiguration? configuration = null, ILoggerFactory? loggerFactory = null) =>
        new(RuntimeOptions(unloadTimeout), loggerFactory, configuration);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leaked test context may still map a file; the OS temp cleaner removes it.
        }
    }
}
