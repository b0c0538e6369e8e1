using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BasedAI.Evm.Primitives;

namespace BasedAI.Evm.Execution;

/// <summary>
/// Code prepared for execution: the code sits between 32 zero bytes in front (so a PUSH can read a whole 32-byte word ending at
/// its last data byte) and 33 behind (so PUSH32 at the end and running past the end see zeros, i.e. STOP, without bounds
/// checks), with a bitmap of valid jump destinations (JUMPDEST bytes that are not PUSH data), the static gas and stack bounds
/// of its basic blocks, and an executable copy in which common instruction sequences are marked as fused instructions.
/// </summary>
internal sealed class CodeInfo
{
    /// <summary>Index of the first code byte in <see cref="Padded"/>.</summary>
    public const int Start = 32;
    private const int TailPadding = 33;
    private readonly ulong[] _jumpDestinations;

    private readonly int[] _blockAt;
    private readonly BlockInfo[] _blocks;

    public CodeInfo(ReadOnlySpan<byte> code)
    {
        Length = code.Length;
        Padded = new byte[Start + code.Length + TailPadding];
        code.CopyTo(Padded.AsSpan(Start));
        _jumpDestinations = Analyze(code);
        (_blockAt, _blocks) = AnalyzeBlocks(code);
        Executable = Fuse(code);
    }

    /// <summary>
    /// What the interpreter runs: <see cref="Padded"/> with the first opcode of some sequences replaced by a
    /// <see cref="FusedOpcode"/> (held in undefined opcode values) and every undefined opcode replaced by INVALID, which fails
    /// the same way. A fused instruction does the work of its whole sequence in one dispatch and continues after it; the other
    /// bytes of the sequence are left as they are, and none of them can be reached by a jump (they are PUSH data or
    /// instructions other than JUMPDEST).
    /// </summary>
    public byte[] Executable { get; }

    /// <summary>Zeros, the code, zeros.</summary>
    public byte[] Padded { get; }

    /// <summary>The real code length.</summary>
    public int Length { get; }

    /// <summary>The original code bytes.</summary>
    public ReadOnlySpan<byte> Code => Padded.AsSpan(Start, Length);

    /// <summary>True when <paramref name="destination"/> is a JUMPDEST outside PUSH data.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsValidJump(ulong destination) =>
        destination < (ulong)Length && (_jumpDestinations[(int)(destination >> 6)] & (1UL << (int)(destination & 63))) != 0;

    /// <summary>
    /// Start of the table giving, for each code position, the index in <see cref="Blocks"/> of the block that starts there. The
    /// interpreter reads it unchecked, only at positions in [0, <see cref="Length"/>] (a JUMPDEST, offset 0, or the position
    /// after a one-byte instruction), which the table covers.
    /// </summary>
    public ref int BlockIndexes => ref MemoryMarshal.GetArrayDataReference(_blockAt);

    /// <summary>Start of the block list; every entry of <see cref="BlockIndexes"/> indexes it.</summary>
    public ref BlockInfo Blocks => ref MemoryMarshal.GetArrayDataReference(_blocks);

    /// <summary>
    /// Splits the code into blocks that are charged as a whole on entry: a block starts at offset 0, at every JUMPDEST and after
    /// every instruction that branches or needs the exact gas left (JUMPI, GAS, SSTORE, CALL*, CREATE*); it ends there or at a
    /// halting instruction. Charging a block's static gas and checking its stack bounds up front is equivalent to checking
    /// each instruction: gas only falls within a block, so if the block cannot be paid for the frame would run out of gas inside
    /// it anyway, and every exceptional halt has the same outcome (all gas consumed, state reverted).
    /// </summary>
    private static (int[] BlockAt, BlockInfo[] Blocks) AnalyzeBlocks(ReadOnlySpan<byte> code)
    {
        var blockAt = new int[code.Length + 1];
        var blocks = new List<BlockInfo> { default }; // index 0: the empty block (unreachable positions, the end of code)
        OpInfo[] table = OpInfo.Table;
        int pc = 0;
        bool open = false;
        int gas = 0, required = 0, height = 0, maxHeight = 0;

        void Close()
        {
            if (open)
            {
                int range = EvmFrame.StackLimit - maxHeight - required;
                blocks.Add(range >= 0 ? new BlockInfo(gas, required, range) : BlockInfo.Impossible);
                open = false;
            }
        }

        void Begin(int position)
        {
            Close();
            blockAt[position] = blocks.Count;
            open = true;
            gas = 0;
            required = 0;
            height = 0;
            maxHeight = 0;
        }

        Begin(0);
        while (pc < code.Length)
        {
            byte op = code[pc];
            if (op == (byte)Opcode.JUMPDEST || !open)
            {
                Begin(pc);
            }
            OpInfo info = table[op];
            if (!info.IsDefined)
            {
                Close(); // the instruction fails whatever the gas; nothing after it runs
                pc++;
                continue;
            }
            gas += info.Gas;
            required = Math.Max(required, info.MinStack - height);
            height += info.Delta;
            maxHeight = Math.Max(maxHeight, height);
            pc += op is >= 0x60 and <= 0x7f ? op - 0x5e : 1;

            switch ((Opcode)op)
            {
                case Opcode.STOP:
                case Opcode.JUMP:
                case Opcode.RETURN:
                case Opcode.REVERT:
                case Opcode.SELFDESTRUCT:
                    Close();
                    break;
                case Opcode.JUMPI:
                case Opcode.GAS:
                case Opcode.SSTORE:
                case Opcode.CALL:
                case Opcode.CALLCODE:
                case Opcode.DELEGATECALL:
                case Opcode.STATICCALL:
                case Opcode.CREATE:
                case Opcode.CREATE2:
                    if (pc <= code.Length)
                    {
                        Begin(Math.Min(pc, code.Length));
                    }
                    break;
            }
        }
        Close();
        return (blockAt, [.. blocks]);
    }

    private byte[] Fuse(ReadOnlySpan<byte> code)
    {
        byte[] executable = (byte[])Padded.Clone();
        OpInfo[] table = OpInfo.Table;
        int pc = 0;
        while (pc < code.Length)
        {
            byte op = code[pc];
            byte fused = 0;
            if (!table[op].IsDefined)
            {
                fused = (byte)Opcode.INVALID;
            }
            else if (op == (byte)Opcode.PUSH2 && pc + 3 < code.Length && IsValidJump((ulong)(code[pc + 1] << 8 | code[pc + 2])))
            {
                fused = code[pc + 3] switch
                {
                    (byte)Opcode.JUMP => FusedOpcode.JumpToImmediate,
                    (byte)Opcode.JUMPI => FusedOpcode.JumpIfImmediate,
                    _ => 0,
                };
            }
            else if (op == (byte)Opcode.ISZERO && pc + 4 < code.Length && code[pc + 1] == (byte)Opcode.PUSH2 && code[pc + 4] == (byte)Opcode.JUMPI
                     && IsValidJump((ulong)(code[pc + 2] << 8 | code[pc + 3])))
            {
                fused = FusedOpcode.JumpIfZeroImmediate;
            }
            else if (op == (byte)Opcode.PUSH1 && pc + 2 < code.Length && code[pc + 2] == (byte)Opcode.ADD)
            {
                fused = FusedOpcode.AddImmediate;
            }
            else if (op == (byte)Opcode.SWAP1 && pc + 1 < code.Length)
            {
                fused = code[pc + 1] switch
                {
                    (byte)Opcode.POP => FusedOpcode.SwapPop,
                    (byte)Opcode.SHL => FusedOpcode.SwapShiftLeft,
                    (byte)Opcode.SHR => FusedOpcode.SwapShiftRight,
                    _ => 0,
                };
            }
            else if (op == (byte)Opcode.POP && pc + 1 < code.Length && code[pc + 1] == (byte)Opcode.POP)
            {
                fused = FusedOpcode.PopPop;
            }
            if (fused != 0)
            {
                executable[Start + pc] = fused;
            }
            pc += op is >= 0x60 and <= 0x7f ? op - 0x5e : 1;
        }
        return executable;
    }

    private static ulong[] Analyze(ReadOnlySpan<byte> code)
    {
        var bitmap = new ulong[(code.Length + 63) / 64];
        int pc = 0;
        while (pc < code.Length)
        {
            byte op = code[pc];
            if (op == 0x5b)
            {
                bitmap[pc >> 6] |= 1UL << (pc & 63);
                pc++;
            }
            else if (op >= 0x60 && op <= 0x7f)
            {
                pc += op - 0x5e; // opcode + (op − 0x5f) bytes of data
            }
            else
            {
                pc++;
            }
        }
        return bitmap;
    }
}

/// <summary>
/// Instructions of <see cref="CodeInfo.Executable"/> that stand for a sequence of EVM instructions. They use opcode values that
/// are undefined in the EVM (undefined opcodes in the code itself are rewritten to INVALID there). Gas and stack bounds are
/// those of the sequence, already covered by its block.
/// </summary>
internal static class FusedOpcode
{
    /// <summary>PUSH2 d, JUMP with d a valid destination.</summary>
    public const byte JumpToImmediate = 0x0c;
    /// <summary>PUSH2 d, JUMPI with d a valid destination.</summary>
    public const byte JumpIfImmediate = 0x0d;
    /// <summary>ISZERO, PUSH2 d, JUMPI with d a valid destination.</summary>
    public const byte JumpIfZeroImmediate = 0x0e;
    /// <summary>PUSH1 x, ADD.</summary>
    public const byte AddImmediate = 0x0f;
    /// <summary>SWAP1, POP.</summary>
    public const byte SwapPop = 0x1e;
    /// <summary>POP, POP.</summary>
    public const byte PopPop = 0x1f;
    /// <summary>SWAP1, SHL: the top item shifted by the one below it (unoptimised solc's shift pattern).</summary>
    public const byte SwapShiftLeft = 0x21;
    /// <summary>SWAP1, SHR.</summary>
    public const byte SwapShiftRight = 0x22;
}

/// <summary>Static gas and stack bounds of a block: enterable when Required ≤ height ≤ Required + Range.</summary>
/// <param name="Gas">Sum of the static gas of its instructions.</param>
/// <param name="Required">Stack items it needs on entry.</param>
/// <param name="Range">How much higher than <paramref name="Required"/> the stack may be without overflowing inside the block.</param>
internal readonly record struct BlockInfo(int Gas, int Required, int Range)
{
    /// <summary>A block that overflows the stack whatever its entry height.</summary>
    public static readonly BlockInfo Impossible = new(0, 1 << 20, 0);
}

/// <summary>Caches analysed code by code hash so each contract's jump-destination bitmap is built once.</summary>
internal static class CodeInfoCache
{
    private const int Capacity = 4096;
    private static readonly ConcurrentDictionary<Hash256, CodeInfo> Cache = new();

    public static readonly CodeInfo Empty = new([]);

    public static CodeInfo Get(Hash256 codeHash, byte[] code)
    {
        if (code.Length == 0)
        {
            return Empty;
        }
        if (Cache.TryGetValue(codeHash, out CodeInfo? info))
        {
            return info;
        }
        info = new CodeInfo(code);
        if (Cache.Count >= Capacity)
        {
            Cache.Clear();
        }
        Cache[codeHash] = info;
        return info;
    }
}
