using BasedAI.Evm.Numerics;
using BasedAI.Evm.Primitives;

namespace BasedAI.Evm.Rlp;

/// <summary>
/// A strict, allocation-free RLP decoder over a span. Rejects non-canonical encodings (single bytes below 0x80 wrapped in a
/// string header, long forms for short payloads, leading zeros in lengths and integers) and items that overrun their input.
/// </summary>
public ref struct RlpReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    /// <summary>Reads the items of <paramref name="data"/> in sequence.</summary>
    public RlpReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    /// <summary>The read position in the input.</summary>
    public readonly int Position => _position;

    /// <summary>True when every byte has been consumed.</summary>
    public readonly bool IsAtEnd => _position >= _data.Length;

    /// <summary>True when the next item is a list.</summary>
    public readonly bool NextIsList => !IsAtEnd && _data[_position] >= 0xc0;

    /// <summary>Reads a string item's payload.</summary>
    public ReadOnlySpan<byte> ReadBytes()
    {
        var (isList, offset, length) = ReadHeader();
        if (isList)
        {
            throw new RlpException($"Expected an RLP string at offset {_position}, found a list.");
        }
        ReadOnlySpan<byte> payload = _data.Slice(_position + offset, length);
        _position += offset + length;
        return payload;
    }

    /// <summary>Reads a list header and returns a reader over the list's payload.</summary>
    public RlpReader ReadList()
    {
        var (isList, offset, length) = ReadHeader();
        if (!isList)
        {
            throw new RlpException($"Expected an RLP list at offset {_position}, found a string.");
        }
        var inner = new RlpReader(_data.Slice(_position + offset, length));
        _position += offset + length;
        return inner;
    }

    /// <summary>Returns the whole encoding (header and payload) of the next item and skips it.</summary>
    public ReadOnlySpan<byte> ReadEncodedItem()
    {
        var (_, offset, length) = ReadHeader();
        ReadOnlySpan<byte> item = _data.Slice(_position, offset + length);
        _position += offset + length;
        return item;
    }

    /// <summary>Reads a canonical unsigned integer of at most 8 bytes.</summary>
    public ulong ReadUInt64()
    {
        int start = _position;
        ReadOnlySpan<byte> bytes = ReadBytes();
        CheckInteger(bytes, 8, start);
        ulong value = 0;
        foreach (byte b in bytes)
        {
            value = (value << 8) | b;
        }
        return value;
    }

    /// <summary>Reads a canonical unsigned integer of at most 32 bytes.</summary>
    public UInt256 ReadUInt256()
    {
        int start = _position;
        ReadOnlySpan<byte> bytes = ReadBytes();
        CheckInteger(bytes, 32, start);
        return new UInt256(bytes);
    }

    /// <summary>Reads a 20-byte address.</summary>
    public Address ReadAddress()
    {
        int start = _position;
        ReadOnlySpan<byte> bytes = ReadBytes();
        if (bytes.Length != Address.Size)
        {
            throw new RlpException($"Expected a 20-byte address at offset {start}, found {bytes.Length} bytes.");
        }
        return new Address(bytes);
    }

    /// <summary>Reads a 32-byte hash.</summary>
    public Hash256 ReadHash()
    {
        int start = _position;
        ReadOnlySpan<byte> bytes = ReadBytes();
        if (bytes.Length != Hash256.Size)
        {
            throw new RlpException($"Expected a 32-byte hash at offset {start}, found {bytes.Length} bytes.");
        }
        return new Hash256(bytes);
    }

    /// <summary>Throws unless every byte has been consumed.</summary>
    public readonly void EnsureAtEnd(string what)
    {
        if (!IsAtEnd)
        {
            throw new RlpException($"{what}: {_data.Length - _position} unexpected trailing bytes at offset {_position}.");
        }
    }

    private static void CheckInteger(ReadOnlySpan<byte> bytes, int maxBytes, int offset)
    {
        if (bytes.Length > maxBytes)
        {
            throw new RlpException($"Integer at offset {offset} has {bytes.Length} bytes; at most {maxBytes} allowed.");
        }
        if (bytes.Length > 0 && bytes[0] == 0)
        {
            throw new RlpException($"Integer at offset {offset} has a leading zero byte (non-canonical).");
        }
    }

    private readonly (bool IsList, int Offset, int Length) ReadHeader()
    {
        if (_position >= _data.Length)
        {
            throw new RlpException($"Unexpected end of RLP input at offset {_position}.");
        }
        ReadOnlySpan<byte> rest = _data[_position..];
        byte prefix = rest[0];
        if (prefix < 0x80)
        {
            return (false, 0, 1);
        }
        if (prefix <= 0xb7)
        {
            int length = prefix - 0x80;
            CheckFits(rest, 1, length);
            if (length == 1 && rest[1] < 0x80)
            {
                throw new RlpException($"Single byte 0x{rest[1]:x2} below 0x80 at offset {_position} must be encoded as itself.");
            }
            return (false, 1, length);
        }
        if (prefix <= 0xbf)
        {
            int lengthOfLength = prefix - 0xb7;
            int length = ReadLongLength(rest, lengthOfLength);
            return (false, 1 + lengthOfLength, length);
        }
        if (prefix <= 0xf7)
        {
            int length = prefix - 0xc0;
            CheckFits(rest, 1, length);
            return (true, 1, length);
        }
        {
            int lengthOfLength = prefix - 0xf7;
            int length = ReadLongLength(rest, lengthOfLength);
            return (true, 1 + lengthOfLength, length);
        }
    }

    private readonly int ReadLongLength(ReadOnlySpan<byte> rest, int lengthOfLength)
    {
        if (rest.Length < 1 + lengthOfLength)
        {
            throw new RlpException($"RLP length prefix at offset {_position} runs past the end of the input.");
        }
        ReadOnlySpan<byte> lengthBytes = rest.Slice(1, lengthOfLength);
        if (lengthBytes[0] == 0)
        {
            throw new RlpException($"RLP length at offset {_position} has a leading zero byte (non-canonical).");
        }
        if (lengthOfLength > 4)
        {
            throw new RlpException($"RLP length at offset {_position} is too large ({lengthOfLength}-byte length).");
        }
        ulong length = 0;
        foreach (byte b in lengthBytes)
        {
            length = (length << 8) | b;
        }
        if (length < 56)
        {
            throw new RlpException($"RLP item at offset {_position} uses the long form for a {length}-byte payload (non-canonical).");
        }
        if (length > int.MaxValue)
        {
            throw new RlpException($"RLP length at offset {_position} is too large ({length}).");
        }
        CheckFits(rest, 1 + lengthOfLength, (int)length);
        return (int)length;
    }

    private readonly void CheckFits(ReadOnlySpan<byte> rest, int headerLength, int payloadLength)
    {
        if ((long)headerLength + payloadLength > rest.Length)
        {
            throw new RlpException(
                $"RLP item at offset {_position} declares {payloadLength} payload bytes but only {rest.Length - headerLength} remain.");
        }
    }
}
