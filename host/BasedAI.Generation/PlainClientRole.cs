using System.Diagnostics;
using System.Numerics.Tensors;
using BasedAI.Inference.Generation;
using BasedAI.Inference.Model;
using BasedAI.Inference.Tokenizers;

namespace BasedAI.Generation;

/// <summary>What to generate.</summary>
public sealed record GenerationRequest
{
    /// <summary>Tokens to generate at most. Default 32.</summary>
    public int MaxNewTokens { get; init; } = 32;

    /// <summary>Sampling; the default (temperature 0) is greedy.</summary>
    public SamplingOptions Sampling { get; init; } = new();

    /// <summary>Tokens that end the answer (default: the model's end-of-sequence tokens).</summary>
    public IReadOnlyCollection<int>? StopTokens { get; init; }
}

/// <summary>
/// One generation in progress, kept by the client: the prompt, the tokens so far and the sampler. It survives a miner failing:
/// <see cref="ILlmTaskClient.RunAsync"/> on another miner continues where the last one stopped (it re-sends the context).
/// </summary>
public sealed class GenerationSession
{
    private readonly List<int> _generated = [];
    private readonly List<TimeSpan> _stepTimes = [];

    internal GenerationSession(IReadOnlyList<int> prompt, GenerationRequest request, Sampler sampler, IReadOnlyCollection<int> stops)
    {
        PromptTokens = prompt;
        Request = request;
        Sampler = sampler;
        StopTokens = stops;
    }

    /// <summary>The prompt's tokens (BOS first for Llama tokenizers).</summary>
    public IReadOnlyList<int> PromptTokens { get; }

    /// <summary>What was asked.</summary>
    public GenerationRequest Request { get; }

    /// <summary>Tokens generated so far.</summary>
    public IReadOnlyList<int> GeneratedTokens => _generated;

    /// <summary>Time of each miner round trip that produced a token (the first includes the prompt's prefill).</summary>
    public IReadOnlyList<TimeSpan> StepTimes => _stepTimes;

    /// <summary>True once a stop token, the token limit or the end of the context was reached.</summary>
    public bool IsComplete { get; internal set; }

    /// <summary>Miners that took part (one unless a retry happened).</summary>
    public int Attempts { get; internal set; }

    /// <summary>Bytes sent to miners.</summary>
    public long BytesSent { get; internal set; }

    /// <summary>Bytes received from miners.</summary>
    public long BytesReceived { get; internal set; }

    internal Sampler Sampler { get; }

    /// <summary>Tokenizes <paramref name="prompt"/> as the inference engine does (BOS first for Llama) and starts a session.</summary>
    internal static GenerationSession Create(TransformerModel model, ITokenizer tokenizer, string prompt, GenerationRequest? request)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        request ??= new GenerationRequest();
        bool gpt2 = model.Config.Architecture == ModelArchitecture.Gpt2;
        var tokens = tokenizer.Encode(prompt, addBos: !gpt2).ToList();
        if (tokens.Count == 0 && tokenizer.BosTokenId >= 0)
        {
            tokens.Add(tokenizer.BosTokenId);
        }
        if (tokens.Count == 0)
        {
            throw new ArgumentException("the prompt is empty and the tokenizer has no BOS token to start from", nameof(prompt));
        }
        if (tokens.Count >= model.Config.MaxSequenceLength)
        {
            throw new ArgumentException($"the prompt has {tokens.Count} tokens; the context holds {model.Config.MaxSequenceLength}", nameof(prompt));
        }
        return new GenerationSession(tokens, request, new Sampler(model.Config.VocabSize, request.Sampling), request.StopTokens ?? model.Config.EosTokenIds);
    }

    /// <summary>The text of the generated tokens.</summary>
    internal static string Decode(ITokenizer tokenizer, GenerationSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        var bytes = new System.Buffers.ArrayBufferWriter<byte>();
        int previous = session.PromptTokens[^1];
        foreach (int token in session.GeneratedTokens)
        {
            tokenizer.AppendBytes(previous, token, bytes);
            previous = token;
        }
        return System.Text.Encoding.UTF8.GetString(bytes.WrittenSpan);
    }

    internal IReadOnlyCollection<int> StopTokens { get; }

    internal void Add(int token, TimeSpan step)
    {
        _generated.Add(token);
        _stepTimes.Add(step);
    }

    internal void AddStep(TimeSpan step) => _stepTimes.Add(step);
}

/// <summary>
/// The client side of the LLM task in <see cref="GenerationMode.Plain"/>: tokenizes, embeds (token ids never leave the client),
/// sends the rows to a miner, applies the LM head to the hidden state that comes back, and samples, one token per round trip.
/// A session can move to another miner at any point.
/// </summary>
public sealed class PlainClientRole : ILlmTaskClient
{
    private readonly TransformerModel _model;
    private readonly ITokenizer _tokenizer;

    /// <summary>A client for <paramref name="model"/> (it uses the embeddings and the LM head only).</summary>
    public PlainClientRole(TransformerModel model, ITokenizer tokenizer)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        Fingerprint = ModelFingerprint.Compute(model);
    }

    /// <summary>The model's fingerprint, sent with every request.</summary>
    public byte[] Fingerprint { get; }

    /// <inheritdoc />
    public string TaskName => GenerationMessages.TaskName;

    /// <inheritdoc />
    public GenerationMode Mode => GenerationMode.Plain;

    /// <inheritdoc />
    public GenerationSession Start(string prompt, GenerationRequest? request = null) => GenerationSession.Create(_model, _tokenizer, prompt, request);

    /// <inheritdoc />
    public string Decode(GenerationSession session) => GenerationSession.Decode(_tokenizer, session);

    /// <inheritdoc />
    /// <remarks>The miner gets the whole context first (prompt and tokens generated so far, also after a retry), then one row per token.</remarks>
    public async Task RunAsync(GenerationSession session, IMinerTransport transport, IProgress<int>? tokens = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(transport);
        if (session.IsComplete)
        {
            return;
        }
        session.Attempts++;
        var id = Guid.NewGuid();
        int width = _model.Config.HiddenSize;
        int capacity = _model.Config.MaxSequenceLength;
        List<int> pending = [.. session.PromptTokens, .. session.GeneratedTokens];
        int position = 0;
        var logits = new float[_model.Config.VocabSize];
        try
        {
            while (true)
            {
                float[] rows = Embed(pending, position);
                byte[] request = GenerationMessages.EncodeForward(id, Fingerprint, position, pending.Count, width, rows);
                long started = Stopwatch.GetTimestamp();
                ReadOnlyMemory<byte> answer = await transport.SendAsync(request, cancellationToken).ConfigureAwait(false);
                TimeSpan step = Stopwatch.GetElapsedTime(started);
                session.BytesSent += request.Length;
                session.BytesReceived += answer.Length;
                (int next, float[] hidden) = GenerationMessages.DecodeHidden(answer.Span, width);
                if (next != position + pending.Count)
                {
                    throw new InvalidDataException($"the miner says the session is at position {next}, expected {position + pending.Count}");
                }
                position = next;
                _model.LmHead.Forward(hidden, logits, 1);
                int token = session.Sampler.Sample(logits);
                if (session.StopTokens.Contains(token))
                {
                    session.AddStep(step);
                    session.IsComplete = true;
                    break;
                }
                session.Add(token, step);
                tokens?.Report(token);
                if (session.GeneratedTokens.Count >= session.Request.MaxNewTokens || position >= capacity)
                {
                    session.IsComplete = true;
                    break;
                }
                pending = [token];
            }
        }
        finally
        {
            if (session.IsComplete)
            {
                await CloseQuietlyAsync(transport, id).ConfigureAwait(false);
            }
        }
    }

    private static async Task CloseQuietlyAsync(IMinerTransport transport, Guid id)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await transport.SendAsync(GenerationMessages.EncodeClose(id), timeout.Token).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Closing only frees the miner's memory early; it expires by itself, so a failure here changes nothing.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private float[] Embed(List<int> tokens, int position)
    {
        int width = _model.Config.HiddenSize;
        var rows = new float[tokens.Count * width];
        for (int i = 0; i < tokens.Count; i++)
        {
            Span<float> row = rows.AsSpan(i * width, width);
            _model.TokenEmbedding.Row(tokens[i]).CopyTo(row);
            if (_model.PositionEmbedding is { } positions)
            {
                TensorPrimitives.Add(row, positions.Row(position + i), row);
            }
        }
        return rows;
    }
}
