using System.Numerics;
using BasedAI.Squeezing.Planning;
using BasedAI.ZkLlm.Slots;

namespace BasedAI.ZkLlm.Execution;

/// <summary>
/// One client's run of a plan on the miner: its evaluator (with the client's evaluation keys only), its encrypted KV
/// caches, and where it is (position and next stage). Stages must arrive in the plan's order, position by position.
/// </summary>
internal sealed class PlanSession : IDisposable
{
    private readonly PlanProgram _program;
    private readonly Dictionary<(int Layer, CachePart Part), List<SlotValue>> _caches = [];
    private readonly Dictionary<(int Position, int Level, int Block, int Width), SlotPlaintext> _masks = [];
    private readonly Dictionary<(int Stage, int Op), object> _dynamic = [];
    private int _dynamicPosition = -1;

    public PlanSession(PlanProgram program, IMinerEvaluator evaluator)
    {
        _program = program;
        Evaluator = evaluator;
    }

    public IMinerEvaluator Evaluator { get; }

    /// <summary>Position of the token being processed.</summary>
    public int Position { get; private set; }

    /// <summary>Index of the stage expected next.</summary>
    public int NextStage { get; private set; }

    /// <summary>Number of cache ciphertexts of a layer.</summary>
    public int CacheCount(int layer, CachePart part) => _caches.TryGetValue((layer, part), out List<SlotValue>? c) ? c.Count : 0;

    /// <summary>Every value the session stores (the encrypted caches), for audits.</summary>
    public IEnumerable<SlotValue> StoredValues => _caches.Values.SelectMany(c => c);

    /// <summary>How many ciphertexts the next stage expects for each input.</summary>
    public int[] ExpectedInputCounts(int stage)
    {
        HeStage s = _program.Plan.Stages[stage];
        int cacheCts = (Position / (_program.Slots / Math.Max(1, _program.Plan.AttentionBlocks[s.Layer]))) + 1;
        return s.Inputs.Select(i => _program.InputCount(i, cacheCts)).ToArray();
    }

    /// <summary>
    /// Runs stage <paramref name="stage"/> for the token at <paramref name="position"/> on the client's ciphertexts (one list
    /// per stage input) and returns one list per stage output.
    /// </summary>
    public IReadOnlyList<IReadOnlyList<SlotValue>> Execute(int stage, int position, IReadOnlyList<IReadOnlyList<SlotValue>> inputs)
    {
        HePlan plan = _program.Plan;
        if (stage != NextStage || position != Position)
        {
            throw new InvalidOperationException($"expected stage {NextStage} ('{plan.Stages[NextStage].Name}') of position {Position}, got stage {stage} of position {position}");
        }
        HeStage s = plan.Stages[stage];
        int[] counts = ExpectedInputCounts(stage);
        if (inputs.Count != s.Inputs.Count)
        {
            throw new InvalidDataException($"stage '{s.Name}' takes {s.Inputs.Count} inputs, got {inputs.Count}");
        }
        if (_dynamicPosition != position)
        {
            _dynamic.Clear();
            _masks.Clear();
            _dynamicPosition = position;
        }
        var registers = new Dictionary<string, IReadOnlyList<SlotValue>>(StringComparer.Ordinal);
        for (int i = 0; i < s.Inputs.Count; i++)
        {
            StageInput input = s.Inputs[i];
            if (inputs[i].Count != counts[i])
            {
                throw new InvalidDataException($"stage '{s.Name}' input '{input.Register}' needs {counts[i]} ciphertexts, got {inputs[i].Count}");
            }
            (int level, double scale) = _program.Expected(stage, input.Register);
            foreach (SlotValue value in inputs[i])
            {
                Check(value, level, scale, $"stage '{s.Name}' input '{input.Register}'");
            }
            registers[input.Register] = inputs[i];
        }
        for (int o = 0; o < s.Ops.Count; o++)
        {
            HeOp op = s.Ops[o];
            IReadOnlyList<SlotValue>? result = Run(stage, o, op, registers, position);
            if (result != null)
            {
                (int level, double scale) = _program.Expected(stage, op.Out);
                foreach (SlotValue value in result)
                {
                    Check(value, level, scale, $"stage '{s.Name}' operation {o} ({op.Out})");
                }
                registers[op.Out] = result;
            }
        }
        NextStage = (NextStage + 1) % plan.Stages.Count;
        if (NextStage == 0)
        {
            Position++;
        }
        return s.Outputs.Select(output => registers[output.Register]).ToArray();
    }

    private static void Check(SlotValue value, int level, double scale, string what)
    {
        if (value.Level != level)
        {
            throw new InvalidDataException($"{what}: ciphertext at level {value.Level}, the plan expects level {level}");
        }
        if (Math.Abs(value.Scale - scale) > 1e-9 * scale)
        {
            throw new InvalidDataException($"{what}: ciphertext scale 2^{Math.Log2(value.Scale):0.####}, the plan expects 2^{Math.Log2(scale):0.####}");
        }
    }

    private SlotValue[]? Run(int stage, int index, HeOp op, Dictionary<string, IReadOnlyList<SlotValue>> registers, int position)
    {
        IMinerEvaluator ev = Evaluator;
        IReadOnlyList<SlotValue> x = registers[op.In];
        int slots = _program.Slots;
        switch (op)
        {
            case ModSwitchOp m:
                return x.Select(v => ev.ModSwitch(v, m.To)).ToArray();
            case EFormProductOp e:
                {
                    var plaintexts = (SlotPlaintext[])(_program.Static(stage, index) ?? Dynamic(stage, index, () =>
                    {
                        double scale = x[0].Scale, prime = _program.Backend.Prime(op.Level);
                        double plainScale = prime * Math.Pow(2, e.ScaleBits) / scale;
                        return PlanLayouts.EForm(_program.Model, e.Weights, e.RowPeriod, _program.Plan.BlockWidth, slots, x.Count, position)
                            .Select(l => _program.Backend.Encode(l, op.Level, plainScale)).ToArray();
                    }));
                    SlotValue sum = ev.MultiplyPlain(x[0], plaintexts[0]);
                    for (int i = 1; i < x.Count; i++)
                    {
                        sum = ev.Add(sum, ev.MultiplyPlain(x[i], plaintexts[i]));
                    }
                    return [ev.Rescale(sum)];
                }
            case BsgsProductOp b:
                return [Bsgs(ev, x[0], (SlotPlaintext?[,])_program.Static(stage, index)!)];
            case RotateSumOp r:
                return x.Select(v => RotateSum(ev, v, r.Stride, r.Count)).ToArray();
            case MaskOp mask:
                {
                    var key = (position, op.Level, mask.Block, mask.Width);
                    if (!_masks.TryGetValue(key, out SlotPlaintext? plain))
                    {
                        plain = _program.Backend.Encode(PlanLayouts.Mask(slots, mask.Block, mask.Width, position), op.Level, _program.Backend.Prime(op.Level));
                        _masks[key] = plain;
                    }
                    return [ev.Rescale(ev.MultiplyPlain(x[0], plain))];
                }
            case CacheAppendOp append:
                {
                    if (!_caches.TryGetValue((append.Layer, append.Cache), out List<SlotValue>? cache))
                    {
                        cache = [];
                        _caches[(append.Layer, append.Cache)] = cache;
                    }
                    int perCiphertext = slots / _program.Plan.AttentionBlocks[append.Layer];
                    int c = position / perCiphertext;
                    if (c == cache.Count)
                    {
                        cache.Add(x[0]);
                    }
                    else
                    {
                        cache[c] = ev.Add(cache[c], x[0]);
                    }
                    return null;
                }
            case AttentionScoresOp scores:
                {
                    List<SlotValue> cache = _caches[(scores.Layer, scores.Cache)];
                    return cache.Select(k => RotateSum(ev, ev.Rescale(ev.Relinearize(ev.Multiply(x[0], k))), 1, scores.HeadDim)).ToArray();
                }
            case AttentionContextOp context:
                {
                    List<SlotValue> cache = _caches[(context.Layer, context.Cache)];
                    if (x.Count != cache.Count)
                    {
                        throw new InvalidDataException($"attention context of layer {context.Layer}: {x.Count} probability ciphertexts for {cache.Count} cache ciphertexts");
                    }
                    SlotValue sum = ev.Multiply(x[0], cache[0]);
                    for (int i = 1; i < x.Count; i++)
                    {
                        sum = ev.Add(sum, ev.Multiply(x[i], cache[i]));
                    }
                    return [RotateSum(ev, ev.Rescale(ev.Relinearize(sum)), context.Block, slots / context.Block)];
                }
            case NormAffineOp:
                {
                    var (gammas, betas) = ((SlotPlaintext[], SlotPlaintext[]?))_program.Static(stage, index)!;
                    return x.Select((v, i) =>
                    {
                        SlotValue y = ev.Rescale(ev.MultiplyPlain(v, gammas[i]));
                        return betas == null ? y : ev.AddPlain(y, betas[i]);
                    }).ToArray();
                }
            case RotaryOp rotary:
                {
                    var (cos, upper, lower) = ((SlotPlaintext, SlotPlaintext, SlotPlaintext))Dynamic(stage, index, () =>
                    {
                        (Complex[] c, Complex[] u, Complex[] l) = PlanLayouts.Rotary(_program.Model, rotary.Period, _program.Model.KeptHeads[_program.Plan.Stages[stage].Layer].Length * rotary.HeadDim, slots, position);
                        double prime = _program.Backend.Prime(op.Level);
                        return (_program.Backend.Encode(c, op.Level, prime), _program.Backend.Encode(u, op.Level, prime), _program.Backend.Encode(l, op.Level, prime));
                    });
                    int half = rotary.HeadDim / 2;
                    IReadOnlyList<SlotValue> shifted = ev.RotateMany(x[0], [half, -half]);
                    SlotValue y = ev.Add(ev.Add(ev.MultiplyPlain(x[0], cos), ev.MultiplyPlain(shifted[0], upper)), ev.MultiplyPlain(shifted[1], lower));
                    return [ev.Rescale(y)];
                }
            case ScaleOp scale:
                return [ev.Rescale(ev.MultiplyConstant(x[0], scale.Value, _program.Backend.Prime(op.Level)))];
            case AddBiasOp:
                return [ev.AddPlain(x[0], (SlotPlaintext)_program.Static(stage, index)!)];
            case MultiplyOp multiply:
                return [ev.Rescale(ev.Relinearize(ev.Multiply(x[0], Lowered(ev, registers[multiply.Other][0], op.Level))))];
            case AddOp add:
                return [ev.Add(x[0], Lowered(ev, registers[add.Other][0], op.Level))];
            case PolynomialOp polynomial:
                return [ChebyshevEvaluator.Evaluate(ev, _program.Backend, x[0], polynomial.Approximation, polynomial.Multiplier, polynomial.Offset, _program.Working)];
            case ReplicateOp replicate:
                return [ev.Add(x[0], ev.Rotate(x[0], -replicate.Period))];
            default:
                throw new InvalidDataException($"operation {op.GetType().Name} is not supported");
        }
    }

    private static SlotValue Lowered(IMinerEvaluator ev, SlotValue value, int level) => value.Level == level ? value : ev.ModSwitch(value, level);

    private object Dynamic(int stage, int index, Func<object> create)
    {
        if (!_dynamic.TryGetValue((stage, index), out object? value))
        {
            value = create();
            _dynamic[(stage, index)] = value;
        }
        return value;
    }

    /// <summary>x ← Σ_{m &lt; count} rot(x, m·stride) by doubling.</summary>
    private static SlotValue RotateSum(IMinerEvaluator ev, SlotValue x, int stride, int count)
    {
        for (int step = stride; step < stride * count; step <<= 1)
        {
            x = ev.Add(x, ev.Rotate(x, step));
        }
        return x;
    }

    /// <summary>y = Σ_j rot(Σ_i D'[j,i] ⊙ rot(x, i), j·n1), baby steps hoisted.</summary>
    private static SlotValue Bsgs(IMinerEvaluator ev, SlotValue x, SlotPlaintext?[,] plaintexts)
    {
        int giant = plaintexts.GetLength(0), baby = plaintexts.GetLength(1);
        var needed = Enumerable.Range(1, baby - 1).Where(i => Enumerable.Range(0, giant).Any(j => plaintexts[j, i] != null)).ToArray();
        IReadOnlyList<SlotValue> rotated = needed.Length == 0 ? [] : ev.RotateMany(x, needed);
        var babies = new SlotValue?[baby];
        babies[0] = x;
        for (int k = 0; k < needed.Length; k++)
        {
            babies[needed[k]] = rotated[k];
        }
        SlotValue? result = null;
        for (int j = 0; j < giant; j++)
        {
            SlotValue? inner = null;
            for (int i = 0; i < baby; i++)
            {
                if (plaintexts[j, i] is not { } plain)
                {
                    continue;
                }
                SlotValue term = ev.MultiplyPlain(babies[i]!, plain);
                inner = inner == null ? term : ev.Add(inner, term);
            }
            if (inner == null)
            {
                continue;
            }
            if (j > 0)
            {
                inner = ev.Rotate(inner, j * baby);
            }
            result = result == null ? inner : ev.Add(result, inner);
        }
        return ev.Rescale(result ?? throw new InvalidDataException("a product with an all-zero matrix"));
    }

    public void Dispose() => Evaluator.Dispose();
}
