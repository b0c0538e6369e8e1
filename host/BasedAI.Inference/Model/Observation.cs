namespace BasedAI.Inference.Model;

/// <summary>The points of a forward pass where activations can be observed, in forward order.</summary>
public enum ActivationSite
{
    /// <summary>Token (+ position) embedding: the residual stream entering block 0. [rows, hidden]</summary>
    Embedding,
    /// <summary>Output of the norm before attention. [rows, hidden]</summary>
    AttentionNormOutput,
    /// <summary>Queries after RoPE (Llama) or as projected (GPT-2). [rows, heads·headDim]</summary>
    Query,
    /// <summary>Keys after RoPE (Llama) or as projected (GPT-2). [rows, kvHeads·headDim]</summary>
    Key,
    /// <summary>Values. [rows, kvHeads·headDim]</summary>
    Value,
    /// <summary>Raw attention scores q·k/√d of one head for one row, before softmax. [1, position+1]</summary>
    AttentionScores,
    /// <summary>Attention probabilities of one head for one row, after softmax. [1, position+1]</summary>
    AttentionProbabilities,
    /// <summary>Per-head weighted sums of values, concatenated, after head masking. [rows, heads·headDim]</summary>
    AttentionContext,
    /// <summary>Output projection of the attention. [rows, hidden]</summary>
    AttentionOutput,
    /// <summary>Residual stream after the attention residual add. [rows, hidden]</summary>
    ResidualAfterAttention,
    /// <summary>Output of the norm before the MLP. [rows, hidden]</summary>
    MlpNormOutput,
    /// <summary>MLP pre-activation: Up·x (GPT-2) or Gate·x (Llama, the SiLU input). [rows, intermediate]</summary>
    MlpPreActivation,
    /// <summary>MLP hidden after the non-linearity (GELU, or SiLU(gate)⊙up for Llama). [rows, intermediate]</summary>
    MlpActivation,
    /// <summary>MLP output projection. [rows, hidden]</summary>
    MlpOutput,
    /// <summary>Residual stream leaving the block. [rows, hidden]</summary>
    BlockOutput,
    /// <summary>Output of the final norm. [rows, hidden]</summary>
    FinalNormOutput,
    /// <summary>Logits. [rows, vocab]</summary>
    Logits,
}

/// <summary>Where an observed activation comes from.</summary>
/// <param name="Site">The point in the forward pass.</param>
/// <param name="Layer">Block index, or -1 outside blocks.</param>
/// <param name="Head">Attention head for per-head sites, else -1.</param>
/// <param name="StartPosition">Sequence position of the first row.</param>
/// <param name="Rows">Number of rows (positions) in the values.</param>
/// <param name="Width">Values per row.</param>
public readonly record struct ActivationEvent(ActivationSite Site, int Layer, int Head, int StartPosition, int Rows, int Width);

/// <summary>
/// Receives activations during a forward pass (<see cref="InferenceSession.Observer"/>). Values are only valid during the
/// call: copy what you keep. While an observer is set, attention runs on one thread so calls arrive in order.
/// </summary>
public interface IActivationObserver
{
    /// <summary>Called once per site, layer (and head, row for per-head sites) with [Rows, Width] values.</summary>
    void Observe(in ActivationEvent activation, ReadOnlySpan<float> values);
}

/// <summary>
/// Per-head multipliers applied to each head's attention output before the output projection: 1 keeps a head, 0 ablates
/// it (its contribution to the residual stream is removed), anything else scales it.
/// </summary>
public sealed class HeadMask
{
    private readonly float[] _scales;

    /// <summary>A mask that keeps every head of a model with the given shape.</summary>
    public HeadMask(int layers, int heads)
    {
        Layers = layers;
        Heads = heads;
        _scales = new float[layers * heads];
        Array.Fill(_scales, 1f);
    }

    /// <summary>Number of layers.</summary>
    public int Layers { get; }

    /// <summary>Heads per layer.</summary>
    public int Heads { get; }

    /// <summary>The multiplier of one head.</summary>
    public float this[int layer, int head]
    {
        get => _scales[Index(layer, head)];
        set => _scales[Index(layer, head)] = value;
    }

    /// <summary>Removes a head (multiplier 0).</summary>
    public void Ablate(int layer, int head) => this[layer, head] = 0f;

    /// <summary>Keeps every head again.</summary>
    public void Reset() => Array.Fill(_scales, 1f);

    private int Index(int layer, int head)
    {
        if ((uint)layer >= (uint)Layers || (uint)head >= (uint)Heads)
        {
            throw new ArgumentOutOfRangeException(nameof(head), $"head ({layer}, {head}) is outside {Layers} layers × {Heads} heads");
        }
        return (layer * Heads) + head;
    }
}

/// <summary>Settings of an <see cref="InferenceSession"/>.</summary>
public sealed record InferenceOptions
{
    /// <summary>Threads for the matrix products and attention (1 = the calling thread only). Default: all cores.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Positions the KV cache holds; 0 = the model's maximum sequence length.</summary>
    public int MaxSequenceLength { get; init; }

    /// <summary>Most prompt tokens processed together in one batched prefill step.</summary>
    public int PrefillChunk { get; init; } = 64;
}
