using BasedAI.Evm.Benchmarks;
using BenchmarkDotNet.Running;

if (args.Length > 0 && args[0] == "mgas")
{
    return MgasReport.Run(args[1..]);
}
BenchmarkSwitcher.FromAssembly(typeof(MgasReport).Assembly).Run(args);
return 0;
