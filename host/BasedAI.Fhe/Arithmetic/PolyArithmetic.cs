using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BasedAI.Fhe.Arithmetic;

/// <summary>
/// Coefficient-wise arithmetic on one RNS limb (N words modulo one prime). Inputs are reduced to [0, q) and so are
/// outputs; destinations may alias inputs. Additions use AVX2 when present (values stay below 2^62, so signed compares
/// are exact); multiplications are scalar 64×64→128 with a one-multiply Barrett reduction.
/// </summary>
internal static class PolyArithmetic
{
    public static unsafe void Add(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> destination, Modulus modulus)
    {
        int n = destination.Length;
        ulong q = modulus.Value;
        fixed (ulong* pa = a, pb = b, pd = destination)
        {
            int i = 0;
            if (Avx2.IsSupported)
            {
                var vq = Vector256.Create(q);
                var vqm1 = Vector256.Create(q - 1);
                for (; i + 4 <= n; i += 4)
                {
                    var s = Vector256.Load(pa + i) + Vector256.Load(pb + i);
                    NttTables.SubtractIfAbove(s, vq, vqm1).Store(pd + i);
                }
            }

            for (; i < n; i++)
            {
                ulong s = pa[i] + pb[i];
                pd[i] = s >= q ? s - q : s;
            }
        }
    }

    public static unsafe void Subtract(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> destination, Modulus modulus)
    {
        int n = destination.Length;
        ulong q = modulus.Value;
        fixed (ulong* pa = a, pb = b, pd = destination)
        {
            int i = 0;
            if (Avx2.IsSupported)
            {
                var vq = Vector256.Create(q);
                var vqm1 = Vector256.Create(q - 1);
                for (; i + 4 <= n; i += 4)
                {
                    var s = Vector256.Load(pa + i) + vq - Vector256.Load(pb + i);
                    NttTables.SubtractIfAbove(s, vq, vqm1).Store(pd + i);
                }
            }

            for (; i < n; i++)
            {
                ulong s = pa[i] + q - pb[i];
                pd[i] = s >= q ? s - q : s;
            }
        }
    }

    public static unsafe void Negate(ReadOnlySpan<ulong> a, Span<ulong> destination, Modulus modulus)
    {
        int n = destination.Length;
        ulong q = modulus.Value;
        fixed (ulong* pa = a, pd = destination)
        {
            for (int i = 0; i < n; i++)
            {
                ulong x = pa[i];
                pd[i] = x == 0 ? 0 : q - x;
            }
        }
    }

    /// <summary>destination = a · b mod q, coefficient-wise.</summary>
    public static unsafe void Multiply(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> destination, Modulus modulus)
    {
        int n = destination.Length;
        fixed (ulong* pa = a, pb = b, pd = destination)
        {
            for (int i = 0; i < n; i++)
            {
                ulong high = Math.BigMul(pa[i], pb[i], out ulong low);
                pd[i] = modulus.ReduceProduct(high, low);
            }
        }
    }

    /// <summary>destination += a · b mod q, coefficient-wise.</summary>
    public static unsafe void MultiplyAdd(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> destination, Modulus modulus)
    {
        int n = destination.Length;
        ulong q = modulus.Value;
        fixed (ulong* pa = a, pb = b, pd = destination)
        {
            for (int i = 0; i < n; i++)
            {
                ulong high = Math.BigMul(pa[i], pb[i], out ulong low);
                ulong s = modulus.ReduceProduct(high, low) + pd[i];
                pd[i] = s >= q ? s - q : s;
            }
        }
    }

    /// <summary>destination = a·d + b·c mod q (the middle term of a ciphertext product), one reduction per coefficient.</summary>
    public static unsafe void CrossMultiply(
        ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, ReadOnlySpan<ulong> c, ReadOnlySpan<ulong> d, Span<ulong> destination, Modulus modulus)
    {
        int n = destination.Length;
        fixed (ulong* pa = a, pb = b, pc = c, pdd = d, pd = destination)
        {
            for (int i = 0; i < n; i++)
            {
                UInt128 sum = ((UInt128)pa[i] * pdd[i]) + ((UInt128)pb[i] * pc[i]);
                pd[i] = modulus.ReduceProduct((ulong)(sum >> 64), (ulong)sum);
            }
        }
    }

    /// <summary>destination = a · w mod q for a constant w &lt; q (Shoup).</summary>
    public static unsafe void MultiplyScalar(ReadOnlySpan<ulong> a, ulong w, Span<ulong> destination, Modulus modulus)
    {
        int n = destination.Length;
        ulong q = modulus.Value;
        ulong ws = modulus.ShoupOf(w);
        fixed (ulong* pa = a, pd = destination)
        {
            for (int i = 0; i < n; i++)
            {
                ulong x = pa[i];
                ulong r = (x * w) - (Math.BigMul(x, ws, out _) * q);
                pd[i] = r >= q ? r - q : r;
            }
        }
    }

    /// <summary>destination = a + w mod q for a constant w &lt; q.</summary>
    public static void AddScalar(ReadOnlySpan<ulong> a, ulong w, Span<ulong> destination, Modulus modulus)
    {
        ulong q = modulus.Value;
        for (int i = 0; i < destination.Length; i++)
        {
            ulong s = a[i] + w;
            destination[i] = s >= q ? s - q : s;
        }
    }

    /// <summary>destination = x mod q for arbitrary 64-bit words (e.g. residues of another prime).</summary>
    public static void Reduce(ReadOnlySpan<ulong> a, Span<ulong> destination, Modulus modulus)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] = modulus.Reduce(a[i]);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong ReduceSigned(long value, Modulus modulus) =>
        value >= 0 ? modulus.Reduce((ulong)value) : modulus.Negate(modulus.Reduce((ulong)(-value)));
}
