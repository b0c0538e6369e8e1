using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using System.Text.Json.Nodes;
using BasedAI.Abstractions;
using BasedAI.Plugins.Runtime;

// Plugin loading and hot swap benchmark. A custom harness rather than BenchmarkDotNet: a cold load happens once per process,
// and memory growth across hundreds of swap cycles is a property of a long sequence, not of one repeated operation.
//   dotnet run -c Release --project tests/BasedAI.Plugins.Benchmarks -- [--loads N] [--swaps N]
int loads = Argument("--loads", 30);
int swaps = Argument("--swaps", 200);
string configuration = typeof(Program).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
string root = FindRoot();
string work = Path.Combine(Path.GetTempPath(), "basedai-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(work);
try
{
    Console.WriteLine($"# BasedAI.Plugins benchmark ({RuntimeInformationText()}, {configuration})");
    Console.WriteLine();
    Console.WriteLine("## Cold load (load context, versioned copy, dependency check, ConfigureServices, container, StartAsync, health check)");
    Console.WriteLine();
    Console.WriteLine("| plugin | first load in process (ms) | later loads, median (ms) | p99 (ms) | unload verified, median (ms) |");
    Console.WriteLine("|---|---:|---:|---:|---:|");
    foreach (string plugin in new[] { "Echo", "ConflictA", "ConflictB" })
    {
        string folder = Plugin(plugin);
        var loadTimes = new List<double>();
        var unloadTimes = new List<double>();
        for (int i = 0; i < loads; i++)
        {
            await using var runtime = new PluginRuntime(Options(work));
            long start = Stopwatch.GetTimestamp();
            var status = await runtime.LoadAsync(folder);
            loadTimes.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            var report = await runtime.RemoveAsync(status.Id);
            if (!report.Unloaded)
            {
                throw new InvalidOperationException(report.Describe());
            }
            unloadTimes.Add(report.Elapsed.TotalMilliseconds);
        }
        Console.WriteLine($"| {plugin} | {loadTimes[0]:F1} | {Median(loadTimes.Skip(1)):F2} | {Percentile(loadTimes.Skip(1), 0.99):F2} | {Median(unloadTimes):F2} |");
    }

    Console.WriteLine();
    Console.WriteLine($"## Hot swap under light load ({swaps} swaps of tests.echo between two versions, 2 threads submitting work)");
    Console.WriteLine();
    string v1 = Plugin("Echo");
    string v2 = Path.Combine(work, "echo-v2");
    CopyDirectory(v1, v2);
    var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(v2, "brain.json")))!.AsObject();
    manifest["version"] = "2.0.0";
    File.WriteAllText(Path.Combine(v2, "brain.json"), manifest.ToJsonString());

    await using (var runtime = new PluginRuntime(Options(work)))
    {
        await runtime.LoadAsync(v1);
        using var stop = new CancellationTokenSource();
        long served = 0;
        var workers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            byte[] payload = Encoding.UTF8.GetBytes("bench");
            while (!stop.IsCancellationRequested)
            {
                await runtime.ExecuteAsync("tests.echo", new WorkItem("b", "echo", payload));
                Interlocked.Increment(ref served);
                await Task.Delay(1);
            }
        })).ToList();

        // Preallocated so that the harness's own bookkeeping does not grow between the memory measurements.
        var switchTimes = new List<double>(swaps);
        var totalTimes = new List<double>(swaps);
        var unloadTimes = new List<double>(swaps);
        long memoryAfter10 = 0, memoryAfterAll = 0;
        var series = new List<string>(swaps / 100 + 1);
        int contextsAfter10 = 0, contextsAfterAll = 0;
        for (int i = 1; i <= swaps; i++)
        {
            long start = Stopwatch.GetTimestamp();
            var result = await runtime.SwapAsync("tests.echo", i % 2 == 1 ? v2 : v1);
            totalTimes.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            switchTimes.Add(result.LoadTime.TotalMilliseconds);
            unloadTimes.Add(result.Unload.Elapsed.TotalMilliseconds);
            if (!result.Unload.Unloaded)
            {
                throw new InvalidOperationException(result.Unload.Describe());
            }
            if (i == 10)
            {
                (memoryAfter10, contextsAfter10) = Measure();
            }
            if (i % 100 == 0 && i != swaps)
            {
                series.Add($"{i}: {Measure().Bytes / 1024.0:N0} KiB");
            }
        }
        (memoryAfterAll, contextsAfterAll) = Measure();
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        Console.WriteLine("| measure | p50 (ms) | p99 (ms) | max (ms) |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine($"| new version ready (load + start + health; old one serving meanwhile) | {Median(switchTimes):F2} | {Percentile(switchTimes, 0.99):F2} | {switchTimes.Max():F2} |");
        Console.WriteLine($"| whole swap (+ atomic switch, drain, stop, unload verified by GC) | {Median(totalTimes):F2} | {Percentile(totalTimes, 0.99):F2} | {totalTimes.Max():F2} |");
        Console.WriteLine($"| of which unload verification | {Median(unloadTimes):F2} | {Percentile(unloadTimes, 0.99):F2} | {unloadTimes.Max():F2} |");
        Console.WriteLine();
        Console.WriteLine($"Work items served during the swaps: {served:N0}, none failed.");
        Console.WriteLine();
        Console.WriteLine("| managed memory after full GC | after 10 swaps | after " + swaps + " swaps | growth |");
        Console.WriteLine("|---|---:|---:|---:|");
        Console.WriteLine($"| GC.GetTotalMemory(true) | {memoryAfter10 / 1024.0:N0} KiB | {memoryAfterAll / 1024.0:N0} KiB | {(memoryAfterAll - memoryAfter10) / 1024.0:+#,0;-#,0;0} KiB |");
        Console.WriteLine($"| live AssemblyLoadContexts | {contextsAfter10} | {contextsAfterAll} | {contextsAfterAll - contextsAfter10:+0;-0;0} |");
        if (series.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine($"Managed memory every 100 swaps: {string.Join(", ", series)}, {swaps}: {memoryAfterAll / 1024.0:N0} KiB.");
        }
    }
}
finally
{
    try { Directory.Delete(work, recursive: true); } catch (IOException) { }
}

static (long Bytes, int Contexts) Measure()
{
    for (int i = 0; i < 3; i++)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
    }
    return (GC.GetTotalMemory(forceFullCollection: true), AssemblyLoadContext.All.Count());
}

PluginRuntimeOptions Options(string directory) => new()
{
    ShadowDirectory = Path.Combine(directory, "shadow"),
    DataDirectory = Path.Combine(directory, "data"),
};

string Plugin(string name) => Path.Combine(root, "artifacts", "test-plugins", configuration, "BasedAI.TestPlugins." + name);

int Argument(string name, int fallback)
{
    int index = Array.IndexOf(args, name);
    return index >= 0 && index + 1 < args.Length ? int.Parse(args[index + 1], CultureInfo.InvariantCulture) : fallback;
}

static double Median(IEnumerable<double> values) => Percentile(values, 0.5);

static double Percentile(IEnumerable<double> values, double p)
{
    var sorted = values.Order().ToArray();
    return sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(p * sorted.Length) - 1)];
}

static string RuntimeInformationText() =>
    $"{System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}";

static void CopyDirectory(string source, string target)
{
    Directory.CreateDirectory(target);
    foreach (string file in Directory.GetFiles(source))
    {
        File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
    }
}

static string FindRoot()
{
    for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "BasedAI.Host.sln")))
        {
            return directory.FullName;
        }
    }
    throw new InvalidOperationException("BasedAI.Host.sln not found");
}
