using System.Text.Json;
using System.Text.Json.Serialization;
using BasedAI.Inference.Model;
using BasedAI.Squeezing.Calibration;
using BasedAI.Squeezing.Fusion;
using BasedAI.Squeezing.Polynomials;
using BasedAI.Squeezing.Quantization;

namespace BasedAI.Squeezing.Planning;

/// <summary>How the non-linear steps run.</summary>
public enum ExecutionMode
{
    /// <summary>The client decrypts, applies each non-linear step in clear and re-encrypts (one round trip per step).</summary>
    Hybrid,
    /// <summary>Polynomial approximations evaluated under encryption; the client only re-encrypts when levels run out.</summary>
    Full,
}

/// <summary>The four encrypted stages of a layer in hybrid mode, in order.</summary>
public enum StageKind
{
    /// <summary>From the normalised attention input to the attention scores.</summary>
    AttentionScores,
    /// <summary>From the attention probabilities to the attention block's output.</summary>
    AttentionOutput,
    /// <summary>From the normalised MLP input to the gate/up pre-activations.</summary>
    MlpGateUp,
    /// <summary>From the MLP activation to the MLP block's output.</summary>
    MlpOutput,
    /// <summary>Full mode: from the residual stream through the polynomial norm to the attention scores.</summary>
    FullAttention,
    /// <summary>Full mode: from the residual through the polynomial norm, gate/up and polynomial activation to the MLP's output.</summary>
    FullBlock,
}

/// <summary>How the client lays out a vector it encrypts.</summary>
public enum InputLayout
{
    /// <summary>E-form (see <see cref="SlotGeometry"/>): chunks × max(1, B²/S) ciphertexts.</summary>
    EForm,
    /// <summary>Replicated with a period: one ciphertext.</summary>
    Replicated,
    /// <summary>Attention probabilities in the attention layout: one ciphertext per cache ciphertext.</summary>
    Probabilities,
}

/// <summary>What an encrypted stage returns to the client.</summary>
public enum OutputValue
{
    /// <summary>Attention scores, one ciphertext per cache ciphertext (real parts).</summary>
    Scores,
    /// <summary>The attention block's output, slots 0…d−1 (real parts).</summary>
    AttentionOutput,
    /// <summary>Gate in the real parts and up in the imaginary parts of slots 0…f−1.</summary>
    GateUp,
    /// <summary>The gate pre-activation alone (unpacked baseline).</summary>
    Gate,
    /// <summary>The up projection alone (unpacked baseline, or GPT-2).</summary>
    Up,
    /// <summary>The MLP block's output, slots 0…d−1 (real parts).</summary>
    MlpOutput,
    /// <summary>Full mode: the residual stream after a block, slots 0…d−1 (real parts).</summary>
    Residual,
}

/// <summary>A vector the client encrypts for a stage.</summary>
public sealed record StageInput
{
    /// <summary>Register the ciphertexts arrive in.</summary>
    public required string Register { get; init; }

    /// <summary>Which value (attention input, probabilities, MLP input, MLP activation).</summary>
    public required SqueezeSite Value { get; init; }

    /// <summary>Slot layout.</summary>
    public required InputLayout Layout { get; init; }

    /// <summary>Level to encrypt at.</summary>
    public required int Level { get; init; }

    /// <summary>log2 of the encoding scale.</summary>
    public required double ScaleBits { get; init; }

    /// <summary>Values in the vector (including the constant 1 of a bias column).</summary>
    public required int Width { get; init; }

    /// <summary>Replication period, E-form block width, or attention block width A.</summary>
    public required int Period { get; init; }

    /// <summary>Dynamic quantization the client applies before encrypting, or null.</summary>
    public QuantizationSettings? Quantization { get; init; }
}

/// <summary>A result an encrypted stage sends back.</summary>
public sealed record StageOutput
{
    /// <summary>Register holding it.</summary>
    public required string Register { get; init; }

    /// <summary>What it is.</summary>
    public required OutputValue Value { get; init; }

    /// <summary>Level it is sent at.</summary>
    public required int Level { get; init; }
}

/// <summary>One encrypted stage: inputs from the client, operations on the miner, outputs to the client.</summary>
public sealed record HeStage
{
    /// <summary>Human-readable name, e.g. <c>layer 0 attention scores</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Layer.</summary>
    public required int Layer { get; init; }

    /// <summary>Kind.</summary>
    public required StageKind Kind { get; init; }

    /// <summary>Client inputs.</summary>
    public required IReadOnlyList<StageInput> Inputs { get; init; }

    /// <summary>Operations, in order.</summary>
    public required IReadOnlyList<HeOp> Ops { get; init; }

    /// <summary>Outputs.</summary>
    public required IReadOnlyList<StageOutput> Outputs { get; init; }
}

/// <summary>CKKS parameters of a plan.</summary>
public sealed record CkksSettings
{
    /// <summary>Polynomial modulus degree N.</summary>
    public required int PolyModulusDegree { get; init; }

    /// <summary>Bit sizes of the coefficient-modulus primes, q_0 first, the special (key-switching) prime last.</summary>
    public required int[] CoeffModulusBits { get; init; }

    /// <summary>Classical security the chain meets by the HomomorphicEncryption.org table (128), or 0 when insecure parameters were explicitly allowed.</summary>
    public required int SecurityBits { get; init; }

    /// <summary>Number of data levels (primes without the special one).</summary>
    [JsonIgnore]
    public int DataLevels => CoeffModulusBits.Length - 1;

    /// <summary>Slots per ciphertext, N/2.</summary>
    [JsonIgnore]
    public int Slots => PolyModulusDegree / 2;
}

/// <summary>The model a plan was compiled for (checked against the weights it runs with).</summary>
public sealed record PlanModel
{
    /// <summary>Architecture.</summary>
    public required ModelArchitecture Architecture { get; init; }

    /// <summary>Hidden width d.</summary>
    public required int HiddenSize { get; init; }

    /// <summary>Layers.</summary>
    public required int Layers { get; init; }

    /// <summary>Query heads per layer in the original model.</summary>
    public required int Heads { get; init; }

    /// <summary>Head width.</summary>
    public required int HeadDim { get; init; }

    /// <summary>MLP width.</summary>
    public required int IntermediateSize { get; init; }

    /// <summary>Vocabulary.</summary>
    public required int VocabSize { get; init; }

    /// <summary>Context length.</summary>
    public required int MaxSequenceLength { get; init; }

    /// <summary>Kept heads per layer.</summary>
    public required int[][] KeptHeads { get; init; }

    /// <summary>Fusions applied to the weights.</summary>
    public required FusionOptions Fusion { get; init; }

    /// <summary>SHA-256 of the weights (see <see cref="WeightsDigest"/>), hex.</summary>
    public required string WeightsSha256 { get; init; }
}

/// <summary>
/// The HE execution plan: CKKS parameters, slot layout, the ordered encrypted stages with their operations and levels,
/// the exact rotation steps (the client generates Galois keys for these and nothing else), and the predicted cost.
/// Written as JSON; <see cref="Load(string)"/> validates it fully and names the first inconsistency.
/// </summary>
public sealed record HePlan
{
    /// <summary>Format tag.</summary>
    public const string FormatTag = "basedai.he-plan/1";

    /// <summary>Format tag of this document.</summary>
    public string Format { get; init; } = FormatTag;

    /// <summary>Hybrid or full.</summary>
    public required ExecutionMode Mode { get; init; }

    /// <summary>Whether the plan was squeezed (fusions, selection, calibrated precision), or is the unsqueezed baseline.</summary>
    public required bool Squeezed { get; init; }

    /// <summary>The model it runs.</summary>
    public required PlanModel Model { get; init; }

    /// <summary>CKKS parameters.</summary>
    public required CkksSettings Ckks { get; init; }

    /// <summary>Block width B of vectors in slots (see <see cref="SlotGeometry"/>).</summary>
    public required int BlockWidth { get; init; }

    /// <summary>Attention block width A per layer (0 where the layer keeps no head).</summary>
    public required int[] AttentionBlocks { get; init; }

    /// <summary>log2 of the working scale products are brought to.</summary>
    public required double WorkingScaleBits { get; init; }

    /// <summary>Stages of one token, in order.</summary>
    public required IReadOnlyList<HeStage> Stages { get; init; }

    /// <summary>Every rotation step the stages use, ascending (positive: left).</summary>
    public required int[] RotationSteps { get; init; }

    /// <summary>Polynomial approximations (full mode), or null.</summary>
    public PolynomialSet? Polynomials { get; init; }

    /// <summary>Predicted cost per token.</summary>
    public required PlanCost Cost { get; init; }

    /// <summary>Writes the plan as JSON.</summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        File.WriteAllText(path, ToJson());
    }

    /// <summary>The plan as JSON.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, SqueezeJson.Options);

    /// <summary>Reads and validates a plan file.</summary>
    public static HePlan Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Parse(File.ReadAllText(path), path);
    }

    /// <summary>Parses and validates plan JSON; <paramref name="source"/> names it in errors.</summary>
    public static HePlan Parse(string json, string source = "plan")
    {
        ArgumentNullException.ThrowIfNull(json);
        HePlan? plan;
        try
        {
            plan = JsonSerializer.Deserialize<HePlan>(json, SqueezeJson.Options);
        }
        catch (JsonException e)
        {
            string where = e.Path is { Length: > 0 } ? $" at {e.Path}" : "";
            throw new InvalidDataException($"{source}: not a valid HE plan{where}: {e.Message}", e);
        }
        if (plan == null)
        {
            throw new InvalidDataException($"{source}: the plan is null");
        }
        plan.Validate(source);
        return plan;
    }

    /// <summary>Checks the plan's internal consistency; throws <see cref="InvalidDataException"/> naming the first problem.</summary>
    public void Validate(string source = "plan")
    {
        void Fail(string message) => throw new InvalidDataException($"{source}: {message}");
        if (Format != FormatTag)
        {
            Fail($"format '{Format}' is not '{FormatTag}'");
        }
        int n = Ckks.PolyModulusDegree;
        if (n < 1024 || n > 65536 || (n & (n - 1)) != 0)
        {
            Fail($"polynomial modulus degree {n} is not a power of two between 1024 and 65536");
        }
        if (Ckks.CoeffModulusBits is not { Length: >= 2 } bits || bits.Any(b => b < 10 || b > 60))
        {
            Fail("the coefficient modulus needs at least two primes of 10 to 60 bits");
        }
        if (Ckks.SecurityBits is not (0 or 128 or 192 or 256))
        {
            Fail($"security level {Ckks.SecurityBits} is not 0, 128, 192 or 256");
        }
        int slots = Ckks.Slots, top = Ckks.DataLevels - 1;
        if (BlockWidth < 1 || (BlockWidth & (BlockWidth - 1)) != 0 || BlockWidth > slots)
        {
            Fail($"block width {BlockWidth} is not a power of two up to the {slots} slots");
        }
        PlanModel m = Model;
        if (m.Layers < 1 || m.HiddenSize < 1 || m.Heads < 1 || m.HeadDim < 1 || m.IntermediateSize < 1 || m.VocabSize < 1)
        {
            Fail("model dimensions must be positive");
        }
        if (m.KeptHeads is null || m.KeptHeads.Length != m.Layers || AttentionBlocks is null || AttentionBlocks.Length != m.Layers)
        {
            Fail($"kept heads and attention blocks must list {m.Layers} layers");
        }
        for (int l = 0; l < m.Layers; l++)
        {
            int[] heads = m.KeptHeads![l] ?? [];
            if (heads.Any(h => h < 0 || h >= m.Heads) || heads.Distinct().Count() != heads.Length)
            {
                Fail($"kept heads of layer {l} are not distinct heads below {m.Heads}");
            }
            int expected = heads.Length == 0 ? 0 : SlotGeometry.PowerOfTwo(heads.Length * m.HeadDim);
            if (AttentionBlocks![l] != expected || expected > BlockWidth)
            {
                Fail($"attention block of layer {l} is {AttentionBlocks[l]}; {heads.Length} heads of {m.HeadDim} need {expected} (≤ block width {BlockWidth})");
            }
        }
        if (Stages is null || Stages.Count == 0)
        {
            Fail("the plan has no stages");
        }
        var expectedKinds = new List<(int, StageKind)>();
        for (int l = 0; l < m.Layers; l++)
        {
            if (m.KeptHeads![l].Length > 0)
            {
                expectedKinds.Add((l, StageKind.AttentionScores));
                expectedKinds.Add((l, StageKind.AttentionOutput));
            }
            expectedKinds.Add((l, StageKind.MlpGateUp));
            expectedKinds.Add((l, StageKind.MlpOutput));
        }
        if (Mode == ExecutionMode.Hybrid && !Stages!.Select(s => (s.Layer, s.Kind)).SequenceEqual(expectedKinds))
        {
            Fail("the stages are not, per layer, attention scores and output (when heads are kept) then MLP gate/up and output");
        }
        var fullKinds = Enumerable.Range(0, m.Layers).SelectMany(l => m.KeptHeads![l].Length > 0
            ? new[] { (l, StageKind.FullAttention), (l, StageKind.AttentionOutput), (l, StageKind.FullBlock) } : new[] { (l, StageKind.FullBlock) });
        if (Mode == ExecutionMode.Full && !Stages!.Select(s => (s.Layer, s.Kind)).SequenceEqual(fullKinds))
        {
            Fail("the stages are not, per layer, the full-mode attention and attention output (when heads are kept) then the MLP block");
        }
        var used = new SortedSet<int>();
        foreach (HeStage stage in Stages!)
        {
            ValidateStage(stage, top, slots, used, Fail);
        }
        if (RotationSteps is null || !RotationSteps.SequenceEqual(used))
        {
            Fail($"rotation steps [{string.Join(", ", RotationSteps ?? [])}] differ from those the stages use [{string.Join(", ", used)}]");
        }
        if (Cost is null)
        {
            Fail("the plan has no cost");
        }
    }

    private void ValidateStage(HeStage stage, int top, int slots, SortedSet<int> steps, Action<string> fail)
    {
        string at = $"stage '{stage.Name}'";
        if (stage.Inputs is null || stage.Ops is null || stage.Outputs is null)
        {
            fail($"{at} lacks inputs, operations or outputs");
        }
        if (stage.Layer < 0 || stage.Layer >= Model.Layers)
        {
            fail($"{at} names layer {stage.Layer} of {Model.Layers}");
        }
        var levels = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (StageInput input in stage.Inputs!)
        {
            if (input.Level < 0 || input.Level > top)
            {
                fail($"{at}: input '{input.Register}' at level {input.Level}, outside 0…{top}");
            }
            if (input.Width < 1 || input.Period < 1 || (input.Period & (input.Period - 1)) != 0 || input.Period > slots)
            {
                fail($"{at}: input '{input.Register}' has width {input.Width} and period {input.Period} (a power of two up to {slots})");
            }
            if (!(input.ScaleBits is > 0 and < 60))
            {
                fail($"{at}: input '{input.Register}' scale 2^{input.ScaleBits} is out of range");
            }
            input.Quantization?.Validate();
            if (!levels.TryAdd(input.Register, input.Level))
            {
                fail($"{at}: register '{input.Register}' defined twice");
            }
        }
        for (int i = 0; i < stage.Ops!.Count; i++)
        {
            HeOp op = stage.Ops[i];
            string where = $"{at} operation {i} ({op.GetType().Name})";
            if (!levels.TryGetValue(op.In ?? "", out int level))
            {
                fail($"{where} reads register '{op.In}' before it is written");
            }
            if (op.Level != level)
            {
                fail($"{where} expects level {op.Level} but '{op.In}' is at level {level}");
            }
            if (op.OutputLevel < 0 || op.OutputLevel > op.Level)
            {
                fail($"{where} would leave level {op.OutputLevel} (from {op.Level})");
            }
            CheckOp(op, where, slots, steps, fail);
            string? other = op switch { MultiplyOp mul => mul.Other, AddOp add => add.Other, _ => null };
            if (other != null && (!levels.TryGetValue(other, out int otherLevel) || otherLevel < op.Level))
            {
                fail($"{where} reads '{other}', which is not a register at level {op.Level} or above");
            }
            if (op is CacheAppendOp)
            {
                continue;
            }
            if (string.IsNullOrEmpty(op.Out) || levels.ContainsKey(op.Out))
            {
                fail($"{where} writes '{op.Out}', which is empty or already defined");
            }
            levels[op.Out] = op.OutputLevel;
        }
        foreach (StageOutput output in stage.Outputs!)
        {
            if (!levels.TryGetValue(output.Register ?? "", out int level) || level != output.Level)
            {
                fail($"{at}: output '{output.Register}' is not a register at level {output.Level}");
            }
        }
    }

    private void CheckOp(HeOp op, string where, int slots, SortedSet<int> steps, Action<string> fail)
    {
        static bool Pow2(int v) => v >= 1 && (v & (v - 1)) == 0;
        switch (op)
        {
            case ModSwitchOp:
                break;
            case EFormProductOp e:
                if (!Pow2(e.RowPeriod) || e.RowPeriod > BlockWidth || e.Weights is null)
                {
                    fail($"{where}: row period {e.RowPeriod} must be a power of two up to {BlockWidth}, with weights");
                }
                break;
            case BsgsProductOp b:
                if (!Pow2(b.InputPeriod) || b.InputPeriod > slots || b.Weights is null)
                {
                    fail($"{where}: input period {b.InputPeriod} must be a power of two up to {slots}, with weights");
                }
                foreach (int s in SlotGeometry.BabyGiantSteps(b.InputPeriod))
                {
                    steps.Add(s);
                }
                break;
            case RotateSumOp r:
                if (!Pow2(r.Count) || r.Stride < 1 || (long)r.Stride * r.Count > slots)
                {
                    fail($"{where}: rotate-and-sum of {r.Count} × stride {r.Stride} does not fit {slots} slots");
                }
                foreach (int s in SlotGeometry.RotateSumSteps(r.Stride, r.Count))
                {
                    steps.Add(s);
                }
                break;
            case MaskOp mask:
                if (!Pow2(mask.Block) || mask.Width < 1 || mask.Width > mask.Block)
                {
                    fail($"{where}: mask of {mask.Width} in blocks of {mask.Block}");
                }
                break;
            case CacheAppendOp append:
                CheckLayer(append.Layer, where, fail);
                break;
            case AttentionScoresOp scores:
                CheckLayer(scores.Layer, where, fail);
                if (!Pow2(scores.HeadDim))
                {
                    fail($"{where}: head width {scores.HeadDim} must be a power of two");
                }
                foreach (int s in SlotGeometry.RotateSumSteps(1, scores.HeadDim))
                {
                    steps.Add(s);
                }
                break;
            case AttentionContextOp context:
                CheckLayer(context.Layer, where, fail);
                if (context.Block != AttentionBlocks[context.Layer])
                {
                    fail($"{where}: block {context.Block} differs from the layer's attention block {AttentionBlocks[context.Layer]}");
                }
                foreach (int s in SlotGeometry.RotateSumSteps(context.Block, slots / context.Block))
                {
                    steps.Add(s);
                }
                break;
            case NormAffineOp norm:
                if (!Pow2(norm.Period))
                {
                    fail($"{where}: period {norm.Period}");
                }
                break;
            case RotaryOp rotary:
                if (rotary.HeadDim < 2 || rotary.HeadDim % 2 != 0 || !Pow2(rotary.Period))
                {
                    fail($"{where}: rotary needs an even head width and a power-of-two period");
                }
                steps.Add(rotary.HeadDim / 2);
                steps.Add(-(rotary.HeadDim / 2));
                break;
            case ScaleOp scale:
                if (!double.IsFinite(scale.Value))
                {
                    fail($"{where}: the constant is not finite");
                }
                break;
            case AddBiasOp:
                break;
            case MultiplyOp or AddOp:
                break;
            case PolynomialOp polynomial:
                if (polynomial.Approximation is null || polynomial.Approximation.Squarings != 0 || polynomial.Approximation.NewtonIterations != 0 ||
                    polynomial.Approximation.Coefficients is not { Length: >= 1 } || !double.IsFinite(polynomial.Multiplier) || !double.IsFinite(polynomial.Offset))
                {
                    fail($"{where}: the polynomial must be a plain Chebyshev series with finite coefficients and map");
                }
                break;
            case ReplicateOp replicate:
                if (!Pow2(replicate.Period) || replicate.Period * 2 > slots)
                {
                    fail($"{where}: replication period {replicate.Period} must be a power of two up to half the slots");
                }
                steps.Add(-replicate.Period);
                break;
            default:
                fail($"{where}: unknown operation");
                break;
        }
    }

    private void CheckLayer(int layer, string where, Action<string> fail)
    {
        if (layer < 0 || layer >= Model.Layers || Model.KeptHeads[layer].Length == 0)
        {
            fail($"{where}: layer {layer} has no attention");
        }
    }
}

/// <summary>Predicted cost of one token.</summary>
public sealed record PlanCost
{
    /// <summary>Context length the attention costs were computed for.</summary>
    public required int ContextLength { get; init; }

    /// <summary>Primitive counts.</summary>
    public required OperationCounts Counts { get; init; }

    /// <summary>Longest chain of rescales between two client refreshes.</summary>
    public required int Depth { get; init; }

    /// <summary>Predicted miner time in cost units (≈ ms on the reference machine, see <see cref="HeCostModel"/>).</summary>
    public required double MinerUnits { get; init; }

    /// <summary>Predicted client time in cost units.</summary>
    public required double ClientUnits { get; init; }

    /// <summary>Predicted bytes from client to miner (ciphertexts, seeded form).</summary>
    public required long BytesToMiner { get; init; }

    /// <summary>Predicted bytes from miner to client.</summary>
    public required long BytesToClient { get; init; }

    /// <summary>Client round trips.</summary>
    public required int RoundTrips { get; init; }
}

/// <summary>Counts of homomorphic primitives.</summary>
public sealed record OperationCounts
{
    /// <summary>Slot rotations (key switches).</summary>
    public int Rotations { get; init; }

    /// <summary>Relinearizations (key switches).</summary>
    public int Relinearizations { get; init; }

    /// <summary>Ciphertext × plaintext multiplications.</summary>
    public int PlainMultiplications { get; init; }

    /// <summary>Ciphertext × ciphertext multiplications.</summary>
    public int CiphertextMultiplications { get; init; }

    /// <summary>Rescales.</summary>
    public int Rescales { get; init; }

    /// <summary>Additions.</summary>
    public int Additions { get; init; }

    /// <summary>Plaintexts encoded per token (position-dependent weights and masks).</summary>
    public int Encodings { get; init; }

    /// <summary>Ciphertexts the client encrypts.</summary>
    public int Encryptions { get; init; }

    /// <summary>Ciphertexts the client decrypts.</summary>
    public int Decryptions { get; init; }

    /// <summary>All homomorphic operations on the miner.</summary>
    [JsonIgnore]
    public int Total => Rotations + Relinearizations + PlainMultiplications + CiphertextMultiplications + Rescales + Additions;
}

/// <summary>A digest binding a plan to its weights.</summary>
public static class WeightsDigest
{
    /// <summary>SHA-256 over every tensor (name, shape, float32 bytes) in name order, as lowercase hex.</summary>
    public static string Compute(SqueezedModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        foreach (var (name, tensor) in model.Tensors.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(name + "[" + string.Join(",", tensor.Shape) + "]"));
            hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(tensor.Data.AsSpan()));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
