using System.Diagnostics.CodeAnalysis;

namespace BasedAI.Crypto;

/// <summary>A 20-byte account address: the last 20 bytes of Keccak-256 of the uncompressed public key (without its 0x04 prefix).</summary>
public readonly struct EthereumAddress : IEquatable<EthereumAddress>
{
    /// <summary>Address size in bytes.</summary>
    public const int Size = 20;

    private readonly byte[]? _bytes;

    /// <summary>Wraps 20 bytes (copied).</summary>
    public EthereumAddress(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Size)
        {
            throw new ArgumentException($"An address is {Size} bytes, not {bytes.Length}.", nameof(bytes));
        }
        _bytes = bytes.ToArray();
    }

    /// <summary>The zero address.</summary>
    public static EthereumAddress Zero => new(new byte[Size]);

    /// <summary>The raw 20 bytes.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes ?? new byte[Size];

    /// <summary>Derives the address of a secp256k1 public key in any SEC1 form.</summary>
    public static EthereumAddress FromPublicKey(ReadOnlySpan<byte> publicKey)
    {
        byte[] uncompressed = publicKey.Length == Secp256k1.UncompressedPublicKeySize && publicKey[0] == 0x04
            ? publicKey.ToArray()
            : Secp256k1.NormalizePublicKey(publicKey, compressed: false);
        Span<byte> hash = stackalloc byte[Keccak256.HashSize];
        Keccak256.Hash(uncompressed.AsSpan(1), hash);
        return new EthereumAddress(hash[12..]);
    }

    /// <summary>Derives the address of a secp256k1 private key.</summary>
    public static EthereumAddress FromPrivateKey(ReadOnlySpan<byte> privateKey) =>
        FromPublicKey(Secp256k1.GetPublicKey(privateKey, compressed: false));

    /// <summary>
    /// Parses "0x" + 40 hex digits. All-lower or all-upper case is accepted as is; mixed case must carry a valid EIP-55 checksum.
    /// </summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out EthereumAddress? address, out string? error)
    {
        address = null;
        error = null;
        if (text is null || text.Length != 42 || !text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            error = "an address is 0x followed by 40 hexadecimal digits";
            return false;
        }
        string hex = text[2..];
        byte[] bytes;
        try
        {
            bytes = Convert.FromHexString(hex);
        }
        catch (FormatException)
        {
            error = "an address is 0x followed by 40 hexadecimal digits";
            return false;
        }
        var parsed = new EthereumAddress(bytes);
        bool mixedCase = hex.Any(char.IsUpper) && hex.Any(char.IsLower);
        if (mixedCase && parsed.ToChecksumString() != "0x" + hex)
        {
            error = "the EIP-55 checksum (letter case) does not match";
            return false;
        }
        address = parsed;
        return true;
    }

    /// <summary>Parses an address or throws <see cref="FormatException"/> naming the problem.</summary>
    public static EthereumAddress Parse(string text) =>
        TryParse(text, out EthereumAddress? address, out string? error) ? address.Value : throw new FormatException($"Invalid address '{text}': {error}.");

    /// <summary>The EIP-55 mixed-case checksum form.</summary>
    public string ToChecksumString()
    {
        string lower = Convert.ToHexStringLower(Bytes);
        Span<byte> hash = stackalloc byte[Keccak256.HashSize];
        Keccak256.Hash(System.Text.Encoding.ASCII.GetBytes(lower), hash);
        Span<char> result = stackalloc char[42];
        result[0] = '0';
        result[1] = 'x';
        for (int i = 0; i < 40; i++)
        {
            int nibble = (hash[i / 2] >> (i % 2 == 0 ? 4 : 0)) & 0xF;
            char c = lower[i];
            result[i + 2] = c >= 'a' && nibble >= 8 ? char.ToUpperInvariant(c) : c;
        }
        return new string(result);
    }

    /// <inheritdoc />
    public override string ToString() => ToChecksumString();

    /// <inheritdoc />
    public bool Equals(EthereumAddress other) => Bytes.SequenceEqual(other.Bytes);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is EthereumAddress other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Bytes);
        return hash.ToHashCode();
    }

    /// <summary>Equality by bytes.</summary>
    public static bool operator ==(EthereumAddress left, EthereumAddress right) => left.Equals(right);

    /// <summary>Inequality by bytes.</summary>
    public static bool operator !=(EthereumAddress left, EthereumAddress right) => !left.Equals(right);
}
