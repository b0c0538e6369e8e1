using BasedAI.Evm.Execution;
using BasedAI.Evm.Numerics;
using BasedAI.Evm.Primitives;
using BasedAI.Evm.State;
using BasedAI.Evm.Transactions;

namespace BasedAI.Evm.Tests;

/// <summary>
/// Random and mutated bytecode (fixed seed, bounded count) must never make the engine throw: every run ends in a result with
/// gas accounted within the limit, a computable state root, and the same outcome when repeated. Semantic agreement with
/// another client is checked by <see cref="DifferentialFuzzTests"/>.
/// </summary>
public class InterpreterFuzzTests
{
    private static readonly Address Sender = Address.Parse("0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b");
    private static readonly Address Target = Address.Parse("0x1000000000000000000000000000000000000001");
    private static readonly Address Other = Address.Parse("0x1000000000000000000000000000000000000002");
    private static readonly BlockContext Block = new()
    {
        Coinbase = Address.FromNumber(0xcb), Number = 5, Timestamp = 1000, GasLimit = 30_000_000, BaseFee = new UInt256(7),
        BlockHashes = n => Hash256.Keccak(BitConverter.GetBytes(n)),
    };

    private static readonly byte[] Interesting =
    [
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19,
        0x1a, 0x1b, 0x1c, 0x1d, 0x20, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x40,
        0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x5b,
        0x5c, 0x5d, 0x5e, 0x5f, 0x80, 0x81, 0x8f, 0x90, 0x9f, 0xa0, 0xa1, 0xa4, 0xf0, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xfa, 0xfd, 0xfe, 0xff,
    ];

    private static byte[] Program(Random random)
    {
        var code = new List<byte>();
        int length = random.Next(1, 80);
        while (code.Count < length)
        {
            int choice = random.Next(10);
            if (choice < 4)
            {
                int size = random.Next(3) == 0 ? random.Next(1, 33) : 1;
                code.Add((byte)(0x5f + size));
                for (int i = 0; i < size; i++)
                {
                    code.Add(random.Next(4) == 0 ? (byte)random.Next(256) : (byte)random.Next(64));
                }
            }
            else if (choice < 9)
            {
                code.Add(Interesting[random.Next(Interesting.Length)]);
            }
            else
            {
                code.Add((byte)random.Next(256));
            }
        }
        return [.. code];
    }

    private static (Hash256 Root, long GasUsed, ExitReason Reason) Execute(byte[] code, byte[] otherCode, byte[] data, ulong gasLimit)
    {
        var state = new WorldState();
        state.SetAccount(Sender, 0, UInt256.Parse("1000000000000000000000"), []);
        state.SetAccount(Target, 1, new UInt256(1000), code, [new(UInt256.Zero, UInt256.One)]);
        state.SetAccount(Other, 0, new UInt256(5), otherCode);
        var tx = new Transaction { Type = TransactionType.DynamicFee, ChainId = 1, GasLimit = gasLimit, MaxFeePerGas = new UInt256(10), To = Target, Data = data };
        TransactionResult result = TransactionProcessor.Execute(state, Block, tx, Sender, Block.GasLimit);
        Assert.True(result.IsValid, result.Error.ToString());
        Assert.InRange(result.GasUsed, TransactionProcessor.IntrinsicGas(tx), (long)gasLimit);
        return (state.StateRoot, result.GasUsed, result.Reason);
    }

    [Fact]
    public void Random_programs_end_cleanly_and_deterministically()
    {
        var random = new Random(31337);
        var reasons = new HashSet<ExitReason>();
        for (int i = 0; i < 3000; i++)
        {
            byte[] code = Program(random);
            byte[] other = random.Next(2) == 0 ? Program(random) : [];
            byte[] data = new byte[random.Next(0, 70)];
            random.NextBytes(data);
            ulong gas = (ulong)random.Next(23_000, 400_000);
            var first = Execute(code, other, data, gas);
            var second = Execute(code, other, data, gas);
            Assert.Equal(first, second);
            reasons.Add(first.Reason);
        }
        // The generator reaches successful, reverting and failing executions alike.
        Assert.Contains(ExitReason.Stop, reasons);
        Assert.Contains(ExitReason.Return, reasons);
        Assert.Contains(ExitReason.Revert, reasons);
        Assert.Contains(ExitReason.OutOfGas, reasons);
        Assert.True(reasons.Count >= 6, string.Join(", ", reasons));
    }

    [Fact]
    public void Deep_recursion_reaches_the_call_depth_limit_without_native_stack_growth()
    {
        // The contract calls itself with all its gas until CALL fails at depth 1024; then each frame returns.
        byte[] code = new EvmAssembler()
            .Push(0).Push(0).Push(0).Push(0).Push(0).Op("ADDRESS").Op("GAS").Op("CALL")
            .Push(0).Op("SSTORE").Op("STOP").Build();
        var state = new WorldState();
        state.SetAccount(Sender, 0, UInt256.Parse("1000000000000000000000"), []);
        state.SetAccount(Target, 1, default, code);
        var tx = new Transaction { Type = TransactionType.DynamicFee, ChainId = 1, GasLimit = 29_000_000, MaxFeePerGas = new UInt256(10), To = Target };
        TransactionResult result = TransactionProcessor.Execute(state, Block, tx, Sender, Block.GasLimit);
        Assert.True(result.Success);
    }
}
