using System.Buffers.Binary;
using BasedAI.Crypto;

namespace BasedAI.Evm.Primitives;

/// <summary>A 32-byte hash (Keccak-256 digests, roots, code hashes) as a value type.</summary>
public readonly struct Hash256 : IEquatable<Hash256>
{
    /// <summary>Size in bytes.</summary>
    public const int Size = 32;

    // Raw bytes in memory order, read as little-endian words.
    private readonly ulong _a, _b, _c, _d;

    /// <summary>All zeros.</summary>
    public static readonly Hash256 Zero;

    /// <summary>Keccak-256 of the empty string: the code hash of accounts without code.</summary>
    public static readonly Hash256 EmptyKeccak = Keccak(ReadOnlySpan<byte>.Empty);

    /// <summary>Keccak-256 of RLP("") (0x80): the root of an empty trie.</summary>
    public static readonly Hash256 EmptyTrieRoot = Keccak([0x80]);

    /// <summary>Keccak-256 of RLP([]) (0xc0): the hash of an empty ommers list and of no logs.</summary>
    public static readonly Hash256 EmptyListKeccak = Keccak([0xc0]);

    /// <summary>Reads 32 bytes.</summary>
    public Hash256(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"A hash has 32 bytes, not {bytes.Length}.", nameof(bytes));
        }
        _a = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        _b = BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]);
        _c = BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]);
        _d = BinaryPrimitives.ReadUInt64LittleEndian(bytes[24..]);
    }

    /// <summary>Keccak-256 of <paramref name="data"/>.</summary>
    public static Hash256 Keccak(ReadOnlySpan<byte> data)
    {
        Span<byte> digest = stackalloc byte[Size];
        Keccak256.Hash(data, digest);
        return new Hash256(digest);
    }

    /// <summary>Copies the 32 bytes into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, _a);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], _b);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[16..], _c);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[24..], _d);
    }

    /// <summary>Returns the 32 bytes.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        CopyTo(bytes);
        return bytes;
    }

    /// <summary>The hash read as a big-endian 256-bit number (as the EVM pushes hashes).</summary>
    public Numerics.UInt256 ToUInt256()
    {
        Span<byte> bytes = stackalloc byte[Size];
        CopyTo(bytes);
        return new Numerics.UInt256(bytes);
    }

    /// <summary>The hash whose bytes are the big-endian form of <paramref name="value"/>.</summary>
    public static Hash256 FromUInt256(in Numerics.UInt256 value)
    {
        Span<byte> bytes = stackalloc byte[Size];
        value.WriteBigEndian(bytes);
        return new Hash256(bytes);
    }

    /// <summary>Parses "0x"-prefixed 64-digit hexadecimal.</summary>
    public static Hash256 Parse(string text)
    {
        ReadOnlySpan<char> hex = text.AsSpan();
        if (hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            hex = hex[2..];
        }
        if (hex.Length != Size * 2)
        {
            throw new FormatException($"'{text}' is not a 32-byte hexadecimal hash.");
        }
        Span<byte> bytes = stackalloc byte[Size];
        if (Convert.FromHexString(hex, bytes, out _, out _) != System.Buffers.OperationStatus.Done)
        {
            throw new FormatException($"'{text}' is not a 32-byte hexadecimal hash.");
        }
        return new Hash256(bytes);
    }

    /// <inheritdoc />
    public bool Equals(Hash256 other) => _a == other._a && _b == other._b && _c == other._c && _d == other._d;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Hash256 other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => (int)(_a ^ (_a >> 32));

    /// <summary>Equality.</summary>
    public static bool operator ==(Hash256 left, Hash256 right) => left.Equals(right);
    /// <summary>Inequality.</summary>
    public static bool operator !=(Hash256 left, Hash256 right) => !left.Equals(right);

    /// <summary>"0x" + 64 lowercase hexadecimal digits.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        CopyTo(bytes);
        return "0x" + Convert.ToHexStringLower(bytes);
    }
}
