using System.Diagnostics;
using BasedAI.Ledger.Yuma;

namespace BasedAI.Ledger.Benchmarks;

/// <summary>
/// `-- yuma-cpu [epochs]`: the full-Brain epoch of <see cref="YumaEpochBenchmark"/> timed by wall clock and by this process's CPU
/// time, on all cores and on one. CPU time is what a machine shared with other jobs still measures fairly.
/// </summary>
internal static class YumaCpuTime
{
    public static void Run(string[] args)
    {
        int epochs = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 40;
        var benchmark = new YumaEpochBenchmark();
        benchmark.Setup();
        YumaEpochInput input = benchmark.Input;
        Console.WriteLine($"Yuma epoch, 2048 UIDs (256 validators x 1792 miners); {epochs} epochs after 60 warm-up epochs; load: {LoadAverage()}");
        foreach (int parallelism in new[] { 0, 1 })
        {
            for (int i = 0; i < 60; i++)
            {
                YumaEpoch.Run(input, parallelism);
            }
            var wall = new double[epochs];
            var cpu = new double[epochs];
            using var process = Process.GetCurrentProcess();
            for (int i = 0; i < epochs; i++)
            {
                process.Refresh();
                TimeSpan cpuBefore = process.TotalProcessorTime;
                long start = Stopwatch.GetTimestamp();
                YumaEpoch.Run(input, parallelism);
                wall[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                process.Refresh();
                cpu[i] = (process.TotalProcessorTime - cpuBefore).TotalMilliseconds;
            }
            Array.Sort(wall);
            Array.Sort(cpu);
            string cores = parallelism == 0 ? $"{Environment.ProcessorCount} cores" : "1 core ";
            Console.WriteLine($"  {cores}: wall median {wall[epochs / 2]:F1} ms (min {wall[0]:F1}), CPU median {cpu[epochs / 2]:F1} ms (min {cpu[0]:F1})");
        }
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}
