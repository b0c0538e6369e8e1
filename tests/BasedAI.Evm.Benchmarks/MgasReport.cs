using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using BasedAI.Evm.Execution;
using BasedAI.Evm.Numerics;
using BasedAI.Evm.Primitives;
using BasedAI.Evm.State;
using BasedAI.Evm.Transactions;

namespace BasedAI.Evm.Benchmarks;

/// <summary>
/// <c>mgas [repetitions] [--compare]</c>: runs every workload through the transaction processor and prints gas per second;
/// with <c>--compare</c> the same workloads also run in @ethereumjs/vm (tests/interop/evm/bench.mjs) in the same run.
/// </summary>
public static class MgasReport
{
    public static readonly Address Sender = Address.Parse("0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b");

    private static readonly BlockContext Block = new()
    {
        Coinbase = Address.FromNumber(0xcb), Number = 1, Timestamp = 1000, GasLimit = long.MaxValue / 2, BaseFee = UInt256.One,
    };

    public static int Run(string[] args)
    {
        int repetitions = args.Length > 0 && int.TryParse(args[0], CultureInfo.InvariantCulture, out int r) ? r : 5;
        bool compare = args.Contains("--compare");
        List<Workload> workloads = Workloads.All().ToList();
        Dictionary<string, double> ethereumjs = compare ? RunEthereumJs(workloads) : [];

        Console.WriteLine(compare
            ? "| workload | gas per call | BasedEVM median CPU ms | BasedEVM Mgas/s | ethereumjs Mgas/s | ratio |"
            : "| workload | gas per call | median wall ms | median CPU ms | Mgas/s (CPU) |");
        Console.WriteLine(compare ? "|---|---:|---:|---:|---:|---:|" : "|---|---:|---:|---:|---:|");
        foreach (Workload workload in workloads)
        {
            Measurement m = Measure(workload, repetitions);
            double mgas = m.Gas / m.CpuMs / 1000;
            if (compare)
            {
                double theirs = ethereumjs.GetValueOrDefault(workload.Name);
                Console.WriteLine($"| {workload.Name} | {m.Gas:N0} | {m.CpuMs:F1} | {mgas:F0} | {theirs:F1} | {(theirs > 0 ? mgas / theirs : 0):F0}× |");
            }
            else
            {
                Console.WriteLine($"| {workload.Name} | {m.Gas:N0} | {m.WallMs:F2} | {m.CpuMs:F2} | {mgas:F0} |");
            }
        }
        return 0;
    }

    /// <summary>Gas of one call with the median wall and CPU time of <c>repetitions</c> runs after a warm-up.</summary>
    public readonly record struct Measurement(long Gas, double WallMs, double CpuMs);

    /// <summary>
    /// Deploys the workload once, then repeatedly runs the measured call on a copy of that state. CPU time (the process's
    /// processor time) is reported next to wall time because the benchmark machine is shared: it does not count time the
    /// process spent waiting for a core.
    /// </summary>
    public static Measurement Measure(Workload workload, int repetitions)
    {
        (WorldState deployed, Address contract) = Deploy(workload);
        var wall = new List<double>();
        var cpu = new List<double>();
        long gas = Execute(deployed.Clone(), contract, workload); // warm-up (JIT, code analysis cache)
        using Process process = Process.GetCurrentProcess();
        for (int i = 0; i < repetitions; i++)
        {
            WorldState state = deployed.Clone();
            process.Refresh();
            TimeSpan cpuStart = process.TotalProcessorTime;
            var stopwatch = Stopwatch.StartNew();
            gas = Execute(state, contract, workload);
            wall.Add(stopwatch.Elapsed.TotalMilliseconds);
            process.Refresh();
            cpu.Add((process.TotalProcessorTime - cpuStart).TotalMilliseconds);
        }
        wall.Sort();
        cpu.Sort();
        return new Measurement(gas, wall[wall.Count / 2], cpu[cpu.Count / 2]);
    }

    public static (WorldState State, Address Contract) Deploy(Workload workload)
    {
        var state = new WorldState();
        state.SetAccount(Sender, 0, UInt256.Parse("0xffffffffffffffffffffffffffff"), []);
        var create = new Transaction { Type = TransactionType.DynamicFee, ChainId = 1, GasLimit = 30_000_000, MaxFeePerGas = UInt256.One, Data = workload.InitCode };
        TransactionResult deployed = TransactionProcessor.Execute(state, Block, create, Sender, Block.GasLimit);
        if (!deployed.Success || deployed.ContractAddress is not Address contract)
        {
            throw new InvalidOperationException($"{workload.Name}: deployment failed ({deployed.Error} {deployed.Reason}).");
        }
        _ = state.StateRoot;
        return (state, contract);
    }

    /// <summary>Runs the measured call; returns the execution gas (gas used without the intrinsic part).</summary>
    public static long Execute(WorldState state, Address contract, Workload workload)
    {
        var tx = new Transaction
        {
            Type = TransactionType.DynamicFee, ChainId = 1, Nonce = 1, GasLimit = 4_000_000_000, MaxFeePerGas = UInt256.One, To = contract, Data = workload.CallData,
        };
        TransactionResult result = TransactionProcessor.Execute(state, Block, tx, Sender, Block.GasLimit);
        if (!result.Success)
        {
            throw new InvalidOperationException($"{workload.Name} did not succeed: {result.Error} {result.Reason}");
        }
        return result.GasUsed - TransactionProcessor.IntrinsicGas(tx);
    }

    /// <summary>Runs the workloads in @ethereumjs/vm through bench.mjs; returns Mgas/s (CPU time) by workload name.</summary>
    private static Dictionary<string, double> RunEthereumJs(List<Workload> workloads)
    {
        string directory = Path.Combine(Path.GetDirectoryName(typeof(MgasReport).Assembly.Location)!, "..", "..", "..", "..", "interop", "evm");
        string input = Path.Combine(Path.GetTempPath(), $"basedevm-bench-{Environment.ProcessId}.json");
        File.WriteAllText(input, JsonSerializer.Serialize(workloads.Select(w => new
        {
            name = w.Name,
            initCode = "0x" + Convert.ToHexStringLower(w.InitCode),
            callData = "0x" + Convert.ToHexStringLower(w.CallData),
        })));
        var start = new ProcessStartInfo("node", ["bench.mjs", input]) { WorkingDirectory = Path.GetFullPath(directory), RedirectStandardOutput = true };
        using Process node = Process.Start(start)!;
        var results = new Dictionary<string, double>();
        while (node.StandardOutput.ReadLine() is string line)
        {
            using JsonDocument result = JsonDocument.Parse(line);
            results[result.RootElement.GetProperty("name").GetString()!] = result.RootElement.GetProperty("mgasPerSecond").GetDouble();
        }
        node.WaitForExit();
        File.Delete(input);
        return results;
    }
}
