using System.Text;
using BasedAI.Network.Identity;

namespace BasedAI.Network.Tests.Unit;

/// <summary>Vectors produced by @libp2p/crypto 5.1.23 and @libp2p/peer-id 6.0.15 (the versions of the interop peer).</summary>
public class IdentityTests
{
    private const string Ed25519Seed = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    [Fact]
    public void Ed25519_seed_gives_the_js_peer_id_cid_key_encodings_and_signature()
    {
        using PrivateKey key = PrivateKey.FromEd25519Seed(Convert.FromHexString(Ed25519Seed));
        PeerId id = key.PublicKey.ToPeerId();
        Assert.Equal("12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB", id.ToString());
        Assert.Equal("bafzaajaiaejcaa5ba677htqqxyoxbxiy45f4bglh4tldbg5fbvpr3xegmqjfkmny", id.ToCidString());
        Assert.Equal("0801122003a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8", Convert.ToHexStringLower(key.PublicKey.ToProtobuf()));
        Assert.Equal("08011240" + Ed25519Seed + "03a107bff3ce10be1d70dd18e74bc09967e4d6309ba50d5f1ddc8664125531b8", Convert.ToHexStringLower(key.ToProtobuf()));
        byte[] signature = key.Sign(Encoding.ASCII.GetBytes("hello"));
        Assert.Equal("e1a7fca94a835127885b99e2eba733d6ee5bf5dc463ed8385eb6f1dcaa1117c0f151750a10f46f5b3796a91203578f702c85c67c334b5689a516284d499f710f", Convert.ToHexStringLower(signature));
        Assert.True(key.PublicKey.Verify(Encoding.ASCII.GetBytes("hello"), signature));
        Assert.False(key.PublicKey.Verify(Encoding.ASCII.GetBytes("hellO"), signature));
    }

    [Fact]
    public void Secp256k1_key_gives_the_js_peer_id_and_deterministic_der_signature()
    {
        using PrivateKey key = PrivateKey.FromProtobuf(Convert.FromHexString("08021220" + new string('0', 0) + string.Concat(Enumerable.Repeat("01", 32))));
        Assert.Equal("16Uiu2HAmEWQnHq2jLKJypwVnVoQeFCULuyop6atvq2eWjYSUjzNi", key.PublicKey.ToPeerId().ToString());
        Assert.Equal("08021221031b84c5567b126440995d3ed5aaba0565d71e1834604819ff9c17f5e9d5dd078f", Convert.ToHexStringLower(key.PublicKey.ToProtobuf()));
        byte[] signature = key.Sign(Encoding.ASCII.GetBytes("hello"));
        Assert.Equal("3045022100d13b19c8baa53851839efe1fe790b6f6d51028400902bb79d2fa50c65295e0ed0220697d0a44907237350d71ab31d6adbc973749cf2c2d1f4096b765c65be58cfca9", Convert.ToHexStringLower(signature));
        Assert.True(key.PublicKey.Verify(Encoding.ASCII.GetBytes("hello"), signature));
        Assert.False(key.PublicKey.Verify(Encoding.ASCII.GetBytes("hello"), signature.AsSpan(0, 10)));
    }

    [Theory]
    [InlineData(KeyType.Ed25519)]
    [InlineData(KeyType.Secp256k1)]
    public void Generated_keys_round_trip_and_inline_into_peer_ids(KeyType type)
    {
        using PrivateKey key = PrivateKey.Generate(type);
        using PrivateKey copy = PrivateKey.FromProtobuf(key.ToProtobuf());
        Assert.Equal(key.PublicKey, copy.PublicKey);
        PeerId id = key.PublicKey.ToPeerId();
        Assert.Equal(id, PeerId.Parse(id.ToString()));
        Assert.Equal(id, PeerId.Parse(id.ToCidString()));
        Assert.Equal(key.PublicKey, id.PublicKey);
        Assert.True(id.Matches(key.PublicKey));
    }

    [Fact]
    public void Sha256_peer_ids_parse_in_both_forms()
    {
        // A CIDv0-style id (Qm…) is the SHA-256 multihash of a large (RSA) key: no inlined key.
        PeerId id = PeerId.Parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N");
        Assert.Null(id.PublicKey);
        Assert.Equal(34, id.Bytes.Length);
        Assert.Equal(id, PeerId.Parse(id.ToCidString()));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("12D3KooW0", "base58")]
    [InlineData("xyz", "expected base58btc")]
    [InlineData("bafyaaaa", "")]
    [InlineData("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5", "")]
    public void Bad_peer_ids_are_rejected_with_a_reason(string text, string fragment)
    {
        var e = Assert.Throws<FormatException>(() => PeerId.Parse(text));
        Assert.Contains(fragment, e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Malformed_keys_are_rejected_with_a_reason()
    {
        Assert.Contains("32 bytes", Assert.Throws<FormatException>(() => PublicKey.Create(KeyType.Ed25519, new byte[31])).Message);
        Assert.Contains("required", Assert.Throws<FormatException>(() => PublicKey.FromProtobuf([0x08, 0x01])).Message);
        Assert.Contains("key type", Assert.Throws<FormatException>(() => PublicKey.FromProtobuf([0x08, 0x09, 0x12, 0x00])).Message);
        Assert.Throws<FormatException>(() => PublicKey.Create(KeyType.Secp256k1, new byte[33]));
        Assert.Contains("does not match", Assert.Throws<FormatException>(() => PrivateKey.FromProtobuf([0x08, 0x01, 0x12, 0x40, .. new byte[64]])).Message);
    }

    [Fact]
    public void Ecdsa_and_rsa_remote_keys_verify_der_and_pkcs1_signatures()
    {
        byte[] message = "noise-libp2p-static-key:..."u8.ToArray();
        using (var ecdsa = System.Security.Cryptography.ECDsa.Create(System.Security.Cryptography.ECCurve.NamedCurves.nistP256))
        {
            PublicKey key = PublicKey.Create(KeyType.Ecdsa, ecdsa.ExportSubjectPublicKeyInfo());
            byte[] signature = ecdsa.SignData(message, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.DSASignatureFormat.Rfc3279DerSequence);
            Assert.True(key.Verify(message, signature));
            Assert.False(key.Verify([.. message, 0], signature));
            Assert.False(key.Verify(message, [1, 2, 3]));
            Assert.Null(key.ToPeerId().PublicKey);
        }
        using (var rsa = System.Security.Cryptography.RSA.Create(2048))
        {
            PublicKey key = PublicKey.FromProtobuf(PublicKey.Create(KeyType.Rsa, rsa.ExportSubjectPublicKeyInfo()).ToProtobuf());
            byte[] signature = rsa.SignData(message, System.Security.Cryptography.HashAlgorithmName.SHA256, System.Security.Cryptography.RSASignaturePadding.Pkcs1);
            Assert.True(key.Verify(message, signature));
            Assert.False(key.Verify(message, signature.AsSpan(1)));
            Assert.StartsWith("Qm", key.ToPeerId().ToString(), StringComparison.Ordinal);
        }
        using (var weak = System.Security.Cryptography.RSA.Create(1024))
        {
            Assert.Contains("2048 to 8192 bits", Assert.Throws<FormatException>(() => PublicKey.Create(KeyType.Rsa, weak.ExportSubjectPublicKeyInfo())).Message);
        }
    }
}
