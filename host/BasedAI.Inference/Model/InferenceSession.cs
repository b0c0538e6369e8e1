using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using BasedAI.Inference.Tensors;

namespace BasedAI.Inference.Model;

/// <summary>
/// Runs a <see cref="TransformerModel"/>: owns the KV cache, the work buffers and the worker threads.
/// <para>
/// <see cref="Forward(ReadOnlySpan{int})"/> processes tokens at the next positions (batched prefill for many, one
/// step for one) and returns the last token's logits. The same pass can be driven step by step on a batch of rows:
/// <see cref="Embed"/>, then per layer <see cref="AttentionNorm"/>, <see cref="ProjectQueryKeyValue"/>,
/// <see cref="ApplyRotary"/>, <see cref="Attend"/>, <see cref="ProjectAttentionOutput"/>, <see cref="MlpNorm"/>,
/// <see cref="MlpUp"/>, <see cref="MlpActivate"/>, <see cref="MlpDown"/>, then <see cref="FinalNorm"/>,
/// <see cref="LmHead"/> and <see cref="Commit"/>. Between steps the buffers (<see cref="Hidden"/>, <see cref="Normed"/>,
/// <see cref="Query"/>, …) hold the current rows and may be read or changed.
/// </para>
/// <para>Hooks: <see cref="Observer"/> sees every activation, <see cref="HeadMask"/> ablates or scales heads, and
/// <see cref="NonLinearities"/> replaces softmax, GELU/SiLU and the norms' inverse square root.</para>
/// A session is not thread-safe; use one per concurrent generation.
/// </summary>
public sealed unsafe class InferenceSession : IDisposable
{
    private readonly TransformerConfig _config;
    private readonly WorkerPool _pool;
    private readonly float[][] _keyCache;
    private readonly float[][] _valueCache;
    private readonly float[] _hidden, _normed, _query, _key, _value, _context, _projection, _up, _gate, _scores, _logits;
    private readonly int _batchCapacity;
    private GCHandle _self;
    private HeadMask? _headMask;
    private int _rows;
    private int _start;

    internal InferenceSession(TransformerModel model, InferenceOptions options)
    {
        Model = model;
        _config = model.Config;
        Capacity = options.MaxSequenceLength > 0 ? Math.Min(options.MaxSequenceLength, _config.MaxSequenceLength) : _config.MaxSequenceLength;
        _batchCapacity = Math.Clamp(options.PrefillChunk, 1, Capacity);
        _pool = options.Threads > 1 ? new WorkerPool(options.Threads) : WorkerPool.SingleThreaded;
        int d = _config.HiddenSize, qd = _config.HeadCount * _config.HeadDim, kvd = _config.KeyValueSize, f = _config.IntermediateSize;
        _keyCache = new float[_config.LayerCount][];
        _valueCache = new float[_config.LayerCount][];
        for (int i = 0; i < _config.LayerCount; i++)
        {
            _keyCache[i] = new float[Capacity * kvd];
            _valueCache[i] = new float[Capacity * kvd];
        }
        int b = _batchCapacity;
        _hidden = new float[b * d];
        _normed = new float[b * d];
        _query = new float[b * qd];
        _key = new float[b * kvd];
        _value = new float[b * kvd];
        _context = new float[b * qd];
        _projection = new float[b * d];
        _up = new float[b * f];
        _gate = new float[b * f];
        _scores = new float[_config.HeadCount * Capacity];
        _logits = new float[_config.VocabSize];
        _self = GCHandle.Alloc(this);
    }

    /// <summary>The model this session runs.</summary>
    public TransformerModel Model { get; }

    /// <summary>Positions the KV cache can hold.</summary>
    public int Capacity { get; }

    /// <summary>Number of positions already in the KV cache (the position of the next token).</summary>
    public int Position { get; private set; }

    /// <summary>Threads used by the kernels.</summary>
    public int Threads => _pool.Threads;

    /// <summary>The functions used for softmax, GELU/SiLU and 1/√x. Must be thread-safe. Default: <see cref="NonLinearities.Exact"/>.</summary>
    public NonLinearities NonLinearities { get; set; } = NonLinearities.Exact;

    /// <summary>Receives activations at every <see cref="ActivationSite"/>; null (the default) costs nothing.</summary>
    public IActivationObserver? Observer { get; set; }

    /// <summary>Per-head multipliers (created on first use, all 1).</summary>
    public HeadMask HeadMask => _headMask ??= new HeadMask(_config.LayerCount, _config.HeadCount);

    /// <summary>Rows in the current step-by-step batch.</summary>
    public int BatchRows => _rows;

    /// <summary>Position of the first row of the current batch.</summary>
    public int BatchStart => _start;

    /// <summary>Residual stream of the current batch [rows, hidden].</summary>
    public Span<float> Hidden => _hidden.AsSpan(0, _rows * _config.HiddenSize);

    /// <summary>Output of the last norm [rows, hidden].</summary>
    public Span<float> Normed => _normed.AsSpan(0, _rows * _config.HiddenSize);

    /// <summary>Queries [rows, heads·headDim].</summary>
    public Span<float> Query => _query.AsSpan(0, _rows * _config.HeadCount * _config.HeadDim);

    /// <summary>Keys of the batch rows [rows, kvHeads·headDim].</summary>
    public Span<float> Key => _key.AsSpan(0, _rows * _config.KeyValueSize);

    /// <summary>Values of the batch rows [rows, kvHeads·headDim].</summary>
    public Span<float> Value => _value.AsSpan(0, _rows * _config.KeyValueSize);

    /// <summary>Attention context, heads concatenated [rows, heads·headDim].</summary>
    public Span<float> Context => _context.AsSpan(0, _rows * _config.HeadCount * _config.HeadDim);

    /// <summary>Output of the last projection back to the residual width [rows, hidden].</summary>
    public Span<float> Projection => _projection.AsSpan(0, _rows * _config.HiddenSize);

    /// <summary>MLP hidden [rows, intermediate]: Up·x, then the activation in place.</summary>
    public Span<float> MlpHidden => _up.AsSpan(0, _rows * _config.IntermediateSize);

    /// <summary>Llama's gate pre-activation Gate·x [rows, intermediate] (unused for GPT-2).</summary>
    public Span<float> MlpGate => _gate.AsSpan(0, _rows * _config.IntermediateSize);

    /// <summary>Keys cached for a layer [Capacity, kvHeads·headDim]; rows below <see cref="Position"/> are valid.</summary>
    public ReadOnlySpan<float> KeyCache(int layer) => _keyCache[layer];

    /// <summary>Values cached for a layer [Capacity, kvHeads·headDim].</summary>
    public ReadOnlySpan<float> ValueCache(int layer) => _valueCache[layer];

    /// <summary>Forgets every cached position.</summary>
    public void Reset() => Rewind(0);

    /// <summary>Keeps the first <paramref name="position"/> cached positions and forgets the rest.</summary>
    public void Rewind(int position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(position, Position);
        Position = position;
        _rows = 0;
    }

    /// <summary>
    /// Runs <paramref name="tokens"/> at the next positions (in chunks of batched prefill) and returns the logits of the
    /// last one; the span stays valid until the next call.
    /// </summary>
    public ReadOnlySpan<float> Forward(ReadOnlySpan<int> tokens)
    {
        if (tokens.IsEmpty)
        {
            throw new ArgumentException("no tokens to run", nameof(tokens));
        }
        for (int start = 0; start < tokens.Length; start += _batchCapacity)
        {
            ReadOnlySpan<int> chunk = tokens.Slice(start, Math.Min(_batchCapacity, tokens.Length - start));
            RunBatch(chunk);
            if (start + chunk.Length == tokens.Length)
            {
                LmHead(_logits, allRows: false);
            }
            Commit();
        }
        return _logits;
    }

    /// <summary>Runs <paramref name="tokens"/> and writes the logits of every one of them into <paramref name="logits"/> [tokens, vocab].</summary>
    public void Forward(ReadOnlySpan<int> tokens, Span<float> logits)
    {
        int vocab = _config.VocabSize;
        if (logits.Length < (long)tokens.Length * vocab)
        {
            throw new ArgumentException($"logits need room for {tokens.Length} × {vocab} values", nameof(logits));
        }
        for (int start = 0; start < tokens.Length; start += _batchCapacity)
        {
            ReadOnlySpan<int> chunk = tokens.Slice(start, Math.Min(_batchCapacity, tokens.Length - start));
            RunBatch(chunk);
            LmHead(logits.Slice(start * vocab, chunk.Length * vocab), allRows: true);
            Commit();
        }
    }

    private void RunBatch(ReadOnlySpan<int> tokens)
    {
        Embed(tokens);
        for (int layer = 0; layer < _config.LayerCount; layer++)
        {
            RunBlock(layer);
        }
        FinalNorm();
    }

    /// <summary>One whole block on the current batch: attention and MLP with their residual adds.</summary>
    public void RunBlock(int layer)
    {
        AttentionNorm(layer);
        ProjectQueryKeyValue(layer);
        ApplyRotary();
        Attend(layer);
        ProjectAttentionOutput(layer);
        MlpNorm(layer);
        MlpUp(layer);
        MlpActivate(layer);
        MlpDown(layer);
    }

    /// <summary>Starts a batch of <paramref name="tokens"/> at <see cref="Position"/>: <see cref="Hidden"/> ← token (+ position) embeddings.</summary>
    public void Embed(ReadOnlySpan<int> tokens)
    {
        StartBatch(tokens.Length, nameof(tokens));
        int d = _config.HiddenSize;
        for (int r = 0; r < tokens.Length; r++)
        {
            int token = tokens[r];
            if ((uint)token >= (uint)_config.VocabSize)
            {
                throw new ArgumentOutOfRangeException(nameof(tokens), token, $"token id outside the vocabulary of {_config.VocabSize}");
            }
            Span<float> row = _hidden.AsSpan(r * d, d);
            Model.TokenEmbedding.Row(token).CopyTo(row);
            if (Model.PositionEmbedding is { } positions)
            {
                TensorPrimitives.Add(row, positions.Row(_start + r), row);
            }
        }
        Notify(ActivationSite.Embedding, -1, Hidden, d);
    }

    /// <summary>
    /// Starts a batch at <see cref="Position"/> from rows embedded elsewhere (a client that keeps the embeddings to itself):
    /// <see cref="Hidden"/> ← <paramref name="rows"/>, one row of <c>HiddenSize</c> values per position.
    /// </summary>
    public void EmbedRows(ReadOnlySpan<float> rows)
    {
        int d = _config.HiddenSize;
        if (rows.Length % d != 0)
        {
            throw new ArgumentException($"rows must be whole rows of {d} values, got {rows.Length} values", nameof(rows));
        }
        StartBatch(rows.Length / d, nameof(rows));
        rows.CopyTo(_hidden);
        Notify(ActivationSite.Embedding, -1, Hidden, d);
    }

    private void StartBatch(int rows, string parameter)
    {
        if (rows == 0 || rows > _batchCapacity)
        {
            throw new ArgumentException($"a batch holds 1 to {_batchCapacity} rows, got {rows}", parameter);
        }
        if (Position + rows > Capacity)
        {
            throw new InvalidOperationException($"the sequence would exceed the context of {Capacity} positions");
        }
        _start = Position;
        _rows = rows;
    }

    /// <summary><see cref="Normed"/> ← attention norm of <see cref="Hidden"/>.</summary>
    public void AttentionNorm(int layer)
    {
        Model.Blocks[layer].AttentionNorm.Apply(Hidden, Normed, _rows, NonLinearities);
        Notify(ActivationSite.AttentionNormOutput, layer, Normed, _config.HiddenSize);
    }

    /// <summary><see cref="Query"/>, <see cref="Key"/>, <see cref="Value"/> ← projections of <see cref="Normed"/>.</summary>
    public void ProjectQueryKeyValue(int layer)
    {
        TransformerBlock block = Model.Blocks[layer];
        block.Query.Forward(Normed, Query, _rows, _pool);
        block.Key.Forward(Normed, Key, _rows, _pool);
        block.Value.Forward(Normed, Value, _rows, _pool);
    }

    /// <summary>Rotates <see cref="Query"/> and <see cref="Key"/> by their positions (Llama; nothing for GPT-2).</summary>
    public void ApplyRotary()
    {
        if (Model.Rotary is { } rotary)
        {
            int qd = _config.HeadCount * _config.HeadDim, kvd = _config.KeyValueSize;
            for (int r = 0; r < _rows; r++)
            {
                rotary.Apply(_query.AsSpan(r * qd, qd), _start + r);
                rotary.Apply(_key.AsSpan(r * kvd, kvd), _start + r);
            }
        }
    }

    /// <summary>
    /// Appends <see cref="Key"/>/<see cref="Value"/> to the layer's cache, then for every head and row computes scores,
    /// the causal softmax and the weighted sum of values into <see cref="Context"/>, scaled by <see cref="HeadMask"/>.
    /// </summary>
    public void Attend(int layer)
    {
        int qd = _config.HeadCount * _config.HeadDim, kvd = _config.KeyValueSize;
        Notify(ActivationSite.Query, layer, Query, qd);
        Notify(ActivationSite.Key, layer, Key, kvd);
        Notify(ActivationSite.Value, layer, Value, kvd);
        Key.CopyTo(_keyCache[layer].AsSpan(_start * kvd));
        Value.CopyTo(_valueCache[layer].AsSpan(_start * kvd));
        long work = (long)_rows * (_start + _rows) * qd;
        if (Observer == null && _pool.Threads > 1 && work >= 1 << 15)
        {
            var job = new AttentionJob { Session = GCHandle.ToIntPtr(_self), Layer = layer };
            _pool.Run(_config.HeadCount, &AttendChunk, &job);
        }
        else
        {
            for (int head = 0; head < _config.HeadCount; head++)
            {
                AttendHead(layer, head);
            }
        }
        Notify(ActivationSite.AttentionContext, layer, Context, qd);
    }

    private struct AttentionJob
    {
        public IntPtr Session;
        public int Layer;
    }

    private static void AttendChunk(void* state, int head)
    {
        var job = (AttentionJob*)state;
        ((InferenceSession)GCHandle.FromIntPtr(job->Session).Target!).AttendHead(job->Layer, head);
    }

    private void AttendHead(int layer, int head)
    {
        int hd = _config.HeadDim, qd = _config.HeadCount * hd, kvd = _config.KeyValueSize;
        int kvOffset = head / (_config.HeadCount / _config.KeyValueHeadCount) * hd;
        float scale = _headMask == null ? 1f : _headMask[layer, head];
        Span<float> scores = _scores.AsSpan(head * Capacity, Capacity);
        for (int r = 0; r < _rows; r++)
        {
            int position = _start + r;
            Span<float> rowScores = scores[..(position + 1)];
            Span<float> context = _context.AsSpan((r * qd) + (head * hd), hd);
            Attention.Scores(_query.AsSpan((r * qd) + (head * hd), hd), _keyCache[layer], kvd, kvOffset, rowScores);
            Notify(new ActivationEvent(ActivationSite.AttentionScores, layer, head, position, 1, rowScores.Length), rowScores);
            NonLinearities.Softmax(rowScores);
            Notify(new ActivationEvent(ActivationSite.AttentionProbabilities, layer, head, position, 1, rowScores.Length), rowScores);
            Attention.WeightedSum(rowScores, _valueCache[layer], kvd, kvOffset, context);
            if (scale != 1f)
            {
                TensorPrimitives.Multiply(context, scale, context);
            }
        }
    }

    /// <summary><see cref="Projection"/> ← O·<see cref="Context"/>; <see cref="Hidden"/> += <see cref="Projection"/>.</summary>
    public void ProjectAttentionOutput(int layer)
    {
        Model.Blocks[layer].Output.Forward(Context, Projection, _rows, _pool);
        Notify(ActivationSite.AttentionOutput, layer, Projection, _config.HiddenSize);
        TensorPrimitives.Add(Hidden, Projection, Hidden);
        Notify(ActivationSite.ResidualAfterAttention, layer, Hidden, _config.HiddenSize);
    }

    /// <summary><see cref="Normed"/> ← MLP norm of <see cref="Hidden"/>.</summary>
    public void MlpNorm(int layer)
    {
        Model.Blocks[layer].MlpNorm.Apply(Hidden, Normed, _rows, NonLinearities);
        Notify(ActivationSite.MlpNormOutput, layer, Normed, _config.HiddenSize);
    }

    /// <summary><see cref="MlpHidden"/> ← Up·<see cref="Normed"/> (and <see cref="MlpGate"/> ← Gate·<see cref="Normed"/> for Llama).</summary>
    public void MlpUp(int layer)
    {
        TransformerBlock block = Model.Blocks[layer];
        block.Up.Forward(Normed, MlpHidden, _rows, _pool);
        block.Gate?.Forward(Normed, MlpGate, _rows, _pool);
        Notify(ActivationSite.MlpPreActivation, layer, block.Gate == null ? MlpHidden : MlpGate, _config.IntermediateSize);
    }

    /// <summary><see cref="MlpHidden"/> ← GELU(<see cref="MlpHidden"/>) (GPT-2) or SiLU(<see cref="MlpGate"/>) ⊙ <see cref="MlpHidden"/> (Llama).</summary>
    public void MlpActivate(int layer)
    {
        int f = _config.IntermediateSize;
        for (int r = 0; r < _rows; r++)
        {
            Span<float> up = _up.AsSpan(r * f, f);
            if (Model.Blocks[layer].Gate == null)
            {
                NonLinearities.Gelu(up);
            }
            else
            {
                Span<float> gate = _gate.AsSpan(r * f, f);
                NonLinearities.Silu(gate);
                TensorPrimitives.Multiply(gate, up, up);
            }
        }
        Notify(ActivationSite.MlpActivation, layer, MlpHidden, f);
    }

    /// <summary><see cref="Projection"/> ← Down·<see cref="MlpHidden"/>; <see cref="Hidden"/> += <see cref="Projection"/>.</summary>
    public void MlpDown(int layer)
    {
        Model.Blocks[layer].Down.Forward(MlpHidden, Projection, _rows, _pool);
        Notify(ActivationSite.MlpOutput, layer, Projection, _config.HiddenSize);
        TensorPrimitives.Add(Hidden, Projection, Hidden);
        Notify(ActivationSite.BlockOutput, layer, Hidden, _config.HiddenSize);
    }

    /// <summary><see cref="Normed"/> ← final norm of <see cref="Hidden"/>.</summary>
    public void FinalNorm()
    {
        Model.FinalNorm.Apply(Hidden, Normed, _rows, NonLinearities);
        Notify(ActivationSite.FinalNormOutput, -1, Normed, _config.HiddenSize);
    }

    /// <summary>Logits of the last row of <see cref="Normed"/> (or of every row) into <paramref name="logits"/>.</summary>
    public void LmHead(Span<float> logits, bool allRows)
    {
        int d = _config.HiddenSize, vocab = _config.VocabSize;
        int first = allRows ? 0 : _rows - 1;
        int count = _rows - first;
        Model.LmHead.Forward(_normed.AsSpan(first * d, count * d), logits[..(count * vocab)], count, _pool);
        if (Observer != null)
        {
            Observer.Observe(new ActivationEvent(ActivationSite.Logits, -1, -1, _start + first, count, vocab), logits[..(count * vocab)]);
        }
    }

    /// <summary>Ends the current batch: its positions become part of the cache.</summary>
    public void Commit()
    {
        Position = _start + _rows;
        _rows = 0;
    }

    private void Notify(ActivationSite site, int layer, ReadOnlySpan<float> values, int width)
    {
        Observer?.Observe(new ActivationEvent(site, layer, -1, _start, _rows, width), values);
    }

    private void Notify(in ActivationEvent activation, ReadOnlySpan<float> values) => Observer?.Observe(activation, values);

    /// <summary>Stops the worker threads.</summary>
    public void Dispose()
    {
        _pool.Dispose();
        if (_self.IsAllocated)
        {
            _self.Free();
        }
    }
}
