using System.Security.Cryptography;
using ECPoint = Org.BouncyCastle.Math.EC.ECPoint;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Math.EC;
using Org.BouncyCastle.Math.EC.Multiplier;

namespace BasedAI.Crypto;

/// <summary>
/// secp256k1 as Ethereum and libp2p use it: deterministic (RFC 6979) signing with low-s normalisation,
/// public-key recovery from (r, s, v), verification, and SEC1 key encodings.
/// </summary>
public static class Secp256k1
{
    /// <summary>Private key size in bytes.</summary>
    public const int PrivateKeySize = 32;
    /// <summary>Compressed SEC1 public key size in bytes.</summary>
    public const int CompressedPublicKeySize = 33;
    /// <summary>Uncompressed SEC1 public key size in bytes (0x04 prefix + X + Y).</summary>
    public const int UncompressedPublicKeySize = 65;

    // The custom curve implementation (fixed-width field arithmetic, GLV endomorphism) is several times faster than the generic one.
    private static readonly X9ECParameters Curve = Org.BouncyCastle.Crypto.EC.CustomNamedCurves.GetByName("secp256k1");
    private static readonly ECDomainParameters Domain = new(Curve.Curve, Curve.G, Curve.N, Curve.H);
    private static readonly BigInteger HalfN = Curve.N.ShiftRight(1);

    /// <summary>The group order n.</summary>
    public static BigInteger Order => Curve.N;

    /// <summary>Creates a uniformly random valid private key.</summary>
    public static byte[] CreatePrivateKey()
    {
        var key = new byte[PrivateKeySize];
        do
        {
            RandomNumberGenerator.Fill(key);
        }
        while (!IsValidPrivateKey(key));
        return key;
    }

    /// <summary>True when <paramref name="privateKey"/> is 32 bytes and in [1, n-1].</summary>
    public static bool IsValidPrivateKey(ReadOnlySpan<byte> privateKey)
    {
        if (privateKey.Length != PrivateKeySize)
        {
            return false;
        }
        var d = new BigInteger(1, privateKey.ToArray());
        return d.SignValue > 0 && d.CompareTo(Curve.N) < 0;
    }

    /// <summary>Derives the SEC1 public key (compressed or uncompressed) of a private key.</summary>
    public static byte[] GetPublicKey(ReadOnlySpan<byte> privateKey, bool compressed)
    {
        var d = ToScalar(privateKey);
        ECPoint q = new FixedPointCombMultiplier().Multiply(Domain.G, d).Normalize();
        return q.GetEncoded(compressed);
    }

    /// <summary>Converts any valid SEC1 encoding to the requested form; throws <see cref="FormatException"/> for an invalid point.</summary>
    public static byte[] NormalizePublicKey(ReadOnlySpan<byte> publicKey, bool compressed) => DecodePoint(publicKey).GetEncoded(compressed);

    /// <summary>
    /// Signs a 32-byte message hash. Returns r (32) ‖ s (32) ‖ recovery id (1, 0 or 1), with s in the lower half of the order.
    /// </summary>
    public static byte[] SignRecoverable(ReadOnlySpan<byte> messageHash, ReadOnlySpan<byte> privateKey)
    {
        if (messageHash.Length != 32)
        {
            throw new ArgumentException("The message hash must be 32 bytes.", nameof(messageHash));
        }

        var d = ToScalar(privateKey);
        var signer = new ECDsaSigner(new HMacDsaKCalculator(new Sha256Digest()));
        signer.Init(true, new ECPrivateKeyParameters(d, Domain));
        byte[] hash = messageHash.ToArray();
        BigInteger[] rs = signer.GenerateSignature(hash);
        BigInteger r = rs[0], s = rs[1];
        if (s.CompareTo(HalfN) > 0)
        {
            s = Curve.N.Subtract(s);
        }

        ECPoint q = new FixedPointCombMultiplier().Multiply(Domain.G, d).Normalize();
        var signature = new byte[65];
        WriteScalar(r, signature.AsSpan(0, 32));
        WriteScalar(s, signature.AsSpan(32, 32));
        for (byte v = 0; v < 2; v++)
        {
            ECPoint? candidate = RecoverPoint(hash, r, s, v);
            if (candidate is not null && candidate.Equals(q))
            {
                signature[64] = v;
                return signature;
            }
        }
        throw new CryptographicException("Could not compute the recovery id of a fresh signature.");
    }

    /// <summary>
    /// Recovers the uncompressed public key (65 bytes) from a message hash and r ‖ s ‖ v signature (v in {0, 1}).
    /// Returns false for a malformed signature or one that recovers no point.
    /// </summary>
    public static bool TryRecover(ReadOnlySpan<byte> messageHash, ReadOnlySpan<byte> signature, out byte[] publicKey)
    {
        publicKey = [];
        if (messageHash.Length != 32 || signature.Length != 65 || signature[64] > 3)
        {
            return false;
        }
        var r = new BigInteger(1, signature[..32].ToArray());
        var s = new BigInteger(1, signature.Slice(32, 32).ToArray());
        if (r.SignValue <= 0 || r.CompareTo(Curve.N) >= 0 || s.SignValue <= 0 || s.CompareTo(Curve.N) >= 0)
        {
            return false;
        }
        ECPoint? q = RecoverPoint(messageHash.ToArray(), r, s, signature[64]);
        if (q is null || q.IsInfinity)
        {
            return false;
        }
        publicKey = q.GetEncoded(false);
        return true;
    }

    /// <summary>Verifies a 64-byte r ‖ s signature (the recovery byte, if present, is ignored). Rejects high-s when <paramref name="requireLowS"/>.</summary>
    public static bool Verify(ReadOnlySpan<byte> messageHash, ReadOnlySpan<byte> signature, ReadOnlySpan<byte> publicKey, bool requireLowS = true)
    {
        if (messageHash.Length != 32 || signature.Length < 64)
        {
            return false;
        }
        ECPoint q;
        try
        {
            q = DecodePoint(publicKey);
        }
        catch (FormatException)
        {
            return false;
        }
        var r = new BigInteger(1, signature[..32].ToArray());
        var s = new BigInteger(1, signature.Slice(32, 32).ToArray());
        if (r.SignValue <= 0 || r.CompareTo(Curve.N) >= 0 || s.SignValue <= 0 || s.CompareTo(Curve.N) >= 0)
        {
            return false;
        }
        if (requireLowS && s.CompareTo(HalfN) > 0)
        {
            return false;
        }
        var verifier = new ECDsaSigner();
        verifier.Init(false, new ECPublicKeyParameters(q, Domain));
        return verifier.VerifySignature(messageHash.ToArray(), r, s);
    }

    /// <summary>Encodes an r ‖ s signature as ASN.1 DER (the form libp2p uses for secp256k1 keys).</summary>
    public static byte[] ToDer(ReadOnlySpan<byte> signature)
    {
        var r = new Org.BouncyCastle.Asn1.DerInteger(new BigInteger(1, signature[..32].ToArray()));
        var s = new Org.BouncyCastle.Asn1.DerInteger(new BigInteger(1, signature.Slice(32, 32).ToArray()));
        return new Org.BouncyCastle.Asn1.DerSequence(r, s).GetDerEncoded();
    }

    /// <summary>Decodes an ASN.1 DER ECDSA signature into r ‖ s (64 bytes); throws <see cref="FormatException"/> when malformed.</summary>
    public static byte[] FromDer(ReadOnlySpan<byte> der)
    {
        try
        {
            var sequence = (Org.BouncyCastle.Asn1.Asn1Sequence)Org.BouncyCastle.Asn1.Asn1Object.FromByteArray(der.ToArray());
            if (sequence.Count != 2)
            {
                throw new FormatException("A DER ECDSA signature is a sequence of two integers.");
            }
            var result = new byte[64];
            WriteScalar(((Org.BouncyCastle.Asn1.DerInteger)sequence[0]).PositiveValue, result.AsSpan(0, 32));
            WriteScalar(((Org.BouncyCastle.Asn1.DerInteger)sequence[1]).PositiveValue, result.AsSpan(32, 32));
            return result;
        }
        catch (Exception e) when (e is IOException or InvalidCastException or ArgumentException or InvalidOperationException)
        {
            throw new FormatException("Malformed DER ECDSA signature.", e);
        }
    }

    private static ECPoint? RecoverPoint(byte[] hash, BigInteger r, BigInteger s, int recoveryId)
    {
        // SEC 1 v2, 4.1.6. Ethereum never uses x = r + n (ids 2, 3) in practice, but they are valid.
        BigInteger x = recoveryId >= 2 ? r.Add(Curve.N) : r;
        BigInteger p = Curve.Curve.Field.Characteristic;
        if (x.CompareTo(p) >= 0)
        {
            return null;
        }
        ECPoint rPoint;
        try
        {
            rPoint = DecompressX(x, (recoveryId & 1) == 1);
        }
        catch (ArgumentException)
        {
            return null;
        }
        // No n·R = O check: secp256k1 has cofactor 1, so every finite point on the curve has order n.
        BigInteger e = new(1, hash);
        BigInteger rInv = r.ModInverse(Curve.N);
        BigInteger u1 = e.Negate().Mod(Curve.N).Multiply(rInv).Mod(Curve.N);
        BigInteger u2 = s.Multiply(rInv).Mod(Curve.N);
        ECPoint q = ECAlgorithms.SumOfTwoMultiplies(Domain.G, u1, rPoint, u2).Normalize();
        return q.IsInfinity ? null : q;
    }

    private static ECPoint DecompressX(BigInteger x, bool yOdd)
    {
        byte[] encoded = new byte[33];
        encoded[0] = (byte)(yOdd ? 0x03 : 0x02);
        WriteScalar(x, encoded.AsSpan(1));
        return Curve.Curve.DecodePoint(encoded);
    }

    private static ECPoint DecodePoint(ReadOnlySpan<byte> publicKey)
    {
        if (publicKey.Length != CompressedPublicKeySize && publicKey.Length != UncompressedPublicKeySize)
        {
            throw new FormatException($"A secp256k1 public key is 33 or 65 bytes, not {publicKey.Length}.");
        }
        try
        {
            ECPoint point = Curve.Curve.DecodePoint(publicKey.ToArray()).Normalize();
            if (point.IsInfinity || !point.IsValid())
            {
                throw new FormatException("The public key is not a point on secp256k1.");
            }
            return point;
        }
        catch (ArgumentException e)
        {
            throw new FormatException("The public key is not a point on secp256k1.", e);
        }
    }

    private static BigInteger ToScalar(ReadOnlySpan<byte> privateKey)
    {
        if (!IsValidPrivateKey(privateKey))
        {
            throw new ArgumentException("A secp256k1 private key is 32 bytes in [1, n-1].", nameof(privateKey));
        }
        return new BigInteger(1, privateKey.ToArray());
    }

    private static void WriteScalar(BigInteger value, Span<byte> destination)
    {
        byte[] bytes = value.ToByteArrayUnsigned();
        if (bytes.Length > destination.Length)
        {
            throw new ArgumentException("Scalar does not fit.", nameof(value));
        }
        destination.Clear();
        bytes.CopyTo(destination[(destination.Length - bytes.Length)..]);
    }
}
