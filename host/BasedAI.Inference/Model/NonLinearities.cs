using System.Numerics.Tensors;

namespace BasedAI.Inference.Model;

/// <summary>
/// The non-linear functions of a forward pass, in one overridable place, so approximations (polynomials for encrypted
/// evaluation, lower precision) can be substituted and their effect measured: derive, override what you approximate,
/// and set the instance on <see cref="InferenceSession.NonLinearities"/>. <see cref="Exact"/> is the reference.
/// Every method works in place on one row.
/// </summary>
public class NonLinearities
{
    /// <summary>The exact functions (float32, vectorised).</summary>
    public static NonLinearities Exact { get; } = new();

    /// <summary>Softmax over attention scores: <c>v_i ← exp(v_i − max) / Σ_j exp(v_j − max)</c>.</summary>
    public virtual void Softmax(Span<float> values)
    {
        if (values.IsEmpty)
        {
            return;
        }
        float max = TensorPrimitives.Max(values);
        TensorPrimitives.Subtract(values, max, values);
        TensorPrimitives.Exp(values, values);
        float sum = TensorPrimitives.Sum(values);
        TensorPrimitives.Divide(values, sum, values);
    }

    /// <summary>GELU, tanh approximation (GPT-2's <c>gelu_new</c>): <c>0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))</c>.</summary>
    public virtual void Gelu(Span<float> values)
    {
        const float SqrtTwoOverPi = 0.7978845608028654f;
        Span<float> t = stackalloc float[256];
        for (int start = 0; start < values.Length; start += t.Length)
        {
            Span<float> x = values.Slice(start, Math.Min(t.Length, values.Length - start));
            Span<float> u = t[..x.Length];
            TensorPrimitives.Multiply(x, x, u);
            TensorPrimitives.Multiply(u, 0.044715f, u);
            TensorPrimitives.Add(u, 1f, u);
            TensorPrimitives.Multiply(u, x, u);
            TensorPrimitives.Multiply(u, SqrtTwoOverPi, u);
            TensorPrimitives.Tanh(u, u);
            TensorPrimitives.Add(u, 1f, u);
            TensorPrimitives.Multiply(u, x, u);
            TensorPrimitives.Multiply(u, 0.5f, x);
        }
    }

    /// <summary>SiLU (swish): <c>x · σ(x)</c>, the gate non-linearity of Llama's SwiGLU.</summary>
    public virtual void Silu(Span<float> values)
    {
        Span<float> t = stackalloc float[256];
        for (int start = 0; start < values.Length; start += t.Length)
        {
            Span<float> x = values.Slice(start, Math.Min(t.Length, values.Length - start));
            Span<float> s = t[..x.Length];
            TensorPrimitives.Sigmoid(x, s);
            TensorPrimitives.Multiply(x, s, x);
        }
    }

    /// <summary>The normalisations' <c>1/√v</c> (v is the variance or mean square plus epsilon).</summary>
    public virtual float InverseSqrt(float value) => 1f / MathF.Sqrt(value);
}
