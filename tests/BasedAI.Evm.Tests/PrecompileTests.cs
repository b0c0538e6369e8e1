using System.Numerics;
using System.Security.Cryptography;
using BasedAI.Evm.Precompiles;
using Org.BouncyCastle.Crypto.Digests;

namespace BasedAI.Evm.Tests;

/// <summary>Precompile behaviour beyond the state tests: cross-checks against independent implementations and algebraic laws.</summary>
public class PrecompileTests
{
    private static byte[] Run(int number, byte[] input)
    {
        Assert.True(PrecompileSet.TryRun(number, input, out byte[] output), $"precompile {number} rejected its input");
        return output;
    }

    private static byte[] Word(BigInteger value) => value.ToByteArray(isUnsigned: true, isBigEndian: true) is { } bytes
        ? [.. new byte[32 - bytes.Length], .. bytes]
        : [];

    [Fact]
    public void Blake2f_reproduces_blake2b_of_bouncy_castle()
    {
        // BLAKE2b-512 of "abc" is one compression of the padded block with the parameter block folded into h[0].
        byte[] message = "abc"u8.ToArray();
        var input = new byte[213];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(input, 12);
        ulong[] iv = [0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1, 0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179];
        iv[0] ^= 0x01010040; // digest length 64, fanout 1, depth 1
        for (int i = 0; i < 8; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(input.AsSpan(4 + 8 * i), iv[i]);
        }
        message.CopyTo(input, 68);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(input.AsSpan(196), (ulong)message.Length);
        input[212] = 1;

        var digest = new Blake2bDigest(512);
        digest.BlockUpdate(message, 0, message.Length);
        var expected = new byte[64];
        digest.DoFinal(expected, 0);
        Assert.Equal(expected, Run(9, input));

        Assert.False(PrecompileSet.TryRun(9, input.AsSpan(0, 212), out _)); // wrong length
        input[212] = 2;
        Assert.False(PrecompileSet.TryRun(9, input, out _)); // final flag must be 0 or 1
    }

    [Fact]
    public void Sha256_ripemd160_identity_and_modexp_match_references()
    {
        byte[] data = "BasedEVM"u8.ToArray();
        Assert.Equal(SHA256.HashData(data), Run(2, data));
        var ripemd = new RipeMD160Digest();
        ripemd.BlockUpdate(data, 0, data.Length);
        var expected = new byte[20];
        ripemd.DoFinal(expected, 0);
        Assert.Equal([.. new byte[12], .. expected], Run(3, data));
        Assert.Equal(data, Run(4, data));

        var random = new Random(198);
        for (int i = 0; i < 50; i++)
        {
            byte[] b = new byte[random.Next(1, 40)], e = new byte[random.Next(1, 40)], m = new byte[random.Next(1, 40)];
            random.NextBytes(b);
            random.NextBytes(e);
            random.NextBytes(m);
            byte[] input = [.. Word(b.Length), .. Word(e.Length), .. Word(m.Length), .. b, .. e, .. m];
            var modulus = new BigInteger(m, isUnsigned: true, isBigEndian: true);
            BigInteger result = modulus.IsZero ? 0 : BigInteger.ModPow(new BigInteger(b, true, true), new BigInteger(e, true, true), modulus);
            byte[] output = Run(5, input);
            Assert.Equal(m.Length, output.Length);
            Assert.Equal(result, new BigInteger(output, isUnsigned: true, isBigEndian: true));
            Assert.True(PrecompileSet.GasCost(5, input) >= 200);
        }
    }

    // BN254 generators (EIP-196/197 encoding; G2 coordinates as imaginary ‖ real).
    private static readonly BigInteger[] G2 =
    [
        BigInteger.Parse("11559732032986387107991004021392285783925812861821192530917403151452391805634", System.Globalization.CultureInfo.InvariantCulture),
        BigInteger.Parse("10857046999023057135944570762232829481370756359578518086990519993285655852781", System.Globalization.CultureInfo.InvariantCulture),
        BigInteger.Parse("4082367875863433681332203403145435568316851327593401208105741076214120093531", System.Globalization.CultureInfo.InvariantCulture),
        BigInteger.Parse("8495653923123431417604973247489272438418190587263600148770280649306958101930", System.Globalization.CultureInfo.InvariantCulture),
    ];

    private static readonly BigInteger FieldModulus =
        BigInteger.Parse("21888242871839275222246405745257275088696311157297823662689037894645226208583", System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public void Bn254_add_mul_agree_and_the_pairing_is_bilinear()
    {
        byte[] g1 = [.. Word(1), .. Word(2)];
        byte[] doubled = Run(6, [.. g1, .. g1]);
        Assert.Equal(doubled, Run(7, [.. g1, .. Word(2)]));
        Assert.Equal(new byte[64], Run(7, [.. g1, .. Word(0)])); // 0·G = infinity

        // e(a·G1, G2) · e(−a·G1, G2) = 1 and e(a·G1, b·G2)… via the product form e(ab·G1, G2) · e(−a·G1, b·G2) = 1.
        byte[] g2 = [.. Word(G2[0]), .. Word(G2[1]), .. Word(G2[2]), .. Word(G2[3])];
        byte[] aG1 = Run(7, [.. g1, .. Word(12345)]);
        byte[] negaG1 = [.. aG1[..32], .. Word(FieldModulus - new BigInteger(aG1.AsSpan(32), true, true))];
        Assert.Equal(1, Run(8, [.. aG1, .. g2, .. negaG1, .. g2])[31]);
        Assert.Equal(0, Run(8, [.. aG1, .. g2, .. aG1, .. g2])[31]);
        Assert.Equal(1, Run(8, [])[31]); // the empty product is 1

        // A point off the curve, a coordinate ≥ p and a wrong length are rejected.
        Assert.False(PrecompileSet.TryRun(6, [.. Word(1), .. Word(3), .. g1], out _));
        Assert.False(PrecompileSet.TryRun(7, [.. Word(FieldModulus), .. Word(2), .. Word(1)], out _));
        Assert.False(PrecompileSet.TryRun(8, new byte[191], out _));
    }

    [Fact]
    public void Kzg_point_evaluation_accepts_a_valid_proof_and_rejects_a_wrong_value()
    {
        // p(x) = 1 commits to the G1 generator and its proof at any z is the point at infinity.
        byte[] commitment = Convert.FromHexString("97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb");
        byte[] proof = [0xc0, .. new byte[47]];
        byte[] versionedHash = SHA256.HashData(commitment);
        versionedHash[0] = 0x01;
        byte[] Input(int y) => [.. versionedHash, .. Word(42), .. Word(y), .. commitment, .. proof];

        byte[] output = Run(10, Input(1));
        Assert.Equal(4096, (int)new BigInteger(output.AsSpan(0, 32), true, true));
        Assert.Equal(BigInteger.Parse("52435875175126190479447740508185965837690552500527637822603658699938581184513", System.Globalization.CultureInfo.InvariantCulture),
            new BigInteger(output.AsSpan(32, 32), true, true));
        Assert.False(PrecompileSet.TryRun(10, Input(2), out _));
        byte[] wrongHash = Input(1);
        wrongHash[5] ^= 1;
        Assert.False(PrecompileSet.TryRun(10, wrongHash, out _));
        Assert.False(PrecompileSet.TryRun(10, Input(1).AsSpan(0, 191), out _));
    }
}
