using BasedAI.Squeezing.Evaluation;

namespace BasedAI.Squeezing.Polynomials;

/// <summary>One layer's softmax as polynomials: p_i = exp(s_i − Shift) · reciprocal(Σ_j exp(s_j − Shift)).</summary>
public sealed record LayerSoftmax
{
    /// <summary>The calibrated shift c subtracted from every score (the largest calibrated score), so exp stays in range without a maximum.</summary>
    public required double Shift { get; init; }

    /// <summary>e^x over the calibrated shifted-score range.</summary>
    public required Approximation Exp { get; init; }

    /// <summary>1/x over the calibrated range of the denominator.</summary>
    public required Approximation Reciprocal { get; init; }
}

/// <summary>Every polynomial a fully encrypted forward pass evaluates, fitted per layer over calibrated ranges.</summary>
public sealed record PolynomialSet
{
    /// <summary>Softmax per layer (null for layers without attention).</summary>
    public required LayerSoftmax?[] Softmax { get; init; }

    /// <summary>The MLP activation per layer (SiLU for Llama, GELU for GPT-2).</summary>
    public required Approximation[] Activation { get; init; }

    /// <summary>1/√x of the attention norm per layer (null without attention).</summary>
    public required Approximation?[] AttentionNorm { get; init; }

    /// <summary>1/√x of the MLP norm per layer.</summary>
    public required Approximation[] MlpNorm { get; init; }

    /// <summary>1/√x of the final norm.</summary>
    public required Approximation FinalNorm { get; init; }

    /// <summary>The inverse square root used at a norm.</summary>
    public Approximation InverseSqrt(int layer, NormPosition position) => position switch
    {
        NormPosition.Attention => AttentionNorm[layer] ?? throw new InvalidOperationException($"layer {layer} has no attention norm approximation"),
        NormPosition.Mlp => MlpNorm[layer],
        _ => FinalNorm,
    };

    /// <summary>Every approximation with where it is used.</summary>
    public IEnumerable<(string Where, Approximation Approximation)> All()
    {
        for (int l = 0; l < Activation.Length; l++)
        {
            if (AttentionNorm[l] is { } a)
            {
                yield return ($"layer {l} attention norm", a);
            }
            if (Softmax[l] is { } s)
            {
                yield return ($"layer {l} softmax exp", s.Exp);
                yield return ($"layer {l} softmax reciprocal", s.Reciprocal);
            }
            yield return ($"layer {l} mlp norm", MlpNorm[l]);
            yield return ($"layer {l} activation", Activation[l]);
        }
        yield return ("final norm", FinalNorm);
    }
}
