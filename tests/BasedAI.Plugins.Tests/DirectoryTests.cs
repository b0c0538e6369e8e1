using System.IO.Compression;
using BasedAI.Plugins.Hosting;

namespace BasedAI.Plugins.Tests;

public sealed class DirectoryTests
{
    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting until {what}");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task The_watched_directory_loads_swaps_on_drop_in_keeps_serving_on_a_bad_drop_and_unloads_on_removal()
    {
        using var temp = new TempDirectory();
        string plugins = temp.Sub("plugins");
        TestPlugins.Copy("Echo", plugins, folderName: "echo");
        await using var runtime = temp.Runtime();
        await using var watcher = new PluginDirectoryWatcher(runtime, plugins, debounce: TimeSpan.FromMilliseconds(200), pollInterval: TimeSpan.FromSeconds(1));
        await watcher.StartAsync(watch: true, CancellationToken.None);
        Assert.Equal("1.0.0", runtime.GetStatus("tests.echo")!.Version);

        // Drop a new version over the old folder, file by file, as a user copying it would.
        string v2 = TestPlugins.Copy("Echo", temp.Path, m => m["version"] = "2.0.0", "echo-v2");
        foreach (string file in Directory.GetFiles(v2))
        {
            File.Copy(file, Path.Combine(plugins, "echo", Path.GetFileName(file)), overwrite: true);
        }
        await WaitUntilAsync(() => runtime.GetStatus("tests.echo")?.Version == "2.0.0", "version 2.0.0 is active");
        Assert.Equal("x", await LoaderTests.RunAsync(runtime, "tests.echo", "echo", "x"));

        // A broken drop-in is reported and the running version keeps serving.
        TestPlugins.EditManifest(Path.Combine(plugins, "echo"), m => { m["version"] = "3.0.0"; m["entry"]!["type"] = "Nope.Missing"; });
        await WaitUntilAsync(() => watcher.Folders.Any(f => f.Version == "3.0.0" && f.Error is not null), "the bad version is reported");
        Assert.Contains("InvalidEntryType", watcher.Folders.Single().Error);
        Assert.Equal("2.0.0", runtime.GetStatus("tests.echo")!.Version);

        // A new folder is loaded; a removed folder is unloaded.
        TestPlugins.Copy("ConflictA", plugins, folderName: "conflict-a");
        await WaitUntilAsync(() => runtime.GetStatus("tests.conflict-a") is not null, "the new plugin is loaded");
        Directory.Delete(Path.Combine(plugins, "echo"), recursive: true);
        await WaitUntilAsync(() => runtime.GetStatus("tests.echo") is null, "the removed plugin is unloaded");
        Assert.Empty(runtime.Leaks);
    }

    [Fact]
    public async Task Plugins_that_depend_on_each_other_load_in_dependency_order()
    {
        using var temp = new TempDirectory();
        string plugins = temp.Sub("plugins");
        TestPlugins.Copy("Echo", plugins, m => m["dependencies"] = System.Text.Json.Nodes.JsonNode.Parse("""[{"id":"tests.zz-base","version":"[1.0.0,2.0.0)"}]"""), "aa-dependent");
        TestPlugins.Copy("Echo", plugins, m => m["id"] = "tests.zz-base", "zz-base");
        await using var runtime = temp.Runtime();
        await using var watcher = new PluginDirectoryWatcher(runtime, plugins);
        await watcher.StartAsync(watch: false, CancellationToken.None);
        Assert.Equal(["tests.echo", "tests.zz-base"], runtime.PluginIds.Order());
        Assert.All(watcher.Folders, f => Assert.Null(f.Error));
    }

    [Fact]
    public void Install_swap_and_remove_replace_whole_folders_from_folders_and_packages()
    {
        using var temp = new TempDirectory();
        var directory = new PluginDirectory(temp.Sub("plugins"));
        using (var staged = directory.Stage(TestPlugins.BuiltDirectory("Echo")))
        {
            Assert.Equal(Path.Combine(directory.Path, "tests.echo"), directory.Commit(staged, replace: false));
        }
        using (var again = directory.Stage(TestPlugins.BuiltDirectory("Echo")))
        {
            var conflict = Assert.Throws<PluginLoadException>(() => directory.Commit(again, replace: false));
            Assert.Contains("use 'basedai plugins swap'", conflict.Message);
        }

        string v2 = TestPlugins.Copy("Echo", temp.Path, m => m["version"] = "2.0.0", "v2");
        string package = Path.Combine(temp.Path, "echo.2.0.0.nupkg");
        ZipFile.CreateFromDirectory(v2, package, CompressionLevel.Fastest, includeBaseDirectory: true);
        using (var staged = directory.Stage(package))
        {
            directory.Commit(staged, replace: true);
        }
        Assert.Equal("2.0.0", Assert.Single(directory.List()).Manifest!.Version);
        Assert.Empty(Directory.GetDirectories(Path.Combine(directory.Path, ".staging")));

        directory.Remove("tests.echo");
        Assert.Empty(directory.List());
        Assert.Throws<InvalidOperationException>(() => directory.Remove("tests.echo"));
    }

    [Fact]
    public void Bad_sources_are_refused_and_leave_nothing_behind()
    {
        using var temp = new TempDirectory();
        var directory = new PluginDirectory(temp.Sub("plugins"));
        string garbage = Path.Combine(temp.Path, "garbage.nupkg");
        File.WriteAllBytes(garbage, [1, 2, 3, 4]);
        Assert.Contains("is not a readable .nupkg/.zip", Assert.Throws<PluginLoadException>(() => directory.Stage(garbage)).Message);
        Assert.Throws<FileNotFoundException>(() => directory.Stage(Path.Combine(temp.Path, "missing")));
        string empty = temp.Sub("empty");
        Assert.Contains("contains no brain.json", Assert.Throws<PluginLoadException>(() => directory.Stage(empty)).Message);
        Assert.Empty(Directory.GetDirectories(Path.Combine(directory.Path, ".staging")));
    }
}
