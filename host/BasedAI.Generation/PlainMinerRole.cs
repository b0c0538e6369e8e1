using BasedAI.Inference.Model;

namespace BasedAI.Generation;

/// <summary>Limits of a miner.</summary>
public sealed class PlainMinerOptions
{
    /// <summary>Sessions (KV caches) held at once; a new session beyond it is refused. Default 64.</summary>
    public int MaxSessions { get; set; } = 64;

    /// <summary>A session unused this long is dropped. Default 2 min.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Threads per session for the kernels. Default 1 (many small sessions run side by side).</summary>
    public int ThreadsPerSession { get; set; } = 1;

    /// <summary>Positions a session holds; 0 = the model's maximum sequence length.</summary>
    public int MaxSequenceLength { get; set; }
}

/// <summary>
/// The miner side of the LLM task in <see cref="GenerationMode.Plain"/>: for each client session it keeps a KV cache and runs
/// the transformer blocks on the activation rows the client sends, answering the last row's final-normed hidden state. It
/// never sees token ids, holds no tokenizer use, and never applies the LM head (the client does). Thread-safe: sessions run
/// in parallel, each one's messages in order.
/// </summary>
public sealed class PlainMinerRole : IDisposable
{
    private readonly TransformerModel _model;
    private readonly Dictionary<Guid, Session> _sessions = [];
    private readonly TimeProvider _clock;

    /// <summary>A miner serving <paramref name="model"/>.</summary>
    public PlainMinerRole(TransformerModel model, PlainMinerOptions? options = null, TimeProvider? clock = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        Options = options ?? new PlainMinerOptions();
        _clock = clock ?? TimeProvider.System;
        Fingerprint = ModelFingerprint.Compute(model);
    }

    /// <summary>The limits.</summary>
    public PlainMinerOptions Options { get; }

    /// <summary>The served model's fingerprint; requests for another model are refused.</summary>
    public byte[] Fingerprint { get; }

    /// <summary>Sessions held now.</summary>
    public int SessionCount
    {
        get
        {
            lock (_sessions)
            {
                return _sessions.Count;
            }
        }
    }

    /// <summary>
    /// Serves one request. Throws <see cref="InvalidDataException"/> for a malformed request or another model, and
    /// <see cref="InvalidOperationException"/> for a session problem (unknown or out of step, too many sessions).
    /// </summary>
    public byte[] Handle(ReadOnlySpan<byte> request)
    {
        PlainRequest message = GenerationMessages.DecodeRequest(request);
        if (message.Kind == PlainRequestKind.Close)
        {
            Session? closed;
            lock (_sessions)
            {
                _sessions.Remove(message.Session, out closed);
            }
            closed?.Dispose();
            return GenerationMessages.EncodeClosed();
        }
        if (!message.Fingerprint.AsSpan().SequenceEqual(Fingerprint))
        {
            throw new InvalidDataException($"the request is for model {Convert.ToHexStringLower(message.Fingerprint)[..16]}…, this miner serves {Convert.ToHexStringLower(Fingerprint)[..16]}…");
        }
        if (message.Width != _model.Config.HiddenSize)
        {
            throw new InvalidDataException($"rows of {message.Width} values, the model's hidden size is {_model.Config.HiddenSize}");
        }
        Session session = Acquire(message.Session, message.Position);
        lock (session)
        {
            return session.Forward(message);
        }
    }

    private Session Acquire(Guid id, int position)
    {
        long now = _clock.GetTimestamp();
        var expired = new List<Session>();
        Session session;
        lock (_sessions)
        {
            foreach ((Guid key, Session idle) in _sessions.Where(e => _clock.GetElapsedTime(e.Value.LastUsed, now) > Options.IdleTimeout).ToList())
            {
                _sessions.Remove(key);
                expired.Add(idle);
            }
            if (!_sessions.TryGetValue(id, out session!))
            {
                if (position != 0)
                {
                    throw new InvalidOperationException($"session {id} is unknown here (expired, closed, or started on another miner); start it again from position 0");
                }
                if (_sessions.Count >= Options.MaxSessions)
                {
                    throw new InvalidOperationException($"this miner already holds {Options.MaxSessions} sessions");
                }
                session = new Session(_model.CreateSession(new InferenceOptions { Threads = Options.ThreadsPerSession, MaxSequenceLength = Options.MaxSequenceLength }));
                _sessions[id] = session;
            }
            session.LastUsed = now;
        }
        foreach (Session old in expired)
        {
            old.Dispose();
        }
        return session;
    }

    /// <summary>Drops every session.</summary>
    public void Dispose()
    {
        lock (_sessions)
        {
            foreach (Session session in _sessions.Values)
            {
                session.Dispose();
            }
            _sessions.Clear();
        }
    }

    private sealed class Session(InferenceSession inference) : IDisposable
    {
        public long LastUsed { get; set; }

        public byte[] Forward(PlainRequest message)
        {
            if (message.Position == 0)
            {
                inference.Reset();
            }
            else if (message.Position != inference.Position)
            {
                throw new InvalidOperationException($"session {message.Session} is at position {inference.Position}, the request continues at {message.Position}; start it again from position 0");
            }
            if (inference.Position + message.Rows > inference.Capacity)
            {
                throw new InvalidOperationException($"{message.Rows} more rows would exceed the context of {inference.Capacity} positions");
            }
            return GenerationMessages.EncodeHidden(inference.Position + message.Rows, RunRows(inference, message.Activations, message.Rows, message.Width));
        }

        public void Dispose() => inference.Dispose();
    }

    /// <summary>
    /// Runs embedded rows through the blocks at the session's next positions (in batches the session can hold) and returns the
    /// last row's final-normed hidden state.
    /// </summary>
    public static float[] RunRows(InferenceSession session, ReadOnlySpan<float> rows, int count, int width)
    {
        ArgumentNullException.ThrowIfNull(session);
        int capacity = Math.Max(1, Math.Min(64, session.Capacity));
        var last = new float[width];
        for (int start = 0; start < count; start += capacity)
        {
            int batch = Math.Min(capacity, count - start);
            session.EmbedRows(rows.Slice(start * width, batch * width));
            for (int layer = 0; layer < session.Model.Config.LayerCount; layer++)
            {
                session.RunBlock(layer);
            }
            session.FinalNorm();
            if (start + batch == count)
            {
                session.Normed.Slice((batch - 1) * width, width).CopyTo(last);
            }
            session.Commit();
        }
        return last;
    }
}
