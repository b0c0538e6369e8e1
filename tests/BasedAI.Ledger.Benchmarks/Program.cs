using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(BasedAI.Ledger.Benchmarks.YumaEpochBenchmark).Assembly).Run(args);
