using System.Numerics;

namespace BasedAI.Evm.Precompiles.Bn254;

/// <summary>
/// The BN254 (alt_bn128) curves of EIP-196/197: G1 is y² = x³ + 3 over F_p, G2 the sextic twist y² = x³ + 3/ξ over F_p²,
/// with the optimal ate pairing (Miller loop over 6x + 2 with affine line functions, then the final exponentiation).
/// </summary>
internal static class Bn254Curve
{
    /// <summary>The group order r.</summary>
    public static readonly BigInteger Order =
        BigInteger.Parse("21888242871839275222246405745257275088548364400416034343698204186575808495617", System.Globalization.CultureInfo.InvariantCulture);

    private static readonly Fp B1 = Fp.FromBigInteger(3);
    private static readonly Fp2 B2 = new Fp2(Fp.FromBigInteger(3), Fp.Zero) * Fp2.Xi.Invert();

    /// <summary>6x + 2 for the BN parameter x = 4965661367192848881.</summary>
    private static readonly BigInteger AteLoopCount = BigInteger.Parse("29793968203157093288", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>(p¹² − 1)/r split as (p⁶ − 1)(p² + 1) · (p⁴ − p² + 1)/r; this is the hard part.</summary>
    private static readonly bool[] HardExponentBits = Bls12381.Bls.Bits((BigInteger.Pow(Fp.Modulus, 4) - BigInteger.Pow(Fp.Modulus, 2) + 1) / Order);

    private static readonly bool[] AteLoopBits = Bls12381.Bls.Bits(AteLoopCount);
    private static readonly bool[] OrderBits = Bls12381.Bls.Bits(Order);

    // Frobenius on the twist: (x, y) ↦ (conj(x)·ξ^((p−1)/3), conj(y)·ξ^((p−1)/2)), and for p²: (x·ξ^((p²−1)/3), y·ξ^((p²−1)/2)).
    private static readonly Fp2 TwistFrobX = Fp2.Xi.Pow((Fp.Modulus - 1) / 3);
    private static readonly Fp2 TwistFrobY = Fp2.Xi.Pow((Fp.Modulus - 1) / 2);
    private static readonly Fp2 TwistFrob2X = Fp2.Xi.Pow((Fp.Modulus * Fp.Modulus - 1) / 3);
    private static readonly Fp2 TwistFrob2Y = Fp2.Xi.Pow((Fp.Modulus * Fp.Modulus - 1) / 2);

    // ------------------------------------------------------------------ G1 (affine, infinity = (0, 0) with flag)

    internal readonly record struct G1(Fp X, Fp Y, bool Infinity)
    {
        public static readonly G1 Zero = new(Fp.Zero, Fp.Zero, true);
    }

    public static bool IsOnCurve(in G1 p) => p.Infinity || p.Y.Square() == p.X.Square() * p.X + B1;

    public static G1 Add(in G1 a, in G1 b)
    {
        if (a.Infinity)
        {
            return b;
        }
        if (b.Infinity)
        {
            return a;
        }
        if (a.X == b.X)
        {
            return a.Y == b.Y ? Double(a) : G1.Zero;
        }
        Fp lambda = (b.Y - a.Y) * (b.X - a.X).Invert();
        Fp x = lambda.Square() - a.X - b.X;
        return new G1(x, lambda * (a.X - x) - a.Y, false);
    }

    public static G1 Double(in G1 a)
    {
        if (a.Infinity || a.Y.IsZero)
        {
            return G1.Zero;
        }
        Fp x2 = a.X.Square();
        Fp lambda = (x2.Double() + x2) * a.Y.Double().Invert();
        Fp x = lambda.Square() - a.X.Double();
        return new G1(x, lambda * (a.X - x) - a.Y, false);
    }

    /// <summary>Scalar multiplication in Jacobian coordinates (one inversion at the end).</summary>
    public static G1 Multiply(in G1 point, BigInteger scalar)
    {
        if (point.Infinity || scalar.IsZero)
        {
            return G1.Zero;
        }
        // Jacobian (X, Y, Z) ↔ affine (X/Z², Y/Z³); Z = 0 is infinity.
        Fp rx = Fp.One, ry = Fp.One, rz = Fp.Zero;
        bool[] bits = Bls12381.Bls.Bits(scalar);
        for (int bit = bits.Length - 1; bit >= 0; bit--)
        {
            JacobianDouble(ref rx, ref ry, ref rz);
            if (bits[bit])
            {
                JacobianAddAffine(ref rx, ref ry, ref rz, point);
            }
        }
        if (rz.IsZero)
        {
            return G1.Zero;
        }
        Fp zInv = rz.Invert();
        Fp zInv2 = zInv.Square();
        return new G1(rx * zInv2, ry * zInv2 * zInv, false);
    }

    private static void JacobianDouble(ref Fp x, ref Fp y, ref Fp z)
    {
        if (z.IsZero)
        {
            return;
        }
        // dbl-2009-l (a = 0)
        Fp a = x.Square();
        Fp b = y.Square();
        Fp c = b.Square();
        Fp d = ((x + b).Square() - a - c).Double();
        Fp e = a.Double() + a;
        Fp f = e.Square();
        Fp x3 = f - d.Double();
        Fp y3 = e * (d - x3) - c.Double().Double().Double();
        Fp z3 = (y * z).Double();
        x = x3;
        y = y3;
        z = z3;
    }

    private static void JacobianAddAffine(ref Fp x, ref Fp y, ref Fp z, in G1 q)
    {
        if (z.IsZero)
        {
            x = q.X;
            y = q.Y;
            z = Fp.One;
            return;
        }
        // madd-2007-bl
        Fp z1z1 = z.Square();
        Fp u2 = q.X * z1z1;
        Fp s2 = q.Y * z * z1z1;
        Fp h = u2 - x;
        Fp r = (s2 - y).Double();
        if (h.IsZero)
        {
            if (r.IsZero)
            {
                JacobianDouble(ref x, ref y, ref z);
            }
            else
            {
                z = Fp.Zero;
            }
            return;
        }
        Fp hh = h.Square();
        Fp i = hh.Double().Double();
        Fp j = h * i;
        Fp v = x * i;
        Fp x3 = r.Square() - j - v.Double();
        Fp y3 = r * (v - x3) - (y * j).Double();
        Fp z3 = (z + h).Square() - z1z1 - hh;
        x = x3;
        y = y3;
        z = z3;
    }

    // ------------------------------------------------------------------ G2 (affine over F_p²)

    internal readonly record struct G2(Fp2 X, Fp2 Y, bool Infinity)
    {
        public static readonly G2 Zero = new(Fp2.Zero, Fp2.Zero, true);
    }

    public static bool IsOnCurve(in G2 p) => p.Infinity || p.Y.Square() == p.X.Square() * p.X + B2;

    public static G2 Add(in G2 a, in G2 b)
    {
        if (a.Infinity)
        {
            return b;
        }
        if (b.Infinity)
        {
            return a;
        }
        if (a.X == b.X)
        {
            return a.Y == b.Y ? Double(a) : G2.Zero;
        }
        Fp2 lambda = (b.Y - a.Y) * (b.X - a.X).Invert();
        Fp2 x = lambda.Square() - a.X - b.X;
        return new G2(x, lambda * (a.X - x) - a.Y, false);
    }

    public static G2 Double(in G2 a)
    {
        if (a.Infinity || a.Y.IsZero)
        {
            return G2.Zero;
        }
        Fp2 x2 = a.X.Square();
        Fp2 lambda = (x2.Double() + x2) * a.Y.Double().Invert();
        Fp2 x = lambda.Square() - a.X.Double();
        return new G2(x, lambda * (a.X - x) - a.Y, false);
    }

    /// <summary>Scalar multiplication in Jacobian coordinates over F_p² (one inversion at the end).</summary>
    public static G2 Multiply(in G2 point, bool[] bits)
    {
        if (point.Infinity)
        {
            return G2.Zero;
        }
        Fp2 x = Fp2.One, y = Fp2.One, z = Fp2.Zero;
        for (int i = bits.Length - 1; i >= 0; i--)
        {
            JacobianDouble(ref x, ref y, ref z);
            if (!bits[i])
            {
                continue;
            }
            if (z.IsZero)
            {
                (x, y, z) = (point.X, point.Y, Fp2.One);
                continue;
            }
            Fp2 z2 = z.Square();
            Fp2 h = point.X * z2 - x, r = point.Y * z * z2 - y;
            if (h.IsZero)
            {
                // The accumulator equals ±point: adding gives twice it or infinity.
                if (r.IsZero)
                {
                    JacobianDouble(ref x, ref y, ref z);
                }
                else
                {
                    z = Fp2.Zero;
                }
                continue;
            }
            Fp2 hh = h.Square(), hhh = hh * h, v = x * hh;
            Fp2 x4 = r.Square() - hhh - v.Double();
            y = r * (v - x4) - y * hhh;
            x = x4;
            z *= h;
        }
        return z.IsZero ? G2.Zero : ToAffine(x, y, z);
    }

    private static void JacobianDouble(ref Fp2 x, ref Fp2 y, ref Fp2 z)
    {
        if (z.IsZero)
        {
            return;
        }
        // dbl-2009-l (a = 0)
        Fp2 a = x.Square(), b = y.Square(), c = b.Square();
        Fp2 d = ((x + b).Square() - a - c).Double();
        Fp2 e = a.Double() + a;
        Fp2 x3 = e.Square() - d.Double();
        Fp2 y3 = e * (d - x3) - c.Double().Double().Double();
        z = (y * z).Double();
        x = x3;
        y = y3;
    }

    private static G2 ToAffine(Fp2 x, Fp2 y, Fp2 z)
    {
        Fp2 zi = z.Invert(), zi2 = zi.Square();
        return new G2(x * zi2, y * zi2 * zi, false);
    }

    /// <summary>True when the point is in the order-r subgroup (the twist has a large cofactor).</summary>
    public static bool IsInSubgroup(in G2 point) => Multiply(point, OrderBits).Infinity;

    // ------------------------------------------------------------------ pairing

    /// <summary>True when ∏ e(P_i, Q_i) = 1. Points must already be validated.</summary>
    public static bool PairingProductIsOne(IReadOnlyList<(G1 P, G2 Q)> pairs)
    {
        Fp12 f = Fp12.One;
        foreach (var (p, q) in pairs)
        {
            if (p.Infinity || q.Infinity)
            {
                continue;
            }
            f *= MillerLoop(p, q);
        }
        return FinalExponentiation(f).IsOne;
    }

    private static Fp12 MillerLoop(in G1 p, in G2 q)
    {
        Fp12 f = Fp12.One;
        G2 t = q;
        for (int bit = AteLoopBits.Length - 2; bit >= 0; bit--)
        {
            f = f.Square() * LineDouble(ref t, p);
            if (AteLoopBits[bit])
            {
                f *= LineAdd(ref t, q, p);
            }
        }
        var q1 = new G2(q.X.Conjugate() * TwistFrobX, q.Y.Conjugate() * TwistFrobY, false);
        var q2 = new G2(q.X * TwistFrob2X, -(q.Y * TwistFrob2Y), false);
        f *= LineAdd(ref t, q1, p);
        f *= LineAdd(ref t, q2, p);
        return f;
    }

    /// <summary>
    /// The tangent at T evaluated at P, then T ← 2T. With T untwisted to (x·w², y·w³) the line is
    /// y_P − λ·x_P·w + (λ·x_T − y_T)·w³ for λ = 3x_T²/(2y_T) (vertical lines lie in F_p⁶ and vanish in the final exponentiation).
    /// </summary>
    private static Fp12 LineDouble(ref G2 t, in G1 p)
    {
        if (t.Infinity || t.Y.IsZero)
        {
            t = G2.Zero;
            return Fp12.One;
        }
        Fp2 x2 = t.X.Square();
        Fp2 lambda = (x2.Double() + x2) * t.Y.Double().Invert();
        Fp12 line = Line(lambda, t, p);
        Fp2 x = lambda.Square() - t.X.Double();
        t = new G2(x, lambda * (t.X - x) - t.Y, false);
        return line;
    }

    /// <summary>The chord through T and Q evaluated at P, then T ← T + Q.</summary>
    private static Fp12 LineAdd(ref G2 t, in G2 q, in G1 p)
    {
        if (t.Infinity)
        {
            t = q;
            return Fp12.One;
        }
        if (t.X == q.X)
        {
            if (t.Y == q.Y)
            {
                return LineDouble(ref t, p);
            }
            // Vertical line: its value lies in F_p⁶ and is removed by the final exponentiation.
            t = G2.Zero;
            return Fp12.One;
        }
        Fp2 lambda = (q.Y - t.Y) * (q.X - t.X).Invert();
        Fp12 line = Line(lambda, t, p);
        Fp2 x = lambda.Square() - t.X - q.X;
        t = new G2(x, lambda * (t.X - x) - t.Y, false);
        return line;
    }

    private static Fp12 Line(in Fp2 lambda, in G2 t, in G1 p)
    {
        // D0 = y_P; D1 = (−λ·x_P) + (λ·x_T − y_T)·v   (w³ = w·v)
        var d0 = new Fp6(new Fp2(p.Y, Fp.Zero), Fp2.Zero, Fp2.Zero);
        var d1 = new Fp6(-(lambda * p.X), lambda * t.X - t.Y, Fp2.Zero);
        return new Fp12(d0, d1);
    }

    private static Fp12 FinalExponentiation(in Fp12 f)
    {
        // Easy part: f^((p⁶ − 1)(p² + 1)).
        Fp12 t = f.Conjugate() * f.Invert();
        t = t.Frobenius2() * t;
        // Hard part by plain square-and-multiply.
        return t.Pow(HardExponentBits);
    }
}
