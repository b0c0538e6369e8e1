using System.Numerics;

namespace BasedAI.Evm.Precompiles.Bn254;

/// <summary>The BN254 precompiles: ECADD (0x06), ECMUL (0x07), ECPAIRING (0x08).</summary>
internal static class Bn254Precompiles
{
    public static bool TryAdd(ReadOnlySpan<byte> input, out byte[] output)
    {
        byte[] data = PrecompileSet.Padded(input, 128);
        output = [];
        if (!TryReadG1(data.AsSpan(0, 64), out Bn254Curve.G1 a) || !TryReadG1(data.AsSpan(64, 64), out Bn254Curve.G1 b))
        {
            return false;
        }
        output = WriteG1(Bn254Curve.Add(a, b));
        return true;
    }

    public static bool TryMultiply(ReadOnlySpan<byte> input, out byte[] output)
    {
        byte[] data = PrecompileSet.Padded(input, 96);
        output = [];
        if (!TryReadG1(data.AsSpan(0, 64), out Bn254Curve.G1 point))
        {
            return false;
        }
        var scalar = new BigInteger(data.AsSpan(64, 32), isUnsigned: true, isBigEndian: true);
        output = WriteG1(Bn254Curve.Multiply(point, scalar));
        return true;
    }

    public static bool TryPairing(ReadOnlySpan<byte> input, out byte[] output)
    {
        output = [];
        if (input.Length % 192 != 0)
        {
            return false;
        }
        var pairs = new List<(Bn254Curve.G1, Bn254Curve.G2)>(input.Length / 192);
        for (int offset = 0; offset < input.Length; offset += 192)
        {
            if (!TryReadG1(input.Slice(offset, 64), out Bn254Curve.G1 p) || !TryReadG2(input.Slice(offset + 64, 128), out Bn254Curve.G2 q))
            {
                return false;
            }
            pairs.Add((p, q));
        }
        output = new byte[32];
        output[31] = Bn254Curve.PairingProductIsOne(pairs) ? (byte)1 : (byte)0;
        return true;
    }

    private static bool TryReadG1(ReadOnlySpan<byte> data, out Bn254Curve.G1 point)
    {
        point = Bn254Curve.G1.Zero;
        if (!Fp.TryRead(data[..32], out Fp x) || !Fp.TryRead(data[32..64], out Fp y))
        {
            return false;
        }
        if (x.IsZero && y.IsZero)
        {
            return true;
        }
        point = new Bn254Curve.G1(x, y, false);
        return Bn254Curve.IsOnCurve(point);
    }

    /// <summary>Reads a G2 point encoded as x.imaginary ‖ x.real ‖ y.imaginary ‖ y.real, checking curve and subgroup.</summary>
    private static bool TryReadG2(ReadOnlySpan<byte> data, out Bn254Curve.G2 point)
    {
        point = Bn254Curve.G2.Zero;
        if (!Fp.TryRead(data[..32], out Fp xi) || !Fp.TryRead(data[32..64], out Fp xr)
            || !Fp.TryRead(data[64..96], out Fp yi) || !Fp.TryRead(data[96..128], out Fp yr))
        {
            return false;
        }
        var x = new Fp2(xr, xi);
        var y = new Fp2(yr, yi);
        if (x.IsZero && y.IsZero)
        {
            return true;
        }
        point = new Bn254Curve.G2(x, y, false);
        return Bn254Curve.IsOnCurve(point) && Bn254Curve.IsInSubgroup(point);
    }

    private static byte[] WriteG1(in Bn254Curve.G1 point)
    {
        var output = new byte[64];
        if (!point.Infinity)
        {
            point.X.Write(output.AsSpan(0, 32));
            point.Y.Write(output.AsSpan(32, 32));
        }
        return output;
    }
}
