using System.Buffers;
using System.Text;

namespace BasedAI.Network.Core;

/// <summary>Protobuf wire types used by the libp2p messages.</summary>
internal enum WireType
{
    Varint = 0,
    Fixed64 = 1,
    LengthDelimited = 2,
    Fixed32 = 5,
}

/// <summary>
/// A minimal bounds-checked protobuf reader for the few libp2p messages (keys, Noise payload, identify, pubsub RPC).
/// Every error is a <see cref="FormatException"/> naming the message being decoded.
/// </summary>
internal ref struct ProtobufReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly string _message;
    private int _position;

    public ProtobufReader(ReadOnlySpan<byte> data, string message)
    {
        _data = data;
        _message = message;
        _position = 0;
    }

    public readonly bool End => _position >= _data.Length;

    /// <summary>Reads the next field key; returns false at the end of the message.</summary>
    public bool TryReadTag(out int field, out WireType wireType)
    {
        field = 0;
        wireType = WireType.Varint;
        if (End)
        {
            return false;
        }
        ulong key = ReadVarint();
        field = (int)Math.Min(key >> 3, int.MaxValue);
        int wt = (int)(key & 7);
        if (field == 0)
        {
            throw Error("field number 0");
        }
        if (wt is not (0 or 1 or 2 or 5))
        {
            throw Error($"unsupported wire type {wt} for field {field}");
        }
        wireType = (WireType)wt;
        return true;
    }

    public ulong ReadVarint()
    {
        if (Varint.TryRead(_data[_position..], out ulong value, out int read) != VarintStatus.Done)
        {
            throw Error("truncated or overlong varint");
        }
        _position += read;
        return value;
    }

    public ReadOnlySpan<byte> ReadBytes()
    {
        ulong length = ReadVarint();
        if (length > (ulong)(_data.Length - _position))
        {
            throw Error($"a length-delimited field claims {length} bytes but only {_data.Length - _position} remain");
        }
        ReadOnlySpan<byte> result = _data.Slice(_position, (int)length);
        _position += (int)length;
        return result;
    }

    public string ReadString()
    {
        ReadOnlySpan<byte> bytes = ReadBytes();
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw Error("a string field is not valid UTF-8");
        }
    }

    public bool ReadBool() => ReadVarint() != 0;

    /// <summary>Reads a varint field, or throws if the wire type is not varint.</summary>
    public ulong ReadVarint(WireType wireType, int field)
    {
        Expect(wireType, WireType.Varint, field);
        return ReadVarint();
    }

    /// <summary>Reads a length-delimited field, or throws if the wire type is not length-delimited.</summary>
    public ReadOnlySpan<byte> ReadBytes(WireType wireType, int field)
    {
        Expect(wireType, WireType.LengthDelimited, field);
        return ReadBytes();
    }

    /// <summary>Reads a string field, or throws if the wire type is not length-delimited.</summary>
    public string ReadString(WireType wireType, int field)
    {
        Expect(wireType, WireType.LengthDelimited, field);
        return ReadString();
    }

    public void Skip(WireType wireType)
    {
        switch (wireType)
        {
            case WireType.Varint:
                ReadVarint();
                break;
            case WireType.Fixed64:
                Advance(8);
                break;
            case WireType.Fixed32:
                Advance(4);
                break;
            default:
                ReadBytes();
                break;
        }
    }

    private void Advance(int count)
    {
        if (_data.Length - _position < count)
        {
            throw Error("truncated fixed-width field");
        }
        _position += count;
    }

    private readonly void Expect(WireType actual, WireType expected, int field)
    {
        if (actual != expected)
        {
            throw Error($"field {field} has wire type {actual}, expected {expected}");
        }
    }

    private readonly FormatException Error(string what) => new($"Malformed {_message}: {what} (at byte {_position}).");

    public static readonly UTF8Encoding StrictUtf8 = new(false, true);
}

/// <summary>A small protobuf writer over a growable buffer.</summary>
internal sealed class ProtobufWriter
{
    private readonly ArrayBufferWriter<byte> _buffer;

    public ProtobufWriter(int initialCapacity = 256) => _buffer = new ArrayBufferWriter<byte>(initialCapacity);

    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    public void Clear() => _buffer.Clear();

    public void WriteTag(int field, WireType wireType) => Varint.Write(_buffer, ((ulong)field << 3) | (ulong)wireType);

    public void WriteVarint(int field, ulong value)
    {
        WriteTag(field, WireType.Varint);
        Varint.Write(_buffer, value);
    }

    public void WriteBool(int field, bool value) => WriteVarint(field, value ? 1UL : 0UL);

    public void WriteBytes(int field, ReadOnlySpan<byte> value)
    {
        WriteTag(field, WireType.LengthDelimited);
        Varint.Write(_buffer, (ulong)value.Length);
        _buffer.Write(value);
    }

    public void WriteString(int field, string value)
    {
        WriteTag(field, WireType.LengthDelimited);
        int count = Encoding.UTF8.GetByteCount(value);
        Varint.Write(_buffer, (ulong)count);
        Span<byte> span = _buffer.GetSpan(count);
        Encoding.UTF8.GetBytes(value, span);
        _buffer.Advance(count);
    }

    /// <summary>Appends raw bytes (an already-encoded field).</summary>
    public void WriteRaw(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);
}
