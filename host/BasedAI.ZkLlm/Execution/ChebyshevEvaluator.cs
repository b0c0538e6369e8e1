using BasedAI.Squeezing.Polynomials;
using BasedAI.ZkLlm.Slots;

namespace BasedAI.ZkLlm.Execution;

/// <summary>
/// Evaluates a Chebyshev series slot-wise on an encrypted vector: t = α·x + β onto [−1, 1] (one level), the powers
/// T_k by doubling — T_2k = 2T_k² − 1, T_2k+1 = 2T_k·T_k+1 − T_1 — (⌈log2 d⌉ levels), then Σ c_k·T_k with every term
/// brought to one level and one scale by its constant's encoding scale (one level). Scales are tracked exactly:
/// nothing is rounded to a power of two.
/// </summary>
internal static class ChebyshevEvaluator
{
    /// <summary>p(multiplier·x + offset) at scale <paramref name="targetScale"/>, <see cref="Squeezing.Planning.PolynomialOp.DepthOf"/> levels below x.</summary>
    public static SlotValue Evaluate(IMinerEvaluator ev, IMinerBackend backend, SlotValue x, Approximation approximation, double multiplier, double offset, double targetScale)
    {
        double[] c = approximation.Coefficients;
        int degree = c.Length - 1;
        double alpha = 2 / (approximation.Upper - approximation.Lower), beta = -(approximation.Upper + approximation.Lower) / (approximation.Upper - approximation.Lower);
        SlotValue t = ev.Rescale(ev.MultiplyConstant(x, alpha * multiplier, backend.Prime(x.Level)));
        t = ev.AddConstant(t, (alpha * offset) + beta);
        if (degree < 1)
        {
            throw new InvalidDataException("a polynomial of degree 0 has no encrypted evaluation (fold the constant instead)");
        }
        var powers = new SlotValue[degree + 1];
        powers[1] = t;
        for (int k = 2; k <= degree; k++)
        {
            int a = k / 2, b = k - a;
            SlotValue product = Multiply(ev, powers[a], powers[b]);
            product = ev.Add(product, product);
            if (a == b)
            {
                product = ev.AddConstant(product, -1);
            }
            else
            {
                SlotValue one = Align(ev, t, product.Level, product.Scale);
                product = ev.Add(product, ev.MultiplyConstant(one, -1, 1));
            }
            powers[k] = ev.Rescale(product);
        }
        int lowest = powers.Skip(1).Min(p => p!.Level);
        double prime = backend.Prime(lowest);
        SlotValue? sum = null;
        for (int k = 1; k <= degree; k++)
        {
            SlotValue power = powers[k].Level == lowest ? powers[k] : ev.ModSwitch(powers[k], lowest);
            SlotValue term = ev.MultiplyConstant(power, c[k], targetScale * prime / power.Scale);
            sum = sum == null ? term : ev.Add(sum, term);
        }
        return ev.Rescale(ev.AddConstant(sum!, c[0]));
    }

    /// <summary>a ⊙ b at the lower of their levels, relinearized (not rescaled).</summary>
    private static SlotValue Multiply(IMinerEvaluator ev, SlotValue a, SlotValue b)
    {
        if (a.Level > b.Level)
        {
            a = ev.ModSwitch(a, b.Level);
        }
        else if (b.Level > a.Level)
        {
            b = ev.ModSwitch(b, a.Level);
        }
        return ev.Relinearize(ev.Multiply(a, b));
    }

    /// <summary>x brought to <paramref name="level"/> with scale <paramref name="scale"/> (a product's, before its rescale) by multiplying by 1.</summary>
    private static SlotValue Align(IMinerEvaluator ev, SlotValue x, int level, double scale)
    {
        SlotValue lowered = x.Level == level ? x : ev.ModSwitch(x, level);
        return ev.MultiplyConstant(lowered, 1, scale / lowered.Scale);
    }
}
