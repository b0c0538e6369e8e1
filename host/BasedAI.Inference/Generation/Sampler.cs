using System.Numerics.Tensors;

namespace BasedAI.Inference.Generation;

/// <summary>How to pick the next token.</summary>
public sealed record SamplingOptions
{
    /// <summary>0 = greedy (argmax); otherwise logits are divided by it before the softmax.</summary>
    public float Temperature { get; init; }

    /// <summary>Nucleus sampling: keep the smallest set of tokens whose probability exceeds this; ≤0 or ≥1 = off.</summary>
    public float TopP { get; init; } = 1f;

    /// <summary>Keep only the k most likely tokens; 0 = off.</summary>
    public int TopK { get; init; }

    /// <summary>Seed of the random generator (llama2.c's xorshift, so seeds reproduce its samples).</summary>
    public ulong Seed { get; init; } = 42;
}

/// <summary>
/// Picks tokens from logits: greedy, temperature, top-k and top-p, seeded. Without top-k it follows llama2.c's
/// sampler step for step (same random generator, same coin per step, same nucleus cut-off), so the same seed picks
/// the same tokens from the same logits. Allocation-free after construction.
/// </summary>
public sealed class Sampler
{
    private readonly SamplingOptions _options;
    private readonly float[] _probabilities;
    private readonly int[] _indices;
    private readonly Comparison<int> _byProbabilityDescending;
    private ulong _state;

    /// <summary>A sampler for a vocabulary of <paramref name="vocabSize"/> tokens.</summary>
    public Sampler(int vocabSize, SamplingOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Temperature < 0 || float.IsNaN(options.Temperature))
        {
            throw new ArgumentException($"temperature must be ≥ 0, got {options.Temperature}", nameof(options));
        }
        if (options.TopK < 0)
        {
            throw new ArgumentException($"top-k must be ≥ 0, got {options.TopK}", nameof(options));
        }
        _options = options;
        _probabilities = new float[vocabSize];
        _indices = new int[vocabSize];
        float[] p = _probabilities;
        _byProbabilityDescending = (a, b) => p[a] != p[b] ? p[b].CompareTo(p[a]) : a.CompareTo(b);
        _state = options.Seed == 0 ? 1 : options.Seed;
    }

    /// <summary>Index of the largest logit (the first one on ties).</summary>
    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
        {
            if (logits[i] > logits[best])
            {
                best = i;
            }
        }
        return best;
    }

    /// <summary>Picks the next token from <paramref name="logits"/> (left unchanged).</summary>
    public int Sample(ReadOnlySpan<float> logits)
    {
        if (logits.Length != _probabilities.Length)
        {
            throw new ArgumentException($"expected {_probabilities.Length} logits, got {logits.Length}", nameof(logits));
        }
        if (_options.Temperature == 0)
        {
            return ArgMax(logits);
        }
        Span<float> p = _probabilities;
        TensorPrimitives.Divide(logits, _options.Temperature, p);
        float max = TensorPrimitives.Max(p);
        TensorPrimitives.Subtract(p, max, p);
        TensorPrimitives.Exp(p, p);
        TensorPrimitives.Divide(p, TensorPrimitives.Sum(p), p);
        float coin = NextFloat();
        int n = p.Length;
        float topP = _options.TopP;
        bool nucleus = topP > 0 && topP < 1;
        if (_options.TopK > 0 && _options.TopK < n)
        {
            return SampleSorted(p, SelectTopK(p, _options.TopK), nucleus ? topP : 1f, coin);
        }
        if (!nucleus)
        {
            float cdf = 0;
            for (int i = 0; i < n; i++)
            {
                cdf += p[i];
                if (coin < cdf)
                {
                    return i;
                }
            }
            return n - 1;
        }
        // Tokens below (1 − p)/(n − 1) cannot be in the nucleus, so they are not sorted (as in llama2.c).
        float cutoff = (1f - topP) / (n - 1);
        int count = 0;
        for (int i = 0; i < n; i++)
        {
            if (p[i] >= cutoff)
            {
                _indices[count++] = i;
            }
        }
        SortDescending(_indices.AsSpan(0, count));
        return SampleSorted(p, count, topP, coin);
    }

    private int SelectTopK(ReadOnlySpan<float> p, int k)
    {
        for (int i = 0; i < p.Length; i++)
        {
            _indices[i] = i;
        }
        SortDescending(_indices);
        return k;
    }

    private int SampleSorted(ReadOnlySpan<float> p, int count, float topP, float coin)
    {
        float cumulative = 0;
        int last = count - 1;
        for (int i = 0; i < count; i++)
        {
            cumulative += p[_indices[i]];
            if (cumulative > topP)
            {
                last = i;
                break;
            }
        }
        float r = coin * cumulative;
        float cdf = 0;
        for (int i = 0; i <= last; i++)
        {
            cdf += p[_indices[i]];
            if (r < cdf)
            {
                return _indices[i];
            }
        }
        return _indices[last];
    }

    private void SortDescending(Span<int> indices) => indices.Sort(_byProbabilityDescending);

    /// <summary>llama2.c's xorshift64* step.</summary>
    private uint NextUInt()
    {
        _state ^= _state >> 12;
        _state ^= _state << 25;
        _state ^= _state >> 27;
        return (uint)((_state * 0x2545F4914F6CDD1DUL) >> 32);
    }

    private float NextFloat() => (NextUInt() >> 8) / 16777216.0f;
}
