using BasedAI.Squeezing.Polynomials;

namespace BasedAI.Squeezing.Evaluation;

/// <summary>Which norm a function call belongs to (each has its own calibrated range).</summary>
public enum NormPosition
{
    /// <summary>The norm before attention.</summary>
    Attention,
    /// <summary>The norm before the MLP.</summary>
    Mlp,
    /// <summary>The norm after the last block.</summary>
    Final,
}

/// <summary>
/// The non-linear functions of a squeezed forward pass, exact or approximated; per layer because polynomial
/// approximations are fitted over each layer's calibrated range.
/// </summary>
public abstract class NonLinearFunctions
{
    /// <summary>The exact functions.</summary>
    public static NonLinearFunctions Exact { get; } = new ExactFunctions();

    /// <summary>1/√v of a norm's argument (mean square or variance plus ε).</summary>
    public abstract double InverseSqrt(double value, int layer, NormPosition position);

    /// <summary>Softmax of one head's causal scores in place.</summary>
    public abstract void Softmax(Span<double> scores, int layer);

    /// <summary>SiLU (Llama's gate).</summary>
    public abstract double Silu(double value, int layer);

    /// <summary>GELU, tanh form (GPT-2).</summary>
    public abstract double Gelu(double value, int layer);

    /// <summary>Exact SiLU.</summary>
    public static double ExactSilu(double x) => x / (1 + Math.Exp(-x));

    /// <summary>Exact GELU (tanh approximation, GPT-2's gelu_new).</summary>
    public static double ExactGelu(double x) => 0.5 * x * (1 + Math.Tanh(0.7978845608028654 * (x + (0.044715 * x * x * x))));

    /// <summary>Exact softmax in place.</summary>
    public static void ExactSoftmax(Span<double> scores)
    {
        if (scores.IsEmpty)
        {
            return;
        }
        double max = double.NegativeInfinity;
        foreach (double s in scores)
        {
            max = Math.Max(max, s);
        }
        double sum = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            scores[i] = Math.Exp(scores[i] - max);
            sum += scores[i];
        }
        for (int i = 0; i < scores.Length; i++)
        {
            scores[i] /= sum;
        }
    }

    private sealed class ExactFunctions : NonLinearFunctions
    {
        public override double InverseSqrt(double value, int layer, NormPosition position) => 1 / Math.Sqrt(value);

        public override void Softmax(Span<double> scores, int layer) => ExactSoftmax(scores);

        public override double Silu(double value, int layer) => ExactSilu(value);

        public override double Gelu(double value, int layer) => ExactGelu(value);
    }
}

/// <summary>
/// The functions as a fully encrypted pipeline computes them: every one a polynomial fitted over its calibrated range
/// (<see cref="PolynomialSet"/>), softmax as exp(s − c) with a calibrated shift c, divided by a polynomial reciprocal of
/// the sum. Inputs outside a fitted range are evaluated anyway, as the encrypted evaluation would.
/// </summary>
public sealed class PolynomialFunctions : NonLinearFunctions
{
    private readonly PolynomialSet _set;

    /// <summary>Evaluates the polynomials of <paramref name="set"/>.</summary>
    public PolynomialFunctions(PolynomialSet set) => _set = set ?? throw new ArgumentNullException(nameof(set));

    /// <inheritdoc />
    public override double InverseSqrt(double value, int layer, NormPosition position) => _set.InverseSqrt(layer, position).Evaluate(value);

    /// <inheritdoc />
    public override void Softmax(Span<double> scores, int layer)
    {
        LayerSoftmax softmax = _set.Softmax[layer] ?? throw new InvalidOperationException($"layer {layer} has no softmax approximation");
        double sum = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            scores[i] = softmax.Exp.Evaluate(scores[i] - softmax.Shift);
            sum += scores[i];
        }
        double inverse = softmax.Reciprocal.Evaluate(sum);
        for (int i = 0; i < scores.Length; i++)
        {
            scores[i] *= inverse;
        }
    }

    /// <inheritdoc />
    public override double Silu(double value, int layer) => _set.Activation[layer].Evaluate(value);

    /// <inheritdoc />
    public override double Gelu(double value, int layer) => _set.Activation[layer].Evaluate(value);
}

/// <summary>
/// What full mode computes: the attention and MLP norms' inverse square roots and the MLP activation as the polynomials
/// the miner evaluates under encryption; the softmax exactly (the client keeps it: a polynomial softmax over the
/// calibrated score ranges does not work, see the report) and the final norm exactly (the client applies the LM head).
/// </summary>
public sealed class FullModeFunctions : NonLinearFunctions
{
    private readonly PolynomialSet _set;

    /// <summary>Full-mode functions from the fitted polynomials.</summary>
    public FullModeFunctions(PolynomialSet set) => _set = set ?? throw new ArgumentNullException(nameof(set));

    /// <inheritdoc />
    public override double InverseSqrt(double value, int layer, NormPosition position) =>
        position == NormPosition.Final ? 1 / Math.Sqrt(value) : _set.InverseSqrt(layer, position).Evaluate(value);

    /// <inheritdoc />
    public override void Softmax(Span<double> scores, int layer) => ExactSoftmax(scores);

    /// <inheritdoc />
    public override double Silu(double value, int layer) => _set.Activation[layer].Evaluate(value);

    /// <inheritdoc />
    public override double Gelu(double value, int layer) => _set.Activation[layer].Evaluate(value);
}
