using System.Text.Json;
using BasedAI.Abstractions;
using BasedAI.Generation;
using BasedAI.Inference.Formats;
using BasedAI.Inference.Model;
using BasedAI.ZkLlm.Miner;
using BasedAI.ZkLlm.Protocol;
using Microsoft.Extensions.DependencyInjection;

namespace BasedAI.TestPlugins.CheatingZkLlm;

/// <summary>
/// Answers the LLM task in the honest formats but wrongly. Plain task: skips every other transformer block, or answers random
/// hidden states. Encrypted task: answers with valid ciphertexts under the client's key but of the wrong token, replaying each
/// stage's result of the session's first position (for the odd layers only in skip-layers mode, for every stage in random mode).
/// </summary>
public sealed class CheatingTemplate : IBrainTemplate
{
    private CheatingMiner? _miner;

    public BrainTemplateDescription Describe() => new("Cheating ZK-LLM", [EncryptedTask.TaskName, GenerationMessages.TaskName], ["zk-llm", "test"]);

    public void ConfigureServices(IBrainRegistrationContext context)
    {
        context.Services.AddSingleton<CheatingMiner>();
        context.AddComputeTask<CheatingTask>();
        context.AddComputeTask<CheatingEncryptedTask>();
    }

    public Task StartAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        _miner = services.GetRequiredService<CheatingMiner>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<BrainHealth> CheckHealthAsync(CancellationToken cancellationToken) =>
        Task.FromResult(_miner is null ? new BrainHealth(BrainHealthStatus.Unhealthy, "not started") : new BrainHealth(BrainHealthStatus.Healthy, $"cheating: {_miner.Mode}"));
}

/// <summary>One InferenceSession per client session, like the honest miner, but running only the even blocks (or none).</summary>
public sealed class CheatingMiner : IDisposable
{
    private readonly TransformerModel _model;
    private readonly byte[] _fingerprint;
    private readonly Dictionary<Guid, InferenceSession> _sessions = [];
    private readonly Dictionary<(Guid Session, int Stage), IReadOnlyList<IReadOnlyList<byte[]>>> _firstResults = [];
    private readonly EncryptedTask _encryptedTask;
    private readonly ZkLlmMiner _encrypted;

    public CheatingMiner(IBrainHostContext host)
    {
        string path = host.Configuration["Model"] ?? throw new InvalidOperationException("Model is not configured");
        _model = ModelLoader.Load(path).Model;
        _fingerprint = ModelFingerprint.Compute(_model);
        _encryptedTask = EncryptedTask.Create(_model);
        _encrypted = _encryptedTask.CreateMiner();
        string settings = Path.Combine(Path.GetDirectoryName(typeof(CheatingMiner).Assembly.Location)!, "cheat.json");
        Mode = File.Exists(settings) ? JsonDocument.Parse(File.ReadAllText(settings)).RootElement.GetProperty("mode").GetString()! : "skip-layers";
    }

    public string Mode { get; }

    public byte[] Handle(ReadOnlySpan<byte> payload)
    {
        PlainRequest request = GenerationMessages.DecodeRequest(payload);
        if (request.Kind == PlainRequestKind.Close)
        {
            lock (_sessions)
            {
                if (_sessions.Remove(request.Session, out InferenceSession? closed))
                {
                    closed.Dispose();
                }
            }
            return GenerationMessages.EncodeClosed();
        }
        if (!request.Fingerprint.AsSpan().SequenceEqual(_fingerprint))
        {
            throw new InvalidDataException("another model");
        }
        if (Mode == "random")
        {
            var noise = new float[request.Width];
            for (int i = 0; i < noise.Length; i++)
            {
                noise[i] = (float)(Random.Shared.NextDouble() * 2 - 1);
            }
            return GenerationMessages.EncodeHidden(request.Position + request.Rows, noise);
        }
        InferenceSession session;
        lock (_sessions)
        {
            if (!_sessions.TryGetValue(request.Session, out session!))
            {
                session = _model.CreateSession(new InferenceOptions { Threads = 1 });
                _sessions[request.Session] = session;
            }
        }
        lock (session)
        {
            if (request.Position == 0)
            {
                session.Reset();
            }
            session.EmbedRows(request.Activations);
            for (int layer = 0; layer < _model.Config.LayerCount; layer += 2)
            {
                session.RunBlock(layer);
            }
            session.FinalNorm();
            float[] last = session.Normed.Slice((request.Rows - 1) * request.Width, request.Width).ToArray();
            session.Commit();
            return GenerationMessages.EncodeHidden(session.Position, last);
        }
    }

    // The honest miner still runs every stage (its encrypted caches must stay in step); the answer is swapped for a stale one.
    public async Task<ReadOnlyMemory<byte>> HandleEncryptedAsync(ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        ReadOnlyMemory<byte> answer = await _encrypted.HandleAsync(payload, cancellationToken);
        Message request = MessageCodec.Decode(payload.Span);
        if (request is CloseMessage close)
        {
            lock (_firstResults)
            {
                foreach ((Guid, int) key in _firstResults.Keys.Where(k => k.Session == close.Session).ToList())
                {
                    _firstResults.Remove(key);
                }
            }
        }
        if (request is not StageMessage stage || MessageCodec.Decode(answer.Span) is not StageResultMessage result)
        {
            return answer;
        }
        bool cheat = Mode == "random" || _encryptedTask.Plan.Stages[stage.Stage].Layer % 2 == 1;
        lock (_firstResults)
        {
            if (!_firstResults.TryGetValue((stage.Session, stage.Stage), out IReadOnlyList<IReadOnlyList<byte[]>>? first))
            {
                _firstResults[(stage.Session, stage.Stage)] = result.Outputs;
                return answer;
            }
            return cheat ? MessageCodec.Encode(new StageResultMessage(first)) : answer;
        }
    }

    public void Dispose()
    {
        _encrypted.Dispose();
        lock (_sessions)
        {
            foreach (InferenceSession session in _sessions.Values)
            {
                session.Dispose();
            }
            _sessions.Clear();
        }
    }
}

public sealed class CheatingEncryptedTask(CheatingMiner miner) : IComputeTask
{
    public string Name => EncryptedTask.TaskName;

    public async ValueTask<WorkResult> ExecuteAsync(WorkItem item, IProgress<WorkProgress>? progress, CancellationToken cancellationToken) =>
        new(await miner.HandleEncryptedAsync(item.Payload, cancellationToken));
}

public sealed class CheatingTask(CheatingMiner miner) : IComputeTask
{
    public string Name => GenerationMessages.TaskName;

    public ValueTask<WorkResult> ExecuteAsync(WorkItem item, IProgress<WorkProgress>? progress, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new WorkResult(miner.Handle(item.Payload.Span)));
}
