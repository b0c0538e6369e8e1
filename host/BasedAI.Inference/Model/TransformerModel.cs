using BasedAI.Inference.Tensors;

namespace BasedAI.Inference.Model;

/// <summary>
/// A decoder-only transformer (GPT-2 or Llama) held as named float32 tensors. Canonical tensor names, whatever file
/// the model came from:
/// <list type="bullet">
/// <item><c>embed.tokens.weight</c> [vocab, hidden]; <c>embed.positions.weight</c> [maxSeq, hidden] (GPT-2)</item>
/// <item><c>layers.{i}.attn_norm.weight|bias</c>, <c>layers.{i}.attn.{q,k,v,o}.weight|bias</c></item>
/// <item><c>layers.{i}.mlp_norm.weight|bias</c>, <c>layers.{i}.mlp.{gate,up,down}.weight|bias</c></item>
/// <item><c>final_norm.weight|bias</c>, <c>lm_head.weight</c> [vocab, hidden] (the embedding itself when tied)</item>
/// </list>
/// Biases exist only for GPT-2, <c>mlp.gate</c> and RoPE only for Llama. Run it through an <see cref="InferenceSession"/>.
/// </summary>
public sealed class TransformerModel
{
    private readonly Dictionary<string, Tensor> _tensors;

    private TransformerModel(TransformerConfig config, Dictionary<string, Tensor> tensors, Tensor tokenEmbedding,
        Tensor? positionEmbedding, TransformerBlock[] blocks, Norm finalNorm, Linear lmHead)
    {
        Config = config;
        _tensors = tensors;
        TokenEmbedding = tokenEmbedding;
        PositionEmbedding = positionEmbedding;
        Blocks = blocks;
        FinalNorm = finalNorm;
        LmHead = lmHead;
        Rotary = config.Architecture == ModelArchitecture.Llama ? new RotaryTable(config.HeadDim, config.MaxSequenceLength, config.RopeTheta) : null;
    }

    /// <summary>Shape and hyper-parameters.</summary>
    public TransformerConfig Config { get; }

    /// <summary>Token embedding [vocab, hidden].</summary>
    public Tensor TokenEmbedding { get; }

    /// <summary>Learned position embedding [maxSeq, hidden] (GPT-2), or null.</summary>
    public Tensor? PositionEmbedding { get; }

    /// <summary>The blocks, in order.</summary>
    public IReadOnlyList<TransformerBlock> Blocks { get; }

    /// <summary>The norm after the last block.</summary>
    public Norm FinalNorm { get; }

    /// <summary>LM head [vocab, hidden] (shares <see cref="TokenEmbedding"/> when tied).</summary>
    public Linear LmHead { get; }

    /// <summary>RoPE cos/sin table (Llama), or null.</summary>
    public RotaryTable? Rotary { get; }

    /// <summary>Every tensor by canonical name (see the class summary).</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors => _tensors;

    /// <summary>Canonical tensor names, in forward order.</summary>
    public IEnumerable<string> TensorNames => _tensors.Keys;

    /// <summary>Total number of parameters (a tied LM head counted once).</summary>
    public long ParameterCount => _tensors.Values.Distinct().Sum(t => (long)t.Length) +
        Blocks.SelectMany(b => b.Linears).Where(l => l.IsQuantized).Sum(l => (long)l.OutFeatures * l.InFeatures) +
        (LmHead.IsQuantized && !Config.TieWordEmbeddings ? (long)LmHead.OutFeatures * LmHead.InFeatures : 0);

    /// <summary>Whether the linear layers hold int8 weights.</summary>
    public bool IsQuantized => Blocks.Count > 0 && Blocks[0].Query.IsQuantized;

    /// <summary>Starts a session (KV cache and work buffers) over this model.</summary>
    public InferenceSession CreateSession(InferenceOptions? options = null) => new(this, options ?? new InferenceOptions());

    /// <summary>
    /// Quantizes every block's projections to int8 with per-output-row scales (and the LM head unless it is tied to the
    /// embedding, which stays float32 for the lookups). Their float32 tensors leave <see cref="Tensors"/>.
    /// </summary>
    public void QuantizeInt8()
    {
        IEnumerable<Linear> linears = Blocks.SelectMany(b => b.Linears);
        if (!Config.TieWordEmbeddings)
        {
            linears = linears.Append(LmHead);
        }
        foreach (Linear linear in linears)
        {
            if (!linear.IsQuantized)
            {
                _tensors.Remove(linear.Weight!.Name);
                linear.QuantizeInt8();
            }
        }
    }

    /// <summary>
    /// Builds a model from tensors with canonical names, checking that every tensor the architecture needs is there
    /// with the shape the config implies. Throws <see cref="InvalidDataException"/> naming the first problem.
    /// </summary>
    public static TransformerModel Create(TransformerConfig config, IReadOnlyDictionary<string, Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(tensors);
        config.Validate();
        bool gpt2 = config.Architecture == ModelArchitecture.Gpt2;
        var ordered = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var used = new HashSet<string>(StringComparer.Ordinal);
        int d = config.HiddenSize, f = config.IntermediateSize, qd = config.HeadCount * config.HeadDim, kvd = config.KeyValueSize;

        Tensor Get(string name, params int[] shape)
        {
            if (!tensors.TryGetValue(name, out Tensor? t))
            {
                throw new InvalidDataException($"missing tensor '{name}' (expected shape [{string.Join(", ", shape)}])");
            }
            if (!t.Shape.SequenceEqual(shape))
            {
                throw new InvalidDataException($"tensor '{name}' has shape {t.ShapeText}, but the config implies [{string.Join(", ", shape)}]");
            }
            used.Add(name);
            ordered[name] = t;
            return t;
        }
        Tensor? Optional(string name, bool present, params int[] shape) => present ? Get(name, shape) : null;
        Norm MakeNorm(string prefix) => new(gpt2 ? NormKind.LayerNorm : NormKind.RmsNorm, Get(prefix + ".weight", d),
            Optional(prefix + ".bias", gpt2, d), config.NormEpsilon);
        Linear MakeLinear(string prefix, int outDim, int inDim) => new(Get(prefix + ".weight", outDim, inDim), Optional(prefix + ".bias", gpt2, outDim));

        Tensor embedding = Get("embed.tokens.weight", config.VocabSize, d);
        Tensor? positions = Optional("embed.positions.weight", gpt2, config.MaxSequenceLength, d);
        var blocks = new TransformerBlock[config.LayerCount];
        for (int i = 0; i < blocks.Length; i++)
        {
            string p = $"layers.{i}.";
            Norm attentionNorm = MakeNorm(p + "attn_norm");
            Linear q = MakeLinear(p + "attn.q", qd, d), k = MakeLinear(p + "attn.k", kvd, d), v = MakeLinear(p + "attn.v", kvd, d);
            Linear o = MakeLinear(p + "attn.o", d, qd);
            Norm mlpNorm = MakeNorm(p + "mlp_norm");
            Linear? gate = gpt2 ? null : MakeLinear(p + "mlp.gate", f, d);
            Linear up = MakeLinear(p + "mlp.up", f, d);
            Linear down = MakeLinear(p + "mlp.down", d, f);
            blocks[i] = new TransformerBlock(i, attentionNorm, q, k, v, o, mlpNorm, up, gate, down);
        }
        Norm finalNorm = MakeNorm("final_norm");
        Tensor head = config.TieWordEmbeddings ? embedding : Get("lm_head.weight", config.VocabSize, d);
        if (config.TieWordEmbeddings)
        {
            ordered["lm_head.weight"] = embedding;
            used.Add("lm_head.weight");
        }
        string? extra = tensors.Keys.FirstOrDefault(k => !used.Contains(k));
        if (extra != null)
        {
            throw new InvalidDataException($"unexpected tensor '{extra}' for a {config.Architecture} model with {config.LayerCount} layers");
        }
        return new TransformerModel(config, ordered, embedding, positions, blocks, finalNorm, new Linear(head));
    }
}
