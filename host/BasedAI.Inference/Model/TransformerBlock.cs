using BasedAI.Inference.Tensors;

namespace BasedAI.Inference.Model;

/// <summary>
/// The weights of one transformer block, named as in <see cref="TransformerModel.TensorNames"/>:
/// <c>x += O(attention(Q·norm₁(x), K·norm₁(x), V·norm₁(x)))</c>, then <c>x += Down(act(Up·norm₂(x)) [⊙ Gate…])</c>.
/// Projections are [out, in]; Q/K use the Hugging Face rotary layout (first half / second half of each head pair up).
/// </summary>
public sealed class TransformerBlock
{
    internal TransformerBlock(int index, Norm attentionNorm, Linear query, Linear key, Linear value, Linear output,
        Norm mlpNorm, Linear up, Linear? gate, Linear down)
    {
        Index = index;
        AttentionNorm = attentionNorm;
        Query = query;
        Key = key;
        Value = value;
        Output = output;
        MlpNorm = mlpNorm;
        Up = up;
        Gate = gate;
        Down = down;
    }

    /// <summary>Position of the block in the stack, from 0.</summary>
    public int Index { get; }

    /// <summary>Norm before attention (<c>layers.i.attn_norm</c>).</summary>
    public Norm AttentionNorm { get; }

    /// <summary>Query projection [heads·headDim, hidden] (<c>layers.i.attn.q</c>).</summary>
    public Linear Query { get; }

    /// <summary>Key projection [kvHeads·headDim, hidden] (<c>layers.i.attn.k</c>).</summary>
    public Linear Key { get; }

    /// <summary>Value projection [kvHeads·headDim, hidden] (<c>layers.i.attn.v</c>).</summary>
    public Linear Value { get; }

    /// <summary>Attention output projection [hidden, heads·headDim] (<c>layers.i.attn.o</c>).</summary>
    public Linear Output { get; }

    /// <summary>Norm before the MLP (<c>layers.i.mlp_norm</c>).</summary>
    public Norm MlpNorm { get; }

    /// <summary>MLP input projection [intermediate, hidden] (<c>layers.i.mlp.up</c>; GPT-2's <c>c_fc</c>, Llama's <c>up_proj</c>).</summary>
    public Linear Up { get; }

    /// <summary>Llama's gate projection [intermediate, hidden] (<c>layers.i.mlp.gate</c>), SiLU-activated; null for GPT-2.</summary>
    public Linear? Gate { get; }

    /// <summary>MLP output projection [hidden, intermediate] (<c>layers.i.mlp.down</c>).</summary>
    public Linear Down { get; }

    /// <summary>The linear layers of the block, in forward order.</summary>
    public IEnumerable<Linear> Linears
    {
        get
        {
            yield return Query;
            yield return Key;
            yield return Value;
            yield return Output;
            if (Gate != null)
            {
                yield return Gate;
            }
            yield return Up;
            yield return Down;
        }
    }
}
