using System.Globalization;
using System.Numerics;

namespace BasedAI.Evm.Precompiles.Bls12381;

/// <summary>
/// The parts of BLS12-381 the KZG point evaluation needs: the field tower F_q ⊂ F_q² ⊂ F_q⁶ ⊂ F_q¹², G1 and G2 (the M-type
/// sextic twist y² = x³ + 4(1 + u)) in affine coordinates, compressed point decoding (ZCash format, as EIP-4844 uses), and the
/// optimal ate pairing check. Field elements are canonical <see cref="BigInteger"/> values below q.
/// </summary>
internal static class Bls
{
    public static readonly BigInteger Q = BigInteger.Parse(
        "01a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab", NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    /// <summary>The subgroup order r (also the KZG scalar field modulus, BLS_MODULUS).</summary>
    public static readonly BigInteger R = BigInteger.Parse(
        "073eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000001", NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    /// <summary>|x| for the BLS parameter x = −0xd201000000010000.</summary>
    private static readonly BigInteger AbsX = BigInteger.Parse("0d201000000010000", NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static readonly BigInteger HardExponent = (BigInteger.Pow(Q, 4) - BigInteger.Pow(Q, 2) + 1) / R;
    private static readonly BigInteger HalfQ = (Q - 1) / 2;

    // ------------------------------------------------------------------ F_q

    public static BigInteger Add(BigInteger a, BigInteger b)
    {
        BigInteger s = a + b;
        return s >= Q ? s - Q : s;
    }

    public static BigInteger Sub(BigInteger a, BigInteger b)
    {
        BigInteger d = a - b;
        return d.Sign < 0 ? d + Q : d;
    }

    public static BigInteger Mul(BigInteger a, BigInteger b) => a * b % Q;

    public static BigInteger Neg(BigInteger a) => a.IsZero ? a : Q - a;

    public static BigInteger Inv(BigInteger a) => BigInteger.ModPow(a, Q - 2, Q);

    /// <summary>√a in F_q (q ≡ 3 mod 4), or null when a is not a square.</summary>
    public static BigInteger? Sqrt(BigInteger a)
    {
        BigInteger root = BigInteger.ModPow(a, (Q + 1) / 4, Q);
        return Mul(root, root) == a ? root : null;
    }

    // ------------------------------------------------------------------ F_q² = F_q[u]/(u² + 1)

    internal readonly record struct F2(BigInteger A, BigInteger B)
    {
        public static readonly F2 Zero = new(BigInteger.Zero, BigInteger.Zero);
        public static readonly F2 One = new(BigInteger.One, BigInteger.Zero);

        public bool IsZero => A.IsZero && B.IsZero;

        public static F2 operator +(F2 x, F2 y) => new(Add(x.A, y.A), Add(x.B, y.B));
        public static F2 operator -(F2 x, F2 y) => new(Sub(x.A, y.A), Sub(x.B, y.B));
        public static F2 operator -(F2 x) => new(Neg(x.A), Neg(x.B));

        public static F2 operator *(F2 x, F2 y)
        {
            BigInteger ac = x.A * y.A, bd = x.B * y.B;
            BigInteger cross = (x.A + x.B) * (y.A + y.B) - ac - bd;
            return new F2(Mod(ac - bd), Mod(cross));
        }

        public static F2 operator *(F2 x, BigInteger s) => new(Mul(x.A, s), Mul(x.B, s));

        public F2 Square() => this * this;

        public F2 Conjugate() => new(A, Neg(B));

        /// <summary>Multiplies by ξ = 1 + u.</summary>
        public F2 MulByXi() => new(Sub(A, B), Add(A, B));

        public F2 Invert()
        {
            BigInteger norm = Inv(Mod(A * A + B * B));
            return new F2(Mul(A, norm), Neg(Mul(B, norm)));
        }

        public F2 Pow(BigInteger e)
        {
            F2 result = One, square = this;
            while (!e.IsZero)
            {
                if (!e.IsEven)
                {
                    result *= square;
                }
                square = square.Square();
                e >>= 1;
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
            F2 minusOne = new(Q - 1, BigInteger.Zero);
            if (a0 == minusOne)
            {
                return null;
            }
            F2 x0 = a1 * this;
            F2 root = alpha == minusOne
                ? new F2(BigInteger.Zero, BigInteger.One) * x0
                : (One + alpha).Pow((Q - 1) / 2) * x0;
            return root.Square() == this ? root : null;
        }
    }

    private static BigInteger Mod(BigInteger v)
    {
        BigInteger r = v % Q;
        return r.Sign < 0 ? r + Q : r;
    }

    // ------------------------------------------------------------------ F_q⁶ = F_q²[v]/(v³ − ξ), F_q¹² = F_q⁶[w]/(w² − v)

    internal readonly record struct F6(F2 C0, F2 C1, F2 C2)
    {
        public static readonly F6 Zero = new(F2.Zero, F2.Zero, F2.Zero);
        public static readonly F6 One = new(F2.One, F2.Zero, F2.Zero);

        public static F6 operator +(F6 x, F6 y) => new(x.C0 + y.C0, x.C1 + y.C1, x.C2 + y.C2);
        public static F6 operator -(F6 x, F6 y) => new(x.C0 - y.C0, x.C1 - y.C1, x.C2 - y.C2);
        public static F6 operator -(F6 x) => new(-x.C0, -x.C1, -x.C2);

        public static F6 operator *(F6 x, F6 y)
        {
            F2 t0 = x.C0 * y.C0, t1 = x.C1 * y.C1, t2 = x.C2 * y.C2;
            F2 c0 = ((x.C1 + x.C2) * (y.C1 + y.C2) - t1 - t2).MulByXi() + t0;
            F2 c1 = (x.C0 + x.C1) * (y.C0 + y.C1) - t0 - t1 + t2.MulByXi();
            F2 c2 = (x.C0 + x.C2) * (y.C0 + y.C2) - t0 - t2 + t1;
            return new F6(c0, c1, c2);
        }

        public static F6 operator *(F6 x, F2 s) => new(x.C0 * s, x.C1 * s, x.C2 * s);

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
            .Select(i => new F2(BigInteger.One, BigInteger.One).Pow(i * (Q * Q - 1) / 6)).ToArray();

        public static F12 operator *(F12 x, F12 y)
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

        public F12 Pow(BigInteger e)
        {
            F12 result = One, square = this;
            while (!e.IsZero)
            {
                if (!e.IsEven)
                {
                    result *= square;
                }
                square = square.Square();
                e >>= 1;
            }
            return result;
        }
    }

    // ------------------------------------------------------------------ G1: y² = x³ + 4

    internal readonly record struct G1(BigInteger X, BigInteger Y, bool Infinity)
    {
        public static readonly G1 Zero = new(BigInteger.Zero, BigInteger.Zero, true);
    }

    public static bool IsOnCurve(G1 p) => p.Infinity || Mul(p.Y, p.Y) == Add(Mul(Mul(p.X, p.X), p.X), 4);

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
        BigInteger lambda;
        if (a.X == b.X)
        {
            if (a.Y != b.Y || a.Y.IsZero)
            {
                return G1.Zero;
            }
            lambda = Mul(Mul(3, Mul(a.X, a.X)), Inv(Add(a.Y, a.Y)));
        }
        else
        {
            lambda = Mul(Sub(b.Y, a.Y), Inv(Sub(b.X, a.X)));
        }
        BigInteger x = Sub(Sub(Mul(lambda, lambda), a.X), b.X);
        return new G1(x, Sub(Mul(lambda, Sub(a.X, x)), a.Y), false);
    }

    public static G1 Negate(G1 p) => p.Infinity ? p : new G1(p.X, Neg(p.Y), false);

    /// <summary>Scalar multiplication in Jacobian coordinates.</summary>
    public static G1 Multiply(G1 p, BigInteger k)
    {
        if (p.Infinity || k.IsZero)
        {
            return G1.Zero;
        }
        BigInteger x = 1, y = 1, z = 0;
        for (long bit = (long)k.GetBitLength() - 1; bit >= 0; bit--)
        {
            (x, y, z) = JacobianDouble(x, y, z);
            if (!(k >> (int)bit).IsEven)
            {
                (x, y, z) = JacobianAdd(x, y, z, p);
            }
        }
        if (z.IsZero)
        {
            return G1.Zero;
        }
        BigInteger zi = Inv(z), zi2 = Mul(zi, zi);
        return new G1(Mul(x, zi2), Mul(Mul(y, zi2), zi), false);
    }

    private static (BigInteger, BigInteger, BigInteger) JacobianDouble(BigInteger x, BigInteger y, BigInteger z)
    {
        if (z.IsZero || y.IsZero)
        {
            return (1, 1, 0);
        }
        BigInteger a = Mul(x, x), b = Mul(y, y), c = Mul(b, b);
        BigInteger d = Mod(2 * (Mul(Add(x, b), Add(x, b)) - a - c));
        BigInteger e = Mod(3 * a), f = Mul(e, e);
        BigInteger x3 = Mod(f - 2 * d);
        BigInteger y3 = Mod(e * Sub(d, x3) - 8 * c);
        BigInteger z3 = Mod(2 * y * z);
        return (x3, y3, z3);
    }

    private static (BigInteger, BigInteger, BigInteger) JacobianAdd(BigInteger x, BigInteger y, BigInteger z, G1 q)
    {
        if (z.IsZero)
        {
            return (q.X, q.Y, 1);
        }
        BigInteger z2 = Mul(z, z);
        BigInteger u2 = Mul(q.X, z2), s2 = Mul(Mul(q.Y, z), z2);
        BigInteger h = Sub(u2, x), r = Sub(s2, y);
        if (h.IsZero)
        {
            return r.IsZero ? JacobianDouble(x, y, z) : (1, 1, 0);
        }
        BigInteger hh = Mul(h, h), hhh = Mul(hh, h), v = Mul(x, hh);
        BigInteger x3 = Mod(r * r - hhh - 2 * v);
        BigInteger y3 = Mod(r * Sub(v, x3) - y * hhh);
        BigInteger z3 = Mul(z, h);
        return (x3, y3, z3);
    }

    public static bool IsInSubgroup(G1 p) => Multiply(p, R).Infinity;

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
        BigInteger? y = Sqrt(Add(Mul(Mul(x, x), x), 4));
        if (y is null)
        {
            return false;
        }
        BigInteger root = y.Value;
        if ((root > HalfQ) != largest)
        {
            root = Neg(root);
        }
        point = new G1(x, root, false);
        return true;
    }

    // ------------------------------------------------------------------ G2: y² = x³ + 4(1 + u)

    internal readonly record struct G2(F2 X, F2 Y, bool Infinity)
    {
        public static readonly G2 Zero = new(F2.Zero, F2.Zero, true);
    }

    private static readonly F2 TwistB = new(4, 4);

    public static bool IsOnCurve(G2 p) => p.Infinity || p.Y.Square() == p.X.Square() * p.X + TwistB;

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

    public static G2 Negate(G2 p) => p.Infinity ? p : new G2(p.X, -p.Y, false);

    public static G2 Multiply(G2 p, BigInteger k)
    {
        G2 result = G2.Zero;
        for (long bit = (long)k.GetBitLength() - 1; bit >= 0; bit--)
        {
            result = Add(result, result);
            if (!(k >> (int)bit).IsEven)
            {
                result = Add(result, p);
            }
        }
        return result;
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
        var x = new F2(x0, x1);
        F2? y = (x.Square() * x + TwistB).Sqrt();
        if (y is null)
        {
            return false;
        }
        F2 root = y.Value;
        bool isLargest = root.B.IsZero ? root.A > HalfQ : root.B > HalfQ;
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
        return t.Pow(HardExponent) == F12.One;
    }

    /// <summary>f_{|x|,Q}(P), conjugated because x is negative.</summary>
    private static F12 MillerLoop(G1 p, G2 q)
    {
        F12 f = F12.One;
        G2 t = q;
        for (long bit = (long)AbsX.GetBitLength() - 2; bit >= 0; bit--)
        {
            F2 x2 = t.X.Square();
            F2 lambda = (x2 + x2 + x2) * (t.Y + t.Y).Invert();
            f = f.Square() * Line(lambda, t, p);
            t = Add(t, t);
            if (!(AbsX >> (int)bit).IsEven)
            {
                lambda = (q.Y - t.Y) * (q.X - t.X).Invert();
                f *= Line(lambda, t, p);
                t = Add(t, q);
            }
        }
        return f.Conjugate();
    }

    /// <summary>
    /// The line with slope λ through T (twist coordinates) evaluated at P, scaled by w³ (which the final exponentiation removes):
    /// with the M-type untwist (x·w⁻², y·w⁻³) it is (λ·x_T − y_T) − λ·x_P·w² + y_P·w³.
    /// </summary>
    private static F12 Line(F2 lambda, G2 t, G1 p) => new(
        new F6(lambda * t.X - t.Y, -(lambda * p.X), F2.Zero),
        new F6(F2.Zero, new F2(p.Y, BigInteger.Zero), F2.Zero));
}
