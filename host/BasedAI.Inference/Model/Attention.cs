using System.Numerics.Tensors;
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
            for (int t = 0; t < scores.Length; t++)
            {
                s[t] = MatMul.Dot(q, k + ((long)t * stride) + offset, headDim) / scale;
            }
        }
    }

    /// <summary><c>output = Σ_t probabilities[t] · v_t</c>, with <c>v_t</c> = <paramref name="values"/>[t·stride + offset ..+ output.Length].</summary>
    public static void WeightedSum(ReadOnlySpan<float> probabilities, ReadOnlySpan<float> values, int stride, int offset, Span<float> output)
    {
        output.Clear();
        int headDim = output.Length;
        for (int t = 0; t < probabilities.Length; t++)
        {
            TensorPrimitives.MultiplyAdd(values.Slice((t * stride) + offset, headDim), probabilities[t], output, output);
        }
    }
}
