using System.Globalization;
using BasedAI.Abstractions;
using BasedAI.Generation;
using BasedAI.Inference.Formats;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BasedAI.Brains.HuggingFaceZkLlm;

/// <summary>
/// The Hugging Face ZK-LLM Converter template: loads the configured model (<c>Plugins:ai.based.zkllm:Model</c>) and serves
/// <see cref="GenerationMessages.TaskName"/>. Mode <see cref="GenerationMode.Plain"/> is served today; requests in the encrypted
/// modes are refused with a clear error until the ZK-LLM engine is wired in.
/// </summary>
public sealed class ZkLlmTemplate : IBrainTemplate
{
    private ZkLlmEngine? _engine;

    /// <inheritdoc />
    public BrainTemplateDescription Describe() => new("Hugging Face ZK-LLM Converter", [GenerationMessages.TaskName], ["zk-llm", "llm", "text-generation"]);

    /// <inheritdoc />
    public void ConfigureServices(IBrainRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Services.AddSingleton<ZkLlmEngine>();
        context.AddComputeTask<ZkLlmTask>();
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
            ? new BrainHealth(BrainHealthStatus.Healthy, string.Create(CultureInfo.InvariantCulture, $"{_engine.Description}, mode plain, {miner.SessionCount} session(s)"))
            : new BrainHealth(BrainHealthStatus.Unhealthy, "the model is not loaded"));
}

/// <summary>The loaded model and its miner role, shared by the template and its task.</summary>
public sealed class ZkLlmEngine(IBrainHostContext host, ILogger<ZkLlmEngine> logger) : IDisposable
{
    /// <summary>The miner role once loaded.</summary>
    public PlainMinerRole? Miner { get; private set; }

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
        LoadedModel loaded = ModelLoader.Load(path);
        Miner = new PlainMinerRole(loaded.Model, options, host.Clock);
        Description = string.Create(CultureInfo.InvariantCulture, $"{Path.GetFileName(path.TrimEnd('/'))} ({loaded.Model.ParameterCount:N0} parameters, {loaded.Format})");
        logger.LogInformation("serving {Model}, fingerprint {Fingerprint}", Description, Convert.ToHexStringLower(Miner.Fingerprint)[..16]);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Miner?.Dispose();
        Miner = null;
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
        GenerationMode mode = GenerationMessages.PeekMode(item.Payload.Span);
        if (mode != GenerationMode.Plain)
        {
            throw new InvalidDataException($"mode {mode.ToString().ToLowerInvariant()} is not served by ai.based.zkllm 0.1 (plain only: the encrypted engine is not part of this version)");
        }
        return ValueTask.FromResult(new WorkResult(miner.Handle(item.Payload.Span)));
    }
}
