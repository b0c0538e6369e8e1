using System.Security.Cryptography;
using System.Text.Json.Nodes;
using BasedAI.Abstractions;
using BasedAI.Crypto;
using BasedAI.Ledger.Chain;
using BasedAI.Ledger.State;
using BasedAI.Network;
using BasedAI.Network.Identity;
using BasedAI.Plugins.Runtime;
using BasedAI.Protocols;
using BasedAI.Protocols.Brainport;
using BasedAI.Protocols.Peers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BasedAI.Node.Roles;

/// <summary>What a miner serves.</summary>
public sealed class MinerOptions
{
    /// <summary>The Brain served.</summary>
    public required ushort Brain { get; init; }

    /// <summary>The unlocked computekey (registered on the Brain as a miner); the service keeps a copy and wipes it on stop.</summary>
    public required byte[] Computekey { get; init; }

    /// <summary>Plugin that serves the task when the Brain names none on chain (default: the only loaded plugin).</summary>
    public string? TaskPlugin { get; init; }

    /// <summary>Brainport limits.</summary>
    public BrainportServerOptions Brainport { get; init; } = new();
}

/// <summary>
/// The miner role: answers <c>/basedai/brainport/1.0.0</c> for one Brain with its computekey, and runs each accepted request
/// on the Brain's task plugin (the one the Brain names on chain, loaded by the plugin runtime, hot-swappable). Before the work
/// it checks the Brain (<see cref="BrainportStatus.UnknownBrain"/>), that this computekey is registered on it as a miner
/// (<see cref="BrainportStatus.NotRegistered"/>), that the task is loaded and healthy (<see cref="BrainportStatus.Unavailable"/>)
/// and has the named compute task (<see cref="BrainportStatus.UnknownTask"/>). It announces itself in the peer directory.
/// </summary>
public sealed partial class MinerService : IHostedService, IDisposable
{
    private readonly ChainHost _host;
    private readonly PluginRuntime _runtime;
    private readonly ILogger _logger;
    private readonly byte[] _key;
    private BrainportServer? _server;

    /// <summary>A miner on <paramref name="host"/> running tasks through <paramref name="runtime"/>.</summary>
    public MinerService(ChainHost host, PluginRuntime runtime, MinerOptions options, ILoggerFactory loggers)
    {
        _host = host ?? throw new ArgumentNullException(nameof(host));
        _runtime = runtime ?? throw new ArgumentNullException(nameof(runtime));
        Options = options ?? throw new ArgumentNullException(nameof(options));
        ArgumentNullException.ThrowIfNull(loggers);
        _logger = loggers.CreateLogger("BasedAI.Node.Miner");
        _key = options.Computekey.ToArray();
        Computekey = EthereumAddress.FromPrivateKey(_key);
    }

    /// <summary>The settings.</summary>
    public MinerOptions Options { get; }

    /// <summary>This miner's computekey address.</summary>
    public EthereumAddress Computekey { get; }

    /// <summary>The brainport responder, once started.</summary>
    public BrainportServer? Server => _server;

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _server = new BrainportServer(_key, HandleAsync, Options.Brainport, _logger);
        _server.Attach(_host.Peer);
        (BrainRecord? brain, ushort? uid) = Registration();
        if (brain is null)
        {
            LogNoBrain(_logger, Options.Brain);
        }
        else if (uid is null)
        {
            LogNotRegistered(_logger, Computekey.ToString(), Options.Brain);
        }
        string? plugin = TaskPlugin(brain);
        LogServing(_logger, Options.Brain, uid?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-", Computekey.ToString(), plugin ?? "none loaded");
        await _host.Directory.AnnounceAsync(() => NodeRecord.Sign(_key, _host.Chain.Genesis, Options.Brain, NodeRole.Miner, _host.Peer.PeerId,
            _host.Peer.ListenAddresses, DateTimeOffset.UtcNow), cancellationToken).ConfigureAwait(false);
        _host.WriteNodeFile(new JsonObject
        {
            ["brain"] = Options.Brain,
            ["computekey"] = Computekey.ToString(),
            ["uid"] = uid,
            ["task_plugin"] = plugin,
        });
    }

    private (BrainRecord? Brain, ushort? Uid) Registration() => _host.Ledger.Read(chain =>
    {
        LedgerState state = chain.State;
        BrainRecord? brain = state.GetBrain(Options.Brain);
        ushort? uid = brain is null ? null : state.GetUid(Options.Brain, Computekey);
        return (brain, uid is { } u && state.GetNeuron(Options.Brain, u)?.Role == NodeRole.Miner ? uid : null);
    });

    private string? TaskPlugin(BrainRecord? brain)
    {
        if (brain is { TaskId.Length: > 0 })
        {
            return brain.TaskId;
        }
        if (Options.TaskPlugin is { } configured)
        {
            return configured;
        }
        IReadOnlyList<PluginStatus> loaded = _runtime.GetStatus();
        return loaded.Count == 1 ? loaded[0].Id : null;
    }

    private async ValueTask<BrainportReply> HandleAsync(BrainportRequest request, PeerId from, CancellationToken cancellationToken)
    {
        if (request.Brain != Options.Brain)
        {
            return BrainportReply.Refuse(BrainportStatus.UnknownBrain, $"this miner serves Brain {Options.Brain}, not {request.Brain}");
        }
        (BrainRecord? brain, ushort? uid) = Registration();
        if (brain is null)
        {
            return BrainportReply.Refuse(BrainportStatus.UnknownBrain, $"Brain {Options.Brain} does not exist on this node's chain");
        }
        if (uid is null)
        {
            return BrainportReply.Refuse(BrainportStatus.NotRegistered, $"{Computekey} is not registered as a miner on Brain {Options.Brain}");
        }
        string? plugin = TaskPlugin(brain);
        PluginStatus? status = plugin is null ? null : _runtime.GetStatus(plugin);
        if (status is null || status.Health.Status == BrainHealthStatus.Unhealthy)
        {
            return BrainportReply.Refuse(BrainportStatus.Unavailable, status is null
                ? $"the Brain's task {plugin ?? "(none named)"} is not loaded on this miner"
                : $"the Brain's task {plugin} is unhealthy: {status.Health.Description}");
        }
        if (!status.ComputeTasks.Contains(request.Task))
        {
            return BrainportReply.Refuse(BrainportStatus.UnknownTask, $"{plugin} {status.Version} has no compute task '{request.Task}' (it has: {string.Join(", ", status.ComputeTasks)})");
        }
        try
        {
            var item = new WorkItem(request.Uuid.ToString("D"), request.Task, request.Body, new Dictionary<string, string> { ["caller"] = request.Sender.ToString() });
            WorkResult result = await _runtime.ExecuteAsync(plugin!, item, null, cancellationToken).ConfigureAwait(false);
            return BrainportReply.Ok(result.Payload);
        }
        catch (InvalidOperationException e) when (_runtime.GetStatus(plugin!) is null)
        {
            return BrainportReply.Refuse(BrainportStatus.Unavailable, e.Message);
        }
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken)
    {
        _host.Peer.Unhandle(ProtocolIds.Brainport);
        return Task.CompletedTask;
    }

    /// <summary>Wipes the computekey.</summary>
    public void Dispose()
    {
        _server?.Dispose();
        CryptographicOperations.ZeroMemory(_key);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "miner: Brain {Brain} UID {Uid}, computekey {Computekey}, task plugin {Plugin}")]
    private static partial void LogServing(ILogger logger, ushort brain, string uid, string computekey, string plugin);

    [LoggerMessage(Level = LogLevel.Warning, Message = "miner: Brain {Brain} does not exist (yet) on this chain; requests are refused until it does")]
    private static partial void LogNoBrain(ILogger logger, ushort brain);

    [LoggerMessage(Level = LogLevel.Warning, Message = "miner: computekey {Computekey} is not registered on Brain {Brain}; memorize it (basedai memorize --role miner); requests are refused until then")]
    private static partial void LogNotRegistered(ILogger logger, string computekey, ushort brain);
}
