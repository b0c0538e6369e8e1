using BenchmarkDotNet.Running;

if (args.Length > 0 && args[0] == "yuma-cpu")
{
    BasedAI.Ledger.Benchmarks.YumaCpuTime.Run(args);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(BasedAI.Ledger.Benchmarks.YumaEpochBenchmark).Assembly).Run(args);
