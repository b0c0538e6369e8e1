using System.Globalization;
using System.Text;
using System.Text.Json;
using BasedAI.Squeezing.Calibration;
using BasedAI.Squeezing.Evaluation;
using BasedAI.Squeezing.Planning;
using BasedAI.Squeezing.Polynomials;
using BasedAI.Squeezing.Quantization;

namespace BasedAI.Squeezing.Reporting;

/// <summary>What happened to one head.</summary>
public sealed record HeadDecision
{
    /// <summary>The head's ablation scores.</summary>
    public required HeadScore Score { get; init; }

    /// <summary>Whether it is kept.</summary>
    public required bool Kept { get; init; }

    /// <summary>Why it was kept or removed.</summary>
    public required string Reason { get; init; }
}

/// <summary>Quantization chosen for one kind of client site.</summary>
public sealed record SiteChoice
{
    /// <summary>The site.</summary>
    public required SqueezeSite Site { get; init; }

    /// <summary>Settings applied, or null for full precision.</summary>
    public QuantizationSettings? Settings { get; init; }

    /// <summary>Calibration agreement when only this site is quantized at the requested levels.</summary>
    public required double IsolatedAgreement { get; init; }

    /// <summary>Bits of precision the site carries: log2(max |x| / (Q/2)).</summary>
    public required double PrecisionBits { get; init; }
}

/// <summary>One plan's summary for the before/after comparison.</summary>
public sealed record PlanSummary
{
    /// <summary>"unsqueezed" or "squeezed".</summary>
    public required string Name { get; init; }

    /// <summary>CKKS parameters.</summary>
    public required CkksSettings Ckks { get; init; }

    /// <summary>Predicted per-token cost.</summary>
    public required PlanCost Cost { get; init; }

    /// <summary>Number of distinct rotation steps (Galois keys the client generates).</summary>
    public required int RotationKeys { get; init; }

    /// <summary>Kept heads.</summary>
    public required int KeptHeads { get; init; }

    /// <summary>Plaintext-reference quality on held-out text (the encrypted run adds noise on top).</summary>
    public required QualityMetrics Quality { get; init; }

    /// <summary>Quality measured under encryption, when an encrypted evaluation was run.</summary>
    public QualityMetrics? EncryptedQuality { get; set; }

    /// <summary>Measured seconds per token under encryption, when run.</summary>
    public double? MeasuredSecondsPerToken { get; set; }
}

/// <summary>Range of one site in one layer.</summary>
public sealed record RangeEntry(SqueezeSite Site, int Layer, double Min, double Max, double StandardDeviation, double MeanRowSigma);

/// <summary>Everything the compiler decided and measured.</summary>
public sealed record SqueezeReport
{
    /// <summary>Model summary, e.g. "llama, 5 layers, 8 heads of 8, d=64".</summary>
    public required string Model { get; init; }

    /// <summary>Calibration tokens.</summary>
    public required int CalibrationTokens { get; init; }

    /// <summary>Held-out tokens.</summary>
    public required int HeldOutTokens { get; init; }

    /// <summary>Head threshold θ.</summary>
    public required double Theta { get; init; }

    /// <summary>Compute budget C_max (cost units per token), or null.</summary>
    public double? Budget { get; init; }

    /// <summary>Minimum calibration agreement the squeezer keeps.</summary>
    public required double MinAgreement { get; init; }

    /// <summary>Unablated calibration loss.</summary>
    public required double BaseLoss { get; init; }

    /// <summary>Every head's scores and fate.</summary>
    public required IReadOnlyList<HeadDecision> Heads { get; init; }

    /// <summary>Note on the budget (met, or why not).</summary>
    public required string BudgetNote { get; init; }

    /// <summary>Quantization per client site.</summary>
    public required IReadOnlyList<SiteChoice> Quantization { get; init; }

    /// <summary>Calibration agreement with every chosen quantization applied (quantization-aware evaluation).</summary>
    public required double QuantizedCalibrationAgreement { get; init; }

    /// <summary>Activation ranges of the squeezed model on the calibration corpus.</summary>
    public required IReadOnlyList<RangeEntry> Ranges { get; init; }

    /// <summary>The baseline and the squeezed plan.</summary>
    public required IReadOnlyList<PlanSummary> Plans { get; init; }

    /// <summary>Polynomial approximations for full mode (where and how good).</summary>
    public required IReadOnlyList<PolynomialEntry> Polynomials { get; init; }

    /// <summary>Original model's held-out perplexity.</summary>
    public required double OriginalPerplexity { get; init; }

    /// <summary>Full mode: its plan and quality, and why it is a reduced configuration.</summary>
    public required FullModeSummary FullMode { get; init; }

    /// <summary>JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, SqueezeJson.Options);

    /// <summary>Reads a report.</summary>
    public static SqueezeReport Parse(string json) =>
        JsonSerializer.Deserialize<SqueezeReport>(json, SqueezeJson.Options) ?? throw new InvalidDataException("the report is null");

    /// <summary>Markdown text for people.</summary>
    public string ToMarkdown()
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        text.AppendLine(c, $"# Cerberus Squeezing report: {Model}");
        text.AppendLine();
        text.AppendLine(c, $"Calibration: {CalibrationTokens} tokens; held-out: {HeldOutTokens} tokens; θ = {Theta}; C_max = {(Budget is { } b ? b.ToString("0.###", c) : "none")}; minimum calibration agreement {MinAgreement}.");
        text.AppendLine();
        text.AppendLine("## Before / after");
        text.AppendLine();
        text.AppendLine("| | unsqueezed | squeezed |");
        text.AppendLine("|---|---|---|");
        PlanSummary before = Plans[0], after = Plans[^1];
        void Row(string name, Func<PlanSummary, string> value) => text.AppendLine(c, $"| {name} | {value(before)} | {value(after)} |");
        Row("CKKS", p => $"N={p.Ckks.PolyModulusDegree}, q=[{string.Join(",", p.Ckks.CoeffModulusBits)}] bits, {(p.Ckks.SecurityBits == 0 ? "INSECURE" : p.Ckks.SecurityBits + "-bit")}");
        Row("kept heads", p => p.KeptHeads.ToString(c));
        Row("depth between refreshes", p => p.Cost.Depth.ToString(c));
        Row("HE operations / token", p => p.Cost.Counts.Total.ToString(c));
        Row("rotations / token", p => p.Cost.Counts.Rotations.ToString(c));
        Row("relinearizations / token", p => p.Cost.Counts.Relinearizations.ToString(c));
        Row("plaintext mults / token", p => p.Cost.Counts.PlainMultiplications.ToString(c));
        Row("ciphertext mults / token", p => p.Cost.Counts.CiphertextMultiplications.ToString(c));
        Row("rescales / token", p => p.Cost.Counts.Rescales.ToString(c));
        Row("encodings / token", p => p.Cost.Counts.Encodings.ToString(c));
        Row("rotation keys", p => p.RotationKeys.ToString(c));
        Row("round trips / token", p => p.Cost.RoundTrips.ToString(c));
        Row($"predicted miner units / token (T={after.Cost.ContextLength})", p => p.Cost.MinerUnits.ToString("0.#", c));
        Row("predicted client units / token", p => p.Cost.ClientUnits.ToString("0.#", c));
        Row("predicted bytes / token", p => $"{(p.Cost.BytesToMiner + p.Cost.BytesToClient) / 1e6:0.##} MB");
        Row("top-1 agreement (plaintext reference)", p => p.Quality.Top1Agreement.ToString("0.0000", c));
        Row("perplexity (plaintext reference)", p => p.Quality.Perplexity.ToString("0.0000", c));
        Row("top-1 agreement (encrypted)", p => p.EncryptedQuality?.Top1Agreement.ToString("0.0000", c) ?? "not run");
        Row("measured s / token (encrypted)", p => p.MeasuredSecondsPerToken?.ToString("0.###", c) ?? "not run");
        text.AppendLine();
        text.AppendLine(c, $"Original held-out perplexity {OriginalPerplexity:0.0000}.");
        text.AppendLine();
        text.AppendLine("## Heads");
        text.AppendLine();
        text.AppendLine(c, $"Unablated calibration loss {BaseLoss:0.0000} nats. {BudgetNote}");
        text.AppendLine();
        text.AppendLine("| layer | head | S(h) = KL | Δ loss | top-1 change | kept | reason |");
        text.AppendLine("|---|---|---|---|---|---|---|");
        foreach (HeadDecision h in Heads)
        {
            text.AppendLine(c, $"| {h.Score.Layer} | {h.Score.Head} | {h.Score.Significance:0.00000} | {h.Score.LossIncrease:+0.0000;-0.0000} | {h.Score.TopOneChange:0.000} | {(h.Kept ? "yes" : "no")} | {h.Reason} |");
        }
        text.AppendLine();
        text.AppendLine("## Dynamic quantization (paper §5.1)");
        text.AppendLine();
        text.AppendLine("| site | levels L | T | α | isolated agreement | precision bits |");
        text.AppendLine("|---|---|---|---|---|---|");
        foreach (SiteChoice s in Quantization)
        {
            text.AppendLine(c, $"| {s.Site} | {s.Settings?.Levels.ToString(c) ?? "off"} | {s.Settings?.Threshold} | {s.Settings?.Alpha} | {s.IsolatedAgreement:0.0000} | {s.PrecisionBits:0.0} |");
        }
        text.AppendLine();
        text.AppendLine(c, $"Calibration agreement with all quantization applied: {QuantizedCalibrationAgreement:0.0000}.");
        text.AppendLine();
        text.AppendLine("## Full mode (reduced configuration)");
        text.AppendLine();
        PlanSummary full = FullMode.Plan;
        text.AppendLine(c, $"CKKS N={full.Ckks.PolyModulusDegree}, q=[{string.Join(",", full.Ckks.CoeffModulusBits)}] bits ({full.Ckks.CoeffModulusBits.Sum()} bits), {(full.Ckks.SecurityBits == 0 ? "INSECURE" : full.Ckks.SecurityBits + "-bit")}; depth {FullMode.Depth}; {full.Cost.Counts.Total} HE operations, {full.Cost.Counts.Rotations} rotations and {full.Cost.RoundTrips} round trips per token; {full.RotationKeys} rotation keys.");
        text.AppendLine(c, $"Held-out top-1 agreement (plaintext reference with the polynomials): {full.Quality.Top1Agreement:0.0000}, perplexity {full.Quality.Perplexity:0.0000}. With a polynomial softmax as well: agreement {FullMode.PolynomialSoftmaxQuality.Top1Agreement:0.0000}.");
        text.AppendLine();
        text.AppendLine(FullMode.Note);
        text.AppendLine();
        text.AppendLine("## Polynomial approximations (full mode)");
        text.AppendLine();
        text.AppendLine("| where | function | input range | degree | squarings | Newton | depth | max rel. error |");
        text.AppendLine("|---|---|---|---|---|---|---|---|");
        foreach (PolynomialEntry p in Polynomials)
        {
            Approximation a = p.Approximation;
            text.AppendLine(c, $"| {p.Where} | {a.Function} | [{a.InputLower:0.###}, {a.InputUpper:0.###}] | {a.Degree} | {a.Squarings} | {a.NewtonIterations} | {a.Depth} | {a.MaxRelativeError:0.###e0} |");
        }
        text.AppendLine();
        text.AppendLine("## Activation ranges (squeezed model, calibration)");
        text.AppendLine();
        text.AppendLine("| site | layer | min | max | σ | mean row σ |");
        text.AppendLine("|---|---|---|---|---|---|");
        foreach (RangeEntry r in Ranges)
        {
            text.AppendLine(c, $"| {r.Site} | {r.Layer} | {r.Min:0.###} | {r.Max:0.###} | {r.StandardDeviation:0.###} | {r.MeanRowSigma:0.###} |");
        }
        return text.ToString();
    }
}

/// <summary>What full mode costs and keeps, and what a fully polynomial softmax would do.</summary>
public sealed record FullModeSummary
{
    /// <summary>The full-mode plan.</summary>
    public required PlanSummary Plan { get; init; }

    /// <summary>Levels the deepest full-mode stage needs.</summary>
    public required int Depth { get; init; }

    /// <summary>Held-out quality with every polynomial of the softmax too (exp with a calibrated shift, reciprocal): why the client keeps the softmax.</summary>
    public required QualityMetrics PolynomialSoftmaxQuality { get; init; }

    /// <summary>Why full mode is a reduced configuration.</summary>
    public required string Note { get; init; }
}

/// <summary>A polynomial and where it is used.</summary>
/// <param name="Where">Layer and function.</param>
/// <param name="Approximation">The approximation.</param>
public sealed record PolynomialEntry(string Where, Approximation Approximation);
