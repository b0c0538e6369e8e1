using System.Globalization;
using BasedAI.Abstractions;
using BasedAI.Generation;
using BasedAI.Inference.Formats;
using BasedAI.ZkLlm.Miner;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BasedAI.Brains.HuggingFaceZkLlm;

/// <summary>
/// The Hugging Face ZK-LLM Converter template: loads the configured model (<c>Plugins:ai.based.zkllm:Model</c>) and serves the
/// encrypted LLM task (<see cref="EncryptedTask.TaskName"/>, the ZK-LLM miner role in hybrid CKKS mode) and the plaintext one
/// (<see cref="GenerationMessages.TaskName"/>).
/// </summary>
public sealed class ZkLlmTemplate : IBrainTemplate
{
    private ZkLlmEngine? _engine;

    /// <inheritdoc />
    public BrainTemplateDescription Describe() => new("Hugging Face ZK-LLM Converter", [EncryptedTask.TaskName, GenerationMessages.TaskName], ["zk-llm", "llm", "text-generation"]);

    /// <inheritdoc />
    public void ConfigureServices(IBrainRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Services.AddSingleton<ZkLlmEngine>();
        context.AddComputeTask<ZkLlmTask>();
        context.AddComputeTask<EncryptedZkLlmTask>();
    }

    /// <inheritdoc />
    public Task StartAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        _engine = services.GetRequiredService<ZkLlmEngine>();
        _engine.Load();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        _engine?.Dispose();
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<BrainHealth> CheckHealthAsync(CancellationToken cancellationToken) =>
        Task.FromResult(_engine?.Miner is { } miner
            ? new BrainHealth(BrainHealthStatus.Healthy, string.Create(CultureInfo.InvariantCulture, $"{_engine.Description}, modes hybrid (CKKS) and plain, {miner.SessionCount} plain session(s)"))
            : new BrainHealth(BrainHealthStatus.Unhealthy, "the model is not loaded"));
}

/// <summary>The loaded model and its miner role, shared by the template and its task.</summary>
public sealed class ZkLlmEngine(IBrainHostContext host, ILogger<ZkLlmEngine> logger) : IDisposable
{
    /// <summary>The miner role once loaded.</summary>
    public PlainMinerRole? Miner { get; private set; }

    /// <summary>The encrypted task's miner role once loaded.</summary>
    public ZkLlmMiner? EncryptedMiner { get; private set; }

    /// <summary>What is served, for health reports.</summary>
    public string Description { get; private set; } = "";

    /// <summary>Loads the configured model; throws when the configuration or the model is unusable.</summary>
    public void Load()
    {
        string path = host.Configuration["Model"] is { Length: > 0 } configured
            ? configured
            : throw new InvalidOperationException($"configuration Plugins:{host.PluginId}:Model is not set (a Hugging Face folder or a llama2.c .bin)");
        var options = new PlainMinerOptions();
        if (host.Configuration["MaxSessions"] is { } sessions)
        {
            options.MaxSessions = int.Parse(sessions, CultureInfo.InvariantCulture);
        }
        if (host.Configuration["IdleTimeoutSeconds"] is { } idle)
        {
            options.IdleTimeout = TimeSpan.FromSeconds(double.Parse(idle, CultureInfo.InvariantCulture));
        }
        var encryptedOptions = new ZkLlmMinerOptions();
        if (host.Configuration["MaxEncryptedSessions"] is { } encryptedSessions)
        {
            encryptedOptions = encryptedOptions with { MaxSessions = int.Parse(encryptedSessions, CultureInfo.InvariantCulture) };
        }
        LoadedModel loaded = ModelLoader.Load(path);
        Miner = new PlainMinerRole(loaded.Model, options, host.Clock);
        EncryptedMiner = EncryptedTask.Create(loaded.Model).CreateMiner(encryptedOptions);
        Description = string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(path.TrimEnd('/'))} ({loaded.Model.ParameterCount:N0} parameters, {loaded.Format})");
        logger.LogInformation("serving {Model}, fingerprint {Fingerprint}", Description, Convert.ToHexStringLower(Miner.Fingerprint)[..16]);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Miner?.Dispose();
        Miner = null;
        EncryptedMiner?.Dispose();
        EncryptedMiner = null;
    }
}

/// <summary><c>zkllm.infer</c>: one message of a client's generation session (see <see cref="GenerationMessages"/>).</summary>
public sealed class ZkLlmTask(ZkLlmEngine engine) : IComputeTask
{
    /// <inheritdoc />
    public string Name => GenerationMessages.TaskName;

    /// <inheritdoc />
    public ValueTask<WorkResult> ExecuteAsync(WorkItem item, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        cancellationToken.ThrowIfCancellationRequested();
        PlainMinerRole miner = engine.Miner ?? throw new InvalidOperationException("the model is not loaded");
        return ValueTask.FromResult(new WorkResult(miner.Handle(item.Payload.Span)));
    }
}

/// <summary><c>zkllm.ckks</c>: one message of a client's encrypted session (the ZK-LLM protocol: open, keys, stages, close).</summary>
public sealed class EncryptedZkLlmTask(ZkLlmEngine engine) : IComputeTask
{
    /// <inheritdoc />
    public string Name => EncryptedTask.TaskName;

    /// <inheritdoc />
    public async ValueTask<WorkResult> ExecuteAsync(WorkItem item, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(item);
        ZkLlmMiner miner = engine.EncryptedMiner ?? throw new InvalidOperationException("the model is not loaded");
        // Refusals (malformed, mismatched, out of order) are answers of the protocol, so the client learns what was wrong.
        return new WorkResult(await miner.HandleAsync(item.Payload, cancellationToken).ConfigureAwait(false));
    }
}
