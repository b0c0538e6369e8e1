using System.Numerics;
using BasedAI.Squeezing;
using BasedAI.Squeezing.Fusion;
using BasedAI.Squeezing.Planning;
using BasedAI.ZkLlm.Slots;

namespace BasedAI.ZkLlm.Execution;

/// <summary>
/// A plan made ready to run on one backend: every op's expected input levels and scales worked out, and every plaintext
/// that does not depend on the position encoded once (weights of products without RoPE, norm affines, biases). Shared by
/// all sessions of a miner: plaintexts depend on the parameters, not on anybody's keys.
/// </summary>
internal sealed class PlanProgram
{
    private readonly Dictionary<(int Stage, int Op), object> _static = [];
    private readonly Dictionary<(int Stage, string Register), (int Level, double Scale)> _registers = [];
    private readonly Dictionary<(int Layer, CachePart Part), double> _cacheScales = [];

    public PlanProgram(HePlan plan, SqueezedModel model, IMinerBackend backend)
    {
        Plan = plan ?? throw new ArgumentNullException(nameof(plan));
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Backend = backend ?? throw new ArgumentNullException(nameof(backend));
        SqueezedArtifact.CheckPlan(plan, model, "plan");
        if (backend.Slots != plan.Ckks.Slots || backend.DataLevels != plan.Ckks.DataLevels)
        {
            throw new ArgumentException($"the backend has {backend.Slots} slots and {backend.DataLevels} levels; the plan needs {plan.Ckks.Slots} and {plan.Ckks.DataLevels}");
        }
        Working = Math.Pow(2, plan.WorkingScaleBits);
        for (int s = 0; s < plan.Stages.Count; s++)
        {
            Prepare(s, plan.Stages[s]);
        }
    }

    public HePlan Plan { get; }

    public SqueezedModel Model { get; }

    public IMinerBackend Backend { get; }

    public double Working { get; }

    public int Slots => Plan.Ckks.Slots;

    /// <summary>Expected level and scale of a register.</summary>
    public (int Level, double Scale) Expected(int stage, string register) => _registers[(stage, register)];

    /// <summary>Scale of a layer's cache.</summary>
    public double CacheScale(int layer, CachePart part) => _cacheScales[(layer, part)];

    /// <summary>A static plaintext (or plaintext array) prepared for an op, or null when the op's plaintexts depend on the position.</summary>
    public object? Static(int stage, int op) => _static.GetValueOrDefault((stage, op));

    /// <summary>Input ciphertexts a stage input needs, given the number of cache ciphertexts for probability inputs.</summary>
    public int InputCount(StageInput input, int cacheCiphertexts) => input.Layout switch
    {
        InputLayout.EForm => SlotGeometry.Chunks(input.Width, Plan.BlockWidth) * SlotGeometry.EFormCiphertextsPerChunk(Plan.BlockWidth, Slots),
        InputLayout.Probabilities => cacheCiphertexts,
        _ => 1,
    };

    private void Prepare(int index, HeStage stage)
    {
        foreach (StageInput input in stage.Inputs)
        {
            _registers[(index, input.Register)] = (input.Level, Math.Pow(2, input.ScaleBits));
        }
        for (int o = 0; o < stage.Ops.Count; o++)
        {
            HeOp op = stage.Ops[o];
            (int level, double scale) = _registers[(index, op.In)];
            double prime = level > 0 ? Backend.Prime(level) : 1;
            double output = scale;
            switch (op)
            {
                case EFormProductOp e:
                    {
                        double plainScale = prime * Math.Pow(2, e.ScaleBits) / scale;
                        output = scale * plainScale / prime;
                        if (!e.Weights.RotaryReal)
                        {
                            int count = InputCount(stage.Inputs.First(i => RootOf(stage, op.In) == i.Register), 0);
                            Complex[][] layouts = PlanLayouts.EForm(Model, e.Weights, e.RowPeriod, Plan.BlockWidth, Slots, count, 0);
                            _static[(index, o)] = layouts.Select(l => Backend.Encode(l, level, plainScale)).ToArray();
                        }
                        break;
                    }
                case BsgsProductOp b:
                    {
                        double plainScale = prime * Math.Pow(2, b.ScaleBits) / scale;
                        output = scale * plainScale / prime;
                        Complex[]?[,] layouts = PlanLayouts.Bsgs(Model, b.Weights, b.InputPeriod, Slots, b.OutputPeriod);
                        var encoded = new SlotPlaintext?[layouts.GetLength(0), layouts.GetLength(1)];
                        for (int j = 0; j < layouts.GetLength(0); j++)
                        {
                            for (int i = 0; i < layouts.GetLength(1); i++)
                            {
                                encoded[j, i] = layouts[j, i] is { } l ? Backend.Encode(l, level, plainScale) : null;
                            }
                        }
                        _static[(index, o)] = encoded;
                        break;
                    }
                case MaskOp or RotaryOp or ScaleOp:
                    output = scale * prime / prime;
                    break;
                case NormAffineOp norm:
                    {
                        output = scale * prime / prime;
                        float[] gamma = Model.Tensor(norm.Norm + ".weight").Data;
                        float[]? beta = Model.TryTensor(norm.Norm + ".bias")?.Data;
                        StageInput source = stage.Inputs.First(i => RootOf(stage, op.In) == i.Register);
                        int count = norm.EForm ? InputCount(source, 0) : 1;
                        int perChunk = SlotGeometry.EFormCiphertextsPerChunk(Plan.BlockWidth, Slots);
                        var gammas = new SlotPlaintext[count];
                        var betas = beta == null ? null : new SlotPlaintext[count];
                        for (int c = 0; c < count; c++)
                        {
                            gammas[c] = Backend.Encode(PlanLayouts.NormPattern(gamma, norm.EForm, norm.Period, Slots, c, perChunk, 1), level, prime);
                            if (beta != null)
                            {
                                betas![c] = Backend.Encode(PlanLayouts.NormPattern(beta, norm.EForm, norm.Period, Slots, c, perChunk, 0), level - 1, output);
                            }
                        }
                        _static[(index, o)] = (gammas, betas);
                        break;
                    }
                case AddBiasOp bias:
                    _static[(index, o)] = Backend.Encode(PlanLayouts.Bias(Model.Tensor(bias.Bias).Data, Slots), level, scale);
                    break;
                case CacheAppendOp append:
                    _cacheScales[(append.Layer, append.Cache)] = scale;
                    continue;
                case AttentionScoresOp s:
                    output = scale * _cacheScales[(s.Layer, s.Cache)] / prime;
                    break;
                case AttentionContextOp c:
                    output = scale * _cacheScales[(c.Layer, c.Cache)] / prime;
                    break;
                case ModSwitchOp or RotateSumOp or ReplicateOp:
                    break;
                case MultiplyOp multiply:
                    output = scale * _registers[(index, multiply.Other)].Scale / prime;
                    break;
                case AddOp add:
                    {
                        double other = _registers[(index, add.Other)].Scale;
                        if (Math.Abs(other - scale) > 1e-9 * scale)
                        {
                            throw new InvalidDataException($"stage '{stage.Name}': adding '{add.In}' (2^{Math.Log2(scale):0.###}) and '{add.Other}' (2^{Math.Log2(other):0.###}) needs equal scales");
                        }
                        break;
                    }
                case PolynomialOp:
                    output = Working;
                    break;
                default:
                    throw new InvalidDataException($"stage '{stage.Name}': operation {op.GetType().Name} is not supported by this executor");
            }
            _registers[(index, op.Out)] = (op.OutputLevel, output);
        }
    }

    /// <summary>The stage input a register derives from (following mod switches).</summary>
    private static string RootOf(HeStage stage, string register)
    {
        string current = register;
        while (true)
        {
            HeOp? producer = stage.Ops.FirstOrDefault(o => o.Out == current);
            if (producer is not ModSwitchOp and not NormAffineOp)
            {
                return current;
            }
            current = producer.In;
        }
    }
}
