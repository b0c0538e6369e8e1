using System.Collections.Concurrent;
using BasedAI.Evm.Primitives;

namespace BasedAI.Evm.Execution;

/// <summary>
/// Code prepared for execution: the code sits between 32 zero bytes in front (so a PUSH can read a whole 32-byte word ending at
/// its last data byte) and 33 behind (so PUSH32 at the end and running past the end see zeros, i.e. STOP, without bounds
/// checks), with a bitmap of valid jump destinations (JUMPDEST bytes that are not PUSH data).
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
    }

    /// <summary>Zeros, the code, zeros.</summary>
    public byte[] Padded { get; }

    /// <summary>The real code length.</summary>
    public int Length { get; }

    /// <summary>The original code bytes.</summary>
    public ReadOnlySpan<byte> Code => Padded.AsSpan(Start, Length);

    /// <summary>True when <paramref name="destination"/> is a JUMPDEST outside PUSH data.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public bool IsValidJump(ulong destination) =>
        destination < (ulong)Length && (_jumpDestinations[(int)(destination >> 6)] & (1UL << (int)(destination & 63))) != 0;

    /// <summary>The block starting at code position <paramref name="position"/> (a JUMPDEST or an explicit entry point).</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    public ref readonly BlockInfo BlockAt(nint position) => ref _blocks[_blockAt[position]];

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
