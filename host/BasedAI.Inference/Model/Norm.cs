using System.Numerics.Tensors;
using BasedAI.Inference.Tensors;
using Tensor = BasedAI.Inference.Tensors.Tensor;

namespace BasedAI.Inference.Model;

/// <summary>Which normalisation a model uses.</summary>
public enum NormKind
{
    /// <summary><c>(x − mean) / √(var + ε) · γ + β</c> (GPT-2).</summary>
    LayerNorm,

    /// <summary><c>x / √(mean(x²) + ε) · γ</c> (Llama).</summary>
    RmsNorm,
}

/// <summary>A normalisation layer: its kind, scale γ, optional shift β and ε.</summary>
public sealed class Norm
{
    /// <summary>Creates a norm layer; <paramref name="bias"/> only for LayerNorm.</summary>
    public Norm(NormKind kind, Tensor scale, Tensor? bias, float epsilon)
    {
        ArgumentNullException.ThrowIfNull(scale);
        if (bias != null && bias.Length != scale.Length)
        {
            throw new ArgumentException($"norm bias '{bias.Name}' {bias.ShapeText} does not match scale '{scale.Name}' {scale.ShapeText}");
        }
        Kind = kind;
        Scale = scale;
        Bias = bias;
        Epsilon = epsilon;
    }

    /// <summary>LayerNorm or RMSNorm.</summary>
    public NormKind Kind { get; }

    /// <summary>γ, one value per feature.</summary>
    public Tensor Scale { get; }

    /// <summary>β (LayerNorm), or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>ε added under the square root.</summary>
    public float Epsilon { get; }

    /// <summary>Normalises each of <paramref name="rows"/> rows of <paramref name="x"/> into <paramref name="y"/>.</summary>
    public void Apply(ReadOnlySpan<float> x, Span<float> y, int rows, NonLinearities nonLinearities)
    {
        int width = Scale.Length;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> xr = x.Slice(r * width, width);
            Span<float> yr = y.Slice(r * width, width);
            if (Kind == NormKind.RmsNorm)
            {
                float meanSquare = TensorPrimitives.SumOfSquares(xr) / width;
                float inverse = nonLinearities.InverseSqrt(meanSquare + Epsilon);
                TensorPrimitives.Multiply(xr, inverse, yr);
                TensorPrimitives.Multiply(yr, Scale.Data, yr);
            }
            else
            {
                float mean = TensorPrimitives.Sum(xr) / width;
                TensorPrimitives.Subtract(xr, mean, yr);
                float variance = TensorPrimitives.SumOfSquares(yr) / width;
                float inverse = nonLinearities.InverseSqrt(variance + Epsilon);
                TensorPrimitives.Multiply(yr, inverse, yr);
                if (Bias != null)
                {
                    TensorPrimitives.MultiplyAdd(yr, Scale.Data, Bias.Data, yr);
                }
                else
                {
                    TensorPrimitives.Multiply(yr, Scale.Data, yr);
                }
            }
        }
    }
}
