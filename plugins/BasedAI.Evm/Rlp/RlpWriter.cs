using System.Buffers.Binary;
using BasedAI.Evm.Numerics;
using BasedAI.Evm.Primitives;

namespace BasedAI.Evm.Rlp;

/// <summary>
/// Builds an RLP encoding in one growable buffer. Lists are opened with <see cref="StartList"/> and closed with
/// <see cref="EndList"/>; the header is inserted when the list closes, so nesting needs no precomputed lengths.
/// </summary>
public sealed class RlpWriter
{
    private byte[] _buffer;
    private int _length;
    private readonly Stack<int> _openLists = new();

    /// <summary>Creates a writer with an initial capacity.</summary>
    public RlpWriter(int capacity = 256)
    {
        _buffer = new byte[Math.Max(16, capacity)];
    }

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    /// <summary>Clears the writer for reuse.</summary>
    public void Reset()
    {
        _length = 0;
        _openLists.Clear();
    }

    /// <summary>Returns a copy of the encoding; every list must be closed.</summary>
    public byte[] ToArray()
    {
        if (_openLists.Count != 0)
        {
            throw new InvalidOperationException($"{_openLists.Count} RLP list(s) are still open.");
        }
        return WrittenSpan.ToArray();
    }

    /// <summary>Writes a string item.</summary>
    public RlpWriter WriteBytes(ReadOnlySpan<byte> payload)
    {
        if (payload.Length == 1 && payload[0] < 0x80)
        {
            Ensure(1);
            _buffer[_length++] = payload[0];
            return this;
        }
        WriteHeader(0x80, payload.Length);
        Ensure(payload.Length);
        payload.CopyTo(_buffer.AsSpan(_length));
        _length += payload.Length;
        return this;
    }

    /// <summary>Writes an unsigned integer in its minimal big-endian form (zero is the empty string).</summary>
    public RlpWriter WriteUInt64(ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        int skip = BitOperationsHelper.LeadingZeroBytes(value);
        return WriteBytes(bytes[skip..]);
    }

    /// <summary>Writes a 256-bit unsigned integer in its minimal big-endian form.</summary>
    public RlpWriter WriteUInt256(in UInt256 value)
    {
        Span<byte> bytes = stackalloc byte[32];
        value.WriteBigEndian(bytes);
        return WriteBytes(bytes[(32 - value.ByteLength)..]);
    }

    /// <summary>Writes a 20-byte address.</summary>
    public RlpWriter WriteAddress(Address address)
    {
        Span<byte> bytes = stackalloc byte[Address.Size];
        address.CopyTo(bytes);
        return WriteBytes(bytes);
    }

    /// <summary>Writes a 32-byte hash.</summary>
    public RlpWriter WriteHash(Hash256 hash)
    {
        Span<byte> bytes = stackalloc byte[Hash256.Size];
        hash.CopyTo(bytes);
        return WriteBytes(bytes);
    }

    /// <summary>Appends an already-encoded item verbatim.</summary>
    public RlpWriter WriteEncoded(ReadOnlySpan<byte> encodedItem)
    {
        Ensure(encodedItem.Length);
        encodedItem.CopyTo(_buffer.AsSpan(_length));
        _length += encodedItem.Length;
        return this;
    }

    /// <summary>Opens a list; items written until the matching <see cref="EndList"/> are its elements.</summary>
    public RlpWriter StartList()
    {
        _openLists.Push(_length);
        return this;
    }

    /// <summary>Closes the innermost open list, inserting its header.</summary>
    public RlpWriter EndList()
    {
        if (_openLists.Count == 0)
        {
            throw new InvalidOperationException("No RLP list is open.");
        }
        int start = _openLists.Pop();
        int payloadLength = _length - start;
        int headerLength = HeaderLength(payloadLength);
        Ensure(headerLength);
        Buffer.BlockCopy(_buffer, start, _buffer, start + headerLength, payloadLength);
        WriteHeaderAt(_buffer.AsSpan(start), 0xc0, payloadLength);
        _length += headerLength;
        return this;
    }

    /// <summary>The encoded length of a string item with <paramref name="payload"/>.</summary>
    public static int EncodedLength(ReadOnlySpan<byte> payload) =>
        payload.Length == 1 && payload[0] < 0x80 ? 1 : HeaderLength(payload.Length) + payload.Length;

    /// <summary>Encodes one string item.</summary>
    public static byte[] EncodeBytes(ReadOnlySpan<byte> payload) => new RlpWriter(payload.Length + 9).WriteBytes(payload).ToArray();

    /// <summary>The header length for a payload of <paramref name="payloadLength"/> bytes.</summary>
    public static int HeaderLength(int payloadLength) => payloadLength < 56 ? 1 : 1 + 4 - BitOperationsHelper.LeadingZeroBytes32((uint)payloadLength);

    private void WriteHeader(byte shortBase, int payloadLength)
    {
        int headerLength = HeaderLength(payloadLength);
        Ensure(headerLength);
        WriteHeaderAt(_buffer.AsSpan(_length), shortBase, payloadLength);
        _length += headerLength;
    }

    private static void WriteHeaderAt(Span<byte> destination, byte shortBase, int payloadLength)
    {
        if (payloadLength < 56)
        {
            destination[0] = (byte)(shortBase + payloadLength);
            return;
        }
        int lengthOfLength = 4 - BitOperationsHelper.LeadingZeroBytes32((uint)payloadLength);
        destination[0] = (byte)(shortBase + 55 + lengthOfLength);
        for (int i = 0; i < lengthOfLength; i++)
        {
            destination[1 + i] = (byte)(payloadLength >> (8 * (lengthOfLength - 1 - i)));
        }
    }

    private void Ensure(int extra)
    {
        if (_length + extra > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + extra));
        }
    }
}

internal static class BitOperationsHelper
{
    public static int LeadingZeroBytes(ulong value) => System.Numerics.BitOperations.LeadingZeroCount(value) / 8;

    public static int LeadingZeroBytes32(uint value) => System.Numerics.BitOperations.LeadingZeroCount(value) / 8;
}
