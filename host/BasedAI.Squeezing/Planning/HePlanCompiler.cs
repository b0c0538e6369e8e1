using BasedAI.Inference.Model;
using BasedAI.Squeezing.Calibration;
using BasedAI.Squeezing.Fusion;
using BasedAI.Squeezing.Quantization;

namespace BasedAI.Squeezing.Planning;

/// <summary>Precision a plan is compiled for: the working scale, the headroom above it, and each client site's encoding.</summary>
public sealed record PlanPrecision
{
    /// <summary>Default precision without calibration: 2^30 working scale, 10 bits of headroom, no quantization.</summary>
    public static PlanPrecision Uncalibrated { get; } = new() { WorkingScaleBits = 30, HeadroomBits = 10 };

    /// <summary>log2 of the working scale (also the size of the rescaling primes).</summary>
    public required int WorkingScaleBits { get; init; }

    /// <summary>Bits of q_0 above the working scale: the largest magnitude decoded at the last level, log2.</summary>
    public required int HeadroomBits { get; init; }

    /// <summary>Encoding of each client site by (site, layer); missing sites use the working scale without quantization.</summary>
    public IReadOnlyDictionary<(SqueezeSite Site, int Layer), SiteQuantization> Sites { get; init; } =
        new Dictionary<(SqueezeSite, int), SiteQuantization>();

    /// <summary>The encoding of one site.</summary>
    public SiteQuantization Site(SqueezeSite site, int layer) =>
        Sites.GetValueOrDefault((site, layer)) ?? new SiteQuantization { ScaleBits = WorkingScaleBits };
}

/// <summary>Options of plan compilation.</summary>
public sealed record PlanOptions
{
    /// <summary>Hybrid or full.</summary>
    public ExecutionMode Mode { get; init; } = ExecutionMode.Hybrid;

    /// <summary>Context length the reported per-token cost is computed at.</summary>
    public int ContextLength { get; init; } = 64;

    /// <summary>Force this polynomial modulus degree instead of the smallest secure one.</summary>
    public int? PolyModulusDegree { get; init; }

    /// <summary>
    /// Allow a chain above the 128-bit security bound of the forced degree. For tests and experiments only: the plan then
    /// records security 0 and the CKKS engine must be told to accept it.
    /// </summary>
    public bool AllowInsecure { get; init; }

    /// <summary>Costs of primitives.</summary>
    public HeCostModel CostModel { get; init; } = HeCostModel.Default;
}

/// <summary>
/// Compiles a <see cref="SqueezedModel"/> into an <see cref="HePlan"/>: the stages of one token with every operation,
/// its level and its rotation steps, a CKKS chain just deep enough (the smallest degree meeting 128-bit security with the
/// precision asked for), and the predicted cost. Fusions shape the program: packed K/V and gate/up products, RoPE folded
/// into the per-position query/key plaintexts, the norm affine and attention scale inside the weights; without them the
/// baseline program spends separate products, rotations and levels on each.
/// </summary>
public static class HePlanCompiler
{
    private static readonly int[] Degrees = [4096, 8192, 16384, 32768];

    /// <summary>Compiles the plan of <paramref name="model"/>.</summary>
    public static HePlan Compile(SqueezedModel model, PlanPrecision precision, PlanOptions? options = null, bool squeezed = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(precision);
        options ??= new PlanOptions();
        if (options.Mode != ExecutionMode.Hybrid)
        {
            throw new ArgumentException("this compiler emits hybrid programs; full mode is compiled by FullModeCompiler", nameof(options));
        }
        TransformerConfig config = model.Config;
        int hd = config.HeadDim;
        if (config.Architecture == ModelArchitecture.Llama && (hd & (hd - 1)) != 0)
        {
            throw new ArgumentException($"the encrypted attention sums within a head by rotations, which needs a power-of-two head width; got {hd}");
        }
        int blockWidth = SlotGeometry.PowerOfTwo(Math.Max(model.InputWidth, config.HeadCount * hd));
        int[] attentionBlocks = model.KeptHeads.Select(h => h.Length == 0 ? 0 : SlotGeometry.PowerOfTwo(h.Length * hd)).ToArray();
        FusionOptions fusion = model.Fusion;
        bool packed = fusion.PackProjections && fusion.FoldRotary;
        int levels = packed && fusion.FoldNormAffine && fusion.FoldAttentionScale ? 5 : BaselineLevels(model);
        CkksSettings ckks = ChooseChain(levels, precision, blockWidth, options);
        var stages = new List<HeStage>();
        for (int l = 0; l < config.LayerCount; l++)
        {
            var builder = new StageBuilder(model, precision, ckks, blockWidth, attentionBlocks[l], l);
            if (attentionBlocks[l] > 0)
            {
                stages.Add(fusion.FoldRotary && fusion.PackProjections && fusion.FoldNormAffine && fusion.FoldAttentionScale
                    ? builder.PackedAttentionScores() : builder.BaselineAttentionScores());
                stages.Add(builder.AttentionOutput(packed));
            }
            stages.Add(builder.MlpGateUp());
            stages.Add(builder.MlpOutput());
        }
        int[] steps = CollectSteps(stages, ckks.Slots);
        PlanCost cost = PlanCostCounter.Count(options.CostModel, ckks, blockWidth, attentionBlocks, stages, options.ContextLength);
        var plan = new HePlan
        {
            Mode = ExecutionMode.Hybrid,
            Squeezed = squeezed,
            Model = new PlanModel
            {
                Architecture = config.Architecture,
                HiddenSize = config.HiddenSize,
                Layers = config.LayerCount,
                Heads = config.HeadCount,
                HeadDim = hd,
                IntermediateSize = config.IntermediateSize,
                VocabSize = config.VocabSize,
                MaxSequenceLength = config.MaxSequenceLength,
                KeptHeads = model.KeptHeads.Select(h => h.ToArray()).ToArray(),
                Fusion = fusion,
                WeightsSha256 = WeightsDigest.Compute(model),
            },
            Ckks = ckks,
            BlockWidth = blockWidth,
            AttentionBlocks = attentionBlocks,
            WorkingScaleBits = precision.WorkingScaleBits,
            Stages = stages,
            RotationSteps = steps,
            Cost = cost,
        };
        plan.Validate("compiled plan");
        return plan;
    }

    /// <summary>
    /// Levels the unfused program needs: the key cache must be at level ≥ 1 (scores rescale once) and the value cache at
    /// ≥ 2 (context and output projection), after the γ product, the projection, RoPE, the scale and the masks.
    /// </summary>
    private static int BaselineLevels(SqueezedModel model)
    {
        FusionOptions fusion = model.Fusion;
        int norm = fusion.FoldNormAffine ? 0 : 1, rotary = model.Rotary != null && !fusion.FoldRotary ? 1 : 0;
        int keyPath = norm + 1 + rotary + 1, queryPath = norm + 1 + rotary + (fusion.FoldAttentionScale ? 0 : 1), valuePath = norm + 2;
        int top = Math.Max(Math.Max(keyPath + 1, queryPath + 1), valuePath + 2);
        return top + 1;
    }

    /// <summary>
    /// The chain: q_0 of working + headroom bits, one working-size prime per further level, and a special prime as large as
    /// q_0; the smallest degree (from 4096) whose 128-bit bound holds it and whose slots fit the block width.
    /// </summary>
    public static CkksSettings ChooseChain(int dataLevels, PlanPrecision precision, int blockWidth, PlanOptions options)
    {
        ArgumentNullException.ThrowIfNull(precision);
        ArgumentNullException.ThrowIfNull(options);
        int w = precision.WorkingScaleBits;
        int q0 = Math.Min(60, w + precision.HeadroomBits);
        int special = Math.Min(60, Math.Max(q0, w));
        int[] bits = [q0, .. Enumerable.Repeat(w, dataLevels - 1), special];
        int total = bits.Sum();
        IEnumerable<int> degrees = options.PolyModulusDegree is { } forced ? [forced] : Degrees;
        foreach (int n in degrees)
        {
            if (n / 2 < blockWidth)
            {
                continue;
            }
            int bound = SecurityBound(n);
            if (total <= bound)
            {
                return new CkksSettings { PolyModulusDegree = n, CoeffModulusBits = bits, SecurityBits = 128 };
            }
            if (options.AllowInsecure && options.PolyModulusDegree != null)
            {
                return new CkksSettings { PolyModulusDegree = n, CoeffModulusBits = bits, SecurityBits = 0 };
            }
        }
        throw new ArgumentException(options.PolyModulusDegree is { } d
            ? $"a chain of {total} bits ({dataLevels} levels of 2^{w}) exceeds the 128-bit bound of N={d} ({SecurityBound(d)} bits); choose a larger degree or allow insecure parameters explicitly"
            : $"a chain of {total} bits ({dataLevels} levels of 2^{w}) fits no supported degree at 128-bit security");
    }

    /// <summary>Largest total modulus bits with 128-bit security (HomomorphicEncryption.org, ternary secret).</summary>
    public static int SecurityBound(int polyModulusDegree) => polyModulusDegree switch
    {
        1024 => 27,
        2048 => 54,
        4096 => 109,
        8192 => 218,
        16384 => 438,
        32768 => 881,
        _ => 0,
    };

    internal static int[] CollectSteps(IEnumerable<HeStage> stages, int slots)
    {
        var steps = new SortedSet<int>();
        foreach (HeOp op in stages.SelectMany(s => s.Ops))
        {
            IEnumerable<int> used = op switch
            {
                BsgsProductOp b => SlotGeometry.BabyGiantSteps(b.InputPeriod),
                RotateSumOp r => SlotGeometry.RotateSumSteps(r.Stride, r.Count),
                AttentionScoresOp s => SlotGeometry.RotateSumSteps(1, s.HeadDim),
                AttentionContextOp c => SlotGeometry.RotateSumSteps(c.Block, slots / c.Block),
                RotaryOp r => [r.HeadDim / 2, -(r.HeadDim / 2)],
                ReplicateOp r => [-r.Period],
                _ => [],
            };
            steps.UnionWith(used);
        }
        return steps.ToArray();
    }

    private sealed class StageBuilder(SqueezedModel model, PlanPrecision precision, CkksSettings ckks, int blockWidth, int attentionBlock, int layer)
    {
        private readonly List<HeOp> _ops = [];
        private readonly string _p = $"layers.{layer}.";
        private int Slots => ckks.Slots;
        private int Top => ckks.DataLevels - 1;
        private int HeadDim => model.Config.HeadDim;
        private int AttentionWidth => model.KeptHeads[layer].Length * HeadDim;
        private double Working => precision.WorkingScaleBits;

        private StageInput Input(string register, SqueezeSite value, InputLayout layout, int level, int width, int period)
        {
            SiteQuantization site = precision.Site(value, layer);
            return new StageInput
            {
                Register = register,
                Value = value,
                Layout = layout,
                Level = level,
                ScaleBits = site.ScaleBits,
                Width = width,
                Period = period,
                Quantization = site.Settings,
            };
        }

        private string Add(HeOp op)
        {
            _ops.Add(op);
            return op.Out;
        }

        private HeStage Stage(string name, StageKind kind, IReadOnlyList<StageInput> inputs, params StageOutput[] outputs)
        {
            var stage = new HeStage { Name = $"layer {layer} {name}", Layer = layer, Kind = kind, Inputs = inputs, Ops = _ops.ToArray(), Outputs = outputs };
            _ops.Clear();
            return stage;
        }

        private string ToLevel(string register, int from, int to) =>
            from == to ? register : Add(new ModSwitchOp { In = register, Out = register + "@" + to, Level = from, To = to });

        /// <summary>
        /// Squeezed attention scores: one E-form input; K and V packed in one complex product with RoPE folded per
        /// position; Q from the same input at one level lower; one masked append; scores.
        /// </summary>
        public HeStage PackedAttentionScores()
        {
            const int cacheLevel = 2;
            int inputLevel = cacheLevel + 2;
            CheckTop(inputLevel);
            StageInput input = Input("x", SqueezeSite.AttentionInput, InputLayout.EForm, inputLevel, model.InputWidth, blockWidth);
            string x = input.Register;
            string xq = ToLevel(x, inputLevel, cacheLevel + 1);
            string qp = Add(new EFormProductOp { In = xq, Out = "q.partial", Level = cacheLevel + 1, RowPeriod = attentionBlock, ScaleBits = Working, Weights = new ProductWeights { Real = _p + "attn.q.weight", RotaryReal = model.Rotary != null } });
            string q = Add(new RotateSumOp { In = qp, Out = "q", Level = cacheLevel, Stride = blockWidth, Count = Slots / blockWidth });
            string kvp = Add(new EFormProductOp { In = x, Out = "kv.partial", Level = inputLevel, RowPeriod = attentionBlock, ScaleBits = Working, Weights = new ProductWeights { Real = _p + "attn.k.weight", Imaginary = _p + "attn.v.weight", RotaryReal = model.Rotary != null } });
            string kv = Add(new RotateSumOp { In = kvp, Out = "kv", Level = inputLevel - 1, Stride = blockWidth, Count = Slots / blockWidth });
            string masked = Add(new MaskOp { In = kv, Out = "kv.masked", Level = inputLevel - 1, Block = attentionBlock, Width = AttentionWidth });
            _ops.Add(new CacheAppendOp { In = masked, Level = cacheLevel, Layer = layer, Cache = CachePart.Packed });
            string scores = Add(new AttentionScoresOp { In = q, Out = "scores", Level = cacheLevel, Layer = layer, Cache = CachePart.Packed, HeadDim = HeadDim });
            string sent = ToLevel(scores, cacheLevel - 1, 0);
            return Stage("attention scores", StageKind.AttentionScores, [input], new StageOutput { Register = sent, Value = OutputValue.Scores, Level = 0 });
        }

        /// <summary>
        /// Unfused attention scores: γ as its own product, separate Q, K and V products, RoPE and the attention scale as
        /// encrypted steps, separate key and value caches.
        /// </summary>
        public HeStage BaselineAttentionScores()
        {
            FusionOptions fusion = model.Fusion;
            bool rotary = model.Rotary != null && !fusion.FoldRotary;
            int inputLevel = Top;
            StageInput input = Input("x", SqueezeSite.AttentionInput, InputLayout.EForm, inputLevel, model.InputWidth, blockWidth);
            string x = input.Register;
            int level = inputLevel;
            if (!fusion.FoldNormAffine)
            {
                x = Add(new NormAffineOp { In = x, Out = "x.affine", Level = level, Norm = _p + "attn_norm", EForm = true, Period = blockWidth });
                level--;
            }
            (string q, int qLevel) = Project(x, level, "q", _p + "attn.q.weight", rotary);
            if (!fusion.FoldAttentionScale)
            {
                q = Add(new ScaleOp { In = q, Out = "q.scaled", Level = qLevel, Value = 1 / Math.Sqrt(HeadDim) });
                qLevel--;
            }
            (string k, int kLevel) = Project(x, level, "k", _p + "attn.k.weight", rotary);
            string kMasked = Add(new MaskOp { In = k, Out = "k.masked", Level = kLevel, Block = attentionBlock, Width = AttentionWidth });
            kLevel--;
            (string v, int vLevel) = Project(x, level, "v", _p + "attn.v.weight", false);
            string vMasked = Add(new MaskOp { In = v, Out = "v.masked", Level = vLevel, Block = attentionBlock, Width = AttentionWidth });
            vLevel--;
            if (kLevel < 1 || vLevel < 2)
            {
                throw new ArgumentException($"the chain of {ckks.DataLevels} levels is too short for the unfused attention (key cache at level {kLevel}, value cache at {vLevel})");
            }
            int keyLevel = Math.Min(kLevel, qLevel);
            kMasked = ToLevel(kMasked, kLevel, keyLevel);
            q = ToLevel(q, qLevel, keyLevel);
            _ops.Add(new CacheAppendOp { In = kMasked, Level = keyLevel, Layer = layer, Cache = CachePart.Key });
            _ops.Add(new CacheAppendOp { In = vMasked, Level = vLevel, Layer = layer, Cache = CachePart.Value });
            string scores = Add(new AttentionScoresOp { In = q, Out = "scores", Level = keyLevel, Layer = layer, Cache = CachePart.Key, HeadDim = HeadDim });
            string sent = ToLevel(scores, keyLevel - 1, 0);
            return Stage("attention scores", StageKind.AttentionScores, [input], new StageOutput { Register = sent, Value = OutputValue.Scores, Level = 0 });
        }

        private (string Register, int Level) Project(string x, int level, string name, string weights, bool rotary)
        {
            string partial = Add(new EFormProductOp { In = x, Out = name + ".partial", Level = level, RowPeriod = attentionBlock, ScaleBits = Working, Weights = new ProductWeights { Real = weights } });
            string summed = Add(new RotateSumOp { In = partial, Out = name, Level = level - 1, Stride = blockWidth, Count = Slots / blockWidth });
            if (!rotary)
            {
                return (summed, level - 1);
            }
            string rotated = Add(new RotaryOp { In = summed, Out = name + ".rotary", Level = level - 1, HeadDim = HeadDim, Period = attentionBlock });
            return (rotated, level - 2);
        }

        /// <summary>Probabilities × cached values, summed over positions, then the output projection (and its bias).</summary>
        public HeStage AttentionOutput(bool packed)
        {
            int valueLevel = packed ? 2 : BaselineValueLevel();
            StageInput input = Input("p", SqueezeSite.Probabilities, InputLayout.Probabilities, valueLevel, AttentionWidth, attentionBlock);
            string context = Add(new AttentionContextOp { In = input.Register, Out = "context", Level = valueLevel, Layer = layer, Cache = packed ? CachePart.Packed : CachePart.Value, Block = attentionBlock });
            string output = Add(new BsgsProductOp { In = context, Out = "output", Level = valueLevel - 1, InputPeriod = attentionBlock, ScaleBits = Working, Weights = new ProductWeights { Real = _p + "attn.o.weight", Factor = packed ? WeightFactor.MinusI : WeightFactor.One } });
            int level = valueLevel - 2;
            if (model.TryTensor(_p + "attn.o.bias") != null)
            {
                output = Add(new AddBiasOp { In = output, Out = "output.bias", Level = level, Bias = _p + "attn.o.bias" });
            }
            string sent = ToLevel(output, level, 0);
            return Stage("attention output", StageKind.AttentionOutput, [input], new StageOutput { Register = sent, Value = OutputValue.AttentionOutput, Level = 0 });
        }

        private int BaselineValueLevel()
        {
            // Mirrors BaselineAttentionScores: γ (if unfolded), V product, mask.
            int level = Top - (model.Fusion.FoldNormAffine ? 0 : 1) - 1 - 1;
            return level;
        }

        /// <summary>Gate and up (packed as gate + i·up when fused) by baby-step giant-step from the replicated MLP input.</summary>
        public HeStage MlpGateUp()
        {
            FusionOptions fusion = model.Fusion;
            int period = SlotGeometry.PowerOfTwo(model.InputWidth);
            int inputLevel = fusion.FoldNormAffine ? 1 : 2;
            StageInput input = Input("x", SqueezeSite.MlpInput, InputLayout.Replicated, inputLevel, model.InputWidth, period);
            string x = input.Register;
            int level = inputLevel;
            if (!fusion.FoldNormAffine)
            {
                x = Add(new NormAffineOp { In = x, Out = "x.affine", Level = level, Norm = _p + "mlp_norm", EForm = false, Period = period });
                level--;
            }
            bool gated = model.TryTensor(_p + "mlp.gate.weight") != null;
            if (gated && fusion.PackProjections)
            {
                string gu = Add(new BsgsProductOp { In = x, Out = "gate.up", Level = level, InputPeriod = period, ScaleBits = Working, Weights = new ProductWeights { Real = _p + "mlp.gate.weight", Imaginary = _p + "mlp.up.weight" } });
                return Stage("mlp gate/up", StageKind.MlpGateUp, [input], new StageOutput { Register = gu, Value = OutputValue.GateUp, Level = level - 1 });
            }
            string up = Add(new BsgsProductOp { In = x, Out = "up", Level = level, InputPeriod = period, ScaleBits = Working, Weights = new ProductWeights { Real = _p + "mlp.up.weight" } });
            if (!gated)
            {
                return Stage("mlp up", StageKind.MlpGateUp, [input], new StageOutput { Register = up, Value = OutputValue.Up, Level = level - 1 });
            }
            string gate = Add(new BsgsProductOp { In = x, Out = "gate", Level = level, InputPeriod = period, ScaleBits = Working, Weights = new ProductWeights { Real = _p + "mlp.gate.weight" } });
            return Stage("mlp gate/up", StageKind.MlpGateUp, [input],
                new StageOutput { Register = gate, Value = OutputValue.Gate, Level = level - 1 },
                new StageOutput { Register = up, Value = OutputValue.Up, Level = level - 1 });
        }

        /// <summary>The down projection from the E-form activation, then the rotate-and-sum over blocks.</summary>
        public HeStage MlpOutput()
        {
            StageInput input = Input("a", SqueezeSite.MlpActivation, InputLayout.EForm, 1, model.ActivationWidth, blockWidth);
            string partial = Add(new EFormProductOp { In = input.Register, Out = "down.partial", Level = 1, RowPeriod = SlotGeometry.PowerOfTwo(model.Config.HiddenSize), ScaleBits = Working, Weights = new ProductWeights { Real = _p + "mlp.down.weight" } });
            string output = Add(new RotateSumOp { In = partial, Out = "down", Level = 0, Stride = blockWidth, Count = Slots / blockWidth });
            return Stage("mlp output", StageKind.MlpOutput, [input], new StageOutput { Register = output, Value = OutputValue.MlpOutput, Level = 0 });
        }

        private void CheckTop(int level)
        {
            if (level > Top)
            {
                throw new ArgumentException($"the stage needs level {level}; the chain has {ckks.DataLevels} levels");
            }
        }
    }
}
