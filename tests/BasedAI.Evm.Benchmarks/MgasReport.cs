using System.Diagnostics;
using System.Globalization;
using BasedAI.Evm.Execution;
using BasedAI.Evm.Numerics;
using BasedAI.Evm.Primitives;
using BasedAI.Evm.State;
using BasedAI.Evm.Transactions;

namespace BasedAI.Evm.Benchmarks;

/// <summary>A contract workload: runtime code and the calldata of one call.</summary>
public sealed record Workload(string Name, byte[] Code, byte[] CallData);

/// <summary>Runs workloads through the transaction processor and reports gas per second.</summary>
public static class MgasReport
{
    public static readonly Address Contract = Address.Parse("0x1000000000000000000000000000000000000000");
    public static readonly Address Sender = Address.Parse("0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b");

    public static int Run(string[] args)
    {
        int repetitions = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5;
        Console.WriteLine("| workload | gas per call | median wall ms | median CPU ms | Mgas/s (CPU) |");
        Console.WriteLine("|---|---:|---:|---:|---:|");
        foreach (Workload workload in Workloads.All())
        {
            Measurement m = Measure(workload, repetitions);
            Console.WriteLine($"| {workload.Name} | {m.Gas:N0} | {m.WallMs:F2} | {m.CpuMs:F2} | {m.Gas / m.CpuMs / 1000:F0} |");
        }
        return 0;
    }

    /// <summary>Gas of one call with the median wall and CPU time of <c>repetitions</c> runs after a warm-up.</summary>
    public readonly record struct Measurement(long Gas, double WallMs, double CpuMs);

    /// <summary>
    /// Runs a workload repeatedly. CPU time (the process's processor time) is reported next to wall time because the
    /// benchmark machine is shared: it does not count time the process spent waiting for a core.
    /// </summary>
    public static Measurement Measure(Workload workload, int repetitions)
    {
        var wall = new List<double>();
        var cpu = new List<double>();
        long gas = 0;
        Execute(workload); // warm-up (JIT, code analysis cache)
        using Process process = Process.GetCurrentProcess();
        for (int i = 0; i < repetitions; i++)
        {
            process.Refresh();
            TimeSpan cpuStart = process.TotalProcessorTime;
            var stopwatch = Stopwatch.StartNew();
            gas = Execute(workload);
            wall.Add(stopwatch.Elapsed.TotalMilliseconds);
            process.Refresh();
            cpu.Add((process.TotalProcessorTime - cpuStart).TotalMilliseconds);
        }
        wall.Sort();
        cpu.Sort();
        return new Measurement(gas, wall[wall.Count / 2], cpu[cpu.Count / 2]);
    }

    /// <summary>One call on a fresh state; returns the gas used by execution (excluding the 21000 base and calldata).</summary>
    public static long Execute(Workload workload)
    {
        var state = new WorldState();
        state.SetAccount(Contract, 1, default, workload.Code);
        state.SetAccount(Sender, 0, UInt256.Parse("0xffffffffffffffffffffffffffff"), []);
        var block = new BlockContext { Coinbase = Address.FromNumber(0xcb), Number = 1, Timestamp = 1000, GasLimit = long.MaxValue / 2, BaseFee = UInt256.One };
        var tx = new Transaction { Type = TransactionType.DynamicFee, ChainId = 1, GasLimit = 4_000_000_000, MaxFeePerGas = UInt256.One, To = Contract, Data = workload.CallData };
        TransactionResult result = TransactionProcessor.Execute(state, block, tx, Sender, block.GasLimit);
        if (!result.Success)
        {
            throw new InvalidOperationException($"{workload.Name} did not succeed: {result.Error} {result.Reason}");
        }
        return result.GasUsed - TransactionProcessor.IntrinsicGas(tx);
    }
}
