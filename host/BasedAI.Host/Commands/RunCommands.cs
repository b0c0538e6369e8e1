using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using BasedAI.Abstractions;
using BasedAI.Host.Hosting;
using BasedAI.Plugins.Hosting;
using BasedAI.Plugins.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace BasedAI.Host.Commands;

/// <summary><c>basedai run</c>: start the host over a plugins directory and serve the loaded Brain tasks.</summary>
internal static class RunCommands
{
    public static Command Create()
    {
        var home = HostOptionsBinding.Home();
        var pluginsDirectory = HostOptionsBinding.PluginsDirectory();
        var noWatch = new Option<bool>("--no-watch") { Description = "Load the plugins once; do not follow the directory (no drop-in hot swap)." };
        var plugin = new Option<string?>("--plugin") { Description = "Plugin id to send work to (default: the only loaded plugin)." };
        var task = new Option<string?>("--task") { Description = "Compute task to run (default: the plugin's first task)." };
        var payload = new Option<string>("--payload") { Description = "UTF-8 payload of each work item.", DefaultValueFactory = _ => "hello from basedai" };
        var count = new Option<int>("--count") { Description = "Submit this many work items, print a summary, then stop the host (0: just serve).", DefaultValueFactory = _ => 0 };
        var concurrency = new Option<int>("--concurrency") { Description = "Work items in flight at once with --count.", DefaultValueFactory = _ => 4 };
        var duration = new Option<double>("--duration") { Description = "Stop the host after this many seconds (0: until Ctrl+C, or until --count is done).", DefaultValueFactory = _ => 0 };
        var command = new Command("run", "Start the BasedAI host: load every plugin in the plugins directory (verified, health-checked), follow the directory " +
            "for drop-in installs and hot swaps, and serve the Brain tasks until stopped. Configuration: embedded defaults < appsettings.json < " +
            "BASEDAI_* environment variables < --Section:Key=value arguments < options.")
        {
            home, pluginsDirectory, noWatch, plugin, task, payload, count, concurrency, duration,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            var overrides = new Dictionary<string, string?>();
            if (parseResult.GetValue(noWatch))
            {
                overrides["Host:Watch"] = "false";
            }
            var configuration = HostOptionsBinding.Configuration(parseResult, home, pluginsDirectory, overrides);
            int items = parseResult.GetValue(count), parallel = parseResult.GetValue(concurrency);
            if (items < 0 || parallel < 1)
            {
                throw new ArgumentException("--count must be at least 0 and --concurrency at least 1");
            }
            using var host = BasedAIHost.Build(configuration);
            await host.StartAsync(cancellationToken);
            int exitCode = ExitCodes.Success;
            try
            {
                var runtime = host.Services.GetRequiredService<PluginRuntime>();
                var watcher = host.Services.GetRequiredService<PluginHostService>().Watcher!;
                var status = runtime.GetStatus();
                Console.WriteLine($"host {PluginRuntime.DefaultHostVersion} serving {status.Count} plugin(s) from {watcher.PluginsDirectory}");
                foreach (var s in status)
                {
                    Console.WriteLine($"  {s.Id} {s.Version}: tasks [{string.Join(", ", s.ComputeTasks)}], {s.Health.Status}");
                }
                foreach (var failed in watcher.Folders.Where(f => f.Error is not null))
                {
                    Console.WriteLine($"  not loaded: {failed.Error}");
                }
                using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                if (parseResult.GetValue(duration) is > 0 and var seconds)
                {
                    stop.CancelAfter(TimeSpan.FromSeconds(seconds));
                }
                if (items > 0)
                {
                    exitCode = await SubmitAsync(runtime, parseResult.GetValue(plugin), parseResult.GetValue(task), parseResult.GetValue(payload)!, items, parallel, stop.Token);
                }
                else
                {
                    await Task.Delay(Timeout.Infinite, stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);
                }
            }
            finally
            {
                // Drains and unloads every plugin, verifying each unload, whatever happened above.
                await host.StopAsync(CancellationToken.None);
            }
            return exitCode;
        });
        return command;
    }

    private static async Task<int> SubmitAsync(PluginRuntime runtime, string? pluginId, string? taskName, string payload, int count, int concurrency, CancellationToken cancellationToken)
    {
        var loaded = runtime.GetStatus();
        var target = pluginId is not null
            ? runtime.GetStatus(pluginId) ?? throw new InvalidOperationException($"plugin '{pluginId}' is not loaded (loaded: {string.Join(", ", loaded.Select(s => s.Id))})")
            : loaded.Count == 1 ? loaded[0]
            : throw new InvalidOperationException(loaded.Count == 0 ? "no plugin is loaded; install one with 'basedai plugins install <folder>'" : $"several plugins are loaded ({string.Join(", ", loaded.Select(s => s.Id))}); choose one with --plugin");
        string task = taskName ?? (target.ComputeTasks.Count > 0 ? target.ComputeTasks[0] : throw new InvalidOperationException($"plugin {target.Id} has no compute task"));
        byte[] bytes = Encoding.UTF8.GetBytes(payload);
        var latencies = new ConcurrentBag<double>();
        var versions = new ConcurrentDictionary<string, int>();
        var failures = new ConcurrentQueue<string>();
        string? sample = null;
        int next = -1;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Math.Min(concurrency, count)).Select(_ => Task.Run(async () =>
        {
            for (int i = Interlocked.Increment(ref next); i < count && !cancellationToken.IsCancellationRequested; i = Interlocked.Increment(ref next))
            {
                long start = Stopwatch.GetTimestamp();
                try
                {
                    var (result, version) = await runtime.ExecuteOnActiveAsync(target.Id, new WorkItem(i.ToString(CultureInfo.InvariantCulture), task, bytes), null, cancellationToken);
                    latencies.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    versions.AddOrUpdate(version, 1, (_, n) => n + 1);
                    Interlocked.CompareExchange(ref sample, PluginsCommands.Describe(result.Payload.Span), null);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    failures.Enqueue($"work item {i}: {e.GetType().Name}: {e.Message}");
                }
            }
        }, CancellationToken.None)));
        var sorted = latencies.Order().ToArray();
        double Percentile(double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
        Console.WriteLine($"ran {sorted.Length + failures.Count} of {count} work item(s) on {target.Id} task '{task}' in {clock.Elapsed.TotalSeconds:F2} s: " +
            $"{sorted.Length} succeeded, {failures.Count} failed; latency p50 {Percentile(0.5):F3} ms, p99 {Percentile(0.99):F3} ms");
        Console.WriteLine($"versions that served: {string.Join(", ", versions.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => $"{v.Key} x{v.Value}"))}");
        if (sample is not null)
        {
            Console.WriteLine($"result: {sample}");
        }
        foreach (string failure in failures.Take(5))
        {
            Console.Error.WriteLine($"error: {failure}");
        }
        return failures.IsEmpty && sorted.Length == count ? ExitCodes.Success : ExitCodes.Failure;
    }
}
