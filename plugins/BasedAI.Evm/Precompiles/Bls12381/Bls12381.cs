using System.Globalization;
using System.Numerics;

namespace BasedAI.Evm.Precompiles.Bls12381;

/// <summary>
/// The parts of BLS12-381 the KZG point evaluation needs: the field tower F_q ⊂ F_q² ⊂ F_q⁶ ⊂ F_q¹² over the Montgomery
/// <see cref="Fq"/>, G1 and G2 (the M-type sextic twist y² = x³ + 4(1 + u)), compressed point decoding (the ZCash format
/// EIP-4844 uses), and the optimal ate pairing check.
/// </summary>
internal static class Bls
{
    public static BigInteger Q => Fq.Modulus;

    /// <summary>The subgroup order r (also the KZG scalar field modulus, BLS_MODULUS).</summary>
    public static readonly BigInteger R = BigInteger.Parse(
        "073eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001", NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    /// <summary>|x| for the BLS parameter x = −0xd201000000010000.</summary>
    private static readonly BigInteger AbsX = BigInteger.Parse("0d201000000010000", NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static readonly BigInteger HardExponent = (BigInteger.Pow(Q, 4) - BigInteger.Pow(Q, 2) + 1) / R;

    /// <summary>The bits of an exponent, least significant first.</summary>
    internal static bool[] Bits(BigInteger exponent)
    {
        var bits = new bool[(int)exponent.GetBitLength()];
        byte[] bytes = exponent.ToByteArray(isUnsigned: true, isBigEndian: false);
        for (int i = 0; i < bits.Length; i++)
        {
            bits[i] = (bytes[i >> 3] & (1 << (i & 7))) != 0;
        }
        return bits;
    }

    private static readonly bool[] HardExponentBits = Bits(HardExponent);
    private static readonly bool[] AbsXBits = Bits(AbsX);
    private static readonly bool[] OrderBits = Bits(R);

    /// <summary>√a in F_q (q ≡ 3 mod 4), or null when a is not a square.</summary>
    private static Fq? Sqrt(Fq a)
    {
        Fq root = a.Pow((Q + 1) / 4);
        return root.Square() == a ? root : null;
    }

    // ------------------------------------------------------------------ F_q² = F_q[u]/(u² + 1)

    internal readonly record struct F2(Fq A, Fq B)
    {
        public static readonly F2 Zero = new(Fq.Zero, Fq.Zero);
        public static readonly F2 One = new(Fq.One, Fq.Zero);

        public bool IsZero => A.IsZero && B.IsZero;

        public static F2 operator +(in F2 x, in F2 y) => new(x.A + y.A, x.B + y.B);
        public static F2 operator -(in F2 x, in F2 y) => new(x.A - y.A, x.B - y.B);
        public static F2 operator -(in F2 x) => new(-x.A, -x.B);

        public static F2 operator *(in F2 x, in F2 y)
        {
            Fq ac = x.A * y.A, bd = x.B * y.B;
            return new F2(ac - bd, (x.A + x.B) * (y.A + y.B) - ac - bd);
        }

        public static F2 operator *(in F2 x, in Fq s) => new(x.A * s, x.B * s);

        public F2 Square()
        {
            Fq ab = A * B;
            return new F2((A + B) * (A - B), ab + ab);
        }

        public F2 Conjugate() => new(A, -B);

        /// <summary>Multiplies by ξ = 1 + u.</summary>
        public F2 MulByXi() => new(A - B, A + B);

        public F2 Invert()
        {
            Fq norm = (A.Square() + B.Square()).Invert();
            return new F2(A * norm, -(B * norm));
        }

        public F2 Pow(BigInteger e)
        {
            F2 result = One, square = this;
            foreach (bool bit in Bits(e))
            {
                if (bit)
                {
                    result *= square;
                }
                square = square.Square();
            }
            return result;
        }

        /// <summary>√x in F_q² (Adj &amp; Rodríguez-Henríquez, algorithm 9 for q ≡ 3 mod 4), or null.</summary>
        public F2? Sqrt()
        {
            if (IsZero)
            {
                return Zero;
            }
            F2 a1 = Pow((Q - 3) / 4);
            F2 alpha = a1.Square() * this;
            F2 a0 = alpha.Pow(Q) * alpha;
            F2 minusOne = new(-Fq.One, Fq.Zero);
            if (a0 == minusOne)
            {
                return null;
            }
            F2 x0 = a1 * this;
            F2 root = alpha == minusOne
                ? new F2(Fq.Zero, Fq.One) * x0
                : (One + alpha).Pow((Q - 1) / 2) * x0;
            return root.Square() == this ? root : null;
        }
    }

    // ------------------------------------------------------------------ F_q⁶ = F_q²[v]/(v³ − ξ), F_q¹² = F_q⁶[w]/(w² − v)

    internal readonly record struct F6(F2 C0, F2 C1, F2 C2)
    {
        public static readonly F6 Zero = new(F2.Zero, F2.Zero, F2.Zero);
        public static readonly F6 One = new(F2.One, F2.Zero, F2.Zero);

        public static F6 operator +(in F6 x, in F6 y) => new(x.C0 + y.C0, x.C1 + y.C1, x.C2 + y.C2);
        public static F6 operator -(in F6 x, in F6 y) => new(x.C0 - y.C0, x.C1 - y.C1, x.C2 - y.C2);
        public static F6 operator -(in F6 x) => new(-x.C0, -x.C1, -x.C2);

        public static F6 operator *(in F6 x, in F6 y)
        {
            F2 t0 = x.C0 * y.C0, t1 = x.C1 * y.C1, t2 = x.C2 * y.C2;
            F2 c0 = ((x.C1 + x.C2) * (y.C1 + y.C2) - t1 - t2).MulByXi() + t0;
            F2 c1 = (x.C0 + x.C1) * (y.C0 + y.C1) - t0 - t1 + t2.MulByXi();
            F2 c2 = (x.C0 + x.C2) * (y.C0 + y.C2) - t0 - t2 + t1;
            return new F6(c0, c1, c2);
        }

        public static F6 operator *(in F6 x, in F2 s) => new(x.C0 * s, x.C1 * s, x.C2 * s);

        public F6 MulByV() => new(C2.MulByXi(), C0, C1);

        public F6 Invert()
        {
            F2 a = C0.Square() - (C1 * C2).MulByXi();
            F2 b = C2.Square().MulByXi() - C0 * C1;
            F2 c = C1.Square() - C0 * C2;
            F2 t = (C0 * a + ((C2 * b) + (C1 * c)).MulByXi()).Invert();
            return new F6(a * t, b * t, c * t);
        }
    }

    internal readonly record struct F12(F6 D0, F6 D1)
    {
        public static readonly F12 One = new(F6.One, F6.Zero);

        private static readonly F2[] FrobeniusP2 = Enumerable.Range(0, 6)
            .Select(i => new F2(Fq.One, Fq.One).Pow(i * (Q * Q - 1) / 6)).ToArray();

        public static F12 operator *(in F12 x, in F12 y)
        {
            F6 t0 = x.D0 * y.D0, t1 = x.D1 * y.D1;
            return new F12(t0 + t1.MulByV(), (x.D0 + x.D1) * (y.D0 + y.D1) - t0 - t1);
        }

        public F12 Square() => this * this;

        public F12 Conjugate() => new(D0, -D1);

        public F12 Invert()
        {
            F6 t = (D0 * D0 - (D1 * D1).MulByV()).Invert();
            return new F12(D0 * t, -(D1 * t));
        }

        /// <summary>x^(q²): the F_q² coefficient of w^i is multiplied by ξ^(i(q²−1)/6).</summary>
        public F12 Frobenius2() => new(
            new F6(D0.C0 * FrobeniusP2[0], D0.C1 * FrobeniusP2[2], D0.C2 * FrobeniusP2[4]),
            new F6(D1.C0 * FrobeniusP2[1], D1.C1 * FrobeniusP2[3], D1.C2 * FrobeniusP2[5]));

        public F12 Pow(bool[] bits)
        {
            F12 result = One;
            for (int i = bits.Length - 1; i >= 0; i--)
            {
                result = result.Square();
                if (bits[i])
                {
                    result *= this;
                }
            }
            return result;
        }
    }

    // ------------------------------------------------------------------ G1: y² = x³ + 4

    internal readonly record struct G1(Fq X, Fq Y, bool Infinity)
    {
        public static readonly G1 Zero = new(Fq.Zero, Fq.Zero, true);
    }

    private static readonly Fq Four = Fq.FromBigInteger(4);

    public static bool IsOnCurve(G1 p) => p.Infinity || p.Y.Square() == p.X.Square() * p.X + Four;

    public static G1 Negate(G1 p) => p.Infinity ? p : new G1(p.X, -p.Y, false);

    public static G1 Add(G1 a, G1 b)
    {
        if (a.Infinity)
        {
            return b;
        }
        if (b.Infinity)
        {
            return a;
        }
        Fq lambda;
        if (a.X == b.X)
        {
            if (a.Y != b.Y || a.Y.IsZero)
            {
                return G1.Zero;
            }
            Fq x2 = a.X.Square();
            lambda = (x2.Double() + x2) * a.Y.Double().Invert();
        }
        else
        {
            lambda = (b.Y - a.Y) * (b.X - a.X).Invert();
        }
        Fq x = lambda.Square() - a.X - b.X;
        return new G1(x, lambda * (a.X - x) - a.Y, false);
    }

    /// <summary>Scalar multiplication with Jacobian coordinates (X/Z², Y/Z³); one inversion at the end.</summary>
    public static G1 Multiply(G1 p, BigInteger k) => Multiply(p, Bits(k));

    private static G1 Multiply(G1 p, bool[] bits)
    {
        if (p.Infinity)
        {
            return G1.Zero;
        }
        Fq x = Fq.One, y = Fq.One, z = Fq.Zero;
        for (int i = bits.Length - 1; i >= 0; i--)
        {
            JacobianDouble(ref x, ref y, ref z);
            if (bits[i])
            {
                JacobianAddAffine(ref x, ref y, ref z, p.X, p.Y);
            }
        }
        if (z.IsZero)
        {
            return G1.Zero;
        }
        Fq zi = z.Invert(), zi2 = zi.Square();
        return new G1(x * zi2, y * zi2 * zi, false);
    }

    private static void JacobianDouble(ref Fq x, ref Fq y, ref Fq z)
    {
        if (z.IsZero || y.IsZero)
        {
            z = Fq.Zero;
            return;
        }
        Fq a = x.Square(), b = y.Square(), c = b.Square();
        Fq d = ((x + b).Square() - a - c).Double();
        Fq e = a.Double() + a, f = e.Square();
        Fq x3 = f - d.Double();
        Fq y3 = e * (d - x3) - c.Double().Double().Double();
        z = (y * z).Double();
        x = x3;
        y = y3;
    }

    private static void JacobianAddAffine(ref Fq x, ref Fq y, ref Fq z, Fq qx, Fq qy)
    {
        if (z.IsZero)
        {
            x = qx;
            y = qy;
            z = Fq.One;
            return;
        }
        Fq z2 = z.Square();
        Fq h = qx * z2 - x, r = qy * z * z2 - y;
        if (h.IsZero)
        {
            if (r.IsZero)
            {
                JacobianDouble(ref x, ref y, ref z);
            }
            else
            {
                z = Fq.Zero;
            }
            return;
        }
        Fq hh = h.Square(), hhh = hh * h, v = x * hh;
        Fq x3 = r.Square() - hhh - v.Double();
        y = r * (v - x3) - y * hhh;
        x = x3;
        z *= h;
    }

    public static bool IsInSubgroup(G1 p) => Multiply(p, OrderBits).Infinity;

    /// <summary>Decodes a 48-byte compressed G1 point; false for a malformed encoding or a point off the curve.</summary>
    public static bool TryDecompressG1(ReadOnlySpan<byte> data, out G1 point)
    {
        point = G1.Zero;
        if (data.Length != 48 || !TryReadFlags(data, out bool infinity, out bool largest))
        {
            return false;
        }
        Span<byte> copy = stackalloc byte[48];
        data.CopyTo(copy);
        copy[0] &= 0x1f;
        var x = new BigInteger(copy, isUnsigned: true, isBigEndian: true);
        if (infinity)
        {
            return x.IsZero && !largest;
        }
        if (x >= Q)
        {
            return false;
        }
        Fq fx = Fq.FromBigInteger(x);
        Fq? y = Sqrt(fx.Square() * fx + Four);
        if (y is null)
        {
            return false;
        }
        Fq root = y.Value;
        if (root.IsLexicographicallyLarger != largest)
        {
            root = -root;
        }
        point = new G1(fx, root, false);
        return true;
    }

    // ------------------------------------------------------------------ G2: y² = x³ + 4(1 + u)

    internal readonly record struct G2(F2 X, F2 Y, bool Infinity)
    {
        public static readonly G2 Zero = new(F2.Zero, F2.Zero, true);
    }

    private static readonly F2 TwistB = new(Four, Four);

    public static bool IsOnCurve(G2 p) => p.Infinity || p.Y.Square() == p.X.Square() * p.X + TwistB;

    public static G2 Negate(G2 p) => p.Infinity ? p : new G2(p.X, -p.Y, false);

    public static G2 Add(G2 a, G2 b)
    {
        if (a.Infinity)
        {
            return b;
        }
        if (b.Infinity)
        {
            return a;
        }
        F2 lambda;
        if (a.X == b.X)
        {
            if (a.Y != b.Y || a.Y.IsZero)
            {
                return G2.Zero;
            }
            F2 x2 = a.X.Square();
            lambda = (x2 + x2 + x2) * (a.Y + a.Y).Invert();
        }
        else
        {
            lambda = (b.Y - a.Y) * (b.X - a.X).Invert();
        }
        F2 x = lambda.Square() - a.X - b.X;
        return new G2(x, lambda * (a.X - x) - a.Y, false);
    }

    /// <summary>Scalar multiplication in Jacobian coordinates over F_q².</summary>
    public static G2 Multiply(G2 p, BigInteger k)
    {
        if (p.Infinity || k.IsZero)
        {
            return G2.Zero;
        }
        F2 x = F2.One, y = F2.One, z = F2.Zero;
        bool[] bits = Bits(k);
        for (int i = bits.Length - 1; i >= 0; i--)
        {
            if (!z.IsZero)
            {
                F2 a = x.Square(), b = y.Square(), c = b.Square();
                F2 d = (x + b).Square() - a - c;
                d += d;
                F2 e = a + a + a, f = e.Square();
                F2 x3 = f - d - d;
                F2 c8 = c + c;
                c8 += c8;
                c8 += c8;
                F2 y3 = e * (d - x3) - c8;
                F2 yz = y * z;
                z = yz + yz;
                x = x3;
                y = y3;
            }
            if (bits[i])
            {
                if (z.IsZero)
                {
                    (x, y, z) = (p.X, p.Y, F2.One);
                    continue;
                }
                F2 z2 = z.Square();
                F2 h = p.X * z2 - x, r = p.Y * z * z2 - y;
                if (h.IsZero)
                {
                    // Adding a point to itself here would need a doubling; it cannot happen for scalars below the group order.
                    return Add(ToAffine(x, y, z), p);
                }
                F2 hh = h.Square(), hhh = hh * h, v = x * hh;
                F2 x3 = r.Square() - hhh - v - v;
                y = r * (v - x3) - y * hhh;
                x = x3;
                z *= h;
            }
        }
        return z.IsZero ? G2.Zero : ToAffine(x, y, z);
    }

    private static G2 ToAffine(F2 x, F2 y, F2 z)
    {
        F2 zi = z.Invert(), zi2 = zi.Square();
        return new G2(x * zi2, y * zi2 * zi, false);
    }

    /// <summary>Decodes a 96-byte compressed G2 point (x.c1 ‖ x.c0 with flags in the first byte).</summary>
    public static bool TryDecompressG2(ReadOnlySpan<byte> data, out G2 point)
    {
        point = G2.Zero;
        if (data.Length != 96 || !TryReadFlags(data, out bool infinity, out bool largest))
        {
            return false;
        }
        Span<byte> copy = stackalloc byte[96];
        data.CopyTo(copy);
        copy[0] &= 0x1f;
        var x1 = new BigInteger(copy[..48], isUnsigned: true, isBigEndian: true);
        var x0 = new BigInteger(copy[48..], isUnsigned: true, isBigEndian: true);
        if (infinity)
        {
            return x0.IsZero && x1.IsZero && !largest;
        }
        if (x0 >= Q || x1 >= Q)
        {
            return false;
        }
        var x = new F2(Fq.FromBigInteger(x0), Fq.FromBigInteger(x1));
        F2? y = (x.Square() * x + TwistB).Sqrt();
        if (y is null)
        {
            return false;
        }
        F2 root = y.Value;
        bool isLargest = root.B.IsZero ? root.A.IsLexicographicallyLarger : root.B.IsLexicographicallyLarger;
        if (isLargest != largest)
        {
            root = -root;
        }
        point = new G2(x, root, false);
        return true;
    }

    private static bool TryReadFlags(ReadOnlySpan<byte> data, out bool infinity, out bool largest)
    {
        bool compressed = (data[0] & 0x80) != 0;
        infinity = (data[0] & 0x40) != 0;
        largest = (data[0] & 0x20) != 0;
        return compressed;
    }

    // ------------------------------------------------------------------ pairing

    /// <summary>True when ∏ e(P_i, Q_i) = 1.</summary>
    public static bool PairingProductIsOne(params (G1 P, G2 Q)[] pairs)
    {
        F12 f = F12.One;
        foreach (var (p, q) in pairs)
        {
            if (!p.Infinity && !q.Infinity)
            {
                f *= MillerLoop(p, q);
            }
        }
        F12 t = f.Conjugate() * f.Invert();
        t = t.Frobenius2() * t;
        return t.Pow(HardExponentBits) == F12.One;
    }

    /// <summary>f_{|x|,Q}(P), conjugated because x is negative.</summary>
    private static F12 MillerLoop(G1 p, G2 q)
    {
        F12 f = F12.One;
        G2 t = q;
        for (int i = AbsXBits.Length - 2; i >= 0; i--)
        {
            F2 x2 = t.X.Square();
            F2 lambda = (x2 + x2 + x2) * (t.Y + t.Y).Invert();
            f = f.Square() * Line(lambda, t, p);
            F2 xd = lambda.Square() - t.X - t.X;
            t = new G2(xd, lambda * (t.X - xd) - t.Y, false);
            if (AbsXBits[i])
            {
                lambda = (q.Y - t.Y) * (q.X - t.X).Invert();
                f *= Line(lambda, t, p);
                F2 xa = lambda.Square() - t.X - q.X;
                t = new G2(xa, lambda * (t.X - xa) - t.Y, false);
            }
        }
        return f.Conjugate();
    }

    /// <summary>
    /// The line with slope λ through T (twist coordinates) evaluated at P, scaled by w³ (which the final exponentiation removes):
    /// with the M-type untwist (x·w⁻², y·w⁻³) it is (λ·x_T − y_T) − λ·x_P·w² + y_P·w³.
    /// </summary>
    private static F12 Line(in F2 lambda, in G2 t, in G1 p) => new(
        new F6(lambda * t.X - t.Y, -(lambda * p.X), F2.Zero),
        new F6(F2.Zero, new F2(p.Y, Fq.Zero), F2.Zero));
}
