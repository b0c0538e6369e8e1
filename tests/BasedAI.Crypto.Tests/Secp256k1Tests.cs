using System.Text;
using FsCheck;
using FsCheck.Fluent;

namespace BasedAI.Crypto.Tests;

public class Secp256k1Tests
{
    [Fact]
    public void Private_key_one_has_the_well_known_address()
    {
        byte[] one = new byte[32];
        one[31] = 1;
        Assert.Equal("0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf", EthereumAddress.FromPrivateKey(one).ToChecksumString());
    }

    [Fact]
    public void Signatures_recover_the_signer_and_verify()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<int>(), seed =>
        {
            var random = new Random(seed);
            byte[] key = RandomKey(random);
            byte[] hash = Keccak256.Hash(Encoding.UTF8.GetBytes($"message {seed}"));
            byte[] signature = Secp256k1.SignRecoverable(hash, key);
            byte[] publicKey = Secp256k1.GetPublicKey(key, compressed: false);
            return Secp256k1.TryRecover(hash, signature, out byte[] recovered)
                && recovered.AsSpan().SequenceEqual(publicKey)
                && Secp256k1.Verify(hash, signature, publicKey)
                && Secp256k1.Verify(hash, signature, Secp256k1.GetPublicKey(key, compressed: true));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(25));
    }

    [Fact]
    public void Signing_is_deterministic_and_low_s()
    {
        byte[] key = Convert.FromHexString("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318");
        byte[] hash = Keccak256.Hash(Encoding.ASCII.GetBytes("Some data"));
        byte[] first = Secp256k1.SignRecoverable(hash, key);
        Assert.Equal(first, Secp256k1.SignRecoverable(hash, key));
        var s = new Org.BouncyCastle.Math.BigInteger(1, first.AsSpan(32, 32).ToArray());
        Assert.True(s.CompareTo(Secp256k1.Order.ShiftRight(1)) <= 0);
    }

    [Fact]
    public void A_tampered_signature_or_hash_does_not_verify()
    {
        byte[] key = RandomKey(new Random(5));
        byte[] hash = Keccak256.Hash("payload"u8);
        byte[] signature = Secp256k1.SignRecoverable(hash, key);
        byte[] publicKey = Secp256k1.GetPublicKey(key, compressed: true);

        byte[] otherHash = (byte[])hash.Clone();
        otherHash[0] ^= 1;
        Assert.False(Secp256k1.Verify(otherHash, signature, publicKey));

        byte[] tampered = (byte[])signature.Clone();
        tampered[10] ^= 0x40;
        Assert.False(Secp256k1.Verify(hash, tampered, publicKey));
        Assert.True(!Secp256k1.TryRecover(hash, tampered, out byte[] recovered) || !recovered.AsSpan().SequenceEqual(Secp256k1.GetPublicKey(key, false)));
    }

    [Fact]
    public void Malformed_inputs_are_rejected_without_exceptions()
    {
        byte[] hash = new byte[32];
        Assert.False(Secp256k1.TryRecover(hash, new byte[64], out _));
        Assert.False(Secp256k1.TryRecover(hash, new byte[65], out _)); // r = s = 0
        Assert.False(Secp256k1.Verify(hash, new byte[64], new byte[33]));
        Assert.False(Secp256k1.Verify(hash, new byte[64], new byte[12]));
        Assert.False(Secp256k1.IsValidPrivateKey(new byte[32]));
        Assert.False(Secp256k1.IsValidPrivateKey(Enumerable.Repeat((byte)0xFF, 32).ToArray()));
        Assert.Throws<ArgumentException>(() => Secp256k1.GetPublicKey(new byte[32], true));
        Assert.Throws<FormatException>(() => Secp256k1.NormalizePublicKey(new byte[33], false));
        Assert.Throws<FormatException>(() => Secp256k1.FromDer(new byte[] { 0x30, 0x02, 0x01 }));
    }

    [Fact]
    public void Der_round_trips()
    {
        byte[] key = RandomKey(new Random(8));
        byte[] hash = Keccak256.Hash("der"u8);
        byte[] signature = Secp256k1.SignRecoverable(hash, key);
        Assert.Equal(signature.AsSpan(0, 64).ToArray(), Secp256k1.FromDer(Secp256k1.ToDer(signature)));
    }

    private static byte[] RandomKey(Random random)
    {
        byte[] key = new byte[32];
        do
        {
            random.NextBytes(key);
        }
        while (!Secp256k1.IsValidPrivateKey(key));
        return key;
    }
}
