using System.Security.Cryptography;
using BasedAI.Crypto;
using BasedAI.Network.Core;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace BasedAI.Network.Identity;

/// <summary>
/// A node's signing key (Ed25519 or secp256k1). The secret bytes stay inside this object and are wiped by <see cref="Dispose"/>.
/// </summary>
public sealed class PrivateKey : IDisposable
{
    private readonly byte[] _secret;
    private bool _disposed;

    private PrivateKey(KeyType type, byte[] secret, PublicKey publicKey)
    {
        Type = type;
        _secret = secret;
        PublicKey = publicKey;
    }

    /// <summary>The key type.</summary>
    public KeyType Type { get; }

    /// <summary>The matching public key.</summary>
    public PublicKey PublicKey { get; }

    /// <summary>Generates a fresh key of <paramref name="type"/> (Ed25519 or secp256k1).</summary>
    public static PrivateKey Generate(KeyType type = KeyType.Ed25519)
    {
        switch (type)
        {
            case KeyType.Ed25519:
                {
                    byte[] seed = RandomNumberGenerator.GetBytes(32);
                    try
                    {
                        return FromEd25519Seed(seed);
                    }
                    finally
                    {
                        CryptographicOperations.ZeroMemory(seed);
                    }
                }
            case KeyType.Secp256k1:
                return FromSecp256k1(Secp256k1.CreatePrivateKey());
            default:
                throw new ArgumentException($"Only Ed25519 and secp256k1 node keys can be generated, not {type}.", nameof(type));
        }
    }

    /// <summary>Creates an Ed25519 key from its 32-byte seed.</summary>
    public static PrivateKey FromEd25519Seed(ReadOnlySpan<byte> seed)
    {
        if (seed.Length != Ed25519.SecretKeySize)
        {
            throw new FormatException($"An Ed25519 seed is 32 bytes, not {seed.Length}.");
        }
        byte[] secret = seed.ToArray();
        byte[] pub = new byte[Ed25519.PublicKeySize];
        Ed25519.GeneratePublicKey(secret, 0, pub, 0);
        return new PrivateKey(KeyType.Ed25519, secret, PublicKey.Create(KeyType.Ed25519, pub));
    }

    /// <summary>Creates a secp256k1 key from its 32-byte scalar.</summary>
    public static PrivateKey FromSecp256k1(ReadOnlySpan<byte> scalar)
    {
        if (!Secp256k1.IsValidPrivateKey(scalar))
        {
            throw new FormatException("A secp256k1 private key is a 32-byte scalar in [1, n-1].");
        }
        byte[] secret = scalar.ToArray();
        return new PrivateKey(KeyType.Secp256k1, secret, PublicKey.Create(KeyType.Secp256k1, Secp256k1.GetPublicKey(secret, compressed: true)));
    }

    /// <summary>
    /// Decodes the libp2p <c>PrivateKey</c> protobuf (Ed25519: 64 bytes seed ‖ public key, or a bare 32-byte seed; secp256k1: 32 bytes).
    /// </summary>
    public static PrivateKey FromProtobuf(ReadOnlySpan<byte> encoded)
    {
        var reader = new ProtobufReader(encoded, "private key");
        ulong? type = null;
        byte[]? data = null;
        try
        {
            while (reader.TryReadTag(out int field, out WireType wireType))
            {
                switch (field)
                {
                    case 1:
                        type = reader.ReadVarint(wireType, field);
                        break;
                    case 2:
                        data = reader.ReadBytes(wireType, field).ToArray();
                        break;
                    default:
                        reader.Skip(wireType);
                        break;
                }
            }
            if (type is null || data is null)
            {
                throw new FormatException("Malformed private key: the Type and Data fields are both required.");
            }
            switch ((KeyType)type.Value)
            {
                case KeyType.Ed25519 when data.Length == 64:
                    {
                        PrivateKey key = FromEd25519Seed(data.AsSpan(0, 32));
                        if (!key.PublicKey.Data.SequenceEqual(data.AsSpan(32)))
                        {
                            key.Dispose();
                            throw new FormatException("Malformed Ed25519 private key: the embedded public key does not match the seed.");
                        }
                        return key;
                    }
                case KeyType.Ed25519 when data.Length == 32:
                    return FromEd25519Seed(data);
                case KeyType.Ed25519:
                    throw new FormatException($"An Ed25519 private key is 64 (or 32) bytes, not {data.Length}.");
                case KeyType.Secp256k1:
                    return FromSecp256k1(data);
                default:
                    throw new FormatException($"Private keys of type {type} are not supported (Ed25519 and secp256k1 are).");
            }
        }
        finally
        {
            if (data is not null)
            {
                CryptographicOperations.ZeroMemory(data);
            }
        }
    }

    /// <summary>Encodes the key as the libp2p <c>PrivateKey</c> protobuf. The caller owns (and should wipe) the result.</summary>
    public byte[] ToProtobuf()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var writer = new ProtobufWriter(80);
        writer.WriteVarint(1, (ulong)Type);
        if (Type == KeyType.Ed25519)
        {
            byte[] full = new byte[64];
            _secret.CopyTo(full, 0);
            PublicKey.Data.CopyTo(full.AsSpan(32));
            writer.WriteBytes(2, full);
            CryptographicOperations.ZeroMemory(full);
        }
        else
        {
            writer.WriteBytes(2, _secret);
        }
        byte[] result = writer.ToArray();
        writer.Clear();
        return result;
    }

    /// <summary>Signs <paramref name="message"/> the way libp2p verifies it for this key type.</summary>
    public byte[] Sign(ReadOnlySpan<byte> message)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Type == KeyType.Ed25519)
        {
            byte[] signature = new byte[Ed25519.SignatureSize];
            byte[] pub = PublicKey.Data.ToArray();
            Ed25519.Sign(_secret, 0, pub, 0, message.ToArray(), 0, message.Length, signature, 0);
            return signature;
        }
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(message, hash);
        return Secp256k1.ToDer(Secp256k1.SignRecoverable(hash, _secret).AsSpan(0, 64));
    }

    /// <summary>Wipes the secret bytes.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            CryptographicOperations.ZeroMemory(_secret);
        }
    }
}
