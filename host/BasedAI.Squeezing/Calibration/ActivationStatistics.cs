using System.Text.Json.Serialization;

namespace BasedAI.Squeezing.Calibration;

/// <summary>
/// The values of a squeezed forward pass that calibration measures: what the client encrypts, what the miner computes
/// under encryption, and the inputs of every non-linear function (whose ranges the polynomial approximations cover).
/// </summary>
public enum SqueezeSite
{
    /// <summary>The residual stream entering a block (client side).</summary>
    Residual,
    /// <summary>Mean square (RMSNorm) or variance (LayerNorm) plus ε of a norm's input row: the inverse square root's argument.</summary>
    NormArgument,
    /// <summary>Normalised attention input without its affine part (folded into Q/K/V): what the client encrypts.</summary>
    AttentionInput,
    /// <summary>Queries after RoPE, with the attention scale folded in.</summary>
    Query,
    /// <summary>Keys after RoPE.</summary>
    Key,
    /// <summary>Values.</summary>
    Value,
    /// <summary>Attention scores q·k of one head and row (already divided by √headDim).</summary>
    Scores,
    /// <summary>Per row: the maximum score (what the exp approximation's shift must cover).</summary>
    ScoreMaximum,
    /// <summary>Per row: log Σ exp(score) (the softmax denominator's range).</summary>
    ScoreLogSumExp,
    /// <summary>Attention probabilities (softmax output): what the client encrypts in hybrid mode.</summary>
    Probabilities,
    /// <summary>Per-head attention context Σ p·v.</summary>
    Context,
    /// <summary>The attention block's output projection.</summary>
    AttentionOutput,
    /// <summary>Normalised MLP input without its affine part: what the client encrypts.</summary>
    MlpInput,
    /// <summary>Llama's gate pre-activation (SiLU input).</summary>
    Gate,
    /// <summary>The up projection (GPT-2: the GELU input).</summary>
    Up,
    /// <summary>The MLP activation SiLU(gate)⊙up or GELU(up): what the client encrypts for the down projection.</summary>
    MlpActivation,
    /// <summary>The MLP block's output projection.</summary>
    MlpOutput,
    /// <summary>Normalised final hidden state (input of the LM head).</summary>
    FinalInput,
}

/// <summary>Running statistics of one site in one layer: value range and moments, and per-row (per-sample) spread.</summary>
public sealed class SiteStatistics
{
    /// <summary>Values seen.</summary>
    public long Count { get; set; }

    /// <summary>Rows (samples) seen.</summary>
    public long Rows { get; set; }

    /// <summary>Smallest value.</summary>
    public double Min { get; set; } = double.PositiveInfinity;

    /// <summary>Largest value.</summary>
    public double Max { get; set; } = double.NegativeInfinity;

    /// <summary>Sum of the values.</summary>
    public double Sum { get; set; }

    /// <summary>Sum of the squared values.</summary>
    public double SumOfSquares { get; set; }

    /// <summary>Smallest per-row standard deviation σ_i.</summary>
    public double MinRowSigma { get; set; } = double.PositiveInfinity;

    /// <summary>Largest per-row standard deviation σ_i.</summary>
    public double MaxRowSigma { get; set; } = double.NegativeInfinity;

    /// <summary>Sum of the per-row standard deviations.</summary>
    public double SumRowSigma { get; set; }

    /// <summary>Largest per-row range (max − min within one row).</summary>
    public double MaxRowRange { get; set; }

    /// <summary>Largest magnitude.</summary>
    [JsonIgnore]
    public double AbsMax => Count == 0 ? 0 : Math.Max(Math.Abs(Min), Math.Abs(Max));

    /// <summary>Mean of the values.</summary>
    [JsonIgnore]
    public double Mean => Count == 0 ? 0 : Sum / Count;

    /// <summary>Standard deviation of all values.</summary>
    [JsonIgnore]
    public double StandardDeviation => Count == 0 ? 0 : Math.Sqrt(Math.Max(0, (SumOfSquares / Count) - (Mean * Mean)));

    /// <summary>Mean per-row standard deviation.</summary>
    [JsonIgnore]
    public double MeanRowSigma => Rows == 0 ? 0 : SumRowSigma / Rows;

    /// <summary>Adds one row (sample).</summary>
    public void AddRow(ReadOnlySpan<double> row)
    {
        if (row.IsEmpty)
        {
            return;
        }
        double sum = 0, sumSquares = 0, min = double.PositiveInfinity, max = double.NegativeInfinity;
        foreach (double v in row)
        {
            sum += v;
            sumSquares += v * v;
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        Count += row.Length;
        Rows++;
        Sum += sum;
        SumOfSquares += sumSquares;
        Min = Math.Min(Min, min);
        Max = Math.Max(Max, max);
        double mean = sum / row.Length;
        double sigma = Math.Sqrt(Math.Max(0, (sumSquares / row.Length) - (mean * mean)));
        MinRowSigma = Math.Min(MinRowSigma, sigma);
        MaxRowSigma = Math.Max(MaxRowSigma, sigma);
        SumRowSigma += sigma;
        MaxRowRange = Math.Max(MaxRowRange, max - min);
    }

    /// <summary>Adds one scalar sample (a row of one value).</summary>
    public void AddValue(double value) => AddRow([value]);
}

/// <summary>Statistics for every (site, layer) a forward pass reported; layer −1 for sites outside blocks.</summary>
public sealed class ActivationStatistics
{
    private readonly Dictionary<(SqueezeSite Site, int Layer), SiteStatistics> _sites = [];

    /// <summary>Every recorded (site, layer) and its statistics.</summary>
    public IReadOnlyDictionary<(SqueezeSite Site, int Layer), SiteStatistics> Sites => _sites;

    /// <summary>The statistics of one site and layer (empty statistics if never recorded).</summary>
    public SiteStatistics this[SqueezeSite site, int layer] => _sites.GetValueOrDefault((site, layer)) ?? new SiteStatistics();

    /// <summary>Whether anything was recorded for the site and layer.</summary>
    public bool Contains(SqueezeSite site, int layer) => _sites.ContainsKey((site, layer));

    /// <summary>Records one row of a site.</summary>
    public void Record(SqueezeSite site, int layer, ReadOnlySpan<double> row) => Get(site, layer).AddRow(row);

    /// <summary>Records one scalar of a site.</summary>
    public void Record(SqueezeSite site, int layer, double value) => Get(site, layer).AddValue(value);

    /// <summary>The statistics of one site pooled over every layer.</summary>
    public SiteStatistics Pooled(SqueezeSite site)
    {
        var pooled = new SiteStatistics();
        foreach (((SqueezeSite s, _), SiteStatistics stats) in _sites)
        {
            if (s != site || stats.Rows == 0)
            {
                continue;
            }
            pooled.Count += stats.Count;
            pooled.Rows += stats.Rows;
            pooled.Sum += stats.Sum;
            pooled.SumOfSquares += stats.SumOfSquares;
            pooled.Min = Math.Min(pooled.Min, stats.Min);
            pooled.Max = Math.Max(pooled.Max, stats.Max);
            pooled.MinRowSigma = Math.Min(pooled.MinRowSigma, stats.MinRowSigma);
            pooled.MaxRowSigma = Math.Max(pooled.MaxRowSigma, stats.MaxRowSigma);
            pooled.SumRowSigma += stats.SumRowSigma;
            pooled.MaxRowRange = Math.Max(pooled.MaxRowRange, stats.MaxRowRange);
        }
        return pooled;
    }

    private SiteStatistics Get(SqueezeSite site, int layer)
    {
        if (!_sites.TryGetValue((site, layer), out SiteStatistics? stats))
        {
            stats = new SiteStatistics();
            _sites[(site, layer)] = stats;
        }
        return stats;
    }
}
