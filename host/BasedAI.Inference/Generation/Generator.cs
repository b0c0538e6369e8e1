using System.Diagnostics;
using BasedAI.Inference.Model;
using BasedAI.Inference.Tokenizers;

namespace BasedAI.Inference.Generation;

/// <summary>What to generate.</summary>
public sealed record GenerationOptions
{
    /// <summary>Most new tokens to generate.</summary>
    public int MaxNewTokens { get; init; } = 256;

    /// <summary>How tokens are picked.</summary>
    public SamplingOptions Sampling { get; init; } = new();

    /// <summary>Tokens that end generation (not emitted); null = the model's EOS tokens.</summary>
    public IReadOnlyCollection<int>? StopTokens { get; init; }
}

/// <summary>One step of a generation: a prompt token echoed back, or a generated token, with the text it completes.</summary>
/// <param name="Id">Token id, or -1 for the final flush of held-back bytes.</param>
/// <param name="Text">Text that became complete with this token (may be empty while a UTF-8 sequence is open).</param>
/// <param name="IsPrompt">Whether the token came from the prompt.</param>
public readonly record struct GeneratedToken(int Id, string Text, bool IsPrompt);

/// <summary>Timings of the last generation.</summary>
/// <param name="PromptTokens">Prompt tokens (BOS included).</param>
/// <param name="GeneratedTokens">Tokens generated.</param>
/// <param name="PrefillTime">Time to run the prompt.</param>
/// <param name="DecodeTime">Time spent generating after the prompt.</param>
public readonly record struct GenerationStatistics(int PromptTokens, int GeneratedTokens, TimeSpan PrefillTime, TimeSpan DecodeTime)
{
    /// <summary>Generated tokens per second of decode time (the first token comes from the prefill).</summary>
    public double DecodeTokensPerSecond => GeneratedTokens > 1 && DecodeTime > TimeSpan.Zero ? (GeneratedTokens - 1) / DecodeTime.TotalSeconds : 0;
}

/// <summary>
/// Generates text: encodes the prompt (with BOS when the tokenizer has one and the model expects it), runs it as one
/// batched prefill, then samples token by token using the KV cache, streaming each token's text as it is produced.
/// </summary>
public sealed class Generator : IDisposable
{
    private readonly ITokenizer _tokenizer;
    private readonly InferenceSession _session;

    /// <summary>A generator over <paramref name="model"/> with its own session.</summary>
    public Generator(TransformerModel model, ITokenizer tokenizer, InferenceOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        _session = model.CreateSession(options);
    }

    /// <summary>The session (for hooks, masks and non-linearity substitutions).</summary>
    public InferenceSession Session => _session;

    /// <summary>Timings of the last completed generation.</summary>
    public GenerationStatistics LastStatistics { get; private set; }

    /// <summary>
    /// The prompt's tokens: Llama-style tokenizers put BOS first; GPT-2 adds nothing, except that an empty prompt
    /// starts from its <c>&lt;|endoftext|&gt;</c> token.
    /// </summary>
    public IReadOnlyList<int> EncodePrompt(string prompt)
    {
        bool gpt2 = _session.Model.Config.Architecture == ModelArchitecture.Gpt2;
        var tokens = _tokenizer.Encode(prompt, addBos: !gpt2).ToList();
        if (tokens.Count == 0 && _tokenizer.BosTokenId >= 0)
        {
            tokens.Add(_tokenizer.BosTokenId);
        }
        if (tokens.Count == 0)
        {
            throw new ArgumentException("the prompt is empty and the tokenizer has no BOS token to start from", nameof(prompt));
        }
        return tokens;
    }

    /// <summary>Streams the prompt's tokens, then generated tokens until a stop token, the token limit or the context end.</summary>
    public IEnumerable<GeneratedToken> Generate(string prompt, GenerationOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(options);
        IReadOnlyList<int> promptTokens = EncodePrompt(prompt);
        if (promptTokens.Count >= _session.Capacity)
        {
            throw new ArgumentException($"the prompt has {promptTokens.Count} tokens; the context holds {_session.Capacity}", nameof(prompt));
        }
        IReadOnlyCollection<int> stops = options.StopTokens ?? _session.Model.Config.EosTokenIds;
        var sampler = new Sampler(_session.Model.Config.VocabSize, options.Sampling);
        var decoder = new StreamingDecoder(_tokenizer);
        foreach (int token in promptTokens)
        {
            yield return new GeneratedToken(token, decoder.Push(token), IsPrompt: true);
        }
        _session.Reset();
        var clock = Stopwatch.StartNew();
        int[] step = new int[1];
        ReadOnlyMemory<float> logits = RunPrompt(promptTokens);
        TimeSpan prefill = clock.Elapsed;
        int generated = 0;
        while (generated < options.MaxNewTokens)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int next = sampler.Sample(logits.Span);
            if (stops.Contains(next))
            {
                break;
            }
            generated++;
            yield return new GeneratedToken(next, decoder.Push(next), IsPrompt: false);
            if (generated == options.MaxNewTokens || _session.Position >= _session.Capacity)
            {
                break;
            }
            step[0] = next;
            logits = RunStep(step);
        }
        LastStatistics = new GenerationStatistics(promptTokens.Count, generated, prefill, clock.Elapsed - prefill);
        string rest = decoder.Flush();
        if (rest.Length > 0)
        {
            yield return new GeneratedToken(-1, rest, IsPrompt: false);
        }
    }

    private float[]? _logits;

    private ReadOnlyMemory<float> RunPrompt(IReadOnlyList<int> tokens) => Copy(_session.Forward(tokens.ToArray()));

    private ReadOnlyMemory<float> RunStep(int[] token) => Copy(_session.Forward(token));

    // Iterators cannot hold spans across yields, so the session's logits are copied into a buffer reused every step.
    private ReadOnlyMemory<float> Copy(ReadOnlySpan<float> logits)
    {
        _logits ??= new float[logits.Length];
        logits.CopyTo(_logits);
        return _logits;
    }

    /// <summary>Releases the session's worker threads.</summary>
    public void Dispose() => _session.Dispose();
}
