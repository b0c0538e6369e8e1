using System.Numerics;

namespace BasedAI.Fhe.Arithmetic;

/// <summary>
/// Negacyclic number-theoretic transform modulo one prime q ≡ 1 (mod 2N), laid out exactly as SEAL lays out NTT-form data:
/// ψ is the smallest primitive 2N-th root of unity modulo q, and the forward transform's output at index k is the
/// polynomial evaluated at ψ^(2·bitrev(k)+1). Values stored in NTT form are fully reduced to [0, q).
/// </summary>
internal sealed partial class NttTables
{
    public NttTables(int logN, Modulus modulus)
    {
        if (logN < 1 || logN > 17)
        {
            throw new ArgumentOutOfRangeException(nameof(logN), logN, "log2 of the polynomial degree must be between 1 and 17");
        }

        LogN = logN;
        N = 1 << logN;
        Modulus = modulus;
        if (!Primes.TryMinimalPrimitiveRoot(2UL * (ulong)N, modulus, out ulong root))
        {
            throw new ArgumentException($"modulus {modulus.Value} is not a prime congruent to 1 modulo {2 * N}");
        }

        Root = root;
        RootPowers = new ulong[N];
        RootPowersShoup = new ulong[N];
        InverseRootPowers = new ulong[N];
        InverseRootPowersShoup = new ulong[N];
        ulong power = 1;
        for (int i = 0; i < N; i++)
        {
            int index = (int)ReverseBits((uint)i, logN);
            RootPowers[index] = power;
            power = modulus.Multiply(power, root);
        }

        for (int i = 0; i < N; i++)
        {
            RootPowersShoup[i] = modulus.ShoupOf(RootPowers[i]);
            InverseRootPowers[i] = modulus.Inverse(RootPowers[i]);
            InverseRootPowersShoup[i] = modulus.ShoupOf(InverseRootPowers[i]);
        }

        InverseN = modulus.Inverse((ulong)N);
        InverseNShoup = modulus.ShoupOf(InverseN);
        // The last inverse layer (one group, twiddle InverseRootPowers[1]) also applies the 1/N scaling.
        LastInverseRootTimesInverseN = modulus.Multiply(InverseRootPowers[1], InverseN);
        LastInverseRootTimesInverseNShoup = modulus.ShoupOf(LastInverseRootTimesInverseN);
        InitializeVectorTables();
        InitializeDoubleTables();
    }

    public int LogN { get; }

    public int N { get; }

    public Modulus Modulus { get; }

    /// <summary>ψ, the smallest primitive 2N-th root of unity modulo q.</summary>
    public ulong Root { get; }

    /// <summary>RootPowers[bitrev(i)] = ψ^i; the forward twiddle of group i in the layer with m groups is RootPowers[m + i].</summary>
    public ulong[] RootPowers { get; }

    public ulong[] RootPowersShoup { get; }

    /// <summary>InverseRootPowers[k] = RootPowers[k]^(-1).</summary>
    public ulong[] InverseRootPowers { get; }

    public ulong[] InverseRootPowersShoup { get; }

    public ulong InverseN { get; }

    public ulong InverseNShoup { get; }

    public ulong LastInverseRootTimesInverseN { get; }

    public ulong LastInverseRootTimesInverseNShoup { get; }

    /// <summary>In-place forward transform; input coefficients in [0, 4q), output in [0, q).</summary>
    public void Forward(Span<ulong> values)
    {
        if (values.Length != N)
        {
            throw new ArgumentException($"expected {N} values, got {values.Length}", nameof(values));
        }

        if (UseDouble)
        {
            ForwardDouble(values);
        }
        else if (UseVector)
        {
            ForwardVector(values);
        }
        else
        {
            ForwardScalar(values);
        }
    }

    /// <summary>In-place inverse transform; input in [0, 2q), output coefficients in [0, q).</summary>
    public void Inverse(Span<ulong> values)
    {
        if (values.Length != N)
        {
            throw new ArgumentException($"expected {N} values, got {values.Length}", nameof(values));
        }

        if (UseDouble)
        {
            InverseDouble(values);
        }
        else if (UseVector)
        {
            InverseVector(values);
        }
        else
        {
            InverseScalar(values);
        }
    }

    /// <summary>Harvey's lazy Cooley–Tukey forward transform on 64-bit words (the portable path).</summary>
    public unsafe void ForwardScalar(Span<ulong> values)
    {
        ulong q = Modulus.Value;
        ulong twoQ = q << 1;
        fixed (ulong* a = values)
        fixed (ulong* roots = RootPowers)
        fixed (ulong* rootsShoup = RootPowersShoup)
        {
            int n = N;
            for (int m = 1, t = n >> 1; m < n; m <<= 1, t >>= 1)
            {
                for (int i = 0; i < m; i++)
                {
                    ulong w = roots[m + i];
                    ulong wShoup = rootsShoup[m + i];
                    ulong* x = a + (2 * i * t);
                    ulong* y = x + t;
                    for (int j = 0; j < t; j++)
                    {
                        ulong u = PolyArithmetic.SubtractIfAtLeast(x[j], twoQ);
                        ulong yj = y[j];
                        ulong v = yj * w - Math.BigMul(yj, wShoup, out _) * q;
                        x[j] = u + v;
                        y[j] = u - v + twoQ;
                    }
                }
            }

            for (int j = 0; j < n; j++)
            {
                a[j] = PolyArithmetic.SubtractIfAtLeast(PolyArithmetic.SubtractIfAtLeast(a[j], twoQ), q);
            }
        }
    }

    /// <summary>Gentleman–Sande inverse transform with lazy reduction; the last layer folds in the 1/N scaling.</summary>
    public unsafe void InverseScalar(Span<ulong> values)
    {
        ulong q = Modulus.Value;
        ulong twoQ = q << 1;
        fixed (ulong* a = values)
        fixed (ulong* roots = InverseRootPowers)
        fixed (ulong* rootsShoup = InverseRootPowersShoup)
        {
            int n = N;
            int t = 1;
            for (int m = n >> 1; m > 1; m >>= 1, t <<= 1)
            {
                for (int i = 0; i < m; i++)
                {
                    ulong w = roots[m + i];
                    ulong wShoup = rootsShoup[m + i];
                    ulong* x = a + (2 * i * t);
                    ulong* y = x + t;
                    for (int j = 0; j < t; j++)
                    {
                        ulong u = x[j];
                        ulong v = y[j];
                        x[j] = PolyArithmetic.SubtractIfAtLeast(u + v, twoQ);
                        ulong diff = u - v + twoQ;
                        y[j] = diff * w - Math.BigMul(diff, wShoup, out _) * q;
                    }
                }
            }

            ulong scale = InverseN;
            ulong scaleShoup = InverseNShoup;
            ulong wLast = LastInverseRootTimesInverseN;
            ulong wLastShoup = LastInverseRootTimesInverseNShoup;
            ulong* xs = a;
            ulong* ys = a + t;
            for (int j = 0; j < t; j++)
            {
                ulong u = xs[j];
                ulong v = ys[j];
                ulong sum = u + v;
                ulong diff = u - v + twoQ;
                xs[j] = Modulus.MultiplyShoup(sum, scale, scaleShoup);
                ys[j] = Modulus.MultiplyShoup(diff, wLast, wLastShoup);
            }
        }
    }

    internal static uint ReverseBits(uint value, int bitCount) =>
        bitCount == 0 ? 0 : BitOperations.RotateLeft(ReverseBits32(value), bitCount) & ((1u << bitCount) - 1);

    private static uint ReverseBits32(uint v)
    {
        v = ((v >> 1) & 0x55555555u) | ((v & 0x55555555u) << 1);
        v = ((v >> 2) & 0x33333333u) | ((v & 0x33333333u) << 2);
        v = ((v >> 4) & 0x0F0F0F0Fu) | ((v & 0x0F0F0F0Fu) << 4);
        v = ((v >> 8) & 0x00FF00FFu) | ((v & 0x00FF00FFu) << 8);
        return (v >> 16) | (v << 16);
    }
}
