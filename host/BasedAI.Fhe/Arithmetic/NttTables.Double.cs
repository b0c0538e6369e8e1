using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BasedAI.Fhe.Arithmetic;

/// <summary>
/// Transforms in double precision for primes below 2^50 (see <see cref="FloatModular"/>): the words are converted to
/// doubles in place, every butterfly is exact modular arithmetic on signed representatives kept within about 4q/3
/// (the untwisted operand is re-centered each layer), and the final pass normalizes to [0, q) and converts back.
/// Roughly three times fewer vector instructions than the 32×32-bit integer emulation.
/// </summary>
internal sealed partial class NttTables
{
    private double[] _forwardRootsDouble = [];
    private double[] _forwardRootsOverQ = [];
    private double[] _inverseRootsDouble = [];
    private double[] _inverseRootsOverQ = [];
    private DoubleLanes _forwardT2Double;
    private DoubleLanes _forwardT1Double;
    private DoubleLanes _inverseT2Double;
    private DoubleLanes _inverseT1Double;

    // Per layer (index log2 of the group count m): whether the untwisted operand must be re-centered there. Decided once
    // from a worst-case bound on |value|/q so that every value stays below 2^52; small primes leave room to skip most.
    private bool[] _forwardRecenter = [];
    private bool[] _inverseRecenter = [];

    /// <summary>Whether the double-precision transforms run (FMA, AVX2, q &lt; 2^50, N ≥ 8).</summary>
    public bool UseDouble { get; private set; }

    private void InitializeDoubleTables()
    {
        UseDouble = FloatModular.IsSupported && Modulus.Value < FloatModular.MaxModulus && N >= 8;
        if (!UseDouble)
        {
            return;
        }

        double q = Modulus.Value;
        _forwardRootsDouble = RootPowers.Select(w => (double)w).ToArray();
        _forwardRootsOverQ = RootPowers.Select(w => w / q).ToArray();
        _inverseRootsDouble = InverseRootPowers.Select(w => (double)w).ToArray();
        _inverseRootsOverQ = InverseRootPowers.Select(w => w / q).ToArray();
        _forwardT2Double = new DoubleLanes(_forwardT2.W, q);
        _forwardT1Double = new DoubleLanes(_forwardT1.W, q);
        _inverseT2Double = new DoubleLanes(_inverseT2.W, q);
        _inverseT1Double = new DoubleLanes(_inverseT1.W, q);
        PlanRecentering(q);
    }

    private void PlanRecentering(double q)
    {
        // Bounds in units of q. A product x·w − k·q has |r| ≤ 1/2 + |x|·2^−52 (quotient error), re-centering leaves ≤ 1/2.
        const double Slack = 1e-9;
        double limit = 0.99 * Math.Pow(2, 52) / q;
        double ProductBound(double b) => 0.5 + (b * q * Math.Pow(2, -52)) + Slack;
        _forwardRecenter = new bool[LogN];
        double bound = 4;
        for (int layer = 0; layer < LogN; layer++)
        {
            double product = ProductBound(bound);
            bool recenter = bound + product > limit;
            _forwardRecenter[layer] = recenter;
            bound = (recenter ? 0.5 + Slack : bound) + product;
        }

        // Inverse: the sum doubles the bound unless re-centered; the difference (also up to twice the bound) goes through a
        // product, so the bound entering a layer must stay below half the limit.
        _inverseRecenter = new bool[LogN];
        bound = 2;
        for (int layer = LogN - 1; layer >= 0; layer--)
        {
            bool recenter = 4 * bound > limit;
            _inverseRecenter[layer] = recenter;
            bound = Math.Max(recenter ? 0.5 + Slack : 2 * bound, ProductBound(2 * bound));
        }
    }

    /// <summary>Forward transform in doubles; input words in [0, 4q), output in [0, q).</summary>
    public unsafe void ForwardDouble(Span<ulong> values)
    {
        var q = Vector256.Create((double)Modulus.Value);
        var inverseQ = Vector256.Create(1.0 / Modulus.Value);
        int n = N;
        fixed (ulong* words = values)
        fixed (double* roots = _forwardRootsDouble)
        fixed (double* rootsOverQ = _forwardRootsOverQ)
        {
            double* a = (double*)words;
            for (int j = 0; j < n; j += 4)
            {
                FloatModular.ToDouble(Vector256.Load(words + j)).Store(a + j);
            }

            int m = 1;
            int t = n >> 1;
            for (int layer = 0; t >= 4; m <<= 1, t >>= 1, layer++)
            {
                bool recenter = _forwardRecenter[layer];
                for (int i = 0; i < m; i++)
                {
                    var w = Vector256.Create(roots[m + i]);
                    var wq = Vector256.Create(rootsOverQ[m + i]);
                    double* x = a + (2 * i * t);
                    double* y = x + t;
                    if (recenter)
                    {
                        for (int j = 0; j < t; j += 4)
                        {
                            var u = Vector256.Load(x + j);
                            var v = Vector256.Load(y + j);
                            ForwardButterflyDouble(ref u, ref v, w, wq, q, inverseQ, recenter: true);
                            u.Store(x + j);
                            v.Store(y + j);
                        }
                    }
                    else
                    {
                        for (int j = 0; j < t; j += 4)
                        {
                            var u = Vector256.Load(x + j);
                            var v = Vector256.Load(y + j);
                            ForwardButterflyDouble(ref u, ref v, w, wq, q, inverseQ, recenter: false);
                            u.Store(x + j);
                            v.Store(y + j);
                        }
                    }
                }
            }

            fixed (double* tw = _forwardT2Double.W)
            fixed (double* twq = _forwardT2Double.WOverQ)
            {
                for (int k = 0; k < n / 8; k++)
                {
                    double* p = a + (8 * k);
                    var v0 = Vector256.Load(p);
                    var v1 = Vector256.Load(p + 4);
                    var u = Avx.Permute2x128(v0, v1, 0x20);
                    var v = Avx.Permute2x128(v0, v1, 0x31);
                    ForwardButterflyDouble(ref u, ref v, Vector256.Load(tw + (4 * k)), Vector256.Load(twq + (4 * k)), q, inverseQ, _forwardRecenter[LogN - 2]);
                    Avx.Permute2x128(u, v, 0x20).Store(p);
                    Avx.Permute2x128(u, v, 0x31).Store(p + 4);
                }
            }

            fixed (double* tw = _forwardT1Double.W)
            fixed (double* twq = _forwardT1Double.WOverQ)
            {
                for (int k = 0; k < n / 8; k++)
                {
                    double* p = a + (8 * k);
                    var v0 = Vector256.Load(p);
                    var v1 = Vector256.Load(p + 4);
                    var u = Avx.UnpackLow(v0, v1);
                    var v = Avx.UnpackHigh(v0, v1);
                    ForwardButterflyDouble(ref u, ref v, Vector256.Load(tw + (4 * k)), Vector256.Load(twq + (4 * k)), q, inverseQ, _forwardRecenter[LogN - 1]);
                    u = FloatModular.Normalize(u, q, inverseQ);
                    v = FloatModular.Normalize(v, q, inverseQ);
                    FloatModular.ToWords(Avx.UnpackLow(u, v)).Store(words + (8 * k));
                    FloatModular.ToWords(Avx.UnpackHigh(u, v)).Store(words + (8 * k) + 4);
                }
            }
        }
    }

    /// <summary>Inverse transform in doubles; input words in [0, 2q), output in [0, q).</summary>
    public unsafe void InverseDouble(Span<ulong> values)
    {
        var q = Vector256.Create((double)Modulus.Value);
        var inverseQ = Vector256.Create(1.0 / Modulus.Value);
        int n = N;
        fixed (ulong* words = values)
        fixed (double* roots = _inverseRootsDouble)
        fixed (double* rootsOverQ = _inverseRootsOverQ)
        {
            double* a = (double*)words;
            fixed (double* tw = _inverseT1Double.W)
            fixed (double* twq = _inverseT1Double.WOverQ)
            {
                for (int k = 0; k < n / 8; k++)
                {
                    double* p = a + (8 * k);
                    var v0 = FloatModular.ToDouble(Vector256.Load(words + (8 * k)));
                    var v1 = FloatModular.ToDouble(Vector256.Load(words + (8 * k) + 4));
                    var u = Avx.UnpackLow(v0, v1);
                    var v = Avx.UnpackHigh(v0, v1);
                    InverseButterflyDouble(ref u, ref v, Vector256.Load(tw + (4 * k)), Vector256.Load(twq + (4 * k)), q, inverseQ, _inverseRecenter[LogN - 1]);
                    Avx.UnpackLow(u, v).Store(p);
                    Avx.UnpackHigh(u, v).Store(p + 4);
                }
            }

            fixed (double* tw = _inverseT2Double.W)
            fixed (double* twq = _inverseT2Double.WOverQ)
            {
                for (int k = 0; k < n / 8; k++)
                {
                    double* p = a + (8 * k);
                    var v0 = Vector256.Load(p);
                    var v1 = Vector256.Load(p + 4);
                    var u = Avx.Permute2x128(v0, v1, 0x20);
                    var v = Avx.Permute2x128(v0, v1, 0x31);
                    InverseButterflyDouble(ref u, ref v, Vector256.Load(tw + (4 * k)), Vector256.Load(twq + (4 * k)), q, inverseQ, _inverseRecenter[LogN - 2]);
                    Avx.Permute2x128(u, v, 0x20).Store(p);
                    Avx.Permute2x128(u, v, 0x31).Store(p + 4);
                }
            }

            int t = 4;
            for (int m = n >> 3, layer = LogN - 3; m > 1; m >>= 1, t <<= 1, layer--)
            {
                bool recenter = _inverseRecenter[layer];
                for (int i = 0; i < m; i++)
                {
                    var w = Vector256.Create(roots[m + i]);
                    var wq = Vector256.Create(rootsOverQ[m + i]);
                    double* x = a + (2 * i * t);
                    double* y = x + t;
                    if (recenter)
                    {
                        for (int j = 0; j < t; j += 4)
                        {
                            var u = Vector256.Load(x + j);
                            var v = Vector256.Load(y + j);
                            InverseButterflyDouble(ref u, ref v, w, wq, q, inverseQ, recenter: true);
                            u.Store(x + j);
                            v.Store(y + j);
                        }
                    }
                    else
                    {
                        for (int j = 0; j < t; j += 4)
                        {
                            var u = Vector256.Load(x + j);
                            var v = Vector256.Load(y + j);
                            InverseButterflyDouble(ref u, ref v, w, wq, q, inverseQ, recenter: false);
                            u.Store(x + j);
                            v.Store(y + j);
                        }
                    }
                }
            }

            // Last layer: one group; folds in the 1/N scaling, normalizes and converts back to words.
            double qScalar = Modulus.Value;
            var scale = Vector256.Create((double)InverseN);
            var scaleOverQ = Vector256.Create(InverseN / qScalar);
            var wLast = Vector256.Create((double)LastInverseRootTimesInverseN);
            var wLastOverQ = Vector256.Create(LastInverseRootTimesInverseN / qScalar);
            double* xs = a;
            double* ys = a + t;
            for (int j = 0; j < t; j += 4)
            {
                var u = Vector256.Load(xs + j);
                var v = Vector256.Load(ys + j);
                var sum = FloatModular.MultiplyConstant(u + v, scale, scaleOverQ, q);
                var difference = FloatModular.MultiplyConstant(u - v, wLast, wLastOverQ, q);
                FloatModular.ToWords(FloatModular.Normalize(sum, q, inverseQ)).Store(words + j);
                FloatModular.ToWords(FloatModular.Normalize(difference, q, inverseQ)).Store(words + t + j);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ForwardButterflyDouble(
        ref Vector256<double> u, ref Vector256<double> v, Vector256<double> w, Vector256<double> wOverQ, Vector256<double> q, Vector256<double> inverseQ,
        bool recenter)
    {
        var product = FloatModular.MultiplyConstant(v, w, wOverQ, q);
        var x = recenter ? FloatModular.ReduceCentered(u, q, inverseQ) : u;
        u = x + product;
        v = x - product;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InverseButterflyDouble(
        ref Vector256<double> u, ref Vector256<double> v, Vector256<double> w, Vector256<double> wOverQ, Vector256<double> q, Vector256<double> inverseQ,
        bool recenter)
    {
        var sum = u + v;
        v = FloatModular.MultiplyConstant(u - v, w, wOverQ, q);
        u = recenter ? FloatModular.ReduceCentered(sum, q, inverseQ) : sum;
    }

    private readonly struct DoubleLanes
    {
        public DoubleLanes(ulong[] roots, double q)
        {
            W = roots.Select(w => (double)w).ToArray();
            WOverQ = roots.Select(w => w / q).ToArray();
        }

        public double[] W { get; }

        public double[] WOverQ { get; }
    }
}
