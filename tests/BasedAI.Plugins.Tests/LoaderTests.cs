using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using System.Text;
using BasedAI.Abstractions;
using BasedAI.Plugins.Runtime;
using Microsoft.Extensions.Configuration;

namespace BasedAI.Plugins.Tests;

public sealed class LoaderTests
{
    internal static async Task<string> RunAsync(PluginRuntime runtime, string pluginId, string task, string payload, Dictionary<string, string>? metadata = null)
    {
        var result = await runtime.ExecuteAsync(pluginId, new WorkItem(Guid.NewGuid().ToString("N"), task, Encoding.UTF8.GetBytes(payload), metadata));
        return Encoding.UTF8.GetString(result.Payload.Span);
    }

    /// <summary>
    /// The assemblies of live contexts named <paramref name="contextName"/> loaded from under <paramref name="root"/> (tests run
    /// in parallel and load the same plugins). Names, versions and paths only: holding an Assembly would keep its context alive.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static List<(string Name, Version Version, string Location)> AssembliesOf(string contextName, string root) =>
        AssemblyLoadContext.All.Where(c => c.Name == contextName).SelectMany(c => c.Assemblies)
            .Where(a => a.Location.StartsWith(root, StringComparison.Ordinal))
            .Select(a => (a.GetName().Name!, a.GetName().Version!, a.Location)).ToList();

    [Fact]
    public async Task Loads_a_plugin_with_its_configuration_and_data_directory_and_runs_its_task()
    {
        using var temp = new TempDirectory();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Plugins:tests.echo:Prefix"] = ">> " }).Build();
        await using var runtime = temp.Runtime(configuration: configuration);
        var status = await runtime.LoadAsync(TestPlugins.Copy("Echo", temp.Path));

        Assert.Equal(("tests.echo", "1.0.0", BrainHealthStatus.Healthy), (status.Id, status.Version, status.Health.Status));
        Assert.Equal(["echo"], status.ComputeTasks);
        Assert.Equal(">> hello", await RunAsync(runtime, "tests.echo", "echo", "hello"));
        Assert.True(Directory.Exists(Path.Combine(temp.Path, "data", "tests.echo")));
        var unknown = await Assert.ThrowsAsync<ArgumentException>(() => RunAsync(runtime, "tests.echo", "nope", ""));
        Assert.Contains("has no compute task 'nope' (it has: echo)", unknown.Message);
    }

    [Fact]
    public async Task Shared_contracts_come_from_the_host_even_though_the_plugin_folder_carries_copies()
    {
        using var temp = new TempDirectory();
        string folder = TestPlugins.Copy("Echo", temp.Path);
        Assert.True(File.Exists(Path.Combine(folder, "BasedAI.Abstractions.dll")));
        Assert.True(File.Exists(Path.Combine(folder, "Microsoft.Extensions.Logging.Abstractions.dll")));
        await using var runtime = temp.Runtime();
        await runtime.LoadAsync(folder);

        var names = AssembliesOf("tests.echo@1.0.0", temp.Path).Select(a => a.Name).ToList();
        Assert.Contains("BasedAI.TestPlugins.Echo", names);
        Assert.DoesNotContain("BasedAI.Abstractions", names);
        Assert.DoesNotContain(names, n => n!.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Plugins_run_from_a_versioned_copy_so_the_dropped_in_folder_can_be_replaced_or_deleted()
    {
        using var temp = new TempDirectory();
        string folder = TestPlugins.Copy("Echo", temp.Path);
        await using var runtime = temp.Runtime();
        await runtime.LoadAsync(folder);

        string location = AssembliesOf("tests.echo@1.0.0", temp.Path).Single(a => a.Name == "BasedAI.TestPlugins.Echo").Location;
        Assert.StartsWith(Path.Combine(temp.Path, "shadow"), location, StringComparison.Ordinal);
        File.WriteAllBytes(Path.Combine(folder, "BasedAI.TestPlugins.Echo.dll"), [1, 2, 3]);
        Directory.Delete(folder, recursive: true);
        Assert.Equal("still here", await RunAsync(runtime, "tests.echo", "echo", "still here"));
    }

    [Fact]
    public async Task Unload_is_verified_and_the_versioned_copy_removed()
    {
        using var temp = new TempDirectory();
        await using var runtime = temp.Runtime();
        await runtime.LoadAsync(TestPlugins.Copy("Echo", temp.Path));
        await RunAsync(runtime, "tests.echo", "echo", "x");

        var report = await runtime.RemoveAsync("tests.echo");

        Assert.True(report.Unloaded, report.Describe() + string.Join(" | ", report.StopErrors));
        Assert.Equal("1.0.0", File.ReadAllText(Path.Combine(temp.Path, "data", "tests.echo", "container-disposed")));
        Assert.Empty(AssembliesOf("tests.echo@1.0.0", temp.Path));
        Assert.Empty(Directory.EnumerateDirectories(Path.Combine(temp.Path, "shadow"), "1.0.0-*", SearchOption.AllDirectories));
        Assert.Empty(runtime.PluginIds);
        await Assert.ThrowsAsync<InvalidOperationException>(() => RunAsync(runtime, "tests.echo", "echo", "x"));
    }

    [Fact]
    public async Task A_leaking_plugin_is_detected_and_reported_with_its_holder_while_others_keep_running()
    {
        using var temp = new TempDirectory();
        await using var runtime = temp.Runtime(unloadTimeout: TimeSpan.FromSeconds(1));
        await runtime.LoadAsync(TestPlugins.Copy("Echo", temp.Path));
        await runtime.LoadAsync(TestPlugins.Copy("Leaky", temp.Path));

        var report = await runtime.RemoveAsync("tests.leaky");

        Assert.False(report.Unloaded);
        Assert.Contains("BasedAI.TestPlugins.Leaky", report.AssembliesStillLoaded);
        Assert.Contains(report.Holders, h => h.Contains("ProcessExit", StringComparison.Ordinal) && h.Contains("LeakyTemplate.OnProcessExit", StringComparison.Ordinal));
        Assert.StartsWith("LEAK: tests.leaky@1.0.0 was not collected", report.Describe(), StringComparison.Ordinal);
        Assert.Contains(runtime.Leaks, l => l.PluginId == "tests.leaky");
        Assert.Equal("fine", await RunAsync(runtime, "tests.echo", "echo", "fine"));
    }

    [Fact]
    public async Task Native_libraries_resolve_from_the_plugin_folder()
    {
        using var temp = new TempDirectory();
        string folder = TestPlugins.Copy("Native", temp.Path);
        Assert.True(File.Exists(SystemNativeLibrary), SystemNativeLibrary);
        // A copy of a runtime library under a name only the plugin's context can resolve.
        File.Copy(SystemNativeLibrary, Path.Combine(folder, "libbasedai_native_probe.so"));
        await using var runtime = temp.Runtime();
        await runtime.LoadAsync(folder);

        Assert.Equal(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), await RunAsync(runtime, "tests.native", "native.pid", ""));
    }

    [Fact]
    public async Task Native_libraries_resolve_through_the_plugins_deps_json()
    {
        using var temp = new TempDirectory();
        string folder = TestPlugins.Copy("Native", temp.Path);
        // Declared as a package's RID-specific native asset for the generic 'linux' RID, as NuGet writes one. Only
        // AssemblyDependencyResolver (which knows the RID graph: linux-x64 -> linux) finds it; the folder probe looks in runtimes/linux-x64.
        string nativeDirectory = Path.Combine(folder, "runtimes", "linux", "native");
        Directory.CreateDirectory(nativeDirectory);
        File.Copy(SystemNativeLibrary, Path.Combine(nativeDirectory, "libbasedai_native_deps.so"));
        string depsPath = Path.Combine(folder, "BasedAI.TestPlugins.Native.deps.json");
        var deps = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(depsPath))!;
        var target = deps["targets"]!.AsObject().Single().Value!.AsObject();
        target.Single(p => p.Key.StartsWith("BasedAI.TestPlugins.Native/", StringComparison.Ordinal)).Value!["dependencies"]!["BasedAI.NativeProbe"] = "1.0.0";
        target["BasedAI.NativeProbe/1.0.0"] = System.Text.Json.Nodes.JsonNode.Parse(
            """{ "runtimeTargets": { "runtimes/linux/native/libbasedai_native_deps.so": { "rid": "linux", "assetType": "native", "fileVersion": "0.0.0.0" } } }""");
        deps["libraries"]!["BasedAI.NativeProbe/1.0.0"] = System.Text.Json.Nodes.JsonNode.Parse("""{ "type": "package", "serviceable": false, "sha512": "" }""");
        File.WriteAllText(depsPath, deps.ToJsonString());
        await using var runtime = temp.Runtime();
        await runtime.LoadAsync(folder);

        Assert.Equal(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), await RunAsync(runtime, "tests.native", "native.pid-deps", ""));
        await Assert.ThrowsAsync<DllNotFoundException>(() => RunAsync(runtime, "tests.native", "native.pid", ""));
    }

    private static string SystemNativeLibrary =>
        Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), OperatingSystem.IsWindows() ? "System.Native.dll" : "libSystem.Native.so");

    [Fact]
    public async Task Two_plugins_with_conflicting_versions_of_one_library_run_side_by_side()
    {
        using var temp = new TempDirectory();
        await using var runtime = temp.Runtime();
        await runtime.LoadAsync(TestPlugins.Copy("ConflictA", temp.Path));
        await runtime.LoadAsync(TestPlugins.Copy("ConflictB", temp.Path));

        Assert.Equal("1.0.0:HELLO", await RunAsync(runtime, "tests.conflict-a", "library", "hello"));
        Assert.Equal("2.0.0:olleholleh", await RunAsync(runtime, "tests.conflict-b", "library", "hello"));
        var versions = AssembliesOf("tests.conflict-a@1.0.0", temp.Path).Concat(AssembliesOf("tests.conflict-b@1.0.0", temp.Path))
            .Where(a => a.Name == "BasedAI.TestLib").Select(a => a.Version.Major).Order();
        Assert.Equal([1, 2], versions);
    }
}
