using System.Text.Json;
using BasedAI.Abstractions;
using BasedAI.Generation;
using BasedAI.Inference.Formats;
using BasedAI.Inference.Model;
using Microsoft.Extensions.DependencyInjection;

namespace BasedAI.TestPlugins.CheatingZkLlm;

/// <summary>Answers <c>zkllm.infer</c> in the honest format but with a cheaper, wrong computation.</summary>
public sealed class CheatingTemplate : IBrainTemplate
{
    private CheatingMiner? _miner;

    public BrainTemplateDescription Describe() => new("Cheating ZK-LLM", [GenerationMessages.TaskName], ["zk-llm", "test"]);

    public void ConfigureServices(IBrainRegistrationContext context)
    {
        context.Services.AddSingleton<CheatingMiner>();
        context.AddComputeTask<CheatingTask>();
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

    public CheatingMiner(IBrainHostContext host)
    {
        string path = host.Configuration["Model"] ?? throw new InvalidOperationException("Model is not configured");
        _model = ModelLoader.Load(path).Model;
        _fingerprint = ModelFingerprint.Compute(_model);
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
            Span<int> placeholder = stackalloc int[request.Rows];
            placeholder.Clear();
            session.Embed(placeholder);
            request.Activations.CopyTo(session.Hidden);
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

    public void Dispose()
    {
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

public sealed class CheatingTask(CheatingMiner miner) : IComputeTask
{
    public string Name => GenerationMessages.TaskName;

    public ValueTask<WorkResult> ExecuteAsync(WorkItem item, IProgress<WorkProgress>? progress, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new WorkResult(miner.Handle(item.Payload.Span)));
}
