namespace BasedAI.Inference.Model;

/// <summary>
/// Rotary position embedding (RoPE) in the Hugging Face layout: within each head, element <c>j</c> pairs with
/// <c>j + headDim/2</c> and turns by <c>pos · θ^(−2j/headDim)</c>. Angles are computed in float32 as llama2.c does.
/// </summary>
public sealed class RotaryTable
{
    private readonly float[] _cos;
    private readonly float[] _sin;

    /// <summary>Precomputes cos/sin for every position below <paramref name="maxPositions"/>.</summary>
    public RotaryTable(int headDim, int maxPositions, float theta)
    {
        HeadDim = headDim;
        MaxPositions = maxPositions;
        int half = headDim / 2;
        _cos = new float[maxPositions * half];
        _sin = new float[maxPositions * half];
        for (int pos = 0; pos < maxPositions; pos++)
        {
            for (int j = 0; j < half; j++)
            {
                float frequency = 1.0f / MathF.Pow(theta, 2 * j / (float)headDim);
                float angle = pos * frequency;
                _cos[(pos * half) + j] = MathF.Cos(angle);
                _sin[(pos * half) + j] = MathF.Sin(angle);
            }
        }
    }

    /// <summary>Width of one head.</summary>
    public int HeadDim { get; }

    /// <summary>Number of positions in the table.</summary>
    public int MaxPositions { get; }

    /// <summary>Rotates every head of one row (<c>vector.Length</c> = heads × headDim) for position <paramref name="position"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public void Apply(Span<float> vector, int position)
    {
        if ((uint)position >= (uint)MaxPositions)
        {
            throw new ArgumentOutOfRangeException(nameof(position), position, $"RoPE table covers positions below {MaxPositions}");
        }
        int half = HeadDim / 2;
        ReadOnlySpan<float> cos = _cos.AsSpan(position * half, half);
        ReadOnlySpan<float> sin = _sin.AsSpan(position * half, half);
        for (int head = 0; head + HeadDim <= vector.Length; head += HeadDim)
        {
            Span<float> first = vector.Slice(head, half);
            Span<float> second = vector.Slice(head + half, half);
            for (int j = 0; j < half; j++)
            {
                float x0 = first[j], x1 = second[j];
                first[j] = (x0 * cos[j]) - (x1 * sin[j]);
                second[j] = (x0 * sin[j]) + (x1 * cos[j]);
            }
        }
    }
}
