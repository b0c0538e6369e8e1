using BasedAI.Inference.Model;
using BasedAI.Squeezing.Fusion;

namespace BasedAI.Squeezing.Evaluation;

/// <summary>
/// What the key owner (the client) computes in clear, shared by the reference evaluator and the encrypted pipeline's
/// client role so both do exactly the same arithmetic: embeddings, norms (without their affine part when it is folded),
/// softmax, the MLP activation and the LM head.
/// </summary>
public static class ClientMath
{
    /// <summary>Token (+ position) embedding of <paramref name="token"/> at <paramref name="position"/> into <paramref name="residual"/>.</summary>
    public static void Embed(SqueezedModel model, int token, int position, Span<double> residual)
    {
        ArgumentNullException.ThrowIfNull(model);
        int d = model.Config.HiddenSize;
        if ((uint)token >= (uint)model.Config.VocabSize)
        {
            throw new ArgumentOutOfRangeException(nameof(token), token, $"token id outside the vocabulary of {model.Config.VocabSize}");
        }
        if ((uint)position >= (uint)model.Config.MaxSequenceLength)
        {
            throw new ArgumentOutOfRangeException(nameof(position), position, $"position beyond the context of {model.Config.MaxSequenceLength}");
        }
        ReadOnlySpan<float> row = model.Tensor("embed.tokens.weight").Data.AsSpan(token * d, d);
        ReadOnlySpan<float> positions = model.TryTensor("embed.positions.weight") is { } p ? p.Data.AsSpan(position * d, d) : default;
        for (int i = 0; i < d; i++)
        {
            residual[i] = row[i] + (positions.IsEmpty ? 0 : positions[i]);
        }
    }

    /// <summary>
    /// The argument of the norm's inverse square root: mean square (RMSNorm) or variance (LayerNorm), plus ε.
    /// </summary>
    public static double NormArgument(ReadOnlySpan<double> x, NormKind kind, double epsilon)
    {
        double mean = 0;
        if (kind == NormKind.LayerNorm)
        {
            foreach (double v in x)
            {
                mean += v;
            }
            mean /= x.Length;
        }
        double sum = 0;
        foreach (double v in x)
        {
            sum += (v - mean) * (v - mean);
        }
        return (sum / x.Length) + epsilon;
    }

    /// <summary>
    /// x̂ = (x − mean)·invSqrt (LayerNorm) or x·invSqrt (RMSNorm), without γ and β; when the model keeps its norm
    /// affine unfolded (the baseline), the encrypted side applies it.
    /// </summary>
    public static void Normalize(ReadOnlySpan<double> x, Span<double> output, NormKind kind, double inverseSqrt)
    {
        double mean = 0;
        if (kind == NormKind.LayerNorm)
        {
            foreach (double v in x)
            {
                mean += v;
            }
            mean /= x.Length;
        }
        for (int i = 0; i < x.Length; i++)
        {
            output[i] = (x[i] - mean) * inverseSqrt;
        }
    }

    /// <summary>The MLP activation: SiLU(gate)⊙up (Llama) or GELU(up) (GPT-2), into <paramref name="output"/>.</summary>
    public static void Activate(ReadOnlySpan<double> gate, ReadOnlySpan<double> up, Span<double> output, bool gated, NonLinearFunctions functions, int layer)
    {
        ArgumentNullException.ThrowIfNull(functions);
        for (int i = 0; i < up.Length; i++)
        {
            output[i] = gated ? functions.Silu(gate[i], layer) * up[i] : functions.Gelu(up[i], layer);
        }
    }

    /// <summary>
    /// Logits from the normalised final hidden state x̂: LM·x̂ (+ folded bias) when the final affine is folded, else
    /// LM·(x̂⊙γ + β).
    /// </summary>
    public static void Logits(SqueezedModel model, ReadOnlySpan<double> normalized, Span<double> logits)
    {
        ArgumentNullException.ThrowIfNull(model);
        int d = model.Config.HiddenSize, vocab = model.Config.VocabSize;
        Span<double> input = stackalloc double[d];
        normalized.CopyTo(input);
        if (!model.Fusion.FoldNormAffine)
        {
            float[] gamma = model.Tensor("final_norm.weight").Data;
            float[]? beta = model.TryTensor("final_norm.bias")?.Data;
            for (int i = 0; i < d; i++)
            {
                input[i] = (input[i] * gamma[i]) + (beta?[i] ?? 0);
            }
        }
        float[] head = model.Tensor("lm_head.weight").Data;
        float[]? bias = model.TryTensor("lm_head.bias")?.Data;
        for (int v = 0; v < vocab; v++)
        {
            double s = bias?[v] ?? 0;
            ReadOnlySpan<float> row = head.AsSpan(v * d, d);
            for (int i = 0; i < d; i++)
            {
                s += row[i] * input[i];
            }
            logits[v] = s;
        }
    }

    /// <summary>Index of the largest logit (the first on ties), as greedy decoding picks.</summary>
    public static int ArgMax(ReadOnlySpan<double> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best])
            {
                best = i;
            }
        }
        return best;
    }

    /// <summary>−log softmax(logits)[target].</summary>
    public static double NegativeLogLikelihood(ReadOnlySpan<double> logits, int target)
    {
        double max = double.NegativeInfinity;
        foreach (double v in logits)
        {
            max = Math.Max(max, v);
        }
        double sum = 0;
        foreach (double v in logits)
        {
            sum += Math.Exp(v - max);
        }
        return Math.Log(sum) + max - logits[target];
    }

    /// <summary>
    /// cos and sin of RoPE at <paramref name="position"/> for pair j (element j with j + headDim/2), computed in float32
    /// exactly as the inference engine's table (and llama2.c) does.
    /// </summary>
    public static (double[] Cos, double[] Sin) Rotary(int headDim, float theta, int position)
    {
        int half = headDim / 2;
        var cos = new double[half];
        var sin = new double[half];
        for (int j = 0; j < half; j++)
        {
            float frequency = 1.0f / MathF.Pow(theta, 2 * j / (float)headDim);
            float angle = position * frequency;
            cos[j] = MathF.Cos(angle);
            sin[j] = MathF.Sin(angle);
        }
        return (cos, sin);
    }

    /// <summary>Rotates every head of <paramref name="vector"/> (heads × headDim) by RoPE at a position, in the Hugging Face layout.</summary>
    public static void ApplyRotary(Span<double> vector, int headDim, double[] cos, double[] sin)
    {
        ArgumentNullException.ThrowIfNull(cos);
        ArgumentNullException.ThrowIfNull(sin);
        int half = headDim / 2;
        for (int head = 0; head + headDim <= vector.Length; head += headDim)
        {
            for (int j = 0; j < half; j++)
            {
                double x0 = vector[head + j], x1 = vector[head + j + half];
                vector[head + j] = (x0 * cos[j]) - (x1 * sin[j]);
                vector[head + j + half] = (x0 * sin[j]) + (x1 * cos[j]);
            }
        }
    }
}
