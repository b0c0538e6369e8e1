using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using Org.BouncyCastle.Math;

namespace BasedAI.Crypto;

/// <summary>
/// A BIP-32 extended private key on secp256k1: a private key plus its chain code, from which children are derived.
/// Used to turn a BIP-39 seed into account keys along paths such as <c>m/44'/60'/0'/0/0</c> (the Ethereum default).
/// </summary>
public sealed class Bip32Key : IDisposable
{
    /// <summary>Index offset of hardened children (written with an apostrophe in paths).</summary>
    public const uint HardenedOffset = 0x80000000;

    /// <summary>The path of the first Ethereum account (MetaMask, geth, Ledger): BasedAI personalkeys and computekeys use it.</summary>
    public const string EthereumAccountPath = "m/44'/60'/0'/0/0";

    private readonly byte[] _privateKey;
    private readonly byte[] _chainCode;

    private Bip32Key(byte[] privateKey, byte[] chainCode, int depth)
    {
        _privateKey = privateKey;
        _chainCode = chainCode;
        Depth = depth;
    }

    /// <summary>The 32-byte private key.</summary>
    public ReadOnlySpan<byte> PrivateKey => _privateKey;

    /// <summary>The 32-byte chain code.</summary>
    public ReadOnlySpan<byte> ChainCode => _chainCode;

    /// <summary>Derivation depth (0 for the master key).</summary>
    public int Depth { get; }

    /// <summary>The master key of a seed (16 to 64 bytes; BIP-39 seeds are 64): HMAC-SHA512 keyed with "Bitcoin seed".</summary>
    public static Bip32Key FromSeed(ReadOnlySpan<byte> seed)
    {
        if (seed.Length is < 16 or > 64)
        {
            throw new ArgumentException("A BIP-32 seed is 16 to 64 bytes.", nameof(seed));
        }
        byte[] digest = HMACSHA512.HashData("Bitcoin seed"u8, seed);
        try
        {
            if (!Secp256k1.IsValidPrivateKey(digest.AsSpan(0, 32)))
            {
                throw new CryptographicException("This seed yields an invalid master key (probability below 2^-127); use another seed.");
            }
            return new Bip32Key(digest[..32], digest[32..], 0);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(digest);
        }
    }

    /// <summary>Derives the key at <paramref name="path"/> (e.g. <c>m/44'/60'/0'/0/0</c>; <c>'</c>, <c>h</c> or <c>H</c> mark hardened steps).</summary>
    public static Bip32Key FromSeed(ReadOnlySpan<byte> seed, string path)
    {
        using Bip32Key master = FromSeed(seed);
        return master.Derive(path);
    }

    /// <summary>Derives a descendant along a path relative to this key (which must start with <c>m</c>).</summary>
    public Bip32Key Derive(string path)
    {
        uint[] indices = ParsePath(path);
        Bip32Key current = this;
        foreach (uint index in indices)
        {
            Bip32Key next = current.DeriveChild(index);
            if (!ReferenceEquals(current, this))
            {
                current.Dispose();
            }
            current = next;
        }
        return ReferenceEquals(current, this) ? new Bip32Key(_privateKey.ToArray(), _chainCode.ToArray(), Depth) : current;
    }

    /// <summary>Derives child <paramref name="index"/> (hardened when index ≥ 2^31).</summary>
    public Bip32Key DeriveChild(uint index)
    {
        Span<byte> data = stackalloc byte[37];
        if (index >= HardenedOffset)
        {
            data[0] = 0;
            _privateKey.CopyTo(data[1..]);
        }
        else
        {
            Secp256k1.GetPublicKey(_privateKey, compressed: true).CopyTo(data);
        }
        BinaryPrimitives.WriteUInt32BigEndian(data[33..], index);
        byte[] digest = HMACSHA512.HashData(_chainCode, data);
        data.Clear();
        try
        {
            var tweak = new BigInteger(1, digest, 0, 32);
            if (tweak.CompareTo(Secp256k1.Order) >= 0)
            {
                throw new CryptographicException($"Child {index} is invalid (IL ≥ n); BIP-32 says to use the next index.");
            }
            BigInteger child = tweak.Add(new BigInteger(1, _privateKey)).Mod(Secp256k1.Order);
            if (child.SignValue == 0)
            {
                throw new CryptographicException($"Child {index} is invalid (key is zero); BIP-32 says to use the next index.");
            }
            byte[] key = new byte[32];
            byte[] unsigned = child.ToByteArrayUnsigned();
            unsigned.CopyTo(key, 32 - unsigned.Length);
            return new Bip32Key(key, digest[32..], Depth + 1);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(digest);
        }
    }

    /// <summary>Parses a derivation path into child indices; throws <see cref="FormatException"/> naming the bad segment.</summary>
    public static uint[] ParsePath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string[] parts = path.Trim().Split('/');
        if (parts.Length == 0 || parts[0] != "m")
        {
            throw new FormatException($"A derivation path starts with 'm', e.g. {EthereumAccountPath}; got '{path}'.");
        }
        var indices = new uint[parts.Length - 1];
        for (int i = 1; i < parts.Length; i++)
        {
            string part = parts[i];
            bool hardened = part.EndsWith('\'') || part.EndsWith('h') || part.EndsWith('H');
            string digits = hardened ? part[..^1] : part;
            if (digits.Length == 0 || !digits.All(char.IsAsciiDigit)
                || !uint.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out uint value) || value >= HardenedOffset)
            {
                throw new FormatException($"Path segment {i} ('{part}') of '{path}' is not an index below 2^31 with an optional apostrophe.");
            }
            indices[i - 1] = hardened ? value + HardenedOffset : value;
        }
        return indices;
    }

    /// <summary>Wipes the private key and chain code.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_privateKey);
        CryptographicOperations.ZeroMemory(_chainCode);
    }
}
