using System.Text.Json;
using BasedAI.Evm.Execution;
using BasedAI.Evm.Numerics;
using BasedAI.Evm.Primitives;

namespace BasedAI.Evm.Benchmarks;

/// <summary>A contract workload: initcode that deploys it, then the calldata of the measured call.</summary>
/// <param name="Name">Table label.</param>
/// <param name="InitCode">Deployment code (constructor arguments appended).</param>
/// <param name="CallData">Calldata of the measured call.</param>
public sealed record Workload(string Name, byte[] InitCode, byte[] CallData);

/// <summary>
/// The benchmark contracts: two hand-assembled interpreter loops, and our Solidity contracts (tests/interop/evm/contracts,
/// compiled by solc 0.8.28 into contracts/build.json): a keccak chain, an insertion sort, a 256-bit arithmetic loop and
/// ERC-20 transfers.
/// </summary>
public static class Workloads
{
    public static IEnumerable<Workload> All()
    {
        yield return new Workload("countdown loop (1M iterations)", EvmAssembler.DeploymentCode(Countdown(1_000_000)), []);
        yield return new Workload("stack arithmetic loop (1M iterations)", EvmAssembler.DeploymentCode(Arithmetic(1_000_000)), []);
        JsonElement contracts = LoadArtifacts();
        byte[] bench = Bytecode(contracts, "Bench");
        yield return new Workload("Bench.compute(300000): 256-bit arithmetic", bench, Call("compute(uint256)", 300_000));
        yield return new Workload("Bench.sort(700): insertion sort in memory", bench, Call("sort(uint256)", 700));
        yield return new Workload("Bench.keccakChain(200000)", bench, Call("keccakChain(uint256)", 200_000));
        byte[] token = [.. Bytecode(contracts, "Token"), .. new UInt256(1_000_000_000).ToBigEndian()];
        yield return new Workload("Token.transferMany(800): ERC-20 transfers", token, Call("transferMany(uint256)", 800));
    }

    /// <summary>counter = n; do { counter -= 1 } while (counter != 0).</summary>
    public static byte[] Countdown(uint n) => new EvmAssembler()
        .Push(n)
        .Label("loop").Op("JUMPDEST")
        .Push(1).Op("SWAP1").Op("SUB")
        .Op("DUP1").PushLabel("loop").Op("JUMPI")
        .Op("STOP").Build();

    /// <summary>acc = (acc·3 + counter) ^ counter, n times: MUL/ADD/XOR with stack shuffling.</summary>
    public static byte[] Arithmetic(uint n) => new EvmAssembler()
        .Push(0).Push(n)
        .Label("loop").Op("JUMPDEST")
        .Op("SWAP1").Push(3).Op("MUL").Op("DUP2").Op("ADD").Op("DUP2").Op("XOR").Op("SWAP1")
        .Push(1).Op("SWAP1").Op("SUB")
        .Op("DUP1").PushLabel("loop").Op("JUMPI")
        .Op("STOP").Build();

    private static byte[] Call(string signature, ulong argument) =>
        [.. Hash256.Keccak(System.Text.Encoding.ASCII.GetBytes(signature)).ToArray().AsSpan(0, 4), .. new UInt256(argument).ToBigEndian()];

    private static byte[] Bytecode(JsonElement contracts, string name) =>
        Convert.FromHexString(contracts.GetProperty(name).GetProperty("bytecode").GetString()!.AsSpan(2));

    private static JsonElement LoadArtifacts()
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !File.Exists(Path.Combine(directory, "BasedAI.Host.sln")))
        {
            directory = Path.GetDirectoryName(directory);
        }
        string path = Path.Combine(directory ?? throw new InvalidOperationException("repository root not found"), "tests", "interop", "evm", "contracts", "build.json");
        return JsonDocument.Parse(File.ReadAllBytes(path)).RootElement.GetProperty("contracts").Clone();
    }
}
