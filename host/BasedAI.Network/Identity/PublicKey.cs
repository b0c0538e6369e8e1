using System.Security.Cryptography;
using BasedAI.Crypto;
using BasedAI.Network.Core;
using Org.BouncyCastle.Math.EC.Rfc8032;

namespace BasedAI.Network.Identity;

/// <summary>libp2p key types (the <c>KeyType</c> enum of the libp2p crypto protobuf).</summary>
public enum KeyType
{
    /// <summary>RSA (PKIX public keys, PKCS#1 v1.5 SHA-256 signatures). Verification only.</summary>
    Rsa = 0,
    /// <summary>Ed25519 (32-byte public keys).</summary>
    Ed25519 = 1,
    /// <summary>secp256k1 (33-byte compressed public keys, DER ECDSA signatures over SHA-256).</summary>
    Secp256k1 = 2,
    /// <summary>ECDSA over NIST curves (PKIX public keys, DER signatures over SHA-256). Verification only.</summary>
    Ecdsa = 3,
}

/// <summary>
/// A libp2p public key: its type and its raw encoding, exactly as carried in the <c>PublicKey</c> protobuf
/// (which is what peer ids hash, so the bytes are kept as received).
/// </summary>
public sealed class PublicKey : IEquatable<PublicKey>
{
    /// <summary>Largest protobuf-encoded public key accepted (an RSA-8192 PKIX key is about 1.1 KB).</summary>
    public const int MaxEncodedLength = 2048;

    private readonly byte[] _data;
    private byte[]? _protobuf;

    private PublicKey(KeyType type, byte[] data)
    {
        Type = type;
        _data = data;
    }

    /// <summary>The key type.</summary>
    public KeyType Type { get; }

    /// <summary>The raw key bytes (the protobuf <c>Data</c> field).</summary>
    public ReadOnlySpan<byte> Data => _data;

    /// <summary>Creates and validates a public key from its type and raw bytes; throws <see cref="FormatException"/> if invalid.</summary>
    public static PublicKey Create(KeyType type, ReadOnlySpan<byte> data)
    {
        byte[] copy = data.ToArray();
        switch (type)
        {
            case KeyType.Ed25519:
                if (copy.Length != 32)
                {
                    throw new FormatException($"An Ed25519 public key is 32 bytes, not {copy.Length}.");
                }
                break;
            case KeyType.Secp256k1:
                // Throws FormatException for a length other than 33/65 or a point off the curve.
                Secp256k1.NormalizePublicKey(copy, compressed: true);
                break;
            case KeyType.Ecdsa:
                using (var ecdsa = ECDsa.Create())
                {
                    try
                    {
                        ecdsa.ImportSubjectPublicKeyInfo(copy, out int read);
                        if (read != copy.Length)
                        {
                            throw new FormatException("An ECDSA public key has trailing bytes after its PKIX structure.");
                        }
                    }
                    catch (CryptographicException e)
                    {
                        throw new FormatException("An ECDSA public key is not a valid PKIX SubjectPublicKeyInfo.", e);
                    }
                }
                break;
            case KeyType.Rsa:
                using (var rsa = RSA.Create())
                {
                    try
                    {
                        rsa.ImportSubjectPublicKeyInfo(copy, out int read);
                        if (read != copy.Length)
                        {
                            throw new FormatException("An RSA public key has trailing bytes after its PKIX structure.");
                        }
                        if (rsa.KeySize is < 2048 or > 8192)
                        {
                            throw new FormatException($"RSA keys must be 2048 to 8192 bits, not {rsa.KeySize}.");
                        }
                    }
                    catch (CryptographicException e)
                    {
                        throw new FormatException("An RSA public key is not a valid PKIX SubjectPublicKeyInfo.", e);
                    }
                }
                break;
            default:
                throw new FormatException($"Unknown libp2p key type {(int)type}.");
        }
        return new PublicKey(type, copy);
    }

    /// <summary>Decodes a protobuf <c>PublicKey { KeyType Type = 1; bytes Data = 2; }</c>; throws <see cref="FormatException"/> if invalid.</summary>
    public static PublicKey FromProtobuf(ReadOnlySpan<byte> encoded)
    {
        if (encoded.Length > MaxEncodedLength)
        {
            throw new FormatException($"A public key protobuf of {encoded.Length} bytes exceeds the {MaxEncodedLength}-byte limit.");
        }
        var reader = new ProtobufReader(encoded, "public key");
        ulong? type = null;
        ReadOnlySpan<byte> data = default;
        bool hasData = false;
        while (reader.TryReadTag(out int field, out WireType wireType))
        {
            switch (field)
            {
                case 1:
                    type = reader.ReadVarint(wireType, field);
                    break;
                case 2:
                    data = reader.ReadBytes(wireType, field);
                    hasData = true;
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }
        if (type is null || !hasData)
        {
            throw new FormatException("Malformed public key: the Type and Data fields are both required.");
        }
        if (type > 3)
        {
            throw new FormatException($"Unknown libp2p key type {type}.");
        }
        var key = Create((KeyType)type.Value, data);
        key._protobuf = encoded.ToArray();
        return key;
    }

    /// <summary>The protobuf encoding (deterministic: Type then Data).</summary>
    public byte[] ToProtobuf()
    {
        if (_protobuf is null)
        {
            var writer = new ProtobufWriter(_data.Length + 8);
            writer.WriteVarint(1, (ulong)Type);
            writer.WriteBytes(2, _data);
            _protobuf = writer.ToArray();
        }
        return _protobuf;
    }

    /// <summary>The peer id of this key.</summary>
    public PeerId ToPeerId() => PeerId.FromPublicKey(this);

    /// <summary>Verifies <paramref name="signature"/> over <paramref name="message"/> with this key. Never throws for a malformed signature.</summary>
    public bool Verify(ReadOnlySpan<byte> message, ReadOnlySpan<byte> signature)
    {
        switch (Type)
        {
            case KeyType.Ed25519:
                if (signature.Length != Ed25519.SignatureSize)
                {
                    return false;
                }
                return Ed25519.Verify(signature.ToArray(), 0, _data, 0, message.ToArray(), 0, message.Length);
            case KeyType.Secp256k1:
                {
                    byte[] rs;
                    try
                    {
                        rs = Secp256k1.FromDer(signature);
                    }
                    catch (FormatException)
                    {
                        return false;
                    }
                    Span<byte> hash = stackalloc byte[32];
                    SHA256.HashData(message, hash);
                    return Secp256k1.Verify(hash, rs, _data, requireLowS: false);
                }
            case KeyType.Ecdsa:
                using (var ecdsa = ECDsa.Create())
                {
                    ecdsa.ImportSubjectPublicKeyInfo(_data, out _);
                    try
                    {
                        return ecdsa.VerifyData(message, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
                    }
                    catch (CryptographicException)
                    {
                        return false;
                    }
                }
            case KeyType.Rsa:
                using (var rsa = RSA.Create())
                {
                    rsa.ImportSubjectPublicKeyInfo(_data, out _);
                    try
                    {
                        return rsa.VerifyData(message, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
                    }
                    catch (CryptographicException)
                    {
                        return false;
                    }
                }
            default:
                return false;
        }
    }

    /// <inheritdoc />
    public bool Equals(PublicKey? other) => other is not null && other.Type == Type && other._data.AsSpan().SequenceEqual(_data);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as PublicKey);

    /// <inheritdoc />
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Type);
        hash.AddBytes(_data);
        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public override string ToString() => $"{Type}:{Convert.ToHexStringLower(_data)}";
}
