using System.Numerics;

namespace BasedAI.Evm.Precompiles.Bn254;

/// <summary>F_p² = F_p[u]/(u² + 1): A + B·u.</summary>
internal readonly record struct Fp2(Fp A, Fp B)
{
    public static readonly Fp2 Zero = new(Fp.Zero, Fp.Zero);
    public static readonly Fp2 One = new(Fp.One, Fp.Zero);

    /// <summary>ξ = 9 + u, the non-residue defining F_p⁶ and the sextic twist.</summary>
    public static readonly Fp2 Xi = new(Fp.FromBigInteger(9), Fp.One);

    public bool IsZero => A.IsZero && B.IsZero;

    public static Fp2 operator +(in Fp2 x, in Fp2 y) => new(x.A + y.A, x.B + y.B);
    public static Fp2 operator -(in Fp2 x, in Fp2 y) => new(x.A - y.A, x.B - y.B);
    public static Fp2 operator -(in Fp2 x) => new(-x.A, -x.B);

    public static Fp2 operator *(in Fp2 x, in Fp2 y)
    {
        // Karatsuba: (a + bu)(c + du) = (ac − bd) + ((a + b)(c + d) − ac − bd)u
        Fp ac = x.A * y.A;
        Fp bd = x.B * y.B;
        Fp cross = (x.A + x.B) * (y.A + y.B);
        return new Fp2(ac - bd, cross - ac - bd);
    }

    public static Fp2 operator *(in Fp2 x, in Fp s) => new(x.A * s, x.B * s);

    public Fp2 Square()
    {
        // (a + bu)² = (a + b)(a − b) + 2ab·u
        Fp ab = A * B;
        return new Fp2((A + B) * (A - B), ab + ab);
    }

    public Fp2 Double() => new(A.Double(), B.Double());

    public Fp2 Conjugate() => new(A, -B);

    /// <summary>Multiplies by ξ = 9 + u: (a + bu)(9 + u) = (9a − b) + (a + 9b)u.</summary>
    public Fp2 MulByXi()
    {
        Fp a8 = A.Double().Double().Double();
        Fp b8 = B.Double().Double().Double();
        return new Fp2(a8 + A - B, A + b8 + B);
    }

    public Fp2 Invert()
    {
        Fp norm = (A.Square() + B.Square()).Invert();
        return new Fp2(A * norm, -(B * norm));
    }

    public Fp2 Pow(BigInteger exponent)
    {
        Fp2 result = One;
        Fp2 square = this;
        while (!exponent.IsZero)
        {
            if (!exponent.IsEven)
            {
                result *= square;
            }
            square = square.Square();
            exponent >>= 1;
        }
        return result;
    }
}

/// <summary>F_p⁶ = F_p²[v]/(v³ − ξ): C0 + C1·v + C2·v².</summary>
internal readonly record struct Fp6(Fp2 C0, Fp2 C1, Fp2 C2)
{
    public static readonly Fp6 Zero = new(Fp2.Zero, Fp2.Zero, Fp2.Zero);
    public static readonly Fp6 One = new(Fp2.One, Fp2.Zero, Fp2.Zero);

    public static Fp6 operator +(in Fp6 x, in Fp6 y) => new(x.C0 + y.C0, x.C1 + y.C1, x.C2 + y.C2);
    public static Fp6 operator -(in Fp6 x, in Fp6 y) => new(x.C0 - y.C0, x.C1 - y.C1, x.C2 - y.C2);
    public static Fp6 operator -(in Fp6 x) => new(-x.C0, -x.C1, -x.C2);

    public static Fp6 operator *(in Fp6 x, in Fp6 y)
    {
        Fp2 t0 = x.C0 * y.C0;
        Fp2 t1 = x.C1 * y.C1;
        Fp2 t2 = x.C2 * y.C2;
        Fp2 c0 = ((x.C1 + x.C2) * (y.C1 + y.C2) - t1 - t2).MulByXi() + t0;
        Fp2 c1 = (x.C0 + x.C1) * (y.C0 + y.C1) - t0 - t1 + t2.MulByXi();
        Fp2 c2 = (x.C0 + x.C2) * (y.C0 + y.C2) - t0 - t2 + t1;
        return new Fp6(c0, c1, c2);
    }

    public static Fp6 operator *(in Fp6 x, in Fp2 s) => new(x.C0 * s, x.C1 * s, x.C2 * s);

    public Fp6 Square() => this * this;

    /// <summary>Multiplies by v: (c0 + c1v + c2v²)·v = ξc2 + c0v + c1v².</summary>
    public Fp6 MulByV() => new(C2.MulByXi(), C0, C1);

    public Fp6 Invert()
    {
        Fp2 a = C0.Square() - (C1 * C2).MulByXi();
        Fp2 b = C2.Square().MulByXi() - C0 * C1;
        Fp2 c = C1.Square() - C0 * C2;
        Fp2 t = (C0 * a + ((C2 * b) + (C1 * c)).MulByXi()).Invert();
        return new Fp6(a * t, b * t, c * t);
    }
}

/// <summary>F_p¹² = F_p⁶[w]/(w² − v): D0 + D1·w. Basis over F_p²: w^0..w^5 with w⁶ = ξ.</summary>
internal readonly record struct Fp12(Fp6 D0, Fp6 D1)
{
    public static readonly Fp12 One = new(Fp6.One, Fp6.Zero);

    private static readonly Fp2[] FrobeniusP = FrobeniusCoefficients(Fp.Modulus);
    private static readonly Fp2[] FrobeniusP2 = FrobeniusCoefficients(Fp.Modulus * Fp.Modulus);

    /// <summary>γ_i = ξ^(i·(q − 1)/6): (a·w^i)^q = a^q·γ_i·w^i.</summary>
    private static Fp2[] FrobeniusCoefficients(BigInteger q)
    {
        var coefficients = new Fp2[6];
        for (int i = 0; i < 6; i++)
        {
            coefficients[i] = Fp2.Xi.Pow(i * (q - 1) / 6);
        }
        return coefficients;
    }

    public bool IsOne => this == One;

    public static Fp12 operator *(in Fp12 x, in Fp12 y)
    {
        Fp6 t0 = x.D0 * y.D0;
        Fp6 t1 = x.D1 * y.D1;
        Fp6 d1 = (x.D0 + x.D1) * (y.D0 + y.D1) - t0 - t1;
        return new Fp12(t0 + t1.MulByV(), d1);
    }

    public Fp12 Square() => this * this;

    /// <summary>The p⁶-power Frobenius: w ↦ −w.</summary>
    public Fp12 Conjugate() => new(D0, -D1);

    public Fp12 Invert()
    {
        Fp6 t = (D0.Square() - D1.Square().MulByV()).Invert();
        return new Fp12(D0 * t, -(D1 * t));
    }

    /// <summary>x^p.</summary>
    public Fp12 Frobenius() => ApplyFrobenius(FrobeniusP, conjugate: true);

    /// <summary>x^(p²).</summary>
    public Fp12 Frobenius2() => ApplyFrobenius(FrobeniusP2, conjugate: false);

    private Fp12 ApplyFrobenius(Fp2[] gamma, bool conjugate)
    {
        // Coefficients over F_p²: a0 = D0.C0 (w^0), a2 = D0.C1 (w²), a4 = D0.C2 (w⁴), a1 = D1.C0 (w), a3 = D1.C1 (w³), a5 = D1.C2 (w⁵).
        Fp2 Map(in Fp2 a, int i) => (conjugate ? a.Conjugate() : a) * gamma[i];
        return new Fp12(
            new Fp6(Map(D0.C0, 0), Map(D0.C1, 2), Map(D0.C2, 4)),
            new Fp6(Map(D1.C0, 1), Map(D1.C1, 3), Map(D1.C2, 5)));
    }

    /// <summary>this^e for an exponent given as bits, least significant first.</summary>
    public Fp12 Pow(bool[] bits)
    {
        Fp12 result = One;
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
