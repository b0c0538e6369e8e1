using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BasedAI.Fhe.Arithmetic;

/// <summary>
/// AVX2 transforms. AVX2 has no 64×64→128 multiply, so the Shoup product is assembled from 32×32→64 multiplies
/// (vpmuludq). The quotient estimate drops the carries of the low partial products, which leaves it at most 2 below
/// the exact Shoup quotient: the product lands in [0, 4q) and one conditional subtraction of 2q restores the
/// Harvey invariants. Requires q &lt; 2^61 so every lazy value stays below 2^63 and signed compares are valid.
/// </summary>
internal sealed partial class NttTables
{
    /// <summary>Whether the AVX2 transforms run (AVX2 present, N ≥ 8); the scalar ones otherwise.</summary>
    public bool UseVector { get; private set; }

    // Per-lane twiddles for the two innermost layers (t = 2 and t = 1), in the lane order the shuffles produce.
    private LaneTwiddles _forwardT2;
    private LaneTwiddles _forwardT1;
    private LaneTwiddles _inverseT2;
    private LaneTwiddles _inverseT1;

    private void InitializeVectorTables()
    {
        UseVector = Avx2.IsSupported && N >= 8;
        if (N < 8)
        {
            return;
        }

        int half = N / 2;
        _forwardT2 = new LaneTwiddles(half);
        _inverseT2 = new LaneTwiddles(half);
        _forwardT1 = new LaneTwiddles(half);
        _inverseT1 = new LaneTwiddles(half);
        // t = 2: m = N/4 groups; lanes [g, g, g+1, g+1] for g = 2k.
        int m2 = N / 4;
        for (int k = 0; k < m2 / 2; k++)
        {
            int g = 2 * k;
            int[] groups = [g, g, g + 1, g + 1];
            for (int lane = 0; lane < 4; lane++)
            {
                _forwardT2.Set(4 * k + lane, RootPowers[m2 + groups[lane]], RootPowersShoup[m2 + groups[lane]]);
                _inverseT2.Set(4 * k + lane, InverseRootPowers[m2 + groups[lane]], InverseRootPowersShoup[m2 + groups[lane]]);
            }
        }

        // t = 1: m = N/2 groups; unpacklo/hi of two vectors yields lanes [4k, 4k+2, 4k+1, 4k+3].
        int m1 = N / 2;
        for (int k = 0; k < m1 / 4; k++)
        {
            int[] groups = [4 * k, 4 * k + 2, 4 * k + 1, 4 * k + 3];
            for (int lane = 0; lane < 4; lane++)
            {
                _forwardT1.Set(4 * k + lane, RootPowers[m1 + groups[lane]], RootPowersShoup[m1 + groups[lane]]);
                _inverseT1.Set(4 * k + lane, InverseRootPowers[m1 + groups[lane]], InverseRootPowersShoup[m1 + groups[lane]]);
            }
        }
    }

    /// <summary>Forward transform with AVX2; input in [0, 4q), output in [0, q).</summary>
    public unsafe void ForwardVector(Span<ulong> values)
    {
        ulong qScalar = Modulus.Value;
        var q = Vector256.Create(qScalar);
        var qHigh = Vector256.Create(qScalar >> 32);
        var twoQ = Vector256.Create(qScalar << 1);
        var twoQMinusOne = Vector256.Create((qScalar << 1) - 1);
        var qMinusOne = Vector256.Create(qScalar - 1);
        int n = N;
        fixed (ulong* a = values)
        fixed (ulong* roots = RootPowers)
        fixed (ulong* rootsShoup = RootPowersShoup)
        {
            int m = 1;
            int t = n >> 1;
            for (; t >= 4; m <<= 1, t >>= 1)
            {
                for (int i = 0; i < m; i++)
                {
                    ulong wScalar = roots[m + i];
                    ulong sScalar = rootsShoup[m + i];
                    var w = Vector256.Create(wScalar);
                    var wHigh = Vector256.Create(wScalar >> 32);
                    var s = Vector256.Create(sScalar);
                    var sHigh = Vector256.Create(sScalar >> 32);
                    ulong* x = a + (2 * i * t);
                    ulong* y = x + t;
                    for (int j = 0; j < t; j += 4)
                    {
                        var u = Vector256.Load(x + j);
                        var v = Vector256.Load(y + j);
                        ForwardButterfly(ref u, ref v, w, wHigh, s, sHigh, q, qHigh, twoQ, twoQMinusOne);
                        u.Store(x + j);
                        v.Store(y + j);
                    }
                }
            }

            // t = 2
            fixed (ulong* tw = _forwardT2.W)
            fixed (ulong* twHigh = _forwardT2.WHigh)
            fixed (ulong* ts = _forwardT2.Shoup)
            fixed (ulong* tsHigh = _forwardT2.ShoupHigh)
            {
                for (int k = 0; k < n / 8; k++)
                {
                    ulong* p = a + (8 * k);
                    var v0 = Vector256.Load(p);
                    var v1 = Vector256.Load(p + 4);
                    var u = Avx2.Permute2x128(v0, v1, 0x20);
                    var v = Avx2.Permute2x128(v0, v1, 0x31);
                    ForwardButterfly(
                        ref u, ref v, Vector256.Load(tw + (4 * k)), Vector256.Load(twHigh + (4 * k)),
                        Vector256.Load(ts + (4 * k)), Vector256.Load(tsHigh + (4 * k)), q, qHigh, twoQ, twoQMinusOne);
                    Avx2.Permute2x128(u, v, 0x20).Store(p);
                    Avx2.Permute2x128(u, v, 0x31).Store(p + 4);
                }
            }

            // t = 1, with the final reduction to [0, q)
            fixed (ulong* tw = _forwardT1.W)
            fixed (ulong* twHigh = _forwardT1.WHigh)
            fixed (ulong* ts = _forwardT1.Shoup)
            fixed (ulong* tsHigh = _forwardT1.ShoupHigh)
            {
                for (int k = 0; k < n / 8; k++)
                {
                    ulong* p = a + (8 * k);
                    var v0 = Vector256.Load(p);
                    var v1 = Vector256.Load(p + 4);
                    var u = Avx2.UnpackLow(v0, v1);
                    var v = Avx2.UnpackHigh(v0, v1);
                    ForwardButterfly(
                        ref u, ref v, Vector256.Load(tw + (4 * k)), Vector256.Load(twHigh + (4 * k)),
                        Vector256.Load(ts + (4 * k)), Vector256.Load(tsHigh + (4 * k)), q, qHigh, twoQ, twoQMinusOne);
                    u = ReduceFrom4Q(u, twoQ, twoQMinusOne, q, qMinusOne);
                    v = ReduceFrom4Q(v, twoQ, twoQMinusOne, q, qMinusOne);
                    Avx2.UnpackLow(u, v).Store(p);
                    Avx2.UnpackHigh(u, v).Store(p + 4);
                }
            }
        }
    }

    /// <summary>Inverse transform with AVX2; input in [0, 2q), output in [0, q).</summary>
    public unsafe void InverseVector(Span<ulong> values)
    {
        ulong qScalar = Modulus.Value;
        var q = Vector256.Create(qScalar);
        var qHigh = Vector256.Create(qScalar >> 32);
        var twoQ = Vector256.Create(qScalar << 1);
        var twoQMinusOne = Vector256.Create((qScalar << 1) - 1);
        var qMinusOne = Vector256.Create(qScalar - 1);
        int n = N;
        fixed (ulong* a = values)
        fixed (ulong* roots = InverseRootPowers)
        fixed (ulong* rootsShoup = InverseRootPowersShoup)
        {
            // t = 1
            fixed (ulong* tw = _inverseT1.W)
            fixed (ulong* twHigh = _inverseT1.WHigh)
            fixed (ulong* ts = _inverseT1.Shoup)
            fixed (ulong* tsHigh = _inverseT1.ShoupHigh)
            {
                for (int k = 0; k < n / 8; k++)
                {
                    ulong* p = a + (8 * k);
                    var v0 = Vector256.Load(p);
                    var v1 = Vector256.Load(p + 4);
                    var u = Avx2.UnpackLow(v0, v1);
                    var v = Avx2.UnpackHigh(v0, v1);
                    InverseButterfly(
                        ref u, ref v, Vector256.Load(tw + (4 * k)), Vector256.Load(twHigh + (4 * k)),
                        Vector256.Load(ts + (4 * k)), Vector256.Load(tsHigh + (4 * k)), q, qHigh, twoQ, twoQMinusOne);
                    Avx2.UnpackLow(u, v).Store(p);
                    Avx2.UnpackHigh(u, v).Store(p + 4);
                }
            }

            // t = 2
            fixed (ulong* tw = _inverseT2.W)
            fixed (ulong* twHigh = _inverseT2.WHigh)
            fixed (ulong* ts = _inverseT2.Shoup)
            fixed (ulong* tsHigh = _inverseT2.ShoupHigh)
            {
                for (int k = 0; k < n / 8; k++)
                {
                    ulong* p = a + (8 * k);
                    var v0 = Vector256.Load(p);
                    var v1 = Vector256.Load(p + 4);
                    var u = Avx2.Permute2x128(v0, v1, 0x20);
                    var v = Avx2.Permute2x128(v0, v1, 0x31);
                    InverseButterfly(
                        ref u, ref v, Vector256.Load(tw + (4 * k)), Vector256.Load(twHigh + (4 * k)),
                        Vector256.Load(ts + (4 * k)), Vector256.Load(tsHigh + (4 * k)), q, qHigh, twoQ, twoQMinusOne);
                    Avx2.Permute2x128(u, v, 0x20).Store(p);
                    Avx2.Permute2x128(u, v, 0x31).Store(p + 4);
                }
            }

            int t = 4;
            for (int m = n >> 3; m > 1; m >>= 1, t <<= 1)
            {
                for (int i = 0; i < m; i++)
                {
                    ulong wScalar = roots[m + i];
                    ulong sScalar = rootsShoup[m + i];
                    var w = Vector256.Create(wScalar);
                    var wHigh = Vector256.Create(wScalar >> 32);
                    var s = Vector256.Create(sScalar);
                    var sHigh = Vector256.Create(sScalar >> 32);
                    ulong* x = a + (2 * i * t);
                    ulong* y = x + t;
                    for (int j = 0; j < t; j += 4)
                    {
                        var u = Vector256.Load(x + j);
                        var v = Vector256.Load(y + j);
                        InverseButterfly(ref u, ref v, w, wHigh, s, sHigh, q, qHigh, twoQ, twoQMinusOne);
                        u.Store(x + j);
                        v.Store(y + j);
                    }
                }
            }

            InverseLastLayer(a, t, q, qHigh, twoQ, twoQMinusOne, qMinusOne);
        }
    }

    private unsafe void InverseLastLayer(
        ulong* a, int t, Vector256<ulong> q, Vector256<ulong> qHigh, Vector256<ulong> twoQ, Vector256<ulong> twoQMinusOne,
        Vector256<ulong> qMinusOne)
    {
        var scale = Vector256.Create(InverseN);
        var scaleHigh = Vector256.Create(InverseN >> 32);
        var scaleShoup = Vector256.Create(InverseNShoup);
        var scaleShoupHigh = Vector256.Create(InverseNShoup >> 32);
        var w = Vector256.Create(LastInverseRootTimesInverseN);
        var wHigh = Vector256.Create(LastInverseRootTimesInverseN >> 32);
        var ws = Vector256.Create(LastInverseRootTimesInverseNShoup);
        var wsHigh = Vector256.Create(LastInverseRootTimesInverseNShoup >> 32);
        ulong* x = a;
        ulong* y = a + t;
        for (int j = 0; j < t; j += 4)
        {
            var u = Vector256.Load(x + j);
            var v = Vector256.Load(y + j);
            var sum = u + v;
            var diff = u - v + twoQ;
            var r0 = MultiplyShoupApproximate(sum, scale, scaleHigh, scaleShoup, scaleShoupHigh, q, qHigh);
            var r1 = MultiplyShoupApproximate(diff, w, wHigh, ws, wsHigh, q, qHigh);
            ReduceFrom4Q(r0, twoQ, twoQMinusOne, q, qMinusOne).Store(x + j);
            ReduceFrom4Q(r1, twoQ, twoQMinusOne, q, qMinusOne).Store(y + j);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ForwardButterfly(
        ref Vector256<ulong> u, ref Vector256<ulong> v, Vector256<ulong> w, Vector256<ulong> wHigh, Vector256<ulong> s,
        Vector256<ulong> sHigh, Vector256<ulong> q, Vector256<ulong> qHigh, Vector256<ulong> twoQ, Vector256<ulong> twoQMinusOne)
    {
        var x = SubtractIfAbove(u, twoQ, twoQMinusOne);
        var product = SubtractIfAbove(MultiplyShoupApproximate(v, w, wHigh, s, sHigh, q, qHigh), twoQ, twoQMinusOne);
        u = x + product;
        v = x - product + twoQ;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InverseButterfly(
        ref Vector256<ulong> u, ref Vector256<ulong> v, Vector256<ulong> w, Vector256<ulong> wHigh, Vector256<ulong> s,
        Vector256<ulong> sHigh, Vector256<ulong> q, Vector256<ulong> qHigh, Vector256<ulong> twoQ, Vector256<ulong> twoQMinusOne)
    {
        var sum = SubtractIfAbove(u + v, twoQ, twoQMinusOne);
        var diff = u - v + twoQ;
        v = SubtractIfAbove(MultiplyShoupApproximate(diff, w, wHigh, s, sHigh, q, qHigh), twoQ, twoQMinusOne);
        u = sum;
    }

    /// <summary>x·w mod q in [0, 4q) for x &lt; 2^62, from eight 32×32 products: the Shoup quotient without low carries.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<ulong> MultiplyShoupApproximate(
        Vector256<ulong> x, Vector256<ulong> w, Vector256<ulong> wHigh, Vector256<ulong> s, Vector256<ulong> sHigh,
        Vector256<ulong> q, Vector256<ulong> qHigh)
    {
        var xHigh = Avx2.ShiftRightLogical(x, 32);
        var crossA = Avx2.Multiply(xHigh.AsUInt32(), s.AsUInt32());
        var crossB = Avx2.Multiply(x.AsUInt32(), sHigh.AsUInt32());
        var top = Avx2.Multiply(xHigh.AsUInt32(), sHigh.AsUInt32());
        var quotient = top + Avx2.ShiftRightLogical(crossA, 32) + Avx2.ShiftRightLogical(crossB, 32);
        var quotientHigh = Avx2.ShiftRightLogical(quotient, 32);
        var low = Avx2.Multiply(x.AsUInt32(), w.AsUInt32()) - Avx2.Multiply(quotient.AsUInt32(), q.AsUInt32());
        var middle = Avx2.Multiply(xHigh.AsUInt32(), w.AsUInt32()) + Avx2.Multiply(x.AsUInt32(), wHigh.AsUInt32())
            - Avx2.Multiply(quotientHigh.AsUInt32(), q.AsUInt32()) - Avx2.Multiply(quotient.AsUInt32(), qHigh.AsUInt32());
        return low + Avx2.ShiftLeftLogical(middle, 32);
    }

    /// <summary>x ≥ bound ? x − bound : x for lanes below 2^63 (boundMinusOne = bound − 1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<ulong> SubtractIfAbove(Vector256<ulong> x, Vector256<ulong> bound, Vector256<ulong> boundMinusOne) =>
        x - (Avx2.CompareGreaterThan(x.AsInt64(), boundMinusOne.AsInt64()).AsUInt64() & bound);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<ulong> ReduceFrom4Q(
        Vector256<ulong> x, Vector256<ulong> twoQ, Vector256<ulong> twoQMinusOne, Vector256<ulong> q, Vector256<ulong> qMinusOne) =>
        SubtractIfAbove(SubtractIfAbove(x, twoQ, twoQMinusOne), q, qMinusOne);

    private struct LaneTwiddles
    {
        public ulong[] W;
        public ulong[] WHigh;
        public ulong[] Shoup;
        public ulong[] ShoupHigh;

        public LaneTwiddles(int length)
        {
            W = new ulong[length];
            WHigh = new ulong[length];
            Shoup = new ulong[length];
            ShoupHigh = new ulong[length];
        }

        public readonly void Set(int index, ulong w, ulong shoup)
        {
            W[index] = w;
            WHigh[index] = w >> 32;
            Shoup[index] = shoup;
            ShoupHigh[index] = shoup >> 32;
        }
    }
}
