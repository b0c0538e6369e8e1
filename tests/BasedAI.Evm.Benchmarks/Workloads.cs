using BasedAI.Evm.Execution;

namespace BasedAI.Evm.Benchmarks;

/// <summary>The benchmark contracts, hand-assembled (see <see cref="EvmAssembler"/>).</summary>
public static class Workloads
{
    public static IEnumerable<Workload> All()
    {
        yield return new Workload("countdown loop (10M iterations)", Countdown(10_000_000), []);
        yield return new Workload("arithmetic loop (5M iterations)", Arithmetic(5_000_000), []);
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
}
