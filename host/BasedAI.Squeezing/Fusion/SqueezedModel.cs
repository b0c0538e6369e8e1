using System.Text.Json;
using BasedAI.Inference.Formats;
using BasedAI.Inference.Model;
using BasedAI.Inference.Tensors;
using Tensor = BasedAI.Inference.Tensors.Tensor;

namespace BasedAI.Squeezing.Fusion;

/// <summary>Which fusions to apply when building the execution weights (all on for a squeezed model, all off for the baseline).</summary>
public sealed record FusionOptions
{
    /// <summary>Every fusion on.</summary>
    public static FusionOptions All { get; } = new();

    /// <summary>No fusion: the baseline an unsqueezed model compiles to.</summary>
    public static FusionOptions None { get; } = new() { FoldNormAffine = false, FoldAttentionScale = false, PackProjections = false, FoldRotary = false };

    /// <summary>Fold each norm's scale γ (and LayerNorm's shift β) into the linear layers that follow it.</summary>
    public bool FoldNormAffine { get; init; } = true;

    /// <summary>Fold the attention scale 1/√headDim into the query projection.</summary>
    public bool FoldAttentionScale { get; init; } = true;

    /// <summary>Compute K and V in one complex-slot product (k + i·v), and gate and up likewise, instead of separate products.</summary>
    public bool PackProjections { get; init; } = true;

    /// <summary>Fold the rotary position embedding into the per-position query/key product instead of a separate encrypted step.</summary>
    public bool FoldRotary { get; init; } = true;
}

/// <summary>
/// A transformer in the form the encrypted pipeline executes: heads selected, K/V expanded to one row block per kept query
/// head (so grouped-query attention needs no gather under encryption), and the chosen fusions applied. Linear weights are
/// [out, in] with <c>in</c> = hidden (+1 for GPT-2, whose biases become a last column multiplying a constant 1 the client
/// appends to every encrypted input). Tensor names:
/// <list type="bullet">
/// <item><c>embed.tokens.weight</c> [vocab, d], <c>embed.positions.weight</c> (GPT-2): the client's embeddings</item>
/// <item><c>layers.{i}.attn.q|k|v.weight</c> [heads·hd, in], <c>layers.{i}.attn.o.weight</c> [d, heads·hd],
/// <c>layers.{i}.attn.o.bias</c> (GPT-2); absent when the layer keeps no head</item>
/// <item><c>layers.{i}.mlp.gate.weight</c> (Llama), <c>layers.{i}.mlp.up.weight</c> [f, in], <c>layers.{i}.mlp.down.weight</c> [d, f(+1)]</item>
/// <item><c>layers.{i}.attn_norm.weight|bias</c>, <c>layers.{i}.mlp_norm.weight|bias</c>, <c>final_norm.weight|bias</c>: only when not folded</item>
/// <item><c>lm_head.weight</c> [vocab, d] (final γ folded when folding), <c>lm_head.bias</c> (GPT-2 folded β)</item>
/// </list>
/// </summary>
public sealed class SqueezedModel
{
    /// <summary>Format tag written into the safetensors metadata.</summary>
    public const string FormatTag = "basedai.squeezed-model/1";

    private readonly Dictionary<string, Tensor> _tensors;

    private SqueezedModel(TransformerConfig config, IReadOnlyList<int[]> keptHeads, FusionOptions fusion, Dictionary<string, Tensor> tensors)
    {
        Config = config;
        KeptHeads = keptHeads;
        Fusion = fusion;
        _tensors = tensors;
        Rotary = config.Architecture == ModelArchitecture.Llama ? new RotaryTable(config.HeadDim, config.MaxSequenceLength, config.RopeTheta) : null;
    }

    /// <summary>The original model's shape and hyper-parameters.</summary>
    public TransformerConfig Config { get; }

    /// <summary>Kept query heads of every layer, ascending (empty: the layer's attention is removed).</summary>
    public IReadOnlyList<int[]> KeptHeads { get; }

    /// <summary>The fusions applied.</summary>
    public FusionOptions Fusion { get; }

    /// <summary>Tensors by name (see the class summary).</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors => _tensors;

    /// <summary>RoPE table (Llama), or null.</summary>
    public RotaryTable? Rotary { get; }

    /// <summary>Whether linear layers carry a bias column (GPT-2).</summary>
    public bool HasBiases => Config.Architecture == ModelArchitecture.Gpt2;

    /// <summary>Width of an encrypted input vector: the hidden size, plus the constant 1 for bias columns.</summary>
    public int InputWidth => Config.HiddenSize + (HasBiases ? 1 : 0);

    /// <summary>Width of the MLP activation vector the down projection reads (plus the constant 1 for its bias).</summary>
    public int ActivationWidth => Config.IntermediateSize + (HasBiases ? 1 : 0);

    /// <summary>Norm kind of the architecture.</summary>
    public NormKind NormKind => Config.Architecture == ModelArchitecture.Gpt2 ? NormKind.LayerNorm : NormKind.RmsNorm;

    /// <summary>Total kept query heads.</summary>
    public int KeptHeadCount => KeptHeads.Sum(h => h.Length);

    /// <summary>A tensor by name; throws <see cref="InvalidDataException"/> naming it when missing.</summary>
    public Tensor Tensor(string name) =>
        _tensors.TryGetValue(name, out Tensor? t) ? t : throw new InvalidDataException($"squeezed model: missing tensor '{name}'");

    /// <summary>A tensor by name, or null.</summary>
    public Tensor? TryTensor(string name) => _tensors.GetValueOrDefault(name);

    /// <summary>Keeps every head of <paramref name="config"/>.</summary>
    public static int[][] AllHeads(TransformerConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return Enumerable.Range(0, config.LayerCount).Select(_ => Enumerable.Range(0, config.HeadCount).ToArray()).ToArray();
    }

    /// <summary>Builds the execution weights of <paramref name="model"/> with the given heads and fusions.</summary>
    public static SqueezedModel Build(TransformerModel model, IReadOnlyList<int[]> keptHeads, FusionOptions fusion)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(keptHeads);
        ArgumentNullException.ThrowIfNull(fusion);
        TransformerConfig config = model.Config;
        if (model.IsQuantized)
        {
            throw new ArgumentException("squeezing works on float32 weights; load the model without int8 quantization");
        }
        int[][] heads = CheckHeads(config, keptHeads);
        int d = config.HiddenSize, hd = config.HeadDim, f = config.IntermediateSize, group = config.HeadCount / config.KeyValueHeadCount;
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["embed.tokens.weight"] = Copy(model.TokenEmbedding, "embed.tokens.weight"),
        };
        if (model.PositionEmbedding is { } positions)
        {
            tensors["embed.positions.weight"] = Copy(positions, "embed.positions.weight");
        }
        for (int l = 0; l < config.LayerCount; l++)
        {
            TransformerBlock block = model.Blocks[l];
            string p = $"layers.{l}.";
            int[] kept = heads[l];
            if (kept.Length > 0)
            {
                int rows = kept.Length * hd;
                double queryScale = fusion.FoldAttentionScale ? 1 / Math.Sqrt(hd) : 1;
                int[] queryRows = kept.SelectMany(h => Enumerable.Range(h * hd, hd)).ToArray();
                int[] kvRows = kept.SelectMany(h => Enumerable.Range(h / group * hd, hd)).ToArray();
                tensors[p + "attn.q.weight"] = Project(block.Query, queryRows, block.AttentionNorm, fusion.FoldNormAffine, queryScale, p + "attn.q.weight");
                tensors[p + "attn.k.weight"] = Project(block.Key, kvRows, block.AttentionNorm, fusion.FoldNormAffine, 1, p + "attn.k.weight");
                tensors[p + "attn.v.weight"] = Project(block.Value, kvRows, block.AttentionNorm, fusion.FoldNormAffine, 1, p + "attn.v.weight");
                float[] output = new float[d * rows];
                float[] o = block.Output.Weight!.Data;
                for (int r = 0; r < d; r++)
                {
                    for (int c = 0; c < rows; c++)
                    {
                        output[(r * rows) + c] = o[(r * config.HeadCount * hd) + queryRows[c]];
                    }
                }
                tensors[p + "attn.o.weight"] = new Tensor(p + "attn.o.weight", [d, rows], output);
                if (block.Output.Bias is { } ob)
                {
                    tensors[p + "attn.o.bias"] = Copy(ob, p + "attn.o.bias");
                }
                if (!fusion.FoldNormAffine)
                {
                    AddNorm(tensors, block.AttentionNorm, p + "attn_norm");
                }
            }
            int[] all = Enumerable.Range(0, f).ToArray();
            if (block.Gate is { } gate)
            {
                tensors[p + "mlp.gate.weight"] = Project(gate, all, block.MlpNorm, fusion.FoldNormAffine, 1, p + "mlp.gate.weight");
            }
            tensors[p + "mlp.up.weight"] = Project(block.Up, all, block.MlpNorm, fusion.FoldNormAffine, 1, p + "mlp.up.weight");
            tensors[p + "mlp.down.weight"] = WithBiasColumn(block.Down, p + "mlp.down.weight");
            if (!fusion.FoldNormAffine)
            {
                AddNorm(tensors, block.MlpNorm, p + "mlp_norm");
            }
        }
        Tensor head = model.LmHead.Weight ?? throw new ArgumentException("the LM head has no float32 weights");
        if (fusion.FoldNormAffine)
        {
            float[] folded = new float[head.Length];
            float[] gamma = model.FinalNorm.Scale.Data;
            for (int v = 0; v < config.VocabSize; v++)
            {
                for (int c = 0; c < d; c++)
                {
                    folded[(v * d) + c] = head.Data[(v * d) + c] * gamma[c];
                }
            }
            tensors["lm_head.weight"] = new Tensor("lm_head.weight", [config.VocabSize, d], folded);
            if (model.FinalNorm.Bias is { } beta)
            {
                float[] bias = new float[config.VocabSize];
                for (int v = 0; v < config.VocabSize; v++)
                {
                    double s = 0;
                    for (int c = 0; c < d; c++)
                    {
                        s += (double)head.Data[(v * d) + c] * beta.Data[c];
                    }
                    bias[v] = (float)s;
                }
                tensors["lm_head.bias"] = new Tensor("lm_head.bias", [config.VocabSize], bias);
            }
        }
        else
        {
            tensors["lm_head.weight"] = Copy(head, "lm_head.weight");
            AddNorm(tensors, model.FinalNorm, "final_norm");
        }
        return new SqueezedModel(config, heads, fusion, tensors);
    }

    /// <summary>Writes the weights as safetensors with the configuration, heads and fusions in the metadata.</summary>
    public void Save(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var metadata = new Dictionary<string, string>
        {
            ["format"] = FormatTag,
            ["config"] = JsonSerializer.Serialize(Config, SqueezeJson.Options),
            ["kept_heads"] = JsonSerializer.Serialize(KeptHeads, SqueezeJson.Options),
            ["fusion"] = JsonSerializer.Serialize(Fusion, SqueezeJson.Options),
        };
        SafeTensorFile.Write(path, _tensors.Values, metadata);
    }

    /// <summary>Reads weights written by <see cref="Save"/>; a file that is not one, or is inconsistent, gets an error naming the problem.</summary>
    public static SqueezedModel Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using SafeTensorFile file = SafeTensorFile.Open(path);
        if (!file.Metadata.TryGetValue("format", out string? format) || format != FormatTag)
        {
            throw new InvalidDataException($"{path}: not a squeezed model (metadata format '{format ?? "missing"}', expected '{FormatTag}')");
        }
        TransformerConfig config;
        int[][] heads;
        FusionOptions fusion;
        try
        {
            config = JsonSerializer.Deserialize<TransformerConfig>(Meta(file, "config"), SqueezeJson.Options)
                ?? throw new InvalidDataException("config is null");
            config.Validate();
            heads = JsonSerializer.Deserialize<int[][]>(Meta(file, "kept_heads"), SqueezeJson.Options) ?? throw new InvalidDataException("kept_heads is null");
            fusion = JsonSerializer.Deserialize<FusionOptions>(Meta(file, "fusion"), SqueezeJson.Options) ?? throw new InvalidDataException("fusion is null");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: squeezed-model metadata is not valid JSON: {e.Message}", e);
        }
        heads = CheckHeads(config, heads);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (string name in file.Tensors.Keys)
        {
            tensors[name] = file.Read(name);
        }
        var model = new SqueezedModel(config, heads, fusion, tensors);
        model.CheckShapes(path);
        return model;
    }

    private void CheckShapes(string source)
    {
        int d = Config.HiddenSize, hd = Config.HeadDim, f = Config.IntermediateSize, inW = InputWidth, v = Config.VocabSize;
        var expected = new Dictionary<string, int[]>(StringComparer.Ordinal)
        {
            ["embed.tokens.weight"] = [v, d],
            ["lm_head.weight"] = [v, d],
        };
        if (HasBiases)
        {
            expected["embed.positions.weight"] = [Config.MaxSequenceLength, d];
            if (Fusion.FoldNormAffine)
            {
                expected["lm_head.bias"] = [v];
            }
        }
        if (!Fusion.FoldNormAffine)
        {
            expected["final_norm.weight"] = [d];
            if (HasBiases)
            {
                expected["final_norm.bias"] = [d];
            }
        }
        for (int l = 0; l < Config.LayerCount; l++)
        {
            string p = $"layers.{l}.";
            int rows = KeptHeads[l].Length * hd;
            if (rows > 0)
            {
                expected[p + "attn.q.weight"] = [rows, inW];
                expected[p + "attn.k.weight"] = [rows, inW];
                expected[p + "attn.v.weight"] = [rows, inW];
                expected[p + "attn.o.weight"] = [d, rows];
                if (HasBiases)
                {
                    expected[p + "attn.o.bias"] = [d];
                }
                if (!Fusion.FoldNormAffine)
                {
                    expected[p + "attn_norm.weight"] = [d];
                    if (HasBiases)
                    {
                        expected[p + "attn_norm.bias"] = [d];
                    }
                }
            }
            if (!HasBiases)
            {
                expected[p + "mlp.gate.weight"] = [f, inW];
            }
            expected[p + "mlp.up.weight"] = [f, inW];
            expected[p + "mlp.down.weight"] = [d, ActivationWidth];
            if (!Fusion.FoldNormAffine)
            {
                expected[p + "mlp_norm.weight"] = [d];
                if (HasBiases)
                {
                    expected[p + "mlp_norm.bias"] = [d];
                }
            }
        }
        foreach ((string name, int[] shape) in expected)
        {
            if (!_tensors.TryGetValue(name, out Tensor? t))
            {
                throw new InvalidDataException($"{source}: missing tensor '{name}' (expected [{string.Join(", ", shape)}])");
            }
            if (!t.Shape.SequenceEqual(shape))
            {
                throw new InvalidDataException($"{source}: tensor '{name}' has shape {t.ShapeText}, expected [{string.Join(", ", shape)}]");
            }
            foreach (float value in t.Data)
            {
                if (!float.IsFinite(value))
                {
                    throw new InvalidDataException($"{source}: tensor '{name}' holds a non-finite value");
                }
            }
        }
        string? extra = _tensors.Keys.FirstOrDefault(k => !expected.ContainsKey(k));
        if (extra != null)
        {
            throw new InvalidDataException($"{source}: unexpected tensor '{extra}'");
        }
    }

    private static string Meta(SafeTensorFile file, string key) =>
        file.Metadata.TryGetValue(key, out string? value) ? value : throw new InvalidDataException($"{file.Path}: squeezed-model metadata lacks '{key}'");

    private static int[][] CheckHeads(TransformerConfig config, IReadOnlyList<int[]> keptHeads)
    {
        if (keptHeads.Count != config.LayerCount)
        {
            throw new InvalidDataException($"kept heads list {keptHeads.Count} layers; the model has {config.LayerCount}");
        }
        var result = new int[config.LayerCount][];
        for (int l = 0; l < keptHeads.Count; l++)
        {
            int[] heads = keptHeads[l] ?? throw new InvalidDataException($"kept heads of layer {l} are missing");
            for (int i = 0; i < heads.Length; i++)
            {
                if ((uint)heads[i] >= (uint)config.HeadCount || (i > 0 && heads[i] <= heads[i - 1]))
                {
                    throw new InvalidDataException($"kept heads of layer {l} must be distinct, ascending and below {config.HeadCount}: [{string.Join(", ", heads)}]");
                }
            }
            result[l] = heads.ToArray();
        }
        return result;
    }

    /// <summary>Selected rows of a linear layer, with the norm affine folded (γ into columns, W·β into the bias) and a scale.</summary>
    private static Tensor Project(Linear linear, int[] rows, Norm norm, bool fold, double scale, string name)
    {
        float[] w = linear.Weight!.Data;
        int inFeatures = linear.InFeatures;
        bool bias = linear.Bias != null || norm.Bias != null;
        int width = inFeatures + (bias ? 1 : 0);
        float[] result = new float[rows.Length * width];
        float[] gamma = norm.Scale.Data;
        for (int r = 0; r < rows.Length; r++)
        {
            int source = rows[r];
            double b = linear.Bias?.Data[source] ?? 0;
            for (int c = 0; c < inFeatures; c++)
            {
                double weight = w[(source * inFeatures) + c];
                if (fold)
                {
                    if (norm.Bias != null)
                    {
                        b += weight * norm.Bias.Data[c];
                    }
                    weight *= gamma[c];
                }
                result[(r * width) + c] = (float)(weight * scale);
            }
            if (bias)
            {
                result[(r * width) + inFeatures] = (float)(b * scale);
            }
        }
        return new Tensor(name, [rows.Length, width], result);
    }

    private static Tensor WithBiasColumn(Linear linear, string name)
    {
        if (linear.Bias == null)
        {
            return Copy(linear.Weight!, name);
        }
        int width = linear.InFeatures + 1;
        float[] result = new float[linear.OutFeatures * width];
        for (int r = 0; r < linear.OutFeatures; r++)
        {
            linear.Weight!.Data.AsSpan(r * linear.InFeatures, linear.InFeatures).CopyTo(result.AsSpan(r * width));
            result[(r * width) + linear.InFeatures] = linear.Bias.Data[r];
        }
        return new Tensor(name, [linear.OutFeatures, width], result);
    }

    private static void AddNorm(Dictionary<string, Tensor> tensors, Norm norm, string prefix)
    {
        tensors[prefix + ".weight"] = Copy(norm.Scale, prefix + ".weight");
        if (norm.Bias != null)
        {
            tensors[prefix + ".bias"] = Copy(norm.Bias, prefix + ".bias");
        }
    }

    private static Tensor Copy(Tensor tensor, string name) => new(name, (int[])tensor.Shape.Clone(), (float[])tensor.Data.Clone());
}
