using System.Text.Json.Serialization;

namespace BasedAI.Squeezing.Polynomials;

/// <summary>The functions an encrypted pipeline replaces by polynomials.</summary>
public enum ApproximatedFunction
{
    /// <summary>e^x (softmax numerators).</summary>
    Exp,
    /// <summary>1/x (softmax denominator).</summary>
    Reciprocal,
    /// <summary>1/√x (norms).</summary>
    InverseSqrt,
    /// <summary>x·σ(x) (Llama's gate).</summary>
    Silu,
    /// <summary>GELU, tanh form (GPT-2).</summary>
    Gelu,
}

/// <summary>
/// A polynomial approximation of one function over a calibrated interval, in the Chebyshev basis (stable to fit and to
/// evaluate), with optional range reduction: e^x as p(x/2^k)^(2^k) (k squarings), and Newton refinement for 1/x
/// (y ← y(2 − xy)) and 1/√x (y ← y(3 − xy²)/2). Multiplicative depth is what an encrypted evaluation consumes.
/// </summary>
public sealed record Approximation
{
    /// <summary>The function approximated.</summary>
    public required ApproximatedFunction Function { get; init; }

    /// <summary>Lower end of the interval the polynomial is fitted on (after range reduction).</summary>
    public required double Lower { get; init; }

    /// <summary>Upper end of the fitted interval.</summary>
    public required double Upper { get; init; }

    /// <summary>Chebyshev coefficients c_0 … c_d of p(t) = Σ c_k T_k(t), t the interval mapped to [−1, 1].</summary>
    public required double[] Coefficients { get; init; }

    /// <summary>Squarings after the polynomial (e^x only): p is fitted to e^(x/2^k).</summary>
    public int Squarings { get; init; }

    /// <summary>Newton iterations after the polynomial (1/x and 1/√x only).</summary>
    public int NewtonIterations { get; init; }

    /// <summary>Largest absolute error measured over the calibrated input range.</summary>
    public double MaxAbsoluteError { get; init; }

    /// <summary>Largest error relative to |f(x)| for 1/x and 1/√x; relative to max |f| over the range for e^x, SiLU and GELU.</summary>
    public double MaxRelativeError { get; init; }

    /// <summary>Calibrated input range the errors were measured on (before range reduction).</summary>
    public double InputLower { get; init; }

    /// <summary>Upper end of the calibrated input range.</summary>
    public double InputUpper { get; init; }

    /// <summary>Polynomial degree.</summary>
    [JsonIgnore]
    public int Degree => Coefficients.Length - 1;

    /// <summary>
    /// Multiplicative depth of an encrypted evaluation: mapping x onto [−1, 1] (1), the Chebyshev powers up to T_d by
    /// doubling (⌈log2 d⌉), the weighted sum (1), then 1 per squaring and 2 (1/x) or 3 (1/√x) per Newton step.
    /// </summary>
    [JsonIgnore]
    public int Depth => 2 + (Degree <= 1 ? 0 : (int)Math.Ceiling(Math.Log2(Degree))) + Squarings +
        (NewtonIterations * (Function == ApproximatedFunction.InverseSqrt ? 3 : 2));

    /// <summary>Ciphertext–ciphertext multiplications an encrypted evaluation needs (Chebyshev powers, squarings, Newton steps).</summary>
    [JsonIgnore]
    public int CiphertextMultiplications => Math.Max(0, Degree - 1) + Squarings +
        (NewtonIterations * (Function == ApproximatedFunction.InverseSqrt ? 3 : 2));

    /// <summary>The approximation at <paramref name="x"/> (polynomial, then squarings or Newton steps).</summary>
    public double Evaluate(double x)
    {
        double reduced = Squarings > 0 ? x / (1 << Squarings) : x;
        double y = Chebyshev.Evaluate(Coefficients, Lower, Upper, reduced);
        for (int i = 0; i < Squarings; i++)
        {
            y *= y;
        }
        for (int i = 0; i < NewtonIterations; i++)
        {
            y = Function == ApproximatedFunction.InverseSqrt ? y * (3 - (x * y * y)) / 2 : y * (2 - (x * y));
        }
        return y;
    }

    /// <summary>The exact function.</summary>
    public static double Exact(ApproximatedFunction function, double x) => function switch
    {
        ApproximatedFunction.Exp => Math.Exp(x),
        ApproximatedFunction.Reciprocal => 1 / x,
        ApproximatedFunction.InverseSqrt => 1 / Math.Sqrt(x),
        ApproximatedFunction.Silu => x / (1 + Math.Exp(-x)),
        ApproximatedFunction.Gelu => 0.5 * x * (1 + Math.Tanh(0.7978845608028654 * (x + (0.044715 * x * x * x)))),
        _ => throw new ArgumentOutOfRangeException(nameof(function), function, "unknown function"),
    };

    /// <summary>
    /// Fits <paramref name="function"/> over the input range [<paramref name="lower"/>, <paramref name="upper"/>]: the
    /// lowest degree (up to <paramref name="maxDegree"/>) whose relative error is within <paramref name="tolerance"/>,
    /// with range reduction for e^x and Newton steps for 1/x and 1/√x when the polynomial alone cannot get there (unless
    /// <paramref name="refinements"/> is false: then a plain Chebyshev series, as the encrypted evaluator runs).
    /// </summary>
    public static Approximation Fit(ApproximatedFunction function, double lower, double upper, double tolerance, int maxDegree = 31, bool refinements = true)
    {
        if (!double.IsFinite(lower) || !double.IsFinite(upper) || !(upper > lower))
        {
            throw new ArgumentException($"cannot fit {function} on [{lower}, {upper}]: the interval must be finite and non-empty");
        }
        if (function is ApproximatedFunction.Reciprocal or ApproximatedFunction.InverseSqrt && !(lower > 0))
        {
            throw new ArgumentException($"cannot fit {function} on [{lower}, {upper}]: the interval must be positive");
        }
        if (!(tolerance > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "the tolerance must be positive");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDegree, 1);
        int[] degrees = [1, 2, 3, 4, 5, 7, 8, 11, 15, 16, 23, 31, 32, 47, 63];
        int[] squaringsToTry = refinements && function == ApproximatedFunction.Exp ? [0, 1, 2, 3, 4, 5, 6, 7, 8] : [0];
        int[] newtonToTry = refinements && function is ApproximatedFunction.Reciprocal or ApproximatedFunction.InverseSqrt ? [0, 1, 2, 3, 4] : [0];
        Approximation? best = null;
        foreach (int squarings in squaringsToTry)
        {
            foreach (int newton in newtonToTry)
            {
                foreach (int degree in degrees.Where(d => d <= maxDegree))
                {
                    Approximation candidate = Build(function, lower, upper, degree, squarings, newton);
                    if (best == null || Better(candidate, best, tolerance))
                    {
                        best = candidate;
                    }
                    if (candidate.MaxRelativeError <= tolerance)
                    {
                        break;
                    }
                }
            }
        }
        return best!;
    }

    private static bool Better(Approximation candidate, Approximation best, double tolerance)
    {
        bool candidateOk = candidate.MaxRelativeError <= tolerance, bestOk = best.MaxRelativeError <= tolerance;
        if (candidateOk != bestOk)
        {
            return candidateOk;
        }
        if (candidateOk)
        {
            return candidate.Depth < best.Depth || (candidate.Depth == best.Depth && candidate.CiphertextMultiplications < best.CiphertextMultiplications);
        }
        return candidate.MaxRelativeError < best.MaxRelativeError;
    }

    /// <summary>Fits at a fixed degree, range reduction and Newton count, and measures the errors.</summary>
    public static Approximation Build(ApproximatedFunction function, double lower, double upper, int degree, int squarings = 0, int newtonIterations = 0)
    {
        double scale = squarings > 0 ? 1 << squarings : 1;
        double fitLower = lower / scale, fitUpper = upper / scale;
        double[] coefficients = Chebyshev.Interpolate(x => Exact(function, x), fitLower, fitUpper, degree);
        var approximation = new Approximation
        {
            Function = function,
            Lower = fitLower,
            Upper = fitUpper,
            Coefficients = coefficients,
            Squarings = squarings,
            NewtonIterations = newtonIterations,
            InputLower = lower,
            InputUpper = upper,
        };
        (double absolute, double relative) = approximation.MeasureError(lower, upper);
        return approximation with { MaxAbsoluteError = absolute, MaxRelativeError = relative };
    }

    /// <summary>Largest absolute and relative errors over [lower, upper] on a dense grid.</summary>
    public (double Absolute, double Relative) MeasureError(double lower, double upper, int points = 2001)
    {
        bool signed = Function is ApproximatedFunction.Exp or ApproximatedFunction.Silu or ApproximatedFunction.Gelu;
        double magnitude = 0;
        if (signed)
        {
            for (int i = 0; i < points; i++)
            {
                double x = lower + ((upper - lower) * i / (points - 1));
                magnitude = Math.Max(magnitude, Math.Abs(Exact(Function, x)));
            }
            magnitude = Math.Max(magnitude, 1e-12);
        }
        double maxAbsolute = 0, maxRelative = 0;
        for (int i = 0; i < points; i++)
        {
            double x = lower + ((upper - lower) * i / (points - 1));
            double exact = Exact(Function, x), error = Math.Abs(Evaluate(x) - exact);
            if (!double.IsFinite(error))
            {
                return (double.PositiveInfinity, double.PositiveInfinity);
            }
            maxAbsolute = Math.Max(maxAbsolute, error);
            maxRelative = Math.Max(maxRelative, error / (signed ? magnitude : Math.Abs(exact)));
        }
        return (maxAbsolute, maxRelative);
    }
}

/// <summary>Chebyshev interpolation and Clenshaw evaluation on an interval.</summary>
public static class Chebyshev
{
    /// <summary>Coefficients of the degree-<paramref name="degree"/> interpolant of f at the Chebyshev nodes of [a, b].</summary>
    public static double[] Interpolate(Func<double, double> f, double a, double b, int degree)
    {
        ArgumentNullException.ThrowIfNull(f);
        ArgumentOutOfRangeException.ThrowIfNegative(degree);
        int n = degree + 1;
        var values = new double[n];
        for (int j = 0; j < n; j++)
        {
            double t = Math.Cos(Math.PI * (j + 0.5) / n);
            values[j] = f((0.5 * (b - a) * t) + (0.5 * (b + a)));
        }
        var coefficients = new double[n];
        for (int k = 0; k < n; k++)
        {
            double sum = 0;
            for (int j = 0; j < n; j++)
            {
                sum += values[j] * Math.Cos(Math.PI * k * (j + 0.5) / n);
            }
            coefficients[k] = (k == 0 ? 1.0 : 2.0) * sum / n;
        }
        return coefficients;
    }

    /// <summary>Σ c_k T_k(t) with t = (2x − a − b)/(b − a), by Clenshaw's recurrence.</summary>
    public static double Evaluate(ReadOnlySpan<double> coefficients, double a, double b, double x)
    {
        double t = ((2 * x) - a - b) / (b - a);
        double b1 = 0, b2 = 0;
        for (int k = coefficients.Length - 1; k >= 1; k--)
        {
            double next = (2 * t * b1) - b2 + coefficients[k];
            b2 = b1;
            b1 = next;
        }
        return (t * b1) - b2 + (coefficients.IsEmpty ? 0 : coefficients[0]);
    }
}
