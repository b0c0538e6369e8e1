using System.Buffers;
using BasedAI.Evm.Numerics;

namespace BasedAI.Evm.Execution;

/// <summary>A frame's byte-addressed memory: grows in 32-byte words, charged quadratically, backed by a pooled buffer.</summary>
internal sealed class EvmMemory
{
    /// <summary>
    /// The largest memory a frame may use (1 GiB). Reaching it costs over 2·10^12 gas, far beyond any block gas limit in use,
    /// so requests past it are treated as out of gas instead of attempting the allocation.
    /// </summary>
    private const ulong MaxAddressable = 1UL << 30;

    private byte[] _buffer = [];

    /// <summary>The active size in bytes (a multiple of 32).</summary>
    public ulong Size { get; private set; }

    /// <summary>The buffer; only the first <see cref="Size"/> bytes are meaningful.</summary>
    public byte[] Buffer => _buffer;

    /// <summary>Memory cost of <paramref name="words"/> words: 3·w + w²/512.</summary>
    public static long Cost(ulong words) => (long)(words * 3 + words * words / 512);

    /// <summary>
    /// Charges for and performs the expansion needed to touch [offset, offset + length) (a zero length touches nothing).
    /// Returns the gas left, or −1 when the expansion cannot be paid for. Gas goes in and out by value so the interpreter
    /// can keep its gas counter in a register.
    /// </summary>
    public long Expand(long gas, in UInt256 offset, in UInt256 length)
    {
        if (length.IsZero)
        {
            return gas;
        }
        if (!offset.FitsInUInt64 || !length.FitsInUInt64 || offset.U0 > MaxAddressable || length.U0 > MaxAddressable)
        {
            return -1;
        }
        return Expand(gas, offset.U0 + length.U0);
    }

    /// <summary>Charges for and performs expansion to at least <paramref name="end"/> bytes; the gas left or −1.</summary>
    public long Expand(long gas, ulong end)
    {
        if (end <= Size)
        {
            return gas;
        }
        if (end > MaxAddressable)
        {
            return -1;
        }
        ulong newWords = (end + 31) / 32;
        gas -= Cost(newWords) - Cost(Size / 32);
        if (gas < 0)
        {
            return -1;
        }
        ulong newSize = newWords * 32;
        if (newSize > (ulong)_buffer.Length)
        {
            byte[] larger = ArrayPool<byte>.Shared.Rent((int)Math.Max(newSize, Math.Min((ulong)_buffer.Length * 2, MaxAddressable)));
            _buffer.AsSpan(0, (int)Size).CopyTo(larger);
            Return();
            _buffer = larger;
        }
        _buffer.AsSpan((int)Size, (int)(newSize - Size)).Clear();
        Size = newSize;
        return gas;
    }

    /// <summary>The bytes [offset, offset + length); the range must have been expanded.</summary>
    public Span<byte> Slice(in UInt256 offset, in UInt256 length) =>
        length.IsZero ? Span<byte>.Empty : _buffer.AsSpan((int)offset.U0, (int)length.U0);

    /// <summary>The bytes [offset, offset + length) as a view for a child call's input; the range must have been expanded.</summary>
    public DataSlice SliceView(in UInt256 offset, in UInt256 length) =>
        length.IsZero ? DataSlice.Empty : new DataSlice(_buffer, (int)offset.U0, (int)length.U0);

    /// <summary>Returns the buffer to the pool.</summary>
    public void Release()
    {
        Return();
        _buffer = [];
        Size = 0;
    }

    private void Return()
    {
        if (_buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
        }
    }
}
