using System.Numerics;
using BasedAI.Evm.Execution;
using BasedAI.Evm.Numerics;
using BasedAI.Evm.Primitives;
using BasedAI.Evm.State;
using BasedAI.Evm.Transactions;
using FsCheck;
using FsCheck.Fluent;

namespace BasedAI.Evm.Tests;

/// <summary>
/// The interpreter's fast paths: the in-place stack arithmetic must agree with <see cref="UInt256"/> (and BigInteger) on every
/// operand shape, and fused instructions must give the same results, gas and failures as the sequences they stand for.
/// </summary>
public class FastPathTests
{
    private static readonly BigInteger Modulus = BigInteger.One << 256;
    private static readonly Address Sender = Address.Parse("0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b");
    private static readonly Address Target = Address.Parse("0x1000000000000000000000000000000000000001");
    private static readonly BlockContext Block = new()
    {
        Coinbase = Address.FromNumber(0xcb), Number = 5, Timestamp = 1000, GasLimit = 30_000_000, BaseFee = new UInt256(7),
    };

    /// <summary>Values whose limbs are 0, 1, all ones or random, so the 64-bit short paths and their carries are all reached.</summary>
    private static Arbitrary<UInt256> Values()
    {
        Gen<ulong> limb = Gen.OneOf(ArbMap.Default.GeneratorFor<ulong>(), Gen.Elements(0UL, 1UL, ulong.MaxValue, 1UL << 63));
        return Gen.OneOf(
            limb.Select(x => new UInt256(x)),
            limb.Two().Select(t => new UInt256(t.Item1, t.Item2, 0, 0)),
            limb.Four().Select(t => new UInt256(t.Item1, t.Item2, t.Item3, t.Item4)),
            limb.Select(x => new UInt256(x, 0, 0, ulong.MaxValue))).ToArbitrary();
    }

    private static UInt256 InPlace(UInt256 a, UInt256 b, Action<UInt256, Ref> operation)
    {
        var result = new Ref(b);
        operation(a, result);
        return result.Value;
    }

    /// <summary>A box so a lambda can pass a stack slot by reference.</summary>
    private sealed class Ref(UInt256 value)
    {
        public UInt256 Value = value;
    }

    [Fact]
    public void In_place_arithmetic_matches_the_reference()
    {
        Prop.ForAll(Values(), Values(), (a, b) =>
        {
            var shift = new UInt256(a.U0 % 300);
            UInt256.ShiftLeft(b, shift, out UInt256 shl);
            UInt256.ShiftRight(b, shift, out UInt256 shr);
            return InPlace(a, b, (x, y) => UInt256InPlace.Add(x, ref y.Value)) == a + b
                && InPlace(a, b, (x, y) => UInt256InPlace.Subtract(x, ref y.Value)) == a - b
                && InPlace(a, b, (x, y) => UInt256InPlace.Multiply(x, ref y.Value)).ToBigInteger() == a.ToBigInteger() * b.ToBigInteger() % Modulus
                && InPlace(a, b, (x, y) => UInt256InPlace.AddSmall(x.U0, ref y.Value)) == b + new UInt256(a.U0)
                && InPlace(shift, b, (x, y) => UInt256InPlace.ShiftLeft(x, ref y.Value)) == shl
                && InPlace(shift, b, (x, y) => UInt256InPlace.ShiftRight(x, ref y.Value)) == shr
                && InPlace(a, b, (x, y) => UInt256InPlace.ShiftLeft(x, ref y.Value)) == (a.FitsInUInt64 && a.U0 < 256 ? b << (int)a.U0 : default)
                && InPlace(a, b, (x, y) => UInt256InPlace.And(x, ref y.Value)) == new UInt256(a.U0 & b.U0, a.U1 & b.U1, a.U2 & b.U2, a.U3 & b.U3)
                && InPlace(a, b, (x, y) => UInt256InPlace.Or(x, ref y.Value)) == new UInt256(a.U0 | b.U0, a.U1 | b.U1, a.U2 | b.U2, a.U3 | b.U3)
                && InPlace(a, b, (x, y) => UInt256InPlace.Xor(x, ref y.Value)) == new UInt256(a.U0 ^ b.U0, a.U1 ^ b.U1, a.U2 ^ b.U2, a.U3 ^ b.U3)
                && InPlace(a, b, (x, y) => UInt256InPlace.Not(ref y.Value)) == new UInt256(~b.U0, ~b.U1, ~b.U2, ~b.U3)
                && Aliased(a, slot => UInt256InPlace.Add(slot.Value, ref slot.Value)) == a + a
                && Aliased(a, slot => UInt256InPlace.Subtract(slot.Value, ref slot.Value)) == default
                && Aliased(a, slot => UInt256InPlace.Multiply(slot.Value, ref slot.Value)) == a * a;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(3000));

        // Both operands in one slot: every input limb is read before the result overwrites it.
        static UInt256 Aliased(UInt256 value, Action<Ref> operation)
        {
            var slot = new Ref(value);
            operation(slot);
            return slot.Value;
        }
    }

    [Fact]
    public void In_place_addmod_for_large_moduli_matches_the_reference()
    {
        Prop.ForAll(Values(), Values(), Values(), (a, b, c) =>
        {
            var m = new UInt256(c.U0, c.U1, c.U2, c.U3 | (1UL << 63));
            UInt256.Mod(a, m, out UInt256 reducedA);
            UInt256.Mod(b, m, out UInt256 reducedB);
            return AddMod(a, b, m) && AddMod(reducedA, reducedB, m) && AddMod(reducedA, b, m);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(3000));

        static bool AddMod(UInt256 a, UInt256 b, UInt256 m)
        {
            var slot = new Ref(m);
            UInt256InPlace.AddModLarge(a, b, ref slot.Value);
            return slot.Value.ToBigInteger() == (a.ToBigInteger() + b.ToBigInteger()) % m.ToBigInteger();
        }
    }

    [Fact]
    public void Fused_sequences_are_marked_only_where_they_are_safe()
    {
        byte[] code = new EvmAssembler()
            .Push(1).PushLabel("dest").Op("JUMPI")              // 0: PUSH2+JUMPI
            .Op("ISZERO").PushLabel("dest").Op("JUMPI")          // 6: ISZERO+PUSH2+JUMPI
            .PushBytes([0x00, 0x05]).Op("JUMP")                  // 11: destination 5 is PUSH data: left alone
            .Label("dest").Op("JUMPDEST")                        // 15
            .Push(7).Op("ADD").Op("SWAP1").Op("POP").Op("POP").Op("POP")
            .Raw([0x0c, 0x1e, 0x21])                             // undefined opcodes
            .Push(3).Build();                                    // PUSH1 at the very end: no ADD follows
        var info = new CodeInfo(code);
        byte[] executable = info.Executable.AsSpan(CodeInfo.Start, code.Length).ToArray();
        Assert.Equal(FusedOpcode.JumpIfImmediate, executable[2]);
        Assert.Equal(FusedOpcode.JumpIfZeroImmediate, executable[6]);
        Assert.Equal((byte)Opcode.PUSH2, executable[11]);
        Assert.Equal(FusedOpcode.AddImmediate, executable[16]);
        Assert.Equal(FusedOpcode.SwapPop, executable[19]);
        Assert.Equal(FusedOpcode.PopPop, executable[20]);
        Assert.Equal(FusedOpcode.PopPop, executable[21]); // harmless: reached only by running the one before it, which skips it
        Assert.Equal((byte)Opcode.POP, executable[22]);
        Assert.Equal(new[] { (byte)Opcode.INVALID, (byte)Opcode.INVALID, (byte)Opcode.INVALID }, executable[23..26]);
        Assert.Equal((byte)Opcode.PUSH1, executable[26]);
        Assert.Equal(code, info.Code.ToArray()); // CODECOPY and friends still see the original code
    }

    /// <summary>
    /// A loop using every fused pattern, and the same program written so that nothing fuses (PUSH3 with leading zeros in place
    /// of PUSH1/PUSH2, both 3 gas; a JUMPDEST, 1 gas, between SWAP1/POP and POP/POP): same result, and gas differing by exactly
    /// the JUMPDESTs executed.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(10)]
    [InlineData(257)]
    public void Fused_program_matches_its_unfused_twin(int iterations)
    {
        TransactionResult fused = Run(LoopProgram(iterations, fusable: true));
        TransactionResult plain = Run(LoopProgram(iterations, fusable: false));
        Assert.Equal(ExitReason.Return, fused.Reason);
        Assert.Equal(ExitReason.Return, plain.Reason);
        // The accumulator starts just below 2^64 so that PUSH1+ADD carries into the second limb.
        BigInteger acc = ulong.MaxValue - 3 + (BigInteger)7 * iterations + 2 * (iterations - 1);
        Assert.Equal(UInt256.FromBigInteger(8 * acc).ToBigEndian(), fused.Output);
        Assert.Equal(plain.Output, fused.Output);
        // SWAP1 JUMPDEST POP on every pass but the last; POP JUMPDEST POP, SWAP1 JUMPDEST SHL and SWAP1 JUMPDEST SHR after the loop.
        int jumpdestsInserted = iterations - 1 + 3;
        Assert.Equal(plain.GasUsed - jumpdestsInserted, fused.GasUsed);
    }

    private static byte[] LoopProgram(int iterations, bool fusable)
    {
        var labels = new Dictionary<string, int>();
        Emit(iterations, fusable, labels); // first pass: label positions (instruction sizes do not depend on them)
        return Emit(iterations, fusable, labels);
    }

    private static byte[] Emit(int iterations, bool fusable, Dictionary<string, int> labels)
    {
        var code = new List<byte>();
        void Op(Opcode op) => code.Add((byte)op);
        void Label(string name)
        {
            labels[name] = code.Count;
            Op(Opcode.JUMPDEST);
        }
        // Sizes never depend on the values, so the first pass places every label where the second pass puts it.
        void Push(byte value) => code.AddRange(fusable ? [0x60, value] : [0x62, 0, 0, value]);
        void PushLabel(string name)
        {
            int target = labels.GetValueOrDefault(name);
            code.AddRange(fusable ? [0x61, (byte)(target >> 8), (byte)target] : [0x62, 0, (byte)(target >> 8), (byte)target]);
        }
        void Unfuse()
        {
            if (!fusable)
            {
                Op(Opcode.JUMPDEST);
            }
        }

        code.AddRange([0x67, .. BitConverter.GetBytes(ulong.MaxValue - 3).Reverse()]); // PUSH8 acc
        code.AddRange([0x61, (byte)(iterations >> 8), (byte)iterations]);               // acc, i
        PushLabel("loop");
        Op(Opcode.JUMP);                                                                 // PUSH2+JUMP
        Op(Opcode.INVALID);
        Label("loop");
        Op(Opcode.SWAP1);
        Push(7);
        Op(Opcode.ADD);                                                                  // PUSH1+ADD: acc += 7
        Op(Opcode.SWAP1);
        Push(1);
        Op(Opcode.SWAP1);
        Op(Opcode.SUB);                                                                  // i -= 1
        Op(Opcode.DUP1);
        Op(Opcode.ISZERO);
        PushLabel("done");
        Op(Opcode.JUMPI);                                                                // ISZERO+PUSH2+JUMPI: i == 0 → done
        Push(0x55);
        Push(2);
        Op(Opcode.SWAP1);
        Unfuse();
        Op(Opcode.POP);                                                                  // SWAP1+POP: acc, i, 2
        Op(Opcode.SWAP1);
        Op(Opcode.SWAP2);
        Op(Opcode.ADD);
        Op(Opcode.SWAP1);                                                                // acc += 2
        Op(Opcode.DUP1);
        PushLabel("loop");
        Op(Opcode.JUMPI);                                                                // PUSH2+JUMPI: i != 0 here, loop
        Op(Opcode.INVALID);
        Label("done");
        Push(0x33);
        Push(0x44);
        Op(Opcode.POP);
        Unfuse();
        Op(Opcode.POP);                                                                  // POP+POP: acc, i
        Op(Opcode.POP);
        Push(3);
        Op(Opcode.SWAP1);
        Op(Opcode.SWAP1);
        Unfuse();
        Op(Opcode.SHL);                                                                  // SWAP1+SHL: acc << 3
        Push(1);
        Op(Opcode.SWAP1);
        Op(Opcode.SWAP1);
        Unfuse();
        Op(Opcode.SHR);                                                                  // SWAP1+SHR: acc << 2
        Op(Opcode.DUP1);
        Op(Opcode.ADD);
        Push(0);
        Op(Opcode.MSTORE);
        Push(32);
        Push(0);
        Op(Opcode.RETURN);
        return [.. code];
    }

    [Fact]
    public void Fused_instructions_fail_like_their_sequences()
    {
        // PUSH2+JUMPI and ISZERO+PUSH2+JUMPI with nothing to test: stack underflow, checked for the whole block on entry.
        Assert.Equal(ExitReason.StackUnderflow, Run([0x61, 0x00, 0x05, 0x57, 0x00, 0x5b]).Reason);
        Assert.Equal(ExitReason.StackUnderflow, Run([0x15, 0x61, 0x00, 0x06, 0x57, 0x00, 0x5b]).Reason);
        Assert.Equal(ExitReason.StackUnderflow, Run([0x60, 0x07, 0x01]).Reason);  // PUSH1+ADD with one item
        Assert.Equal(ExitReason.StackUnderflow, Run([0x60, 0x07, 0x90, 0x50]).Reason);  // SWAP1+POP with one item
        Assert.Equal(ExitReason.StackUnderflow, Run([0x60, 0x07, 0x50, 0x50]).Reason);  // POP+POP with one item
        // A PUSH2 to something that is not a valid destination is not fused and fails on the jump.
        Assert.Equal(ExitReason.BadJumpDestination, Run([0x61, 0x00, 0x01, 0x56, 0x5b]).Reason);
        // Undefined opcodes that the executable code reuses for fused instructions still fail as undefined.
        foreach (byte undefined in new byte[] { FusedOpcode.JumpToImmediate, FusedOpcode.JumpIfImmediate, FusedOpcode.JumpIfZeroImmediate, FusedOpcode.AddImmediate, FusedOpcode.SwapPop, FusedOpcode.PopPop })
        {
            TransactionResult result = Run([0x60, 0x01, undefined, 0x00], gasLimit: 100_000);
            Assert.Equal(ExitReason.InvalidOpcode, result.Reason);
            Assert.Equal(100_000, result.GasUsed);
        }
        // PUSH1+ADD wrapping around 2^256.
        byte[] wrap = [0x7f, .. Enumerable.Repeat((byte)0xff, 32), 0x60, 0x01, 0x01, 0x5f, 0x52, 0x60, 0x20, 0x5f, 0xf3];
        Assert.Equal(new byte[32], Run(wrap).Output);
    }

    private static TransactionResult Run(byte[] code, long gasLimit = 1_000_000)
    {
        var state = new WorldState();
        state.SetAccount(Sender, 0, UInt256.Parse("1000000000000000000000"), []);
        state.SetAccount(Target, 1, default, code);
        var tx = new Transaction { Type = TransactionType.DynamicFee, ChainId = 1, GasLimit = (ulong)gasLimit, MaxFeePerGas = new UInt256(10), To = Target };
        TransactionResult result = TransactionProcessor.Execute(state, Block, tx, Sender, Block.GasLimit);
        Assert.True(result.IsValid, result.Error.ToString());
        return result;
    }
}
