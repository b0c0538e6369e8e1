using System.Buffers.Binary;
using System.Text;
using BasedAI.Crypto;

namespace BasedAI.Ledger.Codec;

/// <summary>
/// Writer of the ledger's canonical binary encoding: fixed-width big-endian integers, 20-byte addresses, 32-byte hashes, and
/// variable-length fields (bytes, UTF-8 strings, lists) prefixed by a u32 big-endian length. One value has exactly one encoding.
/// </summary>
public sealed class LedgerWriter
{
    private byte[] _buffer;
    private int _length;

    /// <summary>Creates a writer with an initial capacity.</summary>
    public LedgerWriter(int capacity = 256) => _buffer = new byte[Math.Max(16, capacity)];

    /// <summary>Bytes written so far.</summary>
    public int Length => _length;

    /// <summary>The bytes written so far (a view, valid until the next write).</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.AsSpan(0, _length);

    /// <summary>A copy of the bytes written.</summary>
    public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

    /// <summary>Writes one byte.</summary>
    public void U8(byte value) => Take(1)[0] = value;

    /// <summary>Writes a boolean as 0 or 1.</summary>
    public void Bool(bool value) => U8(value ? (byte)1 : (byte)0);

    /// <summary>Writes a u16, big-endian.</summary>
    public void U16(ushort value) => BinaryPrimitives.WriteUInt16BigEndian(Take(2), value);

    /// <summary>Writes a u32, big-endian.</summary>
    public void U32(uint value) => BinaryPrimitives.WriteUInt32BigEndian(Take(4), value);

    /// <summary>Writes a u64, big-endian.</summary>
    public void U64(ulong value) => BinaryPrimitives.WriteUInt64BigEndian(Take(8), value);

    /// <summary>Writes an i64, big-endian.</summary>
    public void I64(long value) => BinaryPrimitives.WriteInt64BigEndian(Take(8), value);

    /// <summary>Writes bytes with no length prefix.</summary>
    public void Raw(ReadOnlySpan<byte> bytes) => bytes.CopyTo(Take(bytes.Length));

    /// <summary>Writes a 20-byte address.</summary>
    public void Address(EthereumAddress address) => Raw(address.Bytes);

    /// <summary>Writes a 32-byte hash.</summary>
    public void Hash(Hash32 hash) => hash.CopyTo(Take(Hash32.Size));

    /// <summary>Writes a u32 length then the bytes.</summary>
    public void Bytes(ReadOnlySpan<byte> bytes)
    {
        U32((uint)bytes.Length);
        Raw(bytes);
    }

    /// <summary>Writes a UTF-8 string with a u32 length prefix.</summary>
    public void Utf8(string value)
    {
        int count = System.Text.Encoding.UTF8.GetByteCount(value);
        U32((uint)count);
        System.Text.Encoding.UTF8.GetBytes(value, Take(count));
    }

    private Span<byte> Take(int count)
    {
        if (_length + count > _buffer.Length)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
        }
        Span<byte> span = _buffer.AsSpan(_length, count);
        _length += count;
        return span;
    }
}

/// <summary>
/// Reader of the canonical encoding. Every read is bounds-checked; a malformed input throws <see cref="FormatException"/>
/// naming what was being read and at which offset.
/// </summary>
public ref struct LedgerReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly string _what;
    private int _position;

    /// <summary>Reads <paramref name="data"/>; <paramref name="what"/> names the object in error messages (e.g. "extrinsic").</summary>
    public LedgerReader(ReadOnlySpan<byte> data, string what)
    {
        _data = data;
        _what = what;
        _position = 0;
    }

    /// <summary>Current offset.</summary>
    public readonly int Position => _position;

    /// <summary>Bytes left.</summary>
    public readonly int Remaining => _data.Length - _position;

    /// <summary>Reads one byte.</summary>
    public byte U8(string field) => Take(1, field)[0];

    /// <summary>Reads a boolean (0 or 1 only).</summary>
    public bool Bool(string field)
    {
        int at = _position;
        byte value = U8(field);
        return value switch
        {
            0 => false,
            1 => true,
            _ => throw Error($"{field} is {value} at offset {at}; a boolean is 0 or 1"),
        };
    }

    /// <summary>Reads a big-endian u16.</summary>
    public ushort U16(string field) => BinaryPrimitives.ReadUInt16BigEndian(Take(2, field));

    /// <summary>Reads a big-endian u32.</summary>
    public uint U32(string field) => BinaryPrimitives.ReadUInt32BigEndian(Take(4, field));

    /// <summary>Reads a big-endian u64.</summary>
    public ulong U64(string field) => BinaryPrimitives.ReadUInt64BigEndian(Take(8, field));

    /// <summary>Reads a big-endian i64.</summary>
    public long I64(string field) => BinaryPrimitives.ReadInt64BigEndian(Take(8, field));

    /// <summary>Reads a fixed number of bytes.</summary>
    public ReadOnlySpan<byte> Raw(int count, string field) => Take(count, field);

    /// <summary>Reads a 20-byte address.</summary>
    public EthereumAddress Address(string field) => new(Take(EthereumAddress.Size, field));

    /// <summary>Reads a 32-byte hash.</summary>
    public Hash32 Hash(string field) => new(Take(Hash32.Size, field));

    /// <summary>Reads a u32 length prefix, checking it against <paramref name="max"/> and the bytes left.</summary>
    public int Length(string field, int max)
    {
        int at = _position;
        uint length = U32(field + " length");
        if (length > (uint)max)
        {
            throw Error($"{field} length {length} at offset {at} exceeds the limit of {max}");
        }
        return (int)length;
    }

    /// <summary>Reads length-prefixed bytes of at most <paramref name="max"/> bytes.</summary>
    public ReadOnlySpan<byte> Bytes(string field, int max) => Take(Length(field, max), field);

    /// <summary>Reads a length-prefixed UTF-8 string of at most <paramref name="maxBytes"/> bytes; invalid UTF-8 or control characters are rejected.</summary>
    public string Utf8(string field, int maxBytes)
    {
        int at = _position;
        ReadOnlySpan<byte> bytes = Bytes(field, maxBytes);
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Error($"{field} at offset {at} is not valid UTF-8");
        }
        foreach (char c in text)
        {
            if (char.IsControl(c) && c is not ('\n' or '\t'))
            {
                throw Error($"{field} at offset {at} contains a control character");
            }
        }
        return text;
    }

    /// <summary>Throws when bytes are left over (a canonical encoding has none).</summary>
    public readonly void End()
    {
        if (_position != _data.Length)
        {
            throw Error($"{_data.Length - _position} trailing bytes after offset {_position}");
        }
    }

    /// <summary>An error naming the object being decoded.</summary>
    public readonly FormatException Error(string message) => new($"{_what}: {message}");

    private ReadOnlySpan<byte> Take(int count, string field)
    {
        if (count > _data.Length - _position)
        {
            throw Error($"truncated reading {field} at offset {_position} (needs {count} bytes, {_data.Length - _position} left)");
        }
        ReadOnlySpan<byte> span = _data.Slice(_position, count);
        _position += count;
        return span;
    }
}
