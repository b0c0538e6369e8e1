using BasedAI.Inference.Model;
using BasedAI.Squeezing.Calibration;
using BasedAI.Squeezing.Evaluation;
using BasedAI.Squeezing.Fusion;
using BasedAI.Squeezing.Planning;
using BasedAI.Squeezing.Polynomials;
using BasedAI.Squeezing.Quantization;
using BasedAI.Squeezing.Reporting;

namespace BasedAI.Squeezing;

/// <summary>Options of <see cref="CerberusSqueezer"/>.</summary>
public sealed record SqueezeOptions
{
    /// <summary>Head significance threshold θ: heads with S(h) ≤ θ are removed (while quality allows).</summary>
    public double Theta { get; init; }

    /// <summary>Compute budget C_max in cost units per token (see <see cref="HeCostModel"/>), or null for none.</summary>
    public double? Budget { get; init; }

    /// <summary>Quantization of client-encrypted values (paper §5.1 defaults), or null for none.</summary>
    public QuantizationSettings? Quantization { get; init; } = QuantizationSettings.PaperDefault;

    /// <summary>Calibration top-1 agreement with the original that pruning and quantization must keep.</summary>
    public double MinAgreement { get; init; } = 0.995;

    /// <summary>Context length the per-token cost is computed at.</summary>
    public int ContextLength { get; init; } = 64;

    /// <summary>Force a polynomial modulus degree.</summary>
    public int? PolyModulusDegree { get; init; }

    /// <summary>Allow insecure parameters for a forced degree (tests only).</summary>
    public bool AllowInsecure { get; init; }

    /// <summary>Costs of primitives.</summary>
    public HeCostModel CostModel { get; init; } = HeCostModel.Default;

    /// <summary>Target relative error of the full-mode polynomial approximations.</summary>
    public double PolynomialTolerance { get; init; } = 1e-3;

    /// <summary>Bits of the working scale kept above the finest precision a site needs, for the encryption noise.</summary>
    public int NoiseMarginBits { get; init; } = 16;
}

/// <summary>Progress of a squeeze: the stage and how far it is (0–1).</summary>
/// <param name="Stage">What is running.</param>
/// <param name="Fraction">Completed fraction of that stage.</param>
public readonly record struct SqueezeProgress(string Stage, double Fraction);

/// <summary>The squeezed model, its plan, the unsqueezed baseline plan and the report.</summary>
public sealed class SqueezeResult
{
    /// <summary>Squeezed weights.</summary>
    public required SqueezedModel Model { get; init; }

    /// <summary>The squeezed model's hybrid plan.</summary>
    public required HePlan Plan { get; init; }

    /// <summary>The unsqueezed baseline's plan (all heads, no fusion, uncalibrated precision).</summary>
    public required HePlan BaselinePlan { get; init; }

    /// <summary>Polynomial approximations fitted for full mode.</summary>
    public required PolynomialSet Polynomials { get; init; }

    /// <summary>The report.</summary>
    public required SqueezeReport Report { get; init; }
}

/// <summary>
/// Cerberus Squeezing (paper §4–5, §7): calibrate on sample text, score heads by ablation and keep the significant ones
/// within the compute budget, choose the quantization and CKKS precision per site, fuse operations, fit the polynomial
/// approximations, and compile the HE execution plan, reporting cost and quality before and after.
/// </summary>
public static class CerberusSqueezer
{
    /// <summary>Squeezes <paramref name="model"/>.</summary>
    public static SqueezeResult Squeeze(TransformerModel model, CalibrationCorpus calibration, CalibrationCorpus heldOut, SqueezeOptions? options = null,
        IProgress<SqueezeProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(calibration);
        ArgumentNullException.ThrowIfNull(heldOut);
        options ??= new SqueezeOptions();
        options.Quantization?.Validate();
        if (!(options.MinAgreement is >= 0 and <= 1))
        {
            throw new ArgumentException($"the minimum agreement must be between 0 and 1, got {options.MinAgreement}");
        }
        TransformerConfig config = model.Config;
        void Report(string stage, double fraction) => progress?.Report(new SqueezeProgress(stage, fraction));

        Report("reference predictions", 0);
        int[][] calibrationPredictions = Quality.Original(model, calibration).Predictions;
        (int[][] heldOutPredictions, QualityMetrics original) = Quality.Original(model, heldOut);
        Report("reference predictions", 1);

        (IReadOnlyList<HeadScore> scores, double baseLoss) = HeadSignificance.Measure(model, calibration, progress == null ? null : new SyncProgress(f => Report("head significance", f)));

        SqueezedModel full = SqueezedModel.Build(model, SqueezedModel.AllHeads(config), FusionOptions.All);
        ActivationStatistics fullStats = Calibrate(full, calibration);
        (QuantizationMap quantization, List<SiteChoice> siteChoices, double quantizedAgreement) =
            ChooseQuantization(full, calibration, calibrationPredictions, fullStats, options, Report);
        PlanPrecision precision = ChoosePrecision(full, fullStats, quantization, options);

        (int[][] kept, List<HeadDecision> decisions, string budgetNote) =
            SelectHeads(model, scores, calibration, calibrationPredictions, precision, options, Report);
        SqueezedModel squeezed = SqueezedModel.Build(model, kept, FusionOptions.All);
        ActivationStatistics stats = Calibrate(squeezed, calibration);
        precision = ChoosePrecision(squeezed, stats, quantization, options);
        PolynomialSet polynomials = FitPolynomials(squeezed, stats, options.PolynomialTolerance);

        Report("compiling plans", 0);
        var planOptions = new PlanOptions { ContextLength = options.ContextLength, PolyModulusDegree = options.PolyModulusDegree, AllowInsecure = options.AllowInsecure, CostModel = options.CostModel };
        HePlan plan = HePlanCompiler.Compile(squeezed, precision, planOptions);
        SqueezedModel baseline = SqueezedModel.Build(model, SqueezedModel.AllHeads(config), FusionOptions.None);
        HePlan baselinePlan = HePlanCompiler.Compile(baseline, PlanPrecision.Uncalibrated, planOptions, squeezed: false);
        Report("compiling plans", 1);

        HePlan fullPlan = FullModeCompiler.Compile(squeezed, polynomials, FullModeCompiler.Precision(plan),
            new PlanOptions { ContextLength = options.ContextLength, CostModel = options.CostModel, AllowInsecure = options.AllowInsecure });
        Report("held-out quality", 0);
        QualityMetrics squeezedQuality = Quality.Measure(t => new SqueezedReference(squeezed, new ReferenceOptions { Quantization = quantization }).Run(t), heldOut, heldOutPredictions);
        QualityMetrics baselineQuality = Quality.Measure(t => new SqueezedReference(baseline).Run(t), heldOut, heldOutPredictions);
        QualityMetrics fullQuality = Quality.Measure(t => new SqueezedReference(squeezed, new ReferenceOptions { Functions = new FullModeFunctions(polynomials) }).Run(t), heldOut, heldOutPredictions);
        QualityMetrics polynomialSoftmax = Quality.Measure(t => new SqueezedReference(squeezed, new ReferenceOptions { Functions = new PolynomialFunctions(polynomials) }).Run(t), heldOut, heldOutPredictions);
        Report("held-out quality", 1);
        int fullDepth = fullPlan.Ckks.DataLevels - 1;

        var report = new SqueezeReport
        {
            Model = $"{config.Architecture.ToString().ToLowerInvariant()}, {config.LayerCount} layers, {config.HeadCount} heads of {config.HeadDim}, d={config.HiddenSize}, f={config.IntermediateSize}, vocab {config.VocabSize}",
            CalibrationTokens = calibration.TokenCount,
            HeldOutTokens = heldOut.TokenCount,
            Theta = options.Theta,
            Budget = options.Budget,
            MinAgreement = options.MinAgreement,
            BaseLoss = baseLoss,
            Heads = decisions,
            BudgetNote = budgetNote,
            Quantization = siteChoices,
            QuantizedCalibrationAgreement = quantizedAgreement,
            Ranges = stats.Sites.OrderBy(s => s.Key.Site).ThenBy(s => s.Key.Layer)
                .Select(s => new RangeEntry(s.Key.Site, s.Key.Layer, s.Value.Min, s.Value.Max, s.Value.StandardDeviation, s.Value.MeanRowSigma)).ToArray(),
            Plans =
            [
                Summary("unsqueezed", baselinePlan, baselineQuality),
                Summary("squeezed", plan, squeezedQuality),
            ],
            Polynomials = polynomials.All().Select(p => new PolynomialEntry(p.Where, p.Approximation)).ToArray(),
            OriginalPerplexity = original.Perplexity,
            FullMode = new FullModeSummary
            {
                Plan = Summary("full", fullPlan, fullQuality),
                Depth = fullDepth,
                PolynomialSoftmaxQuality = polynomialSoftmax,
                Note = $"Reduced configuration: the miner evaluates every norm and the MLP activation as polynomials under encryption; the client keeps the softmax and the residual stream. " +
                    $"A softmax without a per-row maximum needs exp(s − c) with a calibrated shift and 1/Σ over the calibrated denominators, which span {DenominatorRange(stats, squeezed)}; " +
                    $"no polynomial covers that, and held-out agreement with it falls to {polynomialSoftmax.Top1Agreement:0.0000}. Without bootstrapping the chain must hold the deepest stage ({fullDepth} levels, " +
                    $"{fullPlan.Ckks.CoeffModulusBits.Sum()} bits), which needs N={fullPlan.Ckks.PolyModulusDegree} at 128-bit security.",
            },
        };
        return new SqueezeResult { Model = squeezed, Plan = plan, BaselinePlan = baselinePlan, Polynomials = polynomials, Report = report };
    }

    private static string DenominatorRange(ActivationStatistics stats, SqueezedModel model)
    {
        double widest = 0;
        for (int l = 0; l < model.Config.LayerCount; l++)
        {
            SiteStatistics lse = stats[SqueezeSite.ScoreLogSumExp, l];
            if (lse.Rows > 0)
            {
                widest = Math.Max(widest, lse.Max - lse.Min);
            }
        }
        return $"a factor of e^{widest:0.#} ≈ 10^{widest / Math.Log(10):0}";
    }

    private static PlanSummary Summary(string name, HePlan plan, QualityMetrics quality) => new()
    {
        Name = name,
        Ckks = plan.Ckks,
        Cost = plan.Cost,
        RotationKeys = plan.RotationSteps.Length,
        KeptHeads = plan.Model.KeptHeads.Sum(h => h.Length),
        Quality = quality,
    };

    /// <summary>Activation statistics of <paramref name="model"/> over the corpus (no quantization).</summary>
    public static ActivationStatistics Calibrate(SqueezedModel model, CalibrationCorpus corpus)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(corpus);
        var stats = new ActivationStatistics();
        var reference = new SqueezedReference(model, new ReferenceOptions { Statistics = stats });
        foreach (int[] tokens in corpus.Sequences)
        {
            reference.Run(tokens);
        }
        return stats;
    }

    private static double Agreement(SqueezedModel model, QuantizationMap quantization, CalibrationCorpus corpus, int[][] predictions) =>
        Quality.Measure(t => new SqueezedReference(model, new ReferenceOptions { Quantization = quantization }).Run(t), corpus, predictions).Top1Agreement;

    /// <summary>
    /// Quantizes every client site at the requested levels; while calibration agreement is below the minimum, doubles the
    /// levels of the site that hurts most on its own (up to 65536, then switches it off).
    /// </summary>
    private static (QuantizationMap Map, List<SiteChoice> Choices, double Agreement) ChooseQuantization(SqueezedModel model, CalibrationCorpus corpus,
        int[][] predictions, ActivationStatistics stats, SqueezeOptions options, Action<string, double> report)
    {
        int layers = model.Config.LayerCount;
        IReadOnlyList<SqueezeSite> sites = QuantizationMap.ClientSites;
        if (options.Quantization is not { } requested)
        {
            double agreement = Agreement(model, QuantizationMap.None, corpus, predictions);
            return (QuantizationMap.None, sites.Select(s => new SiteChoice { Site = s, IsolatedAgreement = agreement, PrecisionBits = 24 }).ToList(), agreement);
        }
        QuantizationMap Build(IReadOnlyDictionary<SqueezeSite, QuantizationSettings?> settings)
        {
            QuantizationMap map = QuantizationMap.None;
            foreach ((SqueezeSite site, QuantizationSettings? s) in settings)
            {
                for (int l = 0; l < layers; l++)
                {
                    if (model.KeptHeads[l].Length > 0 || site is SqueezeSite.MlpInput or SqueezeSite.MlpActivation)
                    {
                        map = map.With(site, l, s);
                    }
                }
            }
            return map;
        }
        var isolated = new Dictionary<SqueezeSite, double>();
        for (int i = 0; i < sites.Count; i++)
        {
            report("quantization sensitivity", (double)i / sites.Count);
            isolated[sites[i]] = Agreement(model, Build(new Dictionary<SqueezeSite, QuantizationSettings?> { [sites[i]] = requested }), corpus, predictions);
        }
        var current = sites.ToDictionary(s => s, s => (QuantizationSettings?)requested);
        double agreementNow = Agreement(model, Build(current), corpus, predictions);
        int round = 0;
        while (agreementNow < options.MinAgreement && current.Values.Any(v => v != null))
        {
            report("quantization precision", Math.Min(1, ++round / 8.0));
            SqueezeSite worst = current.Where(kv => kv.Value != null).OrderBy(kv => isolated[kv.Key]).First().Key;
            QuantizationSettings now = current[worst]!;
            current[worst] = now.Levels >= 65536 ? null : now with { Levels = now.Levels * 2 };
            isolated[worst] = current[worst] == null ? 1 : Agreement(model, Build(new Dictionary<SqueezeSite, QuantizationSettings?> { [worst] = current[worst] }), corpus, predictions);
            agreementNow = Agreement(model, Build(current), corpus, predictions);
        }
        report("quantization precision", 1);
        var choices = sites.Select(s => new SiteChoice
        {
            Site = s,
            Settings = current[s],
            IsolatedAgreement = isolated[s],
            PrecisionBits = PrecisionBits(stats, s, current[s], layers),
        }).ToList();
        return (Build(current), choices, agreementNow);
    }

    /// <summary>log2(max |x| / (Q/2)) over the site's layers, Q the quantization step; 24 bits for unquantized sites.</summary>
    private static double PrecisionBits(ActivationStatistics stats, SqueezeSite site, QuantizationSettings? settings, int layers)
    {
        if (settings == null)
        {
            return 24;
        }
        double bits = 0;
        for (int l = 0; l < layers; l++)
        {
            SiteStatistics s = stats[site, l];
            if (s.Rows == 0 || !(s.MaxRowRange > 0))
            {
                continue;
            }
            double halfStep = s.MaxRowRange / (settings.Levels - 1) / 2;
            bits = Math.Max(bits, Math.Log2(s.AbsMax / halfStep));
        }
        return bits;
    }

    /// <summary>
    /// The working scale: the finest precision a client site carries plus the noise margin (20…40 bits); the headroom:
    /// the largest magnitude decoded at the last level (scores, outputs, gate/up), with adaptive scaling and a 4× margin.
    /// </summary>
    private static PlanPrecision ChoosePrecision(SqueezedModel model, ActivationStatistics stats, QuantizationMap quantization, SqueezeOptions options)
    {
        int layers = model.Config.LayerCount;
        double finest = 0, largest = 1;
        var sites = new Dictionary<(SqueezeSite, int), SiteQuantization>();
        for (int l = 0; l < layers; l++)
        {
            foreach (SqueezeSite site in QuantizationMap.ClientSites)
            {
                if (!stats.Contains(site, l))
                {
                    continue;
                }
                QuantizationSettings? settings = quantization[site, l];
                double bits = PrecisionBits(stats, site, settings, layers);
                finest = Math.Max(finest, bits);
                double adaptive = settings == null ? 1 : Math.Max(settings.Alpha, 1 / settings.Alpha);
                sites[(site, l)] = new SiteQuantization { Settings = settings, Magnitude = stats[site, l].AbsMax * adaptive, PrecisionBits = bits };
            }
            double inputScale = quantization[SqueezeSite.AttentionInput, l] is { } a ? Math.Max(a.Alpha, 1 / a.Alpha) : 1;
            double mlpScale = quantization[SqueezeSite.MlpInput, l] is { } m ? Math.Max(m.Alpha, 1 / m.Alpha) : 1;
            double activationScale = quantization[SqueezeSite.MlpActivation, l] is { } act ? Math.Max(act.Alpha, 1 / act.Alpha) : 1;
            largest = Math.Max(largest, stats[SqueezeSite.Scores, l].AbsMax * inputScale * inputScale);
            largest = Math.Max(largest, stats[SqueezeSite.Query, l].AbsMax * inputScale);
            largest = Math.Max(largest, stats[SqueezeSite.Key, l].AbsMax * inputScale);
            largest = Math.Max(largest, stats[SqueezeSite.AttentionOutput, l].AbsMax);
            largest = Math.Max(largest, stats[SqueezeSite.Gate, l].AbsMax * mlpScale);
            largest = Math.Max(largest, stats[SqueezeSite.Up, l].AbsMax * mlpScale);
            largest = Math.Max(largest, stats[SqueezeSite.MlpOutput, l].AbsMax * activationScale);
        }
        int working = (int)Math.Clamp(Math.Ceiling(finest) + options.NoiseMarginBits, 20, 40);
        int headroom = (int)Math.Ceiling(Math.Log2(largest * 4)) + 1;
        var result = new Dictionary<(SqueezeSite, int), SiteQuantization>();
        foreach (var (key, site) in sites)
        {
            result[key] = site with { ScaleBits = working };
        }
        return new PlanPrecision { WorkingScaleBits = working, HeadroomBits = headroom, Sites = result };
    }

    /// <summary>
    /// Keeps heads with S(h) &gt; θ within the budget: heads are removed in increasing significance while S(h) ≤ θ or
    /// the plan's predicted cost exceeds C_max, unless removing one would bring calibration agreement below the minimum.
    /// </summary>
    private static (int[][] Kept, List<HeadDecision> Decisions, string BudgetNote) SelectHeads(TransformerModel model, IReadOnlyList<HeadScore> scores,
        CalibrationCorpus corpus, int[][] predictions, PlanPrecision precision, SqueezeOptions options, Action<string, double> report)
    {
        TransformerConfig config = model.Config;
        var kept = Enumerable.Range(0, config.LayerCount).Select(_ => new SortedSet<int>(Enumerable.Range(0, config.HeadCount))).ToArray();
        var reasons = new Dictionary<(int, int), string>();
        var planOptions = new PlanOptions { ContextLength = options.ContextLength, CostModel = options.CostModel, PolyModulusDegree = options.PolyModulusDegree, AllowInsecure = options.AllowInsecure };
        double Cost(SortedSet<int>[] heads) =>
            HePlanCompiler.Compile(SqueezedModel.Build(model, heads.Select(h => h.ToArray()).ToArray(), FusionOptions.All), precision, planOptions).Cost.MinerUnits;
        double cost = Cost(kept);
        string note = options.Budget is { } b0 && cost <= b0
            ? $"All heads fit the budget: predicted {cost:0.#} ≤ C_max {b0:0.#} units per token."
            : options.Budget == null ? $"No budget given; predicted cost {cost:0.#} units per token." : "";
        bool stopped = false;
        HeadScore[] order = scores.OrderBy(s => s.Significance).ToArray();
        for (int i = 0; i < order.Length; i++)
        {
            HeadScore h = order[i];
            bool byTheta = h.Significance <= options.Theta;
            bool byBudget = options.Budget is { } budget && cost > budget;
            if (stopped || (!byTheta && !byBudget))
            {
                reasons[(h.Layer, h.Head)] = stopped ? reasons.GetValueOrDefault((h.Layer, h.Head)) ?? "kept: quality floor reached" : $"kept: S(h) > θ" + (options.Budget != null ? " and within budget" : "");
                continue;
            }
            report("head selection", (double)i / order.Length);
            kept[h.Layer].Remove(h.Head);
            var candidate = SqueezedModel.Build(model, kept.Select(k => k.ToArray()).ToArray(), FusionOptions.All);
            double agreement = Agreement(candidate, QuantizationMap.None, corpus, predictions);
            if (agreement < options.MinAgreement)
            {
                kept[h.Layer].Add(h.Head);
                stopped = true;
                reasons[(h.Layer, h.Head)] = $"kept: removing it drops calibration top-1 agreement to {agreement:0.0000} < {options.MinAgreement}";
                if (byBudget)
                {
                    note = $"Budget not met: predicted {cost:0.#} > C_max {options.Budget:0.#} units per token, and removing the least significant remaining head would drop agreement below {options.MinAgreement}.";
                }
                continue;
            }
            cost = Cost(kept);
            reasons[(h.Layer, h.Head)] = byTheta ? $"removed: S(h) ≤ θ (agreement {agreement:0.0000})" : $"removed for the budget (agreement {agreement:0.0000}, cost now {cost:0.#})";
        }
        if (options.Budget is { } b && cost <= b && note.Length == 0)
        {
            note = $"Budget met: predicted {cost:0.#} ≤ C_max {b:0.#} units per token.";
        }
        report("head selection", 1);
        var decisions = scores.Select(s => new HeadDecision { Score = s, Kept = kept[s.Layer].Contains(s.Head), Reason = reasons[(s.Layer, s.Head)] }).ToList();
        return (kept.Select(k => k.ToArray()).ToArray(), decisions, note);
    }

    /// <summary>
    /// Fits every full-mode polynomial over the calibrated ranges (with margins). Norms and activations are plain Chebyshev
    /// series (what the encrypted evaluator runs); the softmax's exp and reciprocal may use range reduction and Newton steps.
    /// </summary>
    public static PolynomialSet FitPolynomials(SqueezedModel model, ActivationStatistics stats, double tolerance)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stats);
        int layers = model.Config.LayerCount;
        Approximation InverseSqrt(int layer)
        {
            SiteStatistics s = stats[SqueezeSite.NormArgument, layer];
            double lower = s.Rows == 0 ? 1e-3 : s.Min / 2, upper = s.Rows == 0 ? 10 : s.Max * 2;
            return Approximation.Fit(ApproximatedFunction.InverseSqrt, Math.Max(lower, 1e-6), Math.Max(upper, lower * 2), tolerance, refinements: false);
        }
        var softmax = new LayerSoftmax?[layers];
        var attentionNorm = new Approximation?[layers];
        var mlpNorm = new Approximation[layers];
        var activation = new Approximation[layers];
        bool gated = model.Config.Architecture == ModelArchitecture.Llama;
        for (int l = 0; l < layers; l++)
        {
            mlpNorm[l] = InverseSqrt(l);
            SiteStatistics act = stats[gated ? SqueezeSite.Gate : SqueezeSite.Up, l];
            double span = Math.Max(act.Max - act.Min, 1e-3);
            activation[l] = Approximation.Fit(gated ? ApproximatedFunction.Silu : ApproximatedFunction.Gelu, act.Min - (0.2 * span), act.Max + (0.2 * span), tolerance, refinements: false);
            if (model.KeptHeads[l].Length == 0)
            {
                continue;
            }
            attentionNorm[l] = InverseSqrt(l);
            SiteStatistics scores = stats[SqueezeSite.Scores, l], lse = stats[SqueezeSite.ScoreLogSumExp, l];
            double shift = stats[SqueezeSite.ScoreMaximum, l].Max;
            double lower = scores.Min - shift;
            var exp = Approximation.Fit(ApproximatedFunction.Exp, lower - (0.2 * Math.Abs(lower)) - 1, 0.5, tolerance);
            // Σ exp(s − c) spans exp(min LSE − c) … exp(max LSE − c); without a per-row maximum the low end can be
            // astronomically small, so the reciprocal is fitted over at most 2^14 below the top (rows below get a clipped 1/x).
            double high = Math.Max(Math.Exp(lse.Max - shift) * 2, 2);
            double low = Math.Max(Math.Exp(lse.Min - shift) / 2, high / 16384);
            var reciprocal = Approximation.Fit(ApproximatedFunction.Reciprocal, low, high, tolerance);
            softmax[l] = new LayerSoftmax { Shift = shift, Exp = exp, Reciprocal = reciprocal };
        }
        return new PolynomialSet { Softmax = softmax, AttentionNorm = attentionNorm, MlpNorm = mlpNorm, Activation = activation, FinalNorm = InverseSqrt(layers) };
    }

    private sealed class SyncProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
