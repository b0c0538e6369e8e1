using System.Text.Json.Serialization;

namespace BasedAI.Squeezing.Quantization;

/// <summary>
/// Settings of dynamic quantization with adaptive scaling (paper §5.1 and its pseudocode: 256 levels, threshold 0.1,
/// factor 0.5).
/// </summary>
public sealed record QuantizationSettings
{
    /// <summary>The paper's defaults: L = 256, T = 0.1, α = 0.5.</summary>
    public static QuantizationSettings PaperDefault { get; } = new();

    /// <summary>Number of quantization levels L per sample.</summary>
    public int Levels { get; init; } = 256;

    /// <summary>Threshold T on a sample's standard deviation σ_i.</summary>
    public double Threshold { get; init; } = 0.1;

    /// <summary>Scaling factor α: samples with σ_i &gt; T are scaled by α, the others by 1/α.</summary>
    public double Alpha { get; init; } = 0.5;

    /// <summary>Checks the values; throws <see cref="ArgumentException"/> naming the bad one.</summary>
    public void Validate()
    {
        if (Levels < 2)
        {
            throw new ArgumentException($"quantization needs at least 2 levels, got {Levels}");
        }
        if (!(Threshold >= 0) || double.IsInfinity(Threshold))
        {
            throw new ArgumentException($"the adaptive-scaling threshold must be a finite number ≥ 0, got {Threshold}");
        }
        if (!(Alpha > 0) || double.IsInfinity(Alpha))
        {
            throw new ArgumentException($"the adaptive-scaling factor must be a finite number > 0, got {Alpha}");
        }
    }
}

/// <summary>What quantizing one sample did: its σ_i, the adaptive factor S_i, and the step Q_i in scaled units.</summary>
/// <param name="Sigma">Standard deviation σ_i of the sample.</param>
/// <param name="Scale">Adaptive factor S_i (α or 1/α).</param>
/// <param name="Step">Quantization step Q_i of the scaled sample, (max_i − min_i)/(L − 1); 0 for a constant sample.</param>
/// <param name="Min">min_i of the scaled sample.</param>
public readonly record struct QuantizedSample(double Sigma, double Scale, double Step, double Min);

/// <summary>
/// Dynamic quantization with adaptive scaling (paper §5.1): for each sample i of an input X [N×M],
/// σ_i = sqrt(1/M Σ_j (x_ij − μ_i)²); S_i = α if σ_i &gt; T else 1/α; the scaled sample is mapped to L levels between its
/// min_i and max_i with step Q_i = (max_i − min_i)/(L − 1): q_ij = round((S_i·x_ij − min_i)/Q_i)·Q_i + min_i.
/// <para>
/// The paper's formula writes ⌊·⌋ but its text says "the nearest quantization level"; we round to nearest, which is
/// unbiased (⌊·⌋ shifts every value down by Q_i/2 on average). Dequantization divides by S_i
/// (<see cref="FakeQuantize"/> is the paper's §7.2.2 <c>Q⁻¹(Q(x))</c>, used by the quantization-aware evaluation mode).
/// Because min–max quantization is scale-equivariant, S_i does not change the dequantized values: it changes the
/// magnitude that is encrypted, which is what the CKKS scale per site is chosen against.
/// </para>
/// </summary>
public static class AdaptiveQuantizer
{
    /// <summary>σ_i of one sample.</summary>
    public static double Sigma(ReadOnlySpan<double> sample)
    {
        if (sample.IsEmpty)
        {
            return 0;
        }
        double mean = 0;
        foreach (double v in sample)
        {
            mean += v;
        }
        mean /= sample.Length;
        double variance = 0;
        foreach (double v in sample)
        {
            variance += (v - mean) * (v - mean);
        }
        return Math.Sqrt(variance / sample.Length);
    }

    /// <summary>S_i for a sample of standard deviation <paramref name="sigma"/>.</summary>
    public static double AdaptiveScale(double sigma, QuantizationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return sigma > settings.Threshold ? settings.Alpha : 1 / settings.Alpha;
    }

    /// <summary>
    /// Scales and quantizes one sample in place: <paramref name="sample"/> becomes the quantized scaled values
    /// q_ij (still multiplied by S_i). Returns σ_i, S_i, Q_i and min_i.
    /// </summary>
    public static QuantizedSample Quantize(Span<double> sample, QuantizationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        double sigma = Sigma(sample);
        double scale = AdaptiveScale(sigma, settings);
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        for (int j = 0; j < sample.Length; j++)
        {
            double v = sample[j] * scale;
            sample[j] = v;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        if (sample.IsEmpty)
        {
            return new QuantizedSample(0, scale, 0, 0);
        }
        double step = (max - min) / (settings.Levels - 1);
        if (!(step > 0))
        {
            return new QuantizedSample(sigma, scale, 0, min);
        }
        for (int j = 0; j < sample.Length; j++)
        {
            double level = Math.Round((sample[j] - min) / step, MidpointRounding.ToEven);
            sample[j] = (level * step) + min;
        }
        return new QuantizedSample(sigma, scale, step, min);
    }

    /// <summary>Quantize then dequantize in place (<c>Q⁻¹(Q(x))</c>): the values the quantized pipeline actually carries.</summary>
    public static QuantizedSample FakeQuantize(Span<double> sample, QuantizationSettings settings)
    {
        QuantizedSample result = Quantize(sample, settings);
        double inverse = 1 / result.Scale;
        for (int j = 0; j < sample.Length; j++)
        {
            sample[j] *= inverse;
        }
        return result;
    }

    /// <summary>Quantizes every row of a row-major [rows, width] matrix in place (dequantized) and returns per-row results.</summary>
    public static QuantizedSample[] FakeQuantizeRows(Span<double> values, int width, QuantizationSettings settings)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (values.Length % width != 0)
        {
            throw new ArgumentException($"{values.Length} values are not whole rows of {width}", nameof(values));
        }
        var results = new QuantizedSample[values.Length / width];
        for (int r = 0; r < results.Length; r++)
        {
            results[r] = FakeQuantize(values.Slice(r * width, width), settings);
        }
        return results;
    }
}

/// <summary>How the values of one client-encrypted site are quantized and encoded.</summary>
public sealed record SiteQuantization
{
    /// <summary>Quantization settings, or null when the site carries full-precision values.</summary>
    [JsonPropertyName("quantization")]
    public QuantizationSettings? Settings { get; init; }

    /// <summary>log2 of the CKKS scale the client encodes the site at.</summary>
    public double ScaleBits { get; init; }

    /// <summary>Largest magnitude the site carries after adaptive scaling (from calibration, with margin).</summary>
    public double Magnitude { get; init; }

    /// <summary>Bits of precision the site needs: log2(magnitude / (Q/2)) for quantized sites.</summary>
    public double PrecisionBits { get; init; }
}
