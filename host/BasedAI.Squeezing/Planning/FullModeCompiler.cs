using BasedAI.Inference.Model;
using BasedAI.Squeezing.Calibration;
using BasedAI.Squeezing.Fusion;
using BasedAI.Squeezing.Polynomials;

namespace BasedAI.Squeezing.Planning;

/// <summary>
/// Compiles full mode (a reduced configuration, see the README): the miner evaluates every norm and the MLP activation as
/// calibrated Chebyshev polynomials under encryption, so the client no longer computes them; the client keeps the
/// softmax (a polynomial softmax over the calibrated score ranges fails: its denominator spans ~10^-8 … 2) and the
/// residual stream, adding each sublayer's output. Per layer: attention (residual → polynomial norm → Q/K/V by
/// baby-step giant-step, RoPE and the scale as encrypted steps, separate key and value caches → scores), attention output
/// (as hybrid), MLP (residual → polynomial norm → gate and up → polynomial SiLU ⊙ up → down). Without bootstrapping the
/// chain must hold the deepest stage, which is the MLP.
/// </summary>
public static class FullModeCompiler
{
    /// <summary>Compiles the full-mode plan of <paramref name="model"/> with <paramref name="polynomials"/>.</summary>
    public static HePlan Compile(SqueezedModel model, PolynomialSet polynomials, PlanPrecision precision, PlanOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(polynomials);
        ArgumentNullException.ThrowIfNull(precision);
        options ??= new PlanOptions();
        TransformerConfig config = model.Config;
        if (config.Architecture != ModelArchitecture.Llama)
        {
            throw new ArgumentException("full mode supports Llama models (GPT-2's LayerNorm mean and biases need the client's constant column)");
        }
        if (!model.Fusion.FoldNormAffine || !model.Fusion.FoldAttentionScale)
        {
            throw new ArgumentException("full mode runs squeezed weights (norm affine and attention scale folded)");
        }
        foreach ((string where, Approximation a) in polynomials.All())
        {
            if (!where.Contains("softmax", StringComparison.Ordinal) && (a.Squarings != 0 || a.NewtonIterations != 0))
            {
                throw new ArgumentException($"full mode evaluates plain Chebyshev series; the {where} approximation uses refinements");
            }
        }
        int hd = config.HeadDim, d = config.HiddenSize;
        int blockWidth = SlotGeometry.PowerOfTwo(Math.Max(d, config.HeadCount * hd));
        int[] attentionBlocks = model.KeptHeads.Select(h => h.Length == 0 ? 0 : SlotGeometry.PowerOfTwo(h.Length * hd)).ToArray();
        int activationPeriod = SlotGeometry.PowerOfTwo(config.IntermediateSize);
        int depth = 0;
        for (int l = 0; l < config.LayerCount; l++)
        {
            depth = Math.Max(depth, MlpDepth(polynomials, l));
            if (attentionBlocks[l] > 0)
            {
                depth = Math.Max(depth, AttentionDepth(polynomials, l));
            }
        }
        CkksSettings ckks = HePlanCompiler.ChooseChain(depth + 1, precision, Math.Max(blockWidth, 2 * activationPeriod), options);
        var stages = new List<HeStage>();
        double working = precision.WorkingScaleBits;
        for (int l = 0; l < config.LayerCount; l++)
        {
            string p = $"layers.{l}.";
            if (attentionBlocks[l] > 0)
            {
                int a = attentionBlocks[l], width = model.KeptHeads[l].Length * hd;
                Approximation norm = polynomials.InverseSqrt(l, Evaluation.NormPosition.Attention);
                int top = AttentionDepth(polynomials, l);
                var ops = new List<HeOp>();
                string n = Norm(ops, "x", top, norm, d, config.NormEpsilon, blockWidth, out int level);
                ops.Add(new BsgsProductOp { In = n, Out = "q.raw", Level = level, InputPeriod = blockWidth, OutputPeriod = a, ScaleBits = working, Weights = new ProductWeights { Real = p + "attn.q.weight" } });
                ops.Add(new BsgsProductOp { In = n, Out = "k.raw", Level = level, InputPeriod = blockWidth, OutputPeriod = a, ScaleBits = working, Weights = new ProductWeights { Real = p + "attn.k.weight" } });
                ops.Add(new BsgsProductOp { In = n, Out = "v.raw", Level = level, InputPeriod = blockWidth, OutputPeriod = a, ScaleBits = working, Weights = new ProductWeights { Real = p + "attn.v.weight" } });
                ops.Add(new RotaryOp { In = "q.raw", Out = "q", Level = level - 1, HeadDim = hd, Period = a });
                ops.Add(new RotaryOp { In = "k.raw", Out = "k", Level = level - 1, HeadDim = hd, Period = a });
                ops.Add(new MaskOp { In = "k", Out = "k.masked", Level = level - 2, Block = a, Width = width });
                ops.Add(new MaskOp { In = "v.raw", Out = "v.masked", Level = level - 1, Block = a, Width = width });
                int keyLevel = level - 3, valueLevel = level - 2;
                ops.Add(new CacheAppendOp { In = "k.masked", Level = keyLevel, Layer = l, Cache = CachePart.Key });
                ops.Add(new CacheAppendOp { In = "v.masked", Level = valueLevel, Layer = l, Cache = CachePart.Value });
                ops.Add(new ModSwitchOp { In = "q", Out = "q.low", Level = level - 2, To = keyLevel });
                ops.Add(new AttentionScoresOp { In = "q.low", Out = "scores", Level = keyLevel, Layer = l, Cache = CachePart.Key, HeadDim = hd });
                ops.Add(new ModSwitchOp { In = "scores", Out = "scores.sent", Level = keyLevel - 1, To = 0 });
                stages.Add(new HeStage
                {
                    Name = $"layer {l} full attention",
                    Layer = l,
                    Kind = StageKind.FullAttention,
                    Inputs = [Residual("x", top, d, blockWidth, working)],
                    Ops = ops,
                    Outputs = [new StageOutput { Register = "scores.sent", Value = OutputValue.Scores, Level = 0 }],
                });
                var outputOps = new List<HeOp>
                {
                    new AttentionContextOp { In = "p", Out = "context", Level = valueLevel, Layer = l, Cache = CachePart.Value, Block = a },
                    new BsgsProductOp { In = "context", Out = "output", Level = valueLevel - 1, InputPeriod = a, ScaleBits = working, Weights = new ProductWeights { Real = p + "attn.o.weight" } },
                };
                string sent = "output";
                if (valueLevel - 2 > 0)
                {
                    outputOps.Add(new ModSwitchOp { In = "output", Out = "output.sent", Level = valueLevel - 2, To = 0 });
                    sent = "output.sent";
                }
                stages.Add(new HeStage
                {
                    Name = $"layer {l} attention output",
                    Layer = l,
                    Kind = StageKind.AttentionOutput,
                    Inputs = [new StageInput { Register = "p", Value = SqueezeSite.Probabilities, Layout = InputLayout.Probabilities, Level = valueLevel, ScaleBits = working, Width = width, Period = a }],
                    Ops = outputOps,
                    Outputs = [new StageOutput { Register = sent, Value = OutputValue.AttentionOutput, Level = 0 }],
                });
            }
            {
                Approximation norm = polynomials.InverseSqrt(l, Evaluation.NormPosition.Mlp);
                Approximation activation = polynomials.Activation[l];
                int top = MlpDepth(polynomials, l);
                var ops = new List<HeOp>();
                string n = Norm(ops, "x", top, norm, d, config.NormEpsilon, blockWidth, out int level);
                ops.Add(new BsgsProductOp { In = n, Out = "gate", Level = level, InputPeriod = blockWidth, ScaleBits = working, Weights = new ProductWeights { Real = p + "mlp.gate.weight" } });
                ops.Add(new BsgsProductOp { In = n, Out = "up", Level = level, InputPeriod = blockWidth, ScaleBits = working, Weights = new ProductWeights { Real = p + "mlp.up.weight" } });
                var silu = new PolynomialOp { In = "gate", Out = "silu", Level = level - 1, Approximation = activation };
                ops.Add(silu);
                ops.Add(new MultiplyOp { In = "silu", Other = "up", Out = "activation", Level = silu.OutputLevel });
                int activationLevel = silu.OutputLevel - 1;
                ops.Add(new ReplicateOp { In = "activation", Out = "activation.replicated", Level = activationLevel, Period = activationPeriod });
                ops.Add(new BsgsProductOp { In = "activation.replicated", Out = "down", Level = activationLevel, InputPeriod = activationPeriod, ScaleBits = working, Weights = new ProductWeights { Real = p + "mlp.down.weight" } });
                stages.Add(new HeStage
                {
                    Name = $"layer {l} full mlp",
                    Layer = l,
                    Kind = StageKind.FullBlock,
                    Inputs = [Residual("x", top, d, blockWidth, working)],
                    Ops = ops,
                    Outputs = [new StageOutput { Register = "down", Value = OutputValue.MlpOutput, Level = activationLevel - 1 }],
                });
            }
        }
        int[] steps = HePlanCompiler.CollectSteps(stages, ckks.Slots);
        var plan = new HePlan
        {
            Mode = ExecutionMode.Full,
            Squeezed = true,
            Model = new PlanModel
            {
                Architecture = config.Architecture,
                HiddenSize = d,
                Layers = config.LayerCount,
                Heads = config.HeadCount,
                HeadDim = hd,
                IntermediateSize = config.IntermediateSize,
                VocabSize = config.VocabSize,
                MaxSequenceLength = config.MaxSequenceLength,
                KeptHeads = model.KeptHeads.Select(h => h.ToArray()).ToArray(),
                Fusion = model.Fusion,
                WeightsSha256 = WeightsDigest.Compute(model),
            },
            Ckks = ckks,
            BlockWidth = blockWidth,
            AttentionBlocks = attentionBlocks,
            WorkingScaleBits = precision.WorkingScaleBits,
            Stages = stages,
            RotationSteps = steps,
            Polynomials = polynomials,
            Cost = PlanCostCounter.Count(options.CostModel, ckks, blockWidth, attentionBlocks, stages, options.ContextLength),
        };
        plan.Validate("compiled full-mode plan");
        return plan;
    }

    /// <summary>Full mode's precision: a 2^30 working scale (its products are not quantized) with the hybrid plan's headroom.</summary>
    public static PlanPrecision Precision(HePlan hybrid)
    {
        ArgumentNullException.ThrowIfNull(hybrid);
        int headroom = hybrid.Ckks.CoeffModulusBits[0] - (int)hybrid.WorkingScaleBits;
        return new PlanPrecision { WorkingScaleBits = 30, HeadroomBits = Math.Max(headroom, 10) };
    }

    /// <summary>Levels of the attention stage: x², the norm polynomial, x ⊙ 1/√·, the product, RoPE, the key mask, the scores.</summary>
    public static int AttentionDepth(PolynomialSet polynomials, int layer)
    {
        ArgumentNullException.ThrowIfNull(polynomials);
        return 1 + PolynomialOp.DepthOf(polynomials.InverseSqrt(layer, Evaluation.NormPosition.Attention)) + 1 + 1 + 1 + 1 + 1;
    }

    /// <summary>Levels of the MLP stage: x², the norm polynomial, x ⊙ 1/√·, gate/up, SiLU polynomial, ⊙ up, down.</summary>
    public static int MlpDepth(PolynomialSet polynomials, int layer)
    {
        ArgumentNullException.ThrowIfNull(polynomials);
        return 1 + PolynomialOp.DepthOf(polynomials.InverseSqrt(layer, Evaluation.NormPosition.Mlp)) + 1 + 1 + PolynomialOp.DepthOf(polynomials.Activation[layer]) + 1 + 1;
    }

    /// <summary>n = x · p(Σx²/d + ε): the RMSNorm without its (folded) γ, as ops from level <paramref name="top"/>.</summary>
    private static string Norm(List<HeOp> ops, string x, int top, Approximation inverseSqrt, int width, float epsilon, int period, out int level)
    {
        ops.Add(new MultiplyOp { In = x, Other = x, Out = "x.squared", Level = top });
        ops.Add(new RotateSumOp { In = "x.squared", Out = "sum.squares", Level = top - 1, Stride = 1, Count = period });
        var polynomial = new PolynomialOp { In = "sum.squares", Out = "inverse.rms", Level = top - 1, Approximation = inverseSqrt, Multiplier = 1.0 / width, Offset = epsilon };
        ops.Add(polynomial);
        ops.Add(new MultiplyOp { In = "inverse.rms", Other = x, Out = "normalized", Level = polynomial.OutputLevel });
        level = polynomial.OutputLevel - 1;
        return "normalized";
    }

    private static StageInput Residual(string register, int level, int width, int period, double scaleBits) => new()
    {
        Register = register,
        Value = SqueezeSite.Residual,
        Layout = InputLayout.Replicated,
        Level = level,
        ScaleBits = scaleBits,
        Width = width,
        Period = period,
    };
}
