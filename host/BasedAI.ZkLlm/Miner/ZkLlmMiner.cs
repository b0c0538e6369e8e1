using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using BasedAI.Squeezing.Fusion;
using BasedAI.Squeezing.Planning;
using BasedAI.ZkLlm.Execution;
using BasedAI.ZkLlm.Protocol;
using BasedAI.ZkLlm.Slots;
using BasedAI.ZkLlm.Transport;

namespace BasedAI.ZkLlm.Miner;

/// <summary>Limits of a miner.</summary>
public sealed record ZkLlmMinerOptions
{
    /// <summary>Sessions held at once.</summary>
    public int MaxSessions { get; init; } = 16;
}

/// <summary>
/// The miner role: serves one squeezed model's HE plan. A client opens a session (plan digest and encryption parameters
/// must match), uploads its evaluation keys (relinearization, and Galois keys for exactly the plan's rotation steps),
/// then sends each stage's ciphertexts in order and gets the stage's result ciphertexts back. The miner never holds a
/// secret key and never sees plaintext; bad input gets an error response naming what was wrong, and the session (and the
/// process) carries on.
/// </summary>
public sealed class ZkLlmMiner : IZkLlmHandler, IDisposable
{
    private readonly PlanProgram _program;
    private readonly ZkLlmMinerOptions _options;
    private readonly Dictionary<Guid, MinerSession> _sessions = [];
    private readonly Lock _lock = new();
    private readonly byte[] _planDigest;

    /// <summary>A miner for <paramref name="plan"/> over <paramref name="model"/>, computing with <paramref name="backend"/>.</summary>
    public ZkLlmMiner(SqueezedModel model, HePlan plan, IMinerBackend backend, ZkLlmMinerOptions? options = null)
    {
        _program = new PlanProgram(plan, model, backend);
        _options = options ?? new ZkLlmMinerOptions();
        _planDigest = PlanDigest(plan);
    }

    /// <summary>Time spent running stages.</summary>
    public TimeSpan ComputeTime { get; private set; }

    /// <summary>Stages run.</summary>
    public long StagesRun { get; private set; }

    /// <summary>SHA-256 of a plan's JSON: what client and miner agree on.</summary>
    public static byte[] PlanDigest(HePlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return SHA256.HashData(Encoding.UTF8.GetBytes(plan.ToJson()));
    }

    /// <inheritdoc />
    public Task<ReadOnlyMemory<byte>> HandleAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken = default)
    {
        Message response;
        try
        {
            Message message = MessageCodec.Decode(request.Span);
            lock (_lock)
            {
                response = Handle(message);
            }
        }
        catch (InvalidDataException e)
        {
            response = new ErrorMessage(ErrorCode.Malformed, e.Message);
        }
        return Task.FromResult<ReadOnlyMemory<byte>>(MessageCodec.Encode(response));
    }

    /// <summary>Everything the miner stores for its sessions: evaluation keys and encrypted caches, serialized.</summary>
    public IReadOnlyList<ReadOnlyMemory<byte>> StoredState()
    {
        lock (_lock)
        {
            var state = new List<ReadOnlyMemory<byte>>();
            foreach (MinerSession session in _sessions.Values)
            {
                state.AddRange(session.KeyParts.Values.SelectMany(p => p).Where(p => p != null).Select(p => (ReadOnlyMemory<byte>)p!));
                if (session.Plan is { } plan)
                {
                    state.AddRange(plan.Evaluator.HeldKeys);
                    state.AddRange(plan.StoredValues.Select(v => (ReadOnlyMemory<byte>)plan.Evaluator.Serialize(v)));
                }
            }
            return state;
        }
    }

    private Message Handle(Message message)
    {
        switch (message)
        {
            case OpenMessage open:
                if (!open.PlanSha256.AsSpan().SequenceEqual(_planDigest))
                {
                    return new ErrorMessage(ErrorCode.Mismatch, "the client's plan differs from the plan this miner serves");
                }
                if (!open.Parameters.AsSpan().SequenceEqual(_program.Backend.Parameters))
                {
                    return new ErrorMessage(ErrorCode.Mismatch, "the client's encryption parameters differ from the plan's");
                }
                if (_sessions.Count >= _options.MaxSessions)
                {
                    return new ErrorMessage(ErrorCode.Overloaded, $"this miner already holds {_options.MaxSessions} sessions");
                }
                var id = Guid.NewGuid();
                _sessions[id] = new MinerSession();
                return new OpenedMessage(id);
            case KeysMessage keys:
                return Keys(keys);
            case StageMessage stage:
                return Stage(stage);
            case CloseMessage close:
                if (_sessions.Remove(close.Session, out MinerSession? closed))
                {
                    closed.Plan?.Dispose();
                    return new AckMessage();
                }
                return new ErrorMessage(ErrorCode.UnknownSession, $"no session {close.Session}");
            default:
                return new ErrorMessage(ErrorCode.Malformed, $"a client does not send {message.Type}");
        }
    }

    private Message Keys(KeysMessage keys)
    {
        if (!_sessions.TryGetValue(keys.Session, out MinerSession? session))
        {
            return new ErrorMessage(ErrorCode.UnknownSession, $"no session {keys.Session}");
        }
        if (session.Plan != null)
        {
            return new ErrorMessage(ErrorCode.OutOfOrder, "the session's keys are already complete");
        }
        if (keys.Parts < 1 || keys.Parts > 4096 || keys.Part < 0 || keys.Part >= keys.Parts)
        {
            return new ErrorMessage(ErrorCode.Malformed, $"key part {keys.Part} of {keys.Parts} is out of range");
        }
        byte[]?[] parts = session.KeyParts.TryGetValue(keys.Kind, out byte[]?[]? existing) && existing.Length == keys.Parts ? existing : new byte[keys.Parts][];
        parts[keys.Part] = keys.Bytes;
        session.KeyParts[keys.Kind] = parts;
        if (session.KeyParts.Count == 2 && session.KeyParts.Values.All(p => p.All(b => b != null)))
        {
            byte[] relin = Concat(session.KeyParts[KeyKind.Relinearization]);
            byte[] galois = Concat(session.KeyParts[KeyKind.Galois]);
            try
            {
                IMinerEvaluator evaluator = _program.Backend.CreateEvaluator(relin, galois, _program.Plan.RotationSteps);
                session.Plan = new PlanSession(_program, evaluator);
                session.KeyParts.Clear();
            }
            catch (Exception e) when (e is InvalidDataException or ArgumentException or FormatException or InvalidOperationException)
            {
                session.KeyParts.Clear();
                return new ErrorMessage(ErrorCode.BadCiphertext, "evaluation keys refused: " + e.Message);
            }
        }
        return new AckMessage();
    }

    private Message Stage(StageMessage stage)
    {
        if (!_sessions.TryGetValue(stage.Session, out MinerSession? session))
        {
            return new ErrorMessage(ErrorCode.UnknownSession, $"no session {stage.Session}");
        }
        if (session.Plan is not { } plan)
        {
            return new ErrorMessage(ErrorCode.OutOfOrder, "the session's evaluation keys are not complete");
        }
        if (stage.Stage < 0 || stage.Stage >= _program.Plan.Stages.Count)
        {
            return new ErrorMessage(ErrorCode.OutOfOrder, $"stage {stage.Stage} does not exist (the plan has {_program.Plan.Stages.Count})");
        }
        if (stage.Stage != plan.NextStage || stage.Position != plan.Position)
        {
            return new ErrorMessage(ErrorCode.OutOfOrder, $"expected stage {plan.NextStage} of position {plan.Position}, got stage {stage.Stage} of position {stage.Position}");
        }
        if (stage.Position >= _program.Plan.Model.MaxSequenceLength)
        {
            return new ErrorMessage(ErrorCode.OutOfOrder, $"position {stage.Position} is beyond the context of {_program.Plan.Model.MaxSequenceLength}");
        }
        HeStage planStage = _program.Plan.Stages[stage.Stage];
        var clock = Stopwatch.StartNew();
        try
        {
            var inputs = new List<IReadOnlyList<SlotValue>>();
            for (int i = 0; i < stage.Inputs.Count; i++)
            {
                string what = $"stage '{planStage.Name}' input {i}";
                inputs.Add(stage.Inputs[i].Select((bytes, j) => plan.Evaluator.Deserialize(bytes, $"{what} ciphertext {j}")).ToArray());
            }
            IReadOnlyList<IReadOnlyList<SlotValue>> outputs = plan.Execute(stage.Stage, stage.Position, inputs);
            var result = new StageResultMessage(outputs.Select(list => (IReadOnlyList<byte[]>)list.Select(plan.Evaluator.Serialize).ToArray()).ToArray());
            StagesRun++;
            return result;
        }
        catch (Exception e) when (e is InvalidDataException or ArgumentException or FormatException or InvalidOperationException)
        {
            return new ErrorMessage(ErrorCode.BadCiphertext, e.Message);
        }
        finally
        {
            ComputeTime += clock.Elapsed;
        }
    }

    private static byte[] Concat(byte[]?[] parts)
    {
        var result = new byte[parts.Sum(p => p!.Length)];
        int offset = 0;
        foreach (byte[]? part in parts)
        {
            part!.CopyTo(result, offset);
            offset += part.Length;
        }
        return result;
    }

    /// <summary>Ends every session.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            foreach (MinerSession session in _sessions.Values)
            {
                session.Plan?.Dispose();
            }
            _sessions.Clear();
        }
    }

    private sealed class MinerSession
    {
        public Dictionary<KeyKind, byte[]?[]> KeyParts { get; } = [];

        public PlanSession? Plan { get; set; }
    }
}
