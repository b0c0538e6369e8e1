using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BasedAI.Inference.Tensors;

namespace BasedAI.Inference.Model;

/// <summary>
/// Scaled dot-product attention for one head and one query row, in three explicit steps, over a key/value cache laid
/// out [position, kvHeads·headDim]: <see cref="Scores"/>, a softmax (<see cref="NonLinearities.Softmax"/>), and
/// <see cref="WeightedSum"/>.
/// </summary>
public static unsafe class Attention
{
    /// <summary>
    /// <c>scores[t] = q · k_t / √headDim</c> for <c>t</c> in [0, <paramref name="scores"/>.Length), where <c>k_t</c> is
    /// <paramref name="keys"/>[t·stride + offset ..+ q.Length].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Scores(ReadOnlySpan<float> query, ReadOnlySpan<float> keys, int stride, int offset, Span<float> scores)
    {
        int headDim = query.Length;
        if (scores.IsEmpty)
        {
            return;
        }
        if ((long)(scores.Length - 1) * stride + offset + headDim > keys.Length)
        {
            throw new ArgumentException($"the key cache holds fewer than {scores.Length} positions");
        }
        float scale = MathF.Sqrt(headDim);
        fixed (float* q = query, k = keys, s = scores)
        {
            int t = 0;
            if (Avx.IsSupported && headDim % 8 == 0)
            {
                // Eight positions at a time, reduced together: one division vector instead of eight horizontal sums.
                var divisor = Vector256.Create(scale);
                for (; t + 8 <= scores.Length; t += 8)
                {
                    float* k0 = k + ((long)t * stride) + offset;
                    long st = stride;
                    Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default, a6 = default, a7 = default;
                    for (int i = 0; i < headDim; i += 8)
                    {
                        var qv = Vector256.Load(q + i);
                        float* ki = k0 + i;
                        a0 = Fmadd(Vector256.Load(ki), qv, a0);
                        a1 = Fmadd(Vector256.Load(ki + st), qv, a1);
                        a2 = Fmadd(Vector256.Load(ki + (2 * st)), qv, a2);
                        a3 = Fmadd(Vector256.Load(ki + (3 * st)), qv, a3);
                        a4 = Fmadd(Vector256.Load(ki + (4 * st)), qv, a4);
                        a5 = Fmadd(Vector256.Load(ki + (5 * st)), qv, a5);
                        a6 = Fmadd(Vector256.Load(ki + (6 * st)), qv, a6);
                        a7 = Fmadd(Vector256.Load(ki + (7 * st)), qv, a7);
                    }
                    (MatMul.Reduce8(a0, a1, a2, a3, a4, a5, a6, a7) / divisor).Store(s + t);
                }
            }
            for (; t < scores.Length; t++)
            {
                s[t] = MatMul.Dot(q, k + ((long)t * stride) + offset, headDim) / scale;
            }
        }
    }

    /// <summary><c>output = Σ_t probabilities[t] · v_t</c>, with <c>v_t</c> = <paramref name="values"/>[t·stride + offset ..+ output.Length].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void WeightedSum(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> values, int stride, int offset, Span<float> output)
    {
        int headDim = output.Length, count = probabilities.Length;
        if (count > 0 && (long)(count - 1) * stride + offset + headDim > values.Length)
        {
            throw new ArgumentException($"the value cache holds fewer than {count} positions");
        }
        fixed (float* p = probabilities, v = values, o = output)
        {
            float* first = v + offset;
            int i = 0;
            if (Vector256.IsHardwareAccelerated)
            {
                // Up to four output vectors stay in registers across the whole pass over positions.
                for (; i + 32 <= headDim; i += 32)
                {
                    Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
                    for (int t = 0; t < count; t++)
                    {
                        float* row = first + ((long)t * stride) + i;
                        var weight = Vector256.Create(p[t]);
                        a0 = Fmadd(Vector256.Load(row), weight, a0);
                        a1 = Fmadd(Vector256.Load(row + 8), weight, a1);
                        a2 = Fmadd(Vector256.Load(row + 16), weight, a2);
                        a3 = Fmadd(Vector256.Load(row + 24), weight, a3);
                    }
                    a0.Store(o + i);
                    a1.Store(o + i + 8);
                    a2.Store(o + i + 16);
                    a3.Store(o + i + 24);
                }
                for (; i + 8 <= headDim; i += 8)
                {
                    // Four independent accumulators hide the FMA latency when a head is a single vector wide.
                    Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default;
                    float* column = first + i;
                    long st = stride;
                    int t = 0;
                    for (; t + 4 <= count; t += 4)
                    {
                        float* row = column + (t * st);
                        a0 = Fmadd(Vector256.Load(row), Vector256.Create(p[t]), a0);
                        a1 = Fmadd(Vector256.Load(row + st), Vector256.Create(p[t + 1]), a1);
                        a2 = Fmadd(Vector256.Load(row + (2 * st)), Vector256.Create(p[t + 2]), a2);
                        a3 = Fmadd(Vector256.Load(row + (3 * st)), Vector256.Create(p[t + 3]), a3);
                    }
                    for (; t < count; t++)
                    {
                        a0 = Fmadd(Vector256.Load(column + (t * st)), Vector256.Create(p[t]), a0);
                    }
                    ((a0 + a1) + (a2 + a3)).Store(o + i);
                }
            }
            for (; i < headDim; i++)
            {
                float s = 0;
                for (int t = 0; t < count; t++)
                {
                    s += p[t] * first[((long)t * stride) + i];
                }
                o[i] = s;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fmadd(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : (a * b) + c;
}
