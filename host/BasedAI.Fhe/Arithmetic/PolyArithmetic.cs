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
                pd[i] = SubtractIfAtLeast(pa[i] + pb[i], q);
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
                pd[i] = SubtractIfAtLeast(pa[i] + q - pb[i], q);
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
                pd[i] = SubtractIfAtLeast(q - pa[i], q);
            }
        }
    }

    /// <summary>destination = a · b mod q, coefficient-wise.</summary>
    public static unsafe void Multiply(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> destination, Modulus modulus)
    {
        int n = destination.Length;
        var barrett = new ProductReducer(modulus);
        fixed (ulong* pa = a, pb = b, pd = destination)
        {
            int i = 0;
            if (UseDouble(modulus))
            {
                var q = Vector256.Create((double)modulus.Value);
                var inverseQ = Vector256.Create(1.0 / modulus.Value);
                for (; i + 4 <= n; i += 4)
                {
                    var product = FloatModular.Multiply(
                        FloatModular.ToDouble(Vector256.Load(pa + i)), FloatModular.ToDouble(Vector256.Load(pb + i)), q, inverseQ);
                    FloatModular.ToWords(AddIfNegative(product, q)).Store(pd + i);
                }
            }

            for (; i < n; i++)
            {
                pd[i] = barrett.Multiply(pa[i], pb[i]);
            }
        }
    }

    /// <summary>destination += a · b mod q, coefficient-wise.</summary>
    public static unsafe void MultiplyAdd(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, Span<ulong> destination, Modulus modulus)
    {
        int n = destination.Length;
        var barrett = new ProductReducer(modulus);
        ulong q = modulus.Value;
        fixed (ulong* pa = a, pb = b, pd = destination)
        {
            int i = 0;
            if (UseDouble(modulus))
            {
                var vq = Vector256.Create((double)q);
                var inverseQ = Vector256.Create(1.0 / q);
                for (; i + 4 <= n; i += 4)
                {
                    var sum = FloatModular.Multiply(FloatModular.ToDouble(Vector256.Load(pa + i)), FloatModular.ToDouble(Vector256.Load(pb + i)), vq, inverseQ)
                        + FloatModular.ToDouble(Vector256.Load(pd + i));
                    FloatModular.ToWords(AddIfNegative(FloatModular.ReduceCentered(sum, vq, inverseQ), vq)).Store(pd + i);
                }
            }

            for (; i < n; i++)
            {
                pd[i] = SubtractIfAtLeast(barrett.Multiply(pa[i], pb[i]) + pd[i], q);
            }
        }
    }

    /// <summary>
    /// The three polynomials of a size-2 × size-2 ciphertext product, modulo one prime, in one pass:
    /// c0 = a0·b0, c1 = a0·b1 + a1·b0 (one reduction), c2 = a1·b1. Outputs may alias the inputs coefficient-wise.
    /// </summary>
    public static unsafe void TensorProduct(
        ReadOnlySpan<ulong> a0, ReadOnlySpan<ulong> a1, ReadOnlySpan<ulong> b0, ReadOnlySpan<ulong> b1,
        Span<ulong> c0, Span<ulong> c1, Span<ulong> c2, Modulus modulus)
    {
        int n = c0.Length;
        var barrett = new ProductReducer(modulus);
        fixed (ulong* pa0 = a0, pa1 = a1, pb0 = b0, pb1 = b1, pc0 = c0, pc1 = c1, pc2 = c2)
        {
            int i = 0;
            if (UseDouble(modulus))
            {
                var q = Vector256.Create((double)modulus.Value);
                var inverseQ = Vector256.Create(1.0 / modulus.Value);
                for (; i + 4 <= n; i += 4)
                {
                    var x0 = FloatModular.ToDouble(Vector256.Load(pa0 + i));
                    var x1 = FloatModular.ToDouble(Vector256.Load(pa1 + i));
                    var y0 = FloatModular.ToDouble(Vector256.Load(pb0 + i));
                    var y1 = FloatModular.ToDouble(Vector256.Load(pb1 + i));
                    var middle = FloatModular.Multiply(x0, y1, q, inverseQ) + FloatModular.Multiply(x1, y0, q, inverseQ);
                    FloatModular.ToWords(AddIfNegative(FloatModular.Multiply(x0, y0, q, inverseQ), q)).Store(pc0 + i);
                    FloatModular.ToWords(AddIfNegative(FloatModular.ReduceCentered(middle, q, inverseQ), q)).Store(pc1 + i);
                    FloatModular.ToWords(AddIfNegative(FloatModular.Multiply(x1, y1, q, inverseQ), q)).Store(pc2 + i);
                }
            }

            for (; i < n; i++)
            {
                ulong x0 = pa0[i], x1 = pa1[i], y0 = pb0[i], y1 = pb1[i];
                UInt128 middle = Math.BigMul(x0, y1) + Math.BigMul(x1, y0);
                pc0[i] = barrett.Multiply(x0, y0);
                pc1[i] = barrett.Reduce((ulong)(middle >> 64), (ulong)middle);
                pc2[i] = barrett.Multiply(x1, y1);
            }
        }
    }

    /// <summary>c0 = a0², c1 = 2·a0·a1, c2 = a1² modulo one prime (squaring a size-2 ciphertext).</summary>
    public static unsafe void TensorSquare(
        ReadOnlySpan<ulong> a0, ReadOnlySpan<ulong> a1, Span<ulong> c0, Span<ulong> c1, Span<ulong> c2, Modulus modulus)
    {
        int n = c0.Length;
        var barrett = new ProductReducer(modulus);
        fixed (ulong* pa0 = a0, pa1 = a1, pc0 = c0, pc1 = c1, pc2 = c2)
        {
            int i = 0;
            if (UseDouble(modulus))
            {
                var q = Vector256.Create((double)modulus.Value);
                var inverseQ = Vector256.Create(1.0 / modulus.Value);
                for (; i + 4 <= n; i += 4)
                {
                    var x0 = FloatModular.ToDouble(Vector256.Load(pa0 + i));
                    var x1 = FloatModular.ToDouble(Vector256.Load(pa1 + i));
                    var cross = FloatModular.Multiply(x0, x1, q, inverseQ);
                    FloatModular.ToWords(AddIfNegative(FloatModular.Multiply(x0, x0, q, inverseQ), q)).Store(pc0 + i);
                    FloatModular.ToWords(AddIfNegative(FloatModular.ReduceCentered(cross + cross, q, inverseQ), q)).Store(pc1 + i);
                    FloatModular.ToWords(AddIfNegative(FloatModular.Multiply(x1, x1, q, inverseQ), q)).Store(pc2 + i);
                }
            }

            for (; i < n; i++)
            {
                ulong x0 = pa0[i], x1 = pa1[i];
                UInt128 middle = Math.BigMul(x0, x1) << 1;
                pc0[i] = barrett.Multiply(x0, x0);
                pc1[i] = barrett.Reduce((ulong)(middle >> 64), (ulong)middle);
                pc2[i] = barrett.Multiply(x1, x1);
            }
        }
    }

    /// <summary>destination = a · w mod q for a constant w &lt; q (Shoup); any 64-bit inputs.</summary>
    public static void MultiplyScalar(ReadOnlySpan<ulong> a, ulong w, Span<ulong> destination, Modulus modulus) =>
        MultiplyScalar(a, w, modulus.ShoupOf(w), destination, modulus);

    /// <summary>destination = a · w mod q with w's Shoup companion precomputed; any 64-bit inputs.</summary>
    public static unsafe void MultiplyScalar(ReadOnlySpan<ulong> a, ulong w, ulong wShoup, Span<ulong> destination, Modulus modulus)
    {
        int n = destination.Length;
        ulong q = modulus.Value;
        fixed (ulong* pa = a, pd = destination)
        {
            int i = 0;
            if (Avx2.IsSupported)
            {
                var vw = Vector256.Create(w);
                var vwHigh = Vector256.Create(w >> 32);
                var vs = Vector256.Create(wShoup);
                var vsHigh = Vector256.Create(wShoup >> 32);
                var vq = Vector256.Create(q);
                var vqHigh = Vector256.Create(q >> 32);
                var twoQ = Vector256.Create(2 * q);
                var twoQm1 = Vector256.Create((2 * q) - 1);
                var vqm1 = Vector256.Create(q - 1);
                for (; i + 4 <= n; i += 4)
                {
                    var r = NttTables.MultiplyShoupApproximate(Vector256.Load(pa + i), vw, vwHigh, vs, vsHigh, vq, vqHigh);
                    NttTables.SubtractIfAbove(NttTables.SubtractIfAbove(r, twoQ, twoQm1), vq, vqm1).Store(pd + i);
                }
            }

            for (; i < n; i++)
            {
                ulong x = pa[i];
                pd[i] = SubtractIfAtLeast((x * w) - (Math.BigMul(x, wShoup, out _) * q), q);
            }
        }
    }

    /// <summary>destination = (a − b) · w mod q for a, b &lt; q and a constant w (Shoup): the last step of rescaling and key switching.</summary>
    public static unsafe void SubtractMultiplyScalar(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, ulong w, ulong wShoup, Span<ulong> destination, Modulus modulus)
    {
        int n = destination.Length;
        ulong q = modulus.Value;
        fixed (ulong* pa = a, pb = b, pd = destination)
        {
            int i = 0;
            if (Avx2.IsSupported)
            {
                var vw = Vector256.Create(w);
                var vwHigh = Vector256.Create(w >> 32);
                var vs = Vector256.Create(wShoup);
                var vsHigh = Vector256.Create(wShoup >> 32);
                var vq = Vector256.Create(q);
                var vqHigh = Vector256.Create(q >> 32);
                var twoQ = Vector256.Create(2 * q);
                var twoQm1 = Vector256.Create((2 * q) - 1);
                var vqm1 = Vector256.Create(q - 1);
                for (; i + 4 <= n; i += 4)
                {
                    var x = Vector256.Load(pa + i) + vq - Vector256.Load(pb + i);
                    var r = NttTables.MultiplyShoupApproximate(x, vw, vwHigh, vs, vsHigh, vq, vqHigh);
                    NttTables.SubtractIfAbove(NttTables.SubtractIfAbove(r, twoQ, twoQm1), vq, vqm1).Store(pd + i);
                }
            }

            for (; i < n; i++)
            {
                ulong x = pa[i] + q - pb[i];
                pd[i] = SubtractIfAtLeast((x * w) - (Math.BigMul(x, wShoup, out _) * q), q);
            }
        }
    }

    /// <summary>destination += (a − b) · w mod q (key switching adds its result into the ciphertext).</summary>
    public static unsafe void SubtractMultiplyScalarAdd(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b, ulong w, ulong wShoup, Span<ulong> destination, Modulus modulus)
    {
        int n = destination.Length;
        ulong q = modulus.Value;
        fixed (ulong* pa = a, pb = b, pd = destination)
        {
            int i = 0;
            if (Avx2.IsSupported)
            {
                var vw = Vector256.Create(w);
                var vwHigh = Vector256.Create(w >> 32);
                var vs = Vector256.Create(wShoup);
                var vsHigh = Vector256.Create(wShoup >> 32);
                var vq = Vector256.Create(q);
                var vqHigh = Vector256.Create(q >> 32);
                var twoQ = Vector256.Create(2 * q);
                var twoQm1 = Vector256.Create((2 * q) - 1);
                var vqm1 = Vector256.Create(q - 1);
                for (; i + 4 <= n; i += 4)
                {
                    var x = Vector256.Load(pa + i) + vq - Vector256.Load(pb + i);
                    var r = NttTables.MultiplyShoupApproximate(x, vw, vwHigh, vs, vsHigh, vq, vqHigh);
                    r = NttTables.SubtractIfAbove(NttTables.SubtractIfAbove(r, twoQ, twoQm1), vq, vqm1);
                    NttTables.SubtractIfAbove(r + Vector256.Load(pd + i), vq, vqm1).Store(pd + i);
                }
            }

            for (; i < n; i++)
            {
                ulong x = pa[i] + q - pb[i];
                ulong r = SubtractIfAtLeast((x * w) - (Math.BigMul(x, wShoup, out _) * q), q);
                pd[i] = SubtractIfAtLeast(r + pd[i], q);
            }
        }
    }

    /// <summary>destination = a + w mod q for a constant w &lt; q.</summary>
    public static unsafe void AddScalar(ReadOnlySpan<ulong> a, ulong w, Span<ulong> destination, Modulus modulus)
    {
        int n = destination.Length;
        ulong q = modulus.Value;
        fixed (ulong* pa = a, pd = destination)
        {
            int i = 0;
            if (Avx2.IsSupported)
            {
                var vw = Vector256.Create(w);
                var vq = Vector256.Create(q);
                var vqm1 = Vector256.Create(q - 1);
                for (; i + 4 <= n; i += 4)
                {
                    NttTables.SubtractIfAbove(Vector256.Load(pa + i) + vw, vq, vqm1).Store(pd + i);
                }
            }

            for (; i < n; i++)
            {
                pd[i] = SubtractIfAtLeast(pa[i] + w, q);
            }
        }
    }

    /// <summary>destination = x mod q for arbitrary 64-bit words (e.g. residues of another prime).</summary>
    public static unsafe void Reduce(ReadOnlySpan<ulong> a, Span<ulong> destination, Modulus modulus)
    {
        int n = destination.Length;
        ulong q = modulus.Value;
        ulong ratio = modulus.RatioHigh;
        fixed (ulong* pa = a, pd = destination)
        {
            for (int i = 0; i < n; i++)
            {
                ulong x = pa[i];
                pd[i] = SubtractIfAtLeast(x - (Math.BigMul(x, ratio, out _) * q), q);
            }
        }
    }

    /// <summary>Barrett reduction of products of two reduced values (or sums of two), constants hoisted into registers.</summary>
    internal readonly struct ProductReducer
    {
        private readonly ulong _q;
        private readonly ulong _ratio;
        private readonly int _down;
        private readonly int _up;
        private readonly int _quotientDown;
        private readonly int _quotientUp;

        public ProductReducer(Modulus modulus)
        {
            _q = modulus.Value;
            _ratio = modulus.ShiftedRatio;
            _down = modulus.BitCount - 1;
            _up = 64 - _down;
            _quotientDown = modulus.BitCount + 1;
            _quotientUp = 63 - modulus.BitCount;
        }

        /// <summary>(high·2^64 + low) mod q for x &lt; 2^(2b+1); see <see cref="Modulus.ReduceProduct"/>.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ulong Reduce(ulong high, ulong low)
        {
            ulong top = (low >> _down) | (high << _up);
            UInt128 estimate = Math.BigMul(top, _ratio);
            ulong quotient = ((ulong)estimate >> _quotientDown) | ((ulong)(estimate >> 64) << _quotientUp);
            ulong r = low - (quotient * _q);
            return SubtractIfAtLeast(SubtractIfAtLeast(r, _q << 1), _q);
        }

        /// <summary>x mod q for x = a·b with a, b &lt; q.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ulong Multiply(ulong a, ulong b)
        {
            UInt128 product = Math.BigMul(a, b);
            return Reduce((ulong)(product >> 64), (ulong)product);
        }
    }

    /// <summary>Whether products modulo this prime run in double precision (FMA present, q &lt; 2^50).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool UseDouble(Modulus modulus) => FloatModular.IsSupported && modulus.Value < FloatModular.MaxModulus;

    /// <summary>r + q for negative lanes: maps a representative in (−q, q) to [0, q).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<double> AddIfNegative(Vector256<double> r, Vector256<double> q) =>
        r + (Avx.CompareLessThan(r, Vector256<double>.Zero) & q);

    /// <summary>x ≥ bound ? x − bound : x without a branch (a data-dependent branch mispredicts half the time); x, bound &lt; 2^63.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong SubtractIfAtLeast(ulong x, ulong bound)
    {
        ulong t = x - bound;
        return t + (bound & (ulong)((long)t >> 63));
    }

    /// <summary>A signed value (|value| &lt; 2^63) modulo q, without a sign branch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong ReduceSigned(long value, Modulus modulus)
    {
        ulong mask = (ulong)(value >> 63);
        ulong r = modulus.Reduce((ulong)((value ^ (long)mask) - (long)mask));
        return (modulus.Negate(r) & mask) | (r & ~mask);
    }
}
