using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using BasedAI.Evm.Numerics;

namespace BasedAI.Evm.Primitives;

/// <summary>A 20-byte account address as a value type (three machine words, cheap to compare and hash).</summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
public readonly struct Address : IEquatable<Address>, IComparable<Address>
{
    /// <summary>Size in bytes.</summary>
    public const int Size = 20;

    // Raw bytes in memory order: _a = bytes 0..7, _b = 8..15, _c = 16..19 (read as little-endian words).
    private readonly ulong _a;
    private readonly ulong _b;
    private readonly uint _c;

    /// <summary>The zero address.</summary>
    public static readonly Address Zero;

    /// <summary>Reads 20 bytes.</summary>
    public Address(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"An address has 20 bytes, not {bytes.Length}.", nameof(bytes));
        }
        _a = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        _b = BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]);
        _c = BinaryPrimitives.ReadUInt32LittleEndian(bytes[16..]);
    }

    /// <summary>The low 160 bits of an EVM word, as the EVM converts stack values to addresses.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Address(in UInt256 word)
    {
        // Big-endian bytes 12..31 of the word: bytes 0..3 = low half of U2, 4..11 = U1, 12..19 = U0.
        ulong u2 = BinaryPrimitives.ReverseEndianness(word.U2); // bytes 0..7 of the 32-byte big-endian form start at 8
        ulong u1 = BinaryPrimitives.ReverseEndianness(word.U1);
        ulong u0 = BinaryPrimitives.ReverseEndianness(word.U0);
        // Address bytes 0..3 are the last 4 big-endian bytes of U2, i.e. the high half of the reversed word.
        _a = (u2 >> 32) | (u1 << 32);
        _b = (u1 >> 32) | (u0 << 32);
        _c = (uint)(u0 >> 32);
    }

    /// <summary>The address as a 256-bit word (zero-extended).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public UInt256 ToUInt256()
    {
        // Inverse of the word constructor: rebuild the big-endian limbs from the memory-order words.
        ulong u0 = BinaryPrimitives.ReverseEndianness((_b >> 32) | ((ulong)_c << 32));
        ulong u1 = BinaryPrimitives.ReverseEndianness((_a >> 32) | (_b << 32));
        ulong u2 = BinaryPrimitives.ReverseEndianness(_a << 32);
        return new UInt256(u0, u1, u2, 0);
    }

    /// <summary>Copies the 20 bytes into <paramref name="destination"/>.</summary>
    public void CopyTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(destination, _a);
        BinaryPrimitives.WriteUInt64LittleEndian(destination[8..], _b);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[16..], _c);
    }

    /// <summary>Returns the 20 bytes.</summary>
    public byte[] ToArray()
    {
        var bytes = new byte[Size];
        CopyTo(bytes);
        return bytes;
    }

    /// <summary>The precompile number (1..255) when this is a low address, otherwise 0.</summary>
    public int LowNumber => _a == 0 && (_b == 0) && (_c & 0x00FFFFFF) == 0 ? (int)(_c >> 24) : 0;

    /// <summary>Creates the address whose last byte is <paramref name="number"/> (e.g. a precompile).</summary>
    public static Address FromNumber(byte number) => new(new UInt256(number));

    /// <summary>Parses "0x"-prefixed or bare 40-digit hexadecimal.</summary>
    public static Address Parse(string text)
    {
        if (!TryParse(text, out Address address))
        {
            throw new FormatException($"'{text}' is not a 20-byte hexadecimal address.");
        }
        return address;
    }

    /// <summary>Parses "0x"-prefixed or bare 40-digit hexadecimal (any case).</summary>
    public static bool TryParse(string? text, out Address address)
    {
        address = default;
        if (text is null)
        {
            return false;
        }
        ReadOnlySpan<char> hex = text.AsSpan();
        if (hex.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            hex = hex[2..];
        }
        if (hex.Length != Size * 2)
        {
            return false;
        }
        Span<byte> bytes = stackalloc byte[Size];
        if (Convert.FromHexString(hex, bytes, out _, out int written) != System.Buffers.OperationStatus.Done || written != Size)
        {
            return false;
        }
        address = new Address(bytes);
        return true;
    }

    /// <inheritdoc />
    public bool Equals(Address other) => _a == other._a && _b == other._b && _c == other._c;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is Address other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => (int)(_a ^ (_a >> 32) ^ _b ^ (_b >> 29) ^ _c);

    /// <inheritdoc />
    public int CompareTo(Address other)
    {
        Span<byte> a = stackalloc byte[Size];
        Span<byte> b = stackalloc byte[Size];
        CopyTo(a);
        other.CopyTo(b);
        return a.SequenceCompareTo(b);
    }

    /// <summary>Equality.</summary>
    public static bool operator ==(Address left, Address right) => left.Equals(right);
    /// <summary>Inequality.</summary>
    public static bool operator !=(Address left, Address right) => !left.Equals(right);
    /// <summary>Byte-wise ordering.</summary>
    public static bool operator <(Address left, Address right) => left.CompareTo(right) < 0;
    /// <summary>Byte-wise ordering.</summary>
    public static bool operator >(Address left, Address right) => left.CompareTo(right) > 0;
    /// <summary>Byte-wise ordering.</summary>
    public static bool operator <=(Address left, Address right) => left.CompareTo(right) <= 0;
    /// <summary>Byte-wise ordering.</summary>
    public static bool operator >=(Address left, Address right) => left.CompareTo(right) >= 0;

    /// <summary>"0x" + 40 lowercase hexadecimal digits.</summary>
    public override string ToString()
    {
        Span<byte> bytes = stackalloc byte[Size];
        CopyTo(bytes);
        return "0x" + Convert.ToHexStringLower(bytes);
    }
}
