using System.Diagnostics;
using System.Reflection;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using BasedAI.Fhe.Benchmarks;

// `--quick [N]`: a plain stopwatch pass (median of repeated runs) for fast iteration; anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "--quick")
{
    int[] sizes = args.Length > 1 ? [int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture)] : [8192, 16384];
    foreach (int n in sizes)
    {
        var bench = new CkksBenchmarks { N = n };
        bench.Setup();
        foreach (var method in typeof(CkksBenchmarks).GetMethods().Where(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null))
        {
            string name = method.GetCustomAttribute<BenchmarkAttribute>()!.Description ?? method.Name;
            var timings = new List<double>();
            var total = Stopwatch.StartNew();
            while (timings.Count < 5 || (total.ElapsedMilliseconds < 1500 && timings.Count < 2000))
            {
                var sw = Stopwatch.StartNew();
                method.Invoke(bench, null);
                timings.Add(sw.Elapsed.TotalMicroseconds);
            }

            timings.Sort();
            Console.WriteLine($"N={n,6}  {name,-36} {timings[timings.Count / 2],12:F1} µs   (min {timings[0]:F1}, {timings.Count} runs)");
        }

        bench.Cleanup();
    }

    return;
}

BenchmarkSwitcher.FromAssembly(typeof(CkksBenchmarks).Assembly).Run(args);
