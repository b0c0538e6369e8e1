using System.Buffers.Binary;
using BasedAI.Crypto;

namespace BasedAI.Ledger.Codec;

/// <summary>A 32-byte hash (Keccak-256 throughout the ledger), compared by value; text form is 0x + 64 hex digits.</summary>
public readonly struct Hash32 : IEquatable<Hash32>, IComparable<Hash32>
{
    /// <summary>Size in bytes.</summary>
    public const int Size = 32;

    private readonly ulong _a, _b, _c, _d;

    /// <summary>Wraps 32 bytes.</summary>
    public Hash32(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"A hash is 32 bytes, not {bytes.Length}.", nameof(bytes));
        }
        _a = BinaryPrimitives.ReadUInt64BigEndian(bytes);
        _b = BinaryPrimitives.ReadUInt64BigEndian(bytes[8..]);
        _c = BinaryPrimitives.ReadUInt64BigEndian(bytes[16..]);
        _d = BinaryPrimitives.ReadUInt64BigEndian(bytes[24..]);
    }

    /// <summary>All zeros.</summary>
    public static Hash32 Zero => default;

    /// <summary>Keccak-256 of <paramref name="data"/>.</summary>
    public static Hash32 Keccak(ReadOnlySpan<byte> data)
    {
        Span<byte> digest = stackalloc byte[Size];
        Keccak256.Hash(data, digest);
        return new Hash32(digest);
    }

    /// <summary>Writes the 32 bytes.</summary>
    public void CopyTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, _a);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], _b);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], _c);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], _d);
    }

    /// <summary>The 32 bytes as a new array.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        CopyTo(bytes);
        return bytes;
    }

    /// <summary>Parses 0x + 64 hex digits; throws <see cref="FormatException"/> otherwise.</summary>
    public static Hash32 Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        if (hex.Length != 64)
        {
            throw new FormatException($"A hash is 0x followed by 64 hexadecimal digits, not '{text}'.");
        }
        try
        {
            return new Hash32(Convert.FromHexString(hex));
        }
        catch (FormatException e)
        {
            throw new FormatException($"A hash is 0x followed by 64 hexadecimal digits, not '{text}'.", e);
        }
    }

    /// <inheritdoc />
    public override string ToString() => "0x" + Convert.ToHexStringLower(ToArray());

    /// <inheritdoc />
    public bool Equals(Hash32 other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Hash32 other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_a, _b, _c, _d);

    /// <inheritdoc />
    public int CompareTo(Hash32 other) =>
        _a != other._a ? _a.CompareTo(other._a) : _b != other._b ? _b.CompareTo(other._b) : _c != other._c ? _c.CompareTo(other._c) : _d.CompareTo(other._d);

    /// <summary>Equality.</summary>
    public static bool operator ==(Hash32 left, Hash32 right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(Hash32 left, Hash32 right) => !left.Equals(right);

    /// <summary>Ordering.</summary>
    public static bool operator <(Hash32 left, Hash32 right) => left.CompareTo(right) < 0;

    /// <summary>Ordering.</summary>
    public static bool operator >(Hash32 left, Hash32 right) => left.CompareTo(right) > 0;

    /// <summary>Ordering.</summary>
    public static bool operator <=(Hash32 left, Hash32 right) => left.CompareTo(right) <= 0;

    /// <summary>Ordering.</summary>
    public static bool operator >=(Hash32 left, Hash32 right) => left.CompareTo(right) >= 0;
}
