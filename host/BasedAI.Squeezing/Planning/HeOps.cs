using System.Text.Json.Serialization;

namespace BasedAI.Squeezing.Planning;

/// <summary>Which encrypted KV cache of a layer an operation touches.</summary>
public enum CachePart
{
    /// <summary>One cache of k + i·v (keys in the real parts, values in the imaginary parts).</summary>
    Packed,
    /// <summary>The keys alone (unpacked baseline).</summary>
    Key,
    /// <summary>The values alone (unpacked baseline).</summary>
    Value,
}

/// <summary>A constant every weight of a product is multiplied by before encoding.</summary>
public enum WeightFactor
{
    /// <summary>1.</summary>
    One,
    /// <summary>−i: reads the imaginary parts of a packed input (the values of a k + i·v cache) into the real parts of the output.</summary>
    MinusI,
}

/// <summary>
/// The plaintext weights of a product, named by tensors of the squeezed model: a real matrix, optionally a second one in
/// the imaginary parts (two products in one), optionally rotated per position by RoPE.
/// </summary>
public sealed record ProductWeights
{
    /// <summary>Tensor [rows, columns] in the real parts of the output.</summary>
    public required string Real { get; init; }

    /// <summary>Tensor [rows, columns] in the imaginary parts, or null.</summary>
    public string? Imaginary { get; init; }

    /// <summary>Rotate the real matrix's rows by RoPE at the token's position (the plaintexts are then encoded per token).</summary>
    public bool RotaryReal { get; init; }

    /// <summary>Constant factor folded into the weights.</summary>
    public WeightFactor Factor { get; init; } = WeightFactor.One;
}

/// <summary>
/// One step of an encrypted stage. <see cref="Level"/> is the level (chain index) of the input; operations that
/// rescale leave their output one level lower. Registers are named; a register holds one ciphertext or a list.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "op", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(ModSwitchOp), "modSwitch")]
[JsonDerivedType(typeof(EFormProductOp), "eformProduct")]
[JsonDerivedType(typeof(BsgsProductOp), "bsgsProduct")]
[JsonDerivedType(typeof(RotateSumOp), "rotateSum")]
[JsonDerivedType(typeof(MaskOp), "mask")]
[JsonDerivedType(typeof(CacheAppendOp), "cacheAppend")]
[JsonDerivedType(typeof(AttentionScoresOp), "attentionScores")]
[JsonDerivedType(typeof(AttentionContextOp), "attentionContext")]
[JsonDerivedType(typeof(NormAffineOp), "normAffine")]
[JsonDerivedType(typeof(RotaryOp), "rotary")]
[JsonDerivedType(typeof(ScaleOp), "scale")]
[JsonDerivedType(typeof(AddBiasOp), "addBias")]
[JsonDerivedType(typeof(MultiplyOp), "multiply")]
[JsonDerivedType(typeof(AddOp), "add")]
[JsonDerivedType(typeof(PolynomialOp), "polynomial")]
[JsonDerivedType(typeof(ReplicateOp), "replicate")]
public abstract record HeOp
{
    /// <summary>Input register.</summary>
    public required string In { get; init; }

    /// <summary>Output register (unused by <see cref="CacheAppendOp"/>).</summary>
    public string Out { get; init; } = "";

    /// <summary>Level of the input.</summary>
    public required int Level { get; init; }

    /// <summary>Level of the output.</summary>
    [JsonIgnore]
    public virtual int OutputLevel => Level - 1;
}

/// <summary>Drops primes without dividing: the input continues at <see cref="To"/> (cheaper operations, smaller messages).</summary>
public sealed record ModSwitchOp : HeOp
{
    /// <summary>Target level (≤ <see cref="HeOp.Level"/>).</summary>
    public required int To { get; init; }

    /// <inheritdoc />
    public override int OutputLevel => To;
}

/// <summary>
/// Σ over the E-form input ciphertexts of input ⊙ plaintext, then rescale. Output slot s (before the rotate-and-sum that
/// must follow) holds partial sums for row ((s mod B) mod <see cref="RowPeriod"/>).
/// </summary>
public sealed record EFormProductOp : HeOp
{
    /// <summary>The weights.</summary>
    public required ProductWeights Weights { get; init; }

    /// <summary>Output rows repeat with this period inside each block (the attention width for Q/K/V; B otherwise).</summary>
    public required int RowPeriod { get; init; }

    /// <summary>log2 of the output's scale.</summary>
    public required double ScaleBits { get; init; }
}

/// <summary>
/// Diagonal method with baby-step giant-step on a replicated input (period <see cref="InputPeriod"/>), then rescale.
/// Output slot p holds row p (p &lt; rows), zero elsewhere.
/// </summary>
public sealed record BsgsProductOp : HeOp
{
    /// <summary>The weights.</summary>
    public required ProductWeights Weights { get; init; }

    /// <summary>Period of the replicated input (a power of two ≥ the matrix's columns).</summary>
    public required int InputPeriod { get; init; }

    /// <summary>0: row p in slot p (p &lt; rows), zero elsewhere; otherwise row (p mod period) in every slot p (a replicated output).</summary>
    public int OutputPeriod { get; init; }

    /// <summary>log2 of the output's scale.</summary>
    public required double ScaleBits { get; init; }
}

/// <summary>x ← Σ_{m &lt; Count} rot(x, m·Stride): log2(Count) rotations and additions, no level consumed.</summary>
public sealed record RotateSumOp : HeOp
{
    /// <summary>Distance between summed slots.</summary>
    public required int Stride { get; init; }

    /// <summary>Number of summed slots (a power of two).</summary>
    public required int Count { get; init; }

    /// <inheritdoc />
    public override int OutputLevel => Level;
}

/// <summary>Keeps only the current position's attention block (a 0/1 plaintext per position), then rescale.</summary>
public sealed record MaskOp : HeOp
{
    /// <summary>Attention block width A.</summary>
    public required int Block { get; init; }

    /// <summary>Values kept in the block (kept heads × head width).</summary>
    public required int Width { get; init; }
}

/// <summary>Adds a masked key/value block to the layer's encrypted cache (opening a new cache ciphertext every P positions).</summary>
public sealed record CacheAppendOp : HeOp
{
    /// <summary>Layer whose cache grows.</summary>
    public required int Layer { get; init; }

    /// <summary>Which cache.</summary>
    public required CachePart Cache { get; init; }

    /// <inheritdoc />
    public override int OutputLevel => Level;
}

/// <summary>
/// For every cache ciphertext: query ⊙ cache (ciphertext product), relinearize, rescale, then rotate-and-sum over the head
/// width: score (h, t) lands in slot (t mod P)·A + h·hd. Output: a list, one ciphertext per cache ciphertext.
/// </summary>
public sealed record AttentionScoresOp : HeOp
{
    /// <summary>Layer.</summary>
    public required int Layer { get; init; }

    /// <summary>Cache holding the keys.</summary>
    public required CachePart Cache { get; init; }

    /// <summary>Head width hd (the rotate-and-sum count).</summary>
    public required int HeadDim { get; init; }
}

/// <summary>
/// Σ over cache ciphertexts of probabilities ⊙ cache, relinearize, rescale, then rotate-and-sum over the P positions of a
/// ciphertext: the context is replicated with period A (in the imaginary parts for a packed cache).
/// </summary>
public sealed record AttentionContextOp : HeOp
{
    /// <summary>Layer.</summary>
    public required int Layer { get; init; }

    /// <summary>Cache holding the values.</summary>
    public required CachePart Cache { get; init; }

    /// <summary>Attention block width A.</summary>
    public required int Block { get; init; }
}

/// <summary>Baseline only: multiplies by a norm's γ (and adds β) laid out like the input, then rescale.</summary>
public sealed record NormAffineOp : HeOp
{
    /// <summary>Norm tensor prefix, e.g. <c>layers.0.attn_norm</c>.</summary>
    public required string Norm { get; init; }

    /// <summary>Whether the input is in E-form (else replicated with period <see cref="Period"/>).</summary>
    public required bool EForm { get; init; }

    /// <summary>Replication period (replicated inputs) or block width (E-form).</summary>
    public required int Period { get; init; }
}

/// <summary>Baseline only: RoPE on a replicated query/key vector: x⊙cos + rot(x, hd/2)⊙s₁ + rot(x, −hd/2)⊙s₂, then rescale.</summary>
public sealed record RotaryOp : HeOp
{
    /// <summary>Head width.</summary>
    public required int HeadDim { get; init; }

    /// <summary>Replication period of the input (the attention width A).</summary>
    public required int Period { get; init; }
}

/// <summary>Baseline only: multiplies by a constant (the attention scale), then rescale.</summary>
public sealed record ScaleOp : HeOp
{
    /// <summary>The constant.</summary>
    public required double Value { get; init; }
}

/// <summary>Adds a bias vector (GPT-2's output-projection bias) into slots 0…rows−1 at the input's scale; no level consumed.</summary>
public sealed record AddBiasOp : HeOp
{
    /// <summary>Bias tensor name.</summary>
    public required string Bias { get; init; }

    /// <inheritdoc />
    public override int OutputLevel => Level;
}

/// <summary>Ciphertext product In ⊙ Other (Other mod-switched down to In's level), relinearized and rescaled.</summary>
public sealed record MultiplyOp : HeOp
{
    /// <summary>The second factor.</summary>
    public required string Other { get; init; }
}

/// <summary>In + Other (Other mod-switched down to In's level; scales must match); no level consumed.</summary>
public sealed record AddOp : HeOp
{
    /// <summary>The second term.</summary>
    public required string Other { get; init; }

    /// <inheritdoc />
    public override int OutputLevel => Level;
}

/// <summary>
/// p(Multiplier·x + Offset) slot-wise for a polynomial approximation p in the Chebyshev basis: the affine map onto
/// [−1, 1] (one level), the Chebyshev powers by doubling (⌈log2 d⌉ levels), the weighted sum (one level).
/// </summary>
public sealed record PolynomialOp : HeOp
{
    /// <summary>The approximation (no squarings or Newton steps).</summary>
    public required Polynomials.Approximation Approximation { get; init; }

    /// <summary>Factor applied to the input before the polynomial.</summary>
    public double Multiplier { get; init; } = 1;

    /// <summary>Offset added after <see cref="Multiplier"/>.</summary>
    public double Offset { get; init; }

    /// <summary>Levels the evaluation consumes.</summary>
    public static int DepthOf(Polynomials.Approximation approximation)
    {
        ArgumentNullException.ThrowIfNull(approximation);
        return 2 + (approximation.Degree <= 1 ? 0 : SlotGeometry.Log2(SlotGeometry.PowerOfTwo(approximation.Degree)));
    }

    /// <inheritdoc />
    public override int OutputLevel => Level - DepthOf(Approximation);
}

/// <summary>x + rot(x, −Period): a vector in slots 0…Period−1 repeated once after itself (what a product over that period reads).</summary>
public sealed record ReplicateOp : HeOp
{
    /// <summary>The period.</summary>
    public required int Period { get; init; }

    /// <inheritdoc />
    public override int OutputLevel => Level;
}
