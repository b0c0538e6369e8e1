using System.Text.Json.Nodes;
using BasedAI.Plugins.Runtime;

namespace BasedAI.Plugins.Tests;

/// <summary>Each broken plugin fails with a specific error, is fully unloaded, and the host and its other plugins keep working.</summary>
public sealed class BadPluginTests
{
    public static TheoryData<string, string, PluginErrorKind, string> Cases => new()
    {
        { "invalid manifest", "Echo", PluginErrorKind.InvalidManifest, "$.version: value does not match the pattern" },
        { "missing manifest", "Echo", PluginErrorKind.InvalidManifest, "no brain.json in" },
        { "manifest not JSON", "Echo", PluginErrorKind.InvalidManifest, "not valid JSON" },
        { "missing entry type", "Faulty", PluginErrorKind.InvalidEntryType, "entry type 'BasedAI.TestPlugins.Faulty.Missing' is not in BasedAI.TestPlugins.Faulty.dll (IBrainTemplate implementations there: " },
        { "entry type not a template", "Faulty", PluginErrorKind.InvalidEntryType, "does not implement BasedAI.Abstractions.IBrainTemplate" },
        { "constructor throws", "Faulty", PluginErrorKind.InitializationFailed, "ConstructorThrows constructor threw InvalidOperationException: constructor refuses to run" },
        { "ConfigureServices throws", "Faulty", PluginErrorKind.InitializationFailed, "ConfigureServices threw InvalidOperationException: cannot register" },
        { "start throws", "Faulty", PluginErrorKind.StartFailed, "StartAsync threw InvalidOperationException: model file missing" },
        { "unhealthy", "Faulty", PluginErrorKind.Unhealthy, "health check reported Unhealthy: GPU not found" },
        { "wrong apiVersion", "Echo", PluginErrorKind.IncompatibleApiVersion, "apiVersion 2.0 is not supported: this host implements BasedAI.Abstractions 1.0" },
        { "host version out of range", "Echo", PluginErrorKind.IncompatibleHostVersion, "it requires host version [5.0.0,6.0.0); this host is 0.1.0" },
        { "missing dependency", "ConflictA", PluginErrorKind.MissingDependency, "assembly 'BasedAI.TestLib, Version=1.0.0.0, Culture=neutral, PublicKeyToken=null', referenced by BasedAI.TestPlugins.ConflictA.dll, is neither in the plugin folder nor provided by the host" },
        { "corrupt assembly", "Echo", PluginErrorKind.CorruptAssembly, "entry assembly 'BasedAI.TestPlugins.Echo.dll' is not a valid .NET assembly" },
        { "truncated dependency", "ConflictA", PluginErrorKind.CorruptAssembly, "assembly 'BasedAI.TestLib', referenced by BasedAI.TestPlugins.ConflictA.dll, could not be loaded" },
        { "missing entry assembly", "Echo", PluginErrorKind.MissingEntryAssembly, "entry assembly 'BasedAI.TestPlugins.Echo.dll' is not in the plugin folder" },
        { "missing plugin dependency", "Echo", PluginErrorKind.MissingPluginDependency, "it depends on plugin 'ai.based.execution.cuda', which is not loaded" },
        { "denied permission", "Native", PluginErrorKind.PermissionDenied, "it asks for permission(s) this host denies: native-code" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_plugin_gives_a_clear_error_while_the_host_and_other_plugins_keep_running(string scenario, string plugin, PluginErrorKind kind, string expected)
    {
        using var temp = new TempDirectory();
        var options = temp.RuntimeOptions(unloadTimeout: TimeSpan.FromSeconds(5));
        options.DeniedPermissions.Add("native-code");
        await using var runtime = new PluginRuntime(options);
        await runtime.LoadAsync(TestPlugins.Copy("Echo", temp.Path, m => m["id"] = "tests.healthy", "healthy"));
        string folder = TestPlugins.Copy(plugin, temp.Path, folderName: "bad");
        Break(scenario, folder);

        var error = await Assert.ThrowsAsync<PluginLoadException>(() => runtime.LoadAsync(folder));

        Assert.Equal(kind, error.Kind);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(["tests.healthy"], runtime.PluginIds);
        Assert.Equal("alive", await LoaderTests.RunAsync(runtime, "tests.healthy", "echo", "alive"));
        Assert.Empty(runtime.Leaks);
        Assert.Empty(LoaderTests.AssembliesOf($"{error.PluginId}", temp.Path));
    }

    private static void Break(string scenario, string folder)
    {
        void Entry(string type) => TestPlugins.EditManifest(folder, m => m["entry"]!["type"] = type);
        switch (scenario)
        {
            case "invalid manifest": TestPlugins.EditManifest(folder, m => m["version"] = "1.0"); break;
            case "missing manifest": File.Delete(Path.Combine(folder, "brain.json")); break;
            case "manifest not JSON": File.WriteAllText(Path.Combine(folder, "brain.json"), "{ \"id\": \"tests.x\", "); break;
            case "missing entry type": Entry("BasedAI.TestPlugins.Faulty.Missing"); break;
            case "entry type not a template": Entry("BasedAI.TestPlugins.Faulty.NotATemplate"); break;
            case "constructor throws": Entry("BasedAI.TestPlugins.Faulty.ConstructorThrows"); break;
            case "ConfigureServices throws": Entry("BasedAI.TestPlugins.Faulty.ConfigureServicesThrows"); break;
            case "start throws": Entry("BasedAI.TestPlugins.Faulty.StartThrows"); break;
            case "unhealthy": Entry("BasedAI.TestPlugins.Faulty.ReportsUnhealthy"); break;
            case "wrong apiVersion": TestPlugins.EditManifest(folder, m => m["apiVersion"] = "2.0"); break;
            case "host version out of range": TestPlugins.EditManifest(folder, m => m["hostVersion"] = "[5.0.0,6.0.0)"); break;
            case "missing dependency": File.Delete(Path.Combine(folder, "BasedAI.TestLib.dll")); break;
            case "corrupt assembly":
                byte[] bytes = File.ReadAllBytes(Path.Combine(folder, "BasedAI.TestPlugins.Echo.dll"));
                new Random(7).NextBytes(bytes.AsSpan(0, 512));
                File.WriteAllBytes(Path.Combine(folder, "BasedAI.TestPlugins.Echo.dll"), bytes);
                break;
            case "truncated dependency":
                string library = Path.Combine(folder, "BasedAI.TestLib.dll");
                File.WriteAllBytes(library, File.ReadAllBytes(library)[..300]);
                break;
            case "missing entry assembly": File.Delete(Path.Combine(folder, "BasedAI.TestPlugins.Echo.dll")); break;
            case "missing plugin dependency":
                TestPlugins.EditManifest(folder, m => m["dependencies"] = new JsonArray(new JsonObject { ["id"] = "ai.based.execution.cuda" }));
                break;
            case "denied permission": break;
            default: throw new ArgumentException(scenario);
        }
    }

    [Fact]
    public async Task A_second_plugin_with_the_same_id_is_refused()
    {
        using var temp = new TempDirectory();
        await using var runtime = temp.Runtime();
        await runtime.LoadAsync(TestPlugins.Copy("Echo", temp.Path));
        var error = await Assert.ThrowsAsync<PluginLoadException>(() => runtime.LoadAsync(TestPlugins.Copy("Echo", temp.Path, folderName: "again")));
        Assert.Equal(PluginErrorKind.Conflict, error.Kind);
        Assert.Contains("already loaded; swap it instead", error.Message);
    }
}
