using System.Numerics;
using System.Security.Cryptography;
using BasedAI.Evm.Precompiles.Bls12381;

namespace BasedAI.Evm.Precompiles;

/// <summary>
/// The KZG point evaluation precompile (EIP-4844, address 0x0a): checks that a commitment matches its versioned hash and that
/// the proof shows p(z) = y, i.e. e(C − [y]₁, −[1]₂) · e(π, [τ]₂ − [z]₂) = 1.
/// </summary>
internal static class PointEvaluation
{
    public const long GasCost = 50000;

    private const int FieldElementsPerBlob = 4096;

    /// <summary>
    /// [τ]₂ from the Ethereum KZG ceremony: g2_monomial[1] of consensus-specs presets/mainnet/trusted_setups/trusted_setup_4096.json.
    /// It is protocol data (every client verifies against this exact point), not code.
    /// </summary>
    private static readonly Bls.G2 TauG2 = DecodeTrustedG2(
        "b5bfd7dd8cdeb128843bc287230af38926187075cbfbefa81009a2ce615ac53d2914e5870cb452d2afaaab24f3499f72185cbfee53492714734429b7b38608e23926c911cceceac9a36851477ba4c60b087041de621000edc98edada20c1def2");

    /// <summary>The standard BLS12-381 generators (compressed).</summary>
    internal static readonly Bls.G1 G1Generator = DecodeTrustedG1(
        "97f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb");

    internal static readonly Bls.G2 G2Generator = DecodeTrustedG2(
        "93e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8");

    private static readonly byte[] SuccessOutput = BuildSuccessOutput();

    public static bool TryRun(ReadOnlySpan<byte> input, out byte[] output)
    {
        output = [];
        if (input.Length != 192)
        {
            return false;
        }
        ReadOnlySpan<byte> versionedHash = input[..32];
        ReadOnlySpan<byte> commitment = input.Slice(96, 48);
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(commitment, digest);
        digest[0] = 0x01; // VERSIONED_HASH_VERSION_KZG
        if (!versionedHash.SequenceEqual(digest))
        {
            return false;
        }
        var z = new BigInteger(input.Slice(32, 32), isUnsigned: true, isBigEndian: true);
        var y = new BigInteger(input.Slice(64, 32), isUnsigned: true, isBigEndian: true);
        if (z >= Bls.R || y >= Bls.R)
        {
            return false;
        }
        if (!TryReadG1(commitment, out Bls.G1 c) || !TryReadG1(input.Slice(144, 48), out Bls.G1 proof))
        {
            return false;
        }
        if (!VerifyProof(c, z, y, proof))
        {
            return false;
        }
        output = (byte[])SuccessOutput.Clone();
        return true;
    }

    /// <summary>verify_kzg_proof: e(C − [y]₁, −[1]₂) · e(π, [τ]₂ − [z]₂) = 1.</summary>
    internal static bool VerifyProof(Bls.G1 commitment, BigInteger z, BigInteger y, Bls.G1 proof)
    {
        Bls.G2 xMinusZ = Bls.Add(TauG2, Bls.Negate(Bls.Multiply(G2Generator, z)));
        Bls.G1 pMinusY = Bls.Add(commitment, Bls.Negate(Bls.Multiply(G1Generator, y)));
        return Bls.PairingProductIsOne((pMinusY, Bls.Negate(G2Generator)), (proof, xMinusZ));
    }

    /// <summary>validate_kzg_g1: a compressed point on the curve and in the order-r subgroup (or infinity).</summary>
    private static bool TryReadG1(ReadOnlySpan<byte> data, out Bls.G1 point) =>
        Bls.TryDecompressG1(data, out point) && (point.Infinity || Bls.IsInSubgroup(point));

    private static Bls.G1 DecodeTrustedG1(string hex) =>
        Bls.TryDecompressG1(Convert.FromHexString(hex), out Bls.G1 point) ? point : throw new InvalidOperationException("Bad built-in G1 point.");

    private static Bls.G2 DecodeTrustedG2(string hex) =>
        Bls.TryDecompressG2(Convert.FromHexString(hex), out Bls.G2 point) ? point : throw new InvalidOperationException("Bad built-in G2 point.");

    private static byte[] BuildSuccessOutput()
    {
        var output = new byte[64];
        new BigInteger(FieldElementsPerBlob).TryWriteBytes(output.AsSpan(30, 2), out _, isUnsigned: true, isBigEndian: true);
        Bls.R.TryWriteBytes(output.AsSpan(32), out _, isUnsigned: true, isBigEndian: true);
        return output;
    }
}
