namespace BasedAI.Inference.Model;

/// <summary>The two architectures the engine runs.</summary>
public enum ModelArchitecture
{
    /// <summary>GPT-2: learned positions, LayerNorm, GELU (tanh approximation), biases, tied LM head.</summary>
    Gpt2,

    /// <summary>Llama: RMSNorm, rotary positions (RoPE), SwiGLU MLP, grouped-query attention, no biases.</summary>
    Llama,
}

/// <summary>Shape and hyper-parameters of a decoder-only transformer.</summary>
public sealed record TransformerConfig
{
    /// <summary>Which architecture (decides norm, activation, positions, biases).</summary>
    public required ModelArchitecture Architecture { get; init; }

    /// <summary>Number of tokens in the vocabulary (rows of the embedding and LM head).</summary>
    public required int VocabSize { get; init; }

    /// <summary>Width of the residual stream (d_model).</summary>
    public required int HiddenSize { get; init; }

    /// <summary>Number of transformer blocks.</summary>
    public required int LayerCount { get; init; }

    /// <summary>Number of query heads.</summary>
    public required int HeadCount { get; init; }

    /// <summary>Number of key/value heads (&lt; <see cref="HeadCount"/> for grouped-query attention).</summary>
    public required int KeyValueHeadCount { get; init; }

    /// <summary>Width of the MLP's hidden layer.</summary>
    public required int IntermediateSize { get; init; }

    /// <summary>Longest sequence the model supports (learned positions / RoPE table).</summary>
    public required int MaxSequenceLength { get; init; }

    /// <summary>Epsilon added to the variance (LayerNorm) or mean square (RMSNorm).</summary>
    public float NormEpsilon { get; init; } = 1e-5f;

    /// <summary>RoPE base frequency (Llama).</summary>
    public float RopeTheta { get; init; } = 10000f;

    /// <summary>Whether the LM head reuses the token embedding matrix.</summary>
    public bool TieWordEmbeddings { get; init; } = true;

    /// <summary>Beginning-of-sequence token id, or -1.</summary>
    public int BosTokenId { get; init; } = -1;

    /// <summary>Tokens that end generation by default.</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary>Width of one attention head.</summary>
    public int HeadDim => HiddenSize / HeadCount;

    /// <summary>Width of the key (and value) projection: <see cref="KeyValueHeadCount"/> × <see cref="HeadDim"/>.</summary>
    public int KeyValueSize => KeyValueHeadCount * HeadDim;

    /// <summary>Checks that the numbers fit together; throws <see cref="InvalidDataException"/> naming what does not.</summary>
    public void Validate()
    {
        static void Positive(int value, string name)
        {
            if (value <= 0)
            {
                throw new InvalidDataException($"model config: {name} must be positive, got {value}");
            }
        }
        Positive(VocabSize, "vocab size");
        Positive(HiddenSize, "hidden size");
        Positive(LayerCount, "layer count");
        Positive(HeadCount, "head count");
        Positive(KeyValueHeadCount, "key/value head count");
        Positive(IntermediateSize, "intermediate size");
        Positive(MaxSequenceLength, "max sequence length");
        if (HiddenSize % HeadCount != 0)
        {
            throw new InvalidDataException($"model config: hidden size {HiddenSize} is not a multiple of the head count {HeadCount}");
        }
        if (HeadCount % KeyValueHeadCount != 0)
        {
            throw new InvalidDataException($"model config: head count {HeadCount} is not a multiple of the key/value head count {KeyValueHeadCount}");
        }
        if (Architecture == ModelArchitecture.Llama && HeadDim % 2 != 0)
        {
            throw new InvalidDataException($"model config: rotary embeddings need an even head dimension, got {HeadDim}");
        }
        if (!(NormEpsilon > 0) || !(RopeTheta > 0))
        {
            throw new InvalidDataException("model config: norm epsilon and rope theta must be positive");
        }
    }
}
