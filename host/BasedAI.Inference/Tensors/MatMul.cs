using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BasedAI.Inference.Tensors;

/// <summary>
/// Matrix products in the layout of <c>nn.Linear</c>: <c>y[r, o] = bias[o] + Σ_i x[r, i] · w[o, i]</c>, with
/// <c>x</c> [rows, in], <c>w</c> [out, in] and <c>y</c> [rows, out], all row-major float32. Weights are either float32
/// or int8 with one scale per output row. Blocks of 4 weight rows × 2 input rows share their loads (Vector256 + FMA);
/// output rows are split across the threads of a <see cref="WorkerPool"/> when the product is large enough to pay for it.
/// </summary>
public static unsafe class MatMul
{
    /// <summary>Below this many multiply-adds a product runs on the calling thread: waking workers costs more.</summary>
    public const long ParallelThreshold = 1 << 17;

    private struct Job
    {
        public float* X;
        public float* W;
        public sbyte* WQ;
        public float* Scales;
        public float* Bias;
        public float* Y;
        public int Rows;
        public int In;
        public int Out;
        public int RowsPerChunk;
    }

    /// <summary>Float32 weights: <c>y = x · wᵀ + bias</c>. <paramref name="bias"/> may be empty.</summary>
    public static void Multiply(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y,
        int rows, int inDim, int outDim, WorkerPool? pool = null)
    {
        CheckShapes(x.Length, w.Length, bias.Length, y.Length, rows, inDim, outDim);
        fixed (float* px = x, pw = w, pb = bias, py = y)
        {
            var job = new Job { X = px, W = pw, Bias = bias.IsEmpty ? null : pb, Y = py, Rows = rows, In = inDim, Out = outDim };
            Dispatch(ref job, pool, &RunFloatChunk);
        }
    }

    /// <summary>Int8 weights with one scale per output row: <c>y[r, o] = bias[o] + scale[o] · Σ_i x[r, i] · q[o, i]</c>.</summary>
    public static void Multiply(ReadOnlySpan<float> x, ReadOnlySpan<sbyte> w, ReadOnlySpan<float> scales, ReadOnlySpan<float> bias,
        Span<float> y, int rows, int inDim, int outDim, WorkerPool? pool = null)
    {
        CheckShapes(x.Length, w.Length, bias.Length, y.Length, rows, inDim, outDim);
        if (scales.Length != outDim)
        {
            throw new ArgumentException($"expected {outDim} scales, got {scales.Length}", nameof(scales));
        }
        fixed (float* px = x, ps = scales, pb = bias, py = y)
        fixed (sbyte* pw = w)
        {
            var job = new Job { X = px, WQ = pw, Scales = ps, Bias = bias.IsEmpty ? null : pb, Y = py, Rows = rows, In = inDim, Out = outDim };
            Dispatch(ref job, pool, &RunInt8Chunk);
        }
    }

    private static void CheckShapes(int xLength, int wLength, int biasLength, int yLength, int rows, int inDim, int outDim)
    {
        if ((long)rows * inDim > xLength || (long)outDim * inDim != wLength || (long)rows * outDim > yLength)
        {
            throw new ArgumentException($"shape mismatch: x {xLength} (need {rows}x{inDim}), w {wLength} (need {outDim}x{inDim}), y {yLength} (need {rows}x{outDim})");
        }
        if (biasLength != 0 && biasLength != outDim)
        {
            throw new ArgumentException($"bias has {biasLength} values, expected {outDim}");
        }
    }

    private static void Dispatch(ref Job job, WorkerPool? pool, delegate*<void*, int, void> chunk)
    {
        long work = (long)job.Rows * job.In * job.Out;
        int threads = pool?.Threads ?? 1;
        if (threads == 1 || work < ParallelThreshold || job.Out < 8)
        {
            job.RowsPerChunk = job.Out;
            fixed (Job* p = &job)
            {
                chunk(p, 0);
            }
            return;
        }
        // A few chunks per thread balance a machine whose cores are shared with other work; multiples of 8 keep the micro-kernels whole.
        int chunks = Math.Min(threads * 4, (job.Out + 7) / 8);
        job.RowsPerChunk = ((job.Out + chunks - 1) / chunks + 7) & ~7;
        chunks = (job.Out + job.RowsPerChunk - 1) / job.RowsPerChunk;
        fixed (Job* p = &job)
        {
            pool!.Run(chunks, chunk, p);
        }
    }

    private static void RunFloatChunk(void* state, int chunk)
    {
        Job* job = (Job*)state;
        int start = chunk * job->RowsPerChunk;
        int end = Math.Min(job->Out, start + job->RowsPerChunk);
        FloatRange(job->X, job->W, job->Bias, job->Y, job->Rows, job->In, job->Out, start, end);
    }

    private static void RunInt8Chunk(void* state, int chunk)
    {
        Job* job = (Job*)state;
        int start = chunk * job->RowsPerChunk;
        int end = Math.Min(job->Out, start + job->RowsPerChunk);
        Int8Range(job->X, job->WQ, job->Scales, job->Bias, job->Y, job->Rows, job->In, job->Out, start, end);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fmadd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : (a * b) + c;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FloatRange(float* x, float* w, float* bias, float* y, int rows, int n, int outDim, int start, int end)
    {
        int o = rows == 1 ? MatVec8(x, w, bias, y, n, start, end) : start;
        for (; o + 4 <= end; o += 4)
        {
            float* w0 = w + ((long)o * n), w1 = w0 + n, w2 = w1 + n, w3 = w2 + n;
            int r = 0;
            for (; r + 2 <= rows; r += 2)
            {
                float* x0 = x + ((long)r * n), x1 = x0 + n;
                var a00 = Vector256<float>.Zero; var a01 = Vector256<float>.Zero; var a02 = Vector256<float>.Zero; var a03 = Vector256<float>.Zero;
                var a10 = Vector256<float>.Zero; var a11 = Vector256<float>.Zero; var a12 = Vector256<float>.Zero; var a13 = Vector256<float>.Zero;
                int i = 0;
                if (Vector256.IsHardwareAccelerated)
                {
                    for (; i + 8 <= n; i += 8)
                    {
                        var v0 = Vector256.Load(x0 + i);
                        var v1 = Vector256.Load(x1 + i);
                        var k0 = Vector256.Load(w0 + i);
                        a00 = Fmadd(k0, v0, a00); a10 = Fmadd(k0, v1, a10);
                        var k1 = Vector256.Load(w1 + i);
                        a01 = Fmadd(k1, v0, a01); a11 = Fmadd(k1, v1, a11);
                        var k2 = Vector256.Load(w2 + i);
                        a02 = Fmadd(k2, v0, a02); a12 = Fmadd(k2, v1, a12);
                        var k3 = Vector256.Load(w3 + i);
                        a03 = Fmadd(k3, v0, a03); a13 = Fmadd(k3, v1, a13);
                    }
                }
                float s00 = Vector256.Sum(a00), s01 = Vector256.Sum(a01), s02 = Vector256.Sum(a02), s03 = Vector256.Sum(a03);
                float s10 = Vector256.Sum(a10), s11 = Vector256.Sum(a11), s12 = Vector256.Sum(a12), s13 = Vector256.Sum(a13);
                for (; i < n; i++)
                {
                    float v0 = x0[i], v1 = x1[i];
                    s00 += w0[i] * v0; s01 += w1[i] * v0; s02 += w2[i] * v0; s03 += w3[i] * v0;
                    s10 += w0[i] * v1; s11 += w1[i] * v1; s12 += w2[i] * v1; s13 += w3[i] * v1;
                }
                Store4(y + ((long)r * outDim) + o, bias, o, s00, s01, s02, s03);
                Store4(y + ((long)(r + 1) * outDim) + o, bias, o, s10, s11, s12, s13);
            }
            for (; r < rows; r++)
            {
                float* x0 = x + ((long)r * n);
                var a0 = Vector256<float>.Zero; var a1 = Vector256<float>.Zero; var a2 = Vector256<float>.Zero; var a3 = Vector256<float>.Zero;
                int i = 0;
                if (Vector256.IsHardwareAccelerated)
                {
                    for (; i + 8 <= n; i += 8)
                    {
                        var v = Vector256.Load(x0 + i);
                        a0 = Fmadd(Vector256.Load(w0 + i), v, a0);
                        a1 = Fmadd(Vector256.Load(w1 + i), v, a1);
                        a2 = Fmadd(Vector256.Load(w2 + i), v, a2);
                        a3 = Fmadd(Vector256.Load(w3 + i), v, a3);
                    }
                }
                float s0 = Vector256.Sum(a0), s1 = Vector256.Sum(a1), s2 = Vector256.Sum(a2), s3 = Vector256.Sum(a3);
                for (; i < n; i++)
                {
                    float v = x0[i];
                    s0 += w0[i] * v; s1 += w1[i] * v; s2 += w2[i] * v; s3 += w3[i] * v;
                }
                Store4(y + ((long)r * outDim) + o, bias, o, s0, s1, s2, s3);
            }
        }
        for (; o < end; o++)
        {
            float* w0 = w + ((long)o * n);
            for (int r = 0; r < rows; r++)
            {
                float s = Dot(x + ((long)r * n), w0, n);
                y[((long)r * outDim) + o] = bias == null ? s : s + bias[o];
            }
        }
    }

    /// <summary>Horizontal sums of eight vectors as one vector: element j = Σ a_j (AVX hadd tree).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Reduce8(Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3,
        Vector256<float> a4, Vector256<float> a5, Vector256<float> a6, Vector256<float> a7)
    {
        var s0123 = Avx.HorizontalAdd(Avx.HorizontalAdd(a0, a1), Avx.HorizontalAdd(a2, a3));
        var s4567 = Avx.HorizontalAdd(Avx.HorizontalAdd(a4, a5), Avx.HorizontalAdd(a6, a7));
        return Avx.Permute2x128(s0123, s4567, 0x20) + Avx.Permute2x128(s0123, s4567, 0x31);
    }

    /// <summary>One input row against eight weight rows at a time: the decode step's matrix-vector product.</summary>
    private static int MatVec8(float* x, float* w, float* bias, float* y, int n, int start, int end)
    {
        int o = start;
        if (!Avx.IsSupported || n < 8)
        {
            return o;
        }
        float* tail = stackalloc float[8];
        for (; o + 8 <= end; o += 8)
        {
            float* w0 = w + ((long)o * n);
            long n1 = n;
            Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
            int i = 0;
            for (; i + 8 <= n; i += 8)
            {
                var v = Vector256.Load(x + i);
                float* wi = w0 + i;
                a0 = Fmadd(Vector256.Load(wi), v, a0);
                a1 = Fmadd(Vector256.Load(wi + n1), v, a1);
                a2 = Fmadd(Vector256.Load(wi + (2 * n1)), v, a2);
                a3 = Fmadd(Vector256.Load(wi + (3 * n1)), v, a3);
                a4 = Fmadd(Vector256.Load(wi + (4 * n1)), v, a4);
                a5 = Fmadd(Vector256.Load(wi + (5 * n1)), v, a5);
                a6 = Fmadd(Vector256.Load(wi + (6 * n1)), v, a6);
                a7 = Fmadd(Vector256.Load(wi + (7 * n1)), v, a7);
            }
            Vector256<float> sums = Reduce8(a0, a1, a2, a3, a4, a5, a6, a7);
            if (i < n)
            {
                for (int r = 0; r < 8; r++)
                {
                    float t = 0;
                    for (int k = i; k < n; k++)
                    {
                        t += w0[(r * n1) + k] * x[k];
                    }
                    tail[r] = t;
                }
                sums += Vector256.Load(tail);
            }
            if (bias != null)
            {
                sums += Vector256.Load(bias + o);
            }
            sums.Store(y + o);
        }
        return o;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4(float* y, float* bias, int o, float s0, float s1, float s2, float s3)
    {
        if (bias != null)
        {
            s0 += bias[o]; s1 += bias[o + 1]; s2 += bias[o + 2]; s3 += bias[o + 3];
        }
        y[0] = s0; y[1] = s1; y[2] = s2; y[3] = s3;
    }

    /// <summary>Dot product of two float vectors of length <paramref name="n"/> (Vector256 + FMA, scalar tail).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.AggressiveInlining)]
    internal static float Dot(float* a, float* b, int n)
    {
        int i = 0;
        float s = 0;
        if (Vector256.IsHardwareAccelerated && n >= 8)
        {
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            for (; i + 16 <= n; i += 16)
            {
                acc0 = Fmadd(Vector256.Load(a + i), Vector256.Load(b + i), acc0);
                acc1 = Fmadd(Vector256.Load(a + i + 8), Vector256.Load(b + i + 8), acc1);
            }
            for (; i + 8 <= n; i += 8)
            {
                acc0 = Fmadd(Vector256.Load(a + i), Vector256.Load(b + i), acc0);
            }
            s = Vector256.Sum(acc0 + acc1);
        }
        for (; i < n; i++)
        {
            s += a[i] * b[i];
        }
        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Int8Range(float* x, sbyte* w, float* scales, float* bias, float* y, int rows, int n, int outDim, int start, int end)
    {
        bool simd = Avx2.IsSupported;
        int o = start;
        for (; o + 4 <= end; o += 4)
        {
            sbyte* w0 = w + ((long)o * n), w1 = w0 + n, w2 = w1 + n, w3 = w2 + n;
            int r = 0;
            if (simd)
            {
                // Two input rows share each converted weight vector (batched prefill).
                for (; r + 2 <= rows; r += 2)
                {
                    float* x0 = x + ((long)r * n), x1 = x0 + n;
                    Vector256<float> a00 = default, a01 = default, a02 = default, a03 = default;
                    Vector256<float> a10 = default, a11 = default, a12 = default, a13 = default;
                    int i = 0;
                    for (; i + 8 <= n; i += 8)
                    {
                        var v0 = Vector256.Load(x0 + i);
                        var v1 = Vector256.Load(x1 + i);
                        var k0 = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(w0 + i));
                        a00 = Fmadd(k0, v0, a00); a10 = Fmadd(k0, v1, a10);
                        var k1 = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(w1 + i));
                        a01 = Fmadd(k1, v0, a01); a11 = Fmadd(k1, v1, a11);
                        var k2 = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(w2 + i));
                        a02 = Fmadd(k2, v0, a02); a12 = Fmadd(k2, v1, a12);
                        var k3 = Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(w3 + i));
                        a03 = Fmadd(k3, v0, a03); a13 = Fmadd(k3, v1, a13);
                    }
                    float s00 = Vector256.Sum(a00), s01 = Vector256.Sum(a01), s02 = Vector256.Sum(a02), s03 = Vector256.Sum(a03);
                    float s10 = Vector256.Sum(a10), s11 = Vector256.Sum(a11), s12 = Vector256.Sum(a12), s13 = Vector256.Sum(a13);
                    for (; i < n; i++)
                    {
                        float v0 = x0[i], v1 = x1[i];
                        s00 += w0[i] * v0; s01 += w1[i] * v0; s02 += w2[i] * v0; s03 += w3[i] * v0;
                        s10 += w0[i] * v1; s11 += w1[i] * v1; s12 += w2[i] * v1; s13 += w3[i] * v1;
                    }
                    Store4(y + ((long)r * outDim) + o, bias, o, s00 * scales[o], s01 * scales[o + 1], s02 * scales[o + 2], s03 * scales[o + 3]);
                    Store4(y + ((long)(r + 1) * outDim) + o, bias, o, s10 * scales[o], s11 * scales[o + 1], s12 * scales[o + 2], s13 * scales[o + 3]);
                }
            }
            for (; r < rows; r++)
            {
                float* x0 = x + ((long)r * n);
                var a0 = Vector256<float>.Zero; var a1 = Vector256<float>.Zero; var a2 = Vector256<float>.Zero; var a3 = Vector256<float>.Zero;
                int i = 0;
                if (simd)
                {
                    for (; i + 8 <= n; i += 8)
                    {
                        var v = Vector256.Load(x0 + i);
                        a0 = Fmadd(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(w0 + i)), v, a0);
                        a1 = Fmadd(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(w1 + i)), v, a1);
                        a2 = Fmadd(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(w2 + i)), v, a2);
                        a3 = Fmadd(Avx.ConvertToVector256Single(Avx2.ConvertToVector256Int32(w3 + i)), v, a3);
                    }
                }
                float s0 = Vector256.Sum(a0), s1 = Vector256.Sum(a1), s2 = Vector256.Sum(a2), s3 = Vector256.Sum(a3);
                for (; i < n; i++)
                {
                    float v = x0[i];
                    s0 += w0[i] * v; s1 += w1[i] * v; s2 += w2[i] * v; s3 += w3[i] * v;
                }
                Store4(y + ((long)r * outDim) + o, bias, o, s0 * scales[o], s1 * scales[o + 1], s2 * scales[o + 2], s3 * scales[o + 3]);
            }
        }
        for (; o < end; o++)
        {
            sbyte* w0 = w + ((long)o * n);
            for (int r = 0; r < rows; r++)
            {
                float* x0 = x + ((long)r * n);
                float s = 0;
                for (int i = 0; i < n; i++)
                {
                    s += w0[i] * x0[i];
                }
                s *= scales[o];
                y[((long)r * outDim) + o] = bias == null ? s : s + bias[o];
            }
        }
    }
}
