using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using BasedAI.Abstractions;
using BasedAI.Plugins.Runtime;

namespace BasedAI.Plugins.Tests;

public sealed class HotSwapTests
{
    private static string EchoVersion(TempDirectory temp, string version) =>
        TestPlugins.Copy("Echo", temp.Sub("versions"), m => m["version"] = version, "echo-" + version);

    private static async Task<(string Payload, string Version)> EchoAsync(PluginRuntime runtime, string payload, int delayMs = 0)
    {
        var metadata = delayMs > 0 ? new Dictionary<string, string> { ["delayMs"] = delayMs.ToString(CultureInfo.InvariantCulture) } : null;
        var result = await runtime.ExecuteAsync("tests.echo", new WorkItem(payload, "echo", Encoding.UTF8.GetBytes(payload), metadata));
        return (Encoding.UTF8.GetString(result.Payload.Span), result.Metadata!["version"]);
    }

    [Fact]
    public async Task Swap_switches_to_the_new_version_and_verifies_the_old_one_unloaded()
    {
        using var temp = new TempDirectory();
        await using var runtime = temp.Runtime();
        await runtime.LoadAsync(EchoVersion(temp, "1.0.0"));
        Assert.Equal("1.0.0", (await EchoAsync(runtime, "a")).Version);

        var swap = await runtime.SwapAsync("tests.echo", EchoVersion(temp, "2.0.0"));

        Assert.Equal(("1.0.0", "2.0.0"), (swap.OldVersion, swap.NewVersion));
        Assert.True(swap.Unload.Unloaded, swap.Unload.Describe());
        Assert.Equal("2.0.0", (await EchoAsync(runtime, "b")).Version);
        Assert.Equal(1, runtime.GetStatus("tests.echo")!.Swaps);
        Assert.Empty(LoaderTests.AssembliesOf("tests.echo@1.0.0", temp.Path));
    }

    public static TheoryData<string, PluginErrorKind> FailingVersions => new()
    {
        { "BasedAI.TestPlugins.Faulty.StartThrows", PluginErrorKind.StartFailed },
        { "BasedAI.TestPlugins.Faulty.ReportsUnhealthy", PluginErrorKind.Unhealthy },
        { "BasedAI.TestPlugins.Faulty.ConstructorThrows", PluginErrorKind.InitializationFailed },
        { "BasedAI.TestPlugins.Faulty.Missing", PluginErrorKind.InvalidEntryType },
    };

    [Theory]
    [MemberData(nameof(FailingVersions))]
    public async Task A_version_that_fails_to_load_start_or_pass_health_rolls_back_and_the_old_one_keeps_serving(string entryType, PluginErrorKind kind)
    {
        using var temp = new TempDirectory();
        await using var runtime = temp.Runtime();
        await runtime.LoadAsync(EchoVersion(temp, "1.0.0"));
        string broken = TestPlugins.Copy("Faulty", temp.Path, m =>
        {
            m["id"] = "tests.echo";
            m["version"] = "2.0.0";
            m["entry"]!["type"] = entryType;
        });

        var error = await Assert.ThrowsAsync<PluginLoadException>(() => runtime.SwapAsync("tests.echo", broken));

        Assert.Equal(kind, error.Kind);
        Assert.EndsWith("swap rolled back, tests.echo@1.0.0 keeps serving", error.Message, StringComparison.Ordinal);
        Assert.Equal("1.0.0", (await EchoAsync(runtime, "still")).Version);
        Assert.Equal("1.0.0", runtime.GetStatus("tests.echo")!.Version);
        Assert.Empty(runtime.Leaks);
        Assert.Empty(LoaderTests.AssembliesOf("tests.echo@2.0.0", temp.Path));
    }

    [Fact]
    public async Task A_swap_must_keep_the_plugin_id()
    {
        using var temp = new TempDirectory();
        await using var runtime = temp.Runtime();
        await runtime.LoadAsync(EchoVersion(temp, "1.0.0"));
        string other = TestPlugins.Copy("Echo", temp.Path, m => m["id"] = "tests.other");

        var error = await Assert.ThrowsAsync<PluginLoadException>(() => runtime.SwapAsync("tests.echo", other));

        Assert.Equal(PluginErrorKind.Conflict, error.Kind);
        Assert.Contains("plugin ids are immutable", error.Message);
    }

    [Fact]
    public async Task In_flight_work_finishes_on_the_old_version_while_new_work_goes_to_the_new_one()
    {
        using var temp = new TempDirectory();
        await using var runtime = temp.Runtime();
        await runtime.LoadAsync(EchoVersion(temp, "1.0.0"));
        var slow = EchoAsync(runtime, "slow", delayMs: 700);
        while (runtime.GetStatus("tests.echo")!.InFlight == 0)
        {
            await Task.Delay(5);
        }

        var swap = runtime.SwapAsync("tests.echo", EchoVersion(temp, "2.0.0"));
        while (runtime.GetStatus("tests.echo")!.Version != "2.0.0")
        {
            await Task.Delay(5);
        }
        var fast = await EchoAsync(runtime, "fast");
        Assert.False(swap.IsCompleted, "the swap waits for the old version's in-flight work");

        Assert.Equal(("slow", "1.0.0"), await slow);
        Assert.Equal(("fast", "2.0.0"), fast);
        var result = await swap;
        Assert.True(result.Unload.Unloaded, result.Unload.Describe());
        Assert.True(result.DrainTime > TimeSpan.FromMilliseconds(100), $"drain took {result.DrainTime}");
    }

    [Fact]
    public async Task Under_load_twenty_swaps_in_ten_seconds_lose_or_fail_no_work_item()
    {
        using var temp = new TempDirectory();
        await using var runtime = temp.Runtime();
        var versions = Enumerable.Range(1, 21).Select(i => $"1.0.{i}").ToList();
        var folders = versions.Select(v => EchoVersion(temp, v)).ToList();
        await runtime.LoadAsync(folders[0]);

        var duration = TimeSpan.FromSeconds(10);
        var failures = new ConcurrentQueue<string>();
        var seenVersions = new ConcurrentDictionary<string, int>();
        long submitted = 0, completed = 0;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker);
            for (int i = 0; clock.Elapsed < duration; i++)
            {
                string payload = $"w{worker}-{i}";
                Interlocked.Increment(ref submitted);
                try
                {
                    // Some items take a while, so that swaps regularly find work in flight on the old version.
                    var (echoed, version) = await EchoAsync(runtime, payload, delayMs: random.Next(4) == 0 ? random.Next(1, 30) : 0);
                    if (echoed != payload)
                    {
                        failures.Enqueue($"{payload} came back as {echoed}");
                    }
                    seenVersions.AddOrUpdate(version, 1, (_, n) => n + 1);
                    Interlocked.Increment(ref completed);
                }
                catch (Exception e)
                {
                    failures.Enqueue($"{payload}: {e.GetType().Name}: {e.Message}");
                }
            }
        })).ToList();

        var swaps = new List<SwapResult>();
        for (int i = 1; i <= 20; i++)
        {
            var due = duration * i / 21;
            if (clock.Elapsed < due)
            {
                await Task.Delay(due - clock.Elapsed);
            }
            swaps.Add(await runtime.SwapAsync("tests.echo", folders[i]));
        }
        await Task.WhenAll(workers);

        Assert.Empty(failures);
        Assert.Equal(submitted, completed);
        Assert.True(completed > 1000, $"only {completed} work items completed");
        Assert.Equal(20, swaps.Count);
        Assert.All(swaps, s => Assert.True(s.Unload.Unloaded, s.Unload.Describe()));
        Assert.Equal("1.0.21", runtime.GetStatus("tests.echo")!.Version);
        Assert.True(seenVersions.Count >= 15, $"work ran on only {seenVersions.Count} versions");
        Assert.Empty(runtime.Leaks);
    }
}
