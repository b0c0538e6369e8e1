using System.Text.Json;
using System.Text.Json.Nodes;
using BasedAI.Crypto;
using BasedAI.Ledger.Chain;
using BasedAI.Ledger.Node;
using BasedAI.Ledger.Runtime;
using BasedAI.Network;
using BasedAI.Network.Identity;
using BasedAI.Network.PubSub;
using BasedAI.Protocols.Chain;
using BasedAI.Protocols.Peers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BasedAI.Node;

/// <summary>How a host joins the network.</summary>
public sealed class NodeOptions
{
    /// <summary>The host's state: <c>ledger/</c> (the chain), <c>p2p/node.key</c> (its libp2p identity) and <c>node.json</c>.</summary>
    public required string Home { get; init; }

    /// <summary>What this host is, for <c>node.json</c> and logs: chain, miner or validator.</summary>
    public string Role { get; init; } = "chain";

    /// <summary>Seal blocks with the dev authority key (the devnet's block producer); otherwise follow the network.</summary>
    public bool Produce { get; init; }

    /// <summary>Time between blocks when producing.</summary>
    public TimeSpan BlockTime { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Where to listen for libp2p (loopback by default; port 0 picks one).</summary>
    public string ListenAddress { get; init; } = "/ip4/127.0.0.1/tcp/0";

    /// <summary>Peers to join the network through (full multiaddrs with /p2p).</summary>
    public IReadOnlyList<string> Bootstrap { get; init; } = [];

    /// <summary>Loopback JSON-RPC port (0 = any free port, null = no RPC).</summary>
    public int? RpcPort { get; init; } = 0;

    /// <summary>How often the host catches up with its peers.</summary>
    public TimeSpan SyncInterval { get; init; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// The part every network host runs: the dev chain in <c>Home/ledger</c> (sealing with the dev authority key when
/// <see cref="NodeOptions.Produce"/>, else following with a verify-only seal engine), a libp2p peer with gossipsub, the chain
/// on the network (<see cref="ChainNetwork"/>), the peer directory, and the connections to the bootstrap peers (retried
/// until they answer). On start it reopens the stored chain and catches up; <c>Home/node.json</c> says where it listens.
/// </summary>
public sealed partial class ChainHost : IHostedService, IAsyncDisposable
{
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Multiaddr> _bootstrap = [];
    private Task? _dialLoop;
    private LedgerNode? _ledger;
    private Libp2pPeer? _peer;
    private ChainNetwork? _chain;
    private PeerDirectory? _directory;

    /// <summary>A host with <paramref name="options"/>.</summary>
    public ChainHost(NodeOptions options, ILoggerFactory loggers)
    {
        Options = options ?? throw new ArgumentNullException(nameof(options));
        _loggers = loggers ?? throw new ArgumentNullException(nameof(loggers));
        _logger = loggers.CreateLogger("BasedAI.Node.Chain");
        foreach (string text in options.Bootstrap)
        {
            Multiaddr address = Multiaddr.Parse(text);
            _bootstrap.Add(address.PeerId is null ? throw new FormatException($"bootstrap address {text} has no /p2p/<peer id>") : address);
        }
    }

    /// <summary>The settings.</summary>
    public NodeOptions Options { get; }

    /// <summary>The chain.</summary>
    public LedgerNode Ledger => _ledger ?? throw NotStarted();

    /// <summary>The libp2p peer.</summary>
    public ILocalPeer Peer => _peer ?? throw NotStarted();

    /// <summary>The chain on the network.</summary>
    public ChainNetwork Chain => _chain ?? throw NotStarted();

    /// <summary>Who serves which Brain where.</summary>
    public PeerDirectory Directory => _directory ?? throw NotStarted();

    /// <summary>The bootstrap peers.</summary>
    public IReadOnlyList<Multiaddr> BootstrapPeers => _bootstrap;

    /// <summary>The addresses this host can be dialed at, with /p2p.</summary>
    public IReadOnlyList<Multiaddr> DialableAddresses => Peer.ListenAddresses.Select(a => a.WithPeerId(Peer.PeerId)).ToList();

    /// <summary>The dev chain's genesis and the authority's address (followers verify its seals; they never hold its key).</summary>
    public static (GenesisConfig Genesis, EthereumAddress Authority) DevChain()
    {
        (GenesisConfig genesis, byte[] key) = DevGenesis.Create();
        try
        {
            return (genesis, EthereumAddress.FromPrivateKey(key));
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        (GenesisConfig genesis, byte[] authorityKey) = DevGenesis.Create();
        try
        {
            _ledger = await LedgerNode.StartAsync(new LedgerNodeOptions
            {
                DataDirectory = Path.Combine(Options.Home, "ledger"),
                Genesis = genesis,
                AuthorityKey = Options.Produce ? authorityKey : null,
                SealEngine = Options.Produce ? null : new SingleAuthoritySeal(genesis.Authority),
                Production = Options.Produce ? BlockProduction.Interval : BlockProduction.Follow,
                BlockTime = Options.BlockTime,
                RpcPort = Options.RpcPort,
            }, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(authorityKey);
        }
        ChainStatusLog(_ledger);

        PrivateKey key = NodeKeyFile.LoadOrCreate(Path.Combine(Options.Home, "p2p", "node.key"), KeyType.Ed25519, out _);
        var router = new GossipsubRouter(new GossipsubOptions { MaxRpcSize = 4 * 1024 * 1024 }, _loggers);
        _peer = new Libp2pPeer(new NodeIdentity(key), new Libp2pOptions { AgentVersion = "basedai/0.1.0" }, _loggers, [router], ownsIdentity: true);
        _chain = new ChainNetwork(_ledger, _peer, new ChainNetworkOptions { SyncInterval = Options.SyncInterval }, _loggers.CreateLogger("BasedAI.Node.Sync"));
        _chain.Start();
        _directory = new PeerDirectory(_peer, _chain.Genesis, logger: _loggers.CreateLogger("BasedAI.Node.Peers"));
        _directory.Start();
        _peer.PeerIdentified += (_, _) => _chain.RequestSync();
        Multiaddr bound = await _peer.ListenAsync(Multiaddr.Parse(Options.ListenAddress), cancellationToken).ConfigureAwait(false);
        LogListening(_logger, Options.Role, bound.WithPeerId(_peer.PeerId).ToString(), _ledger.RpcEndpoint?.ToString() ?? "none");
        if (_bootstrap.Count > 0)
        {
            await DialBootstrapAsync(cancellationToken).ConfigureAwait(false);
            _dialLoop = Task.Run(() => KeepBootstrapConnectedAsync(_stop.Token), CancellationToken.None);
            await _chain.SyncOnceAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void ChainStatusLog(LedgerNode ledger)
    {
        (ulong head, string hash) = ledger.Read(chain => (chain.Head.Height, chain.Head.Hash.ToString()));
        if (head > 0)
        {
            LogResumed(_logger, head, hash);
        }
        else
        {
            LogFresh(_logger, ledger.Read(chain => chain.GenesisHash.ToString()));
        }
    }

    // The first dial waits (up to 30 s) so roles start on a connected, synced host; later ones run in the background.
    private async Task DialBootstrapAsync(CancellationToken cancellationToken)
    {
        DateTime deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            if (await DialAllAsync(cancellationToken).ConfigureAwait(false) > 0)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                LogBootstrapUnreachable(_logger, string.Join(", ", _bootstrap));
                return;
            }
            await Task.Delay(500, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<int> DialAllAsync(CancellationToken cancellationToken)
    {
        int connected = 0;
        foreach (Multiaddr address in _bootstrap)
        {
            if (_peer!.GetSession(address.PeerId!) is { IsClosed: false })
            {
                connected++;
                continue;
            }
            try
            {
                ISession session = await _peer.DialAsync(address, cancellationToken).ConfigureAwait(false);
                await session.Identified.WaitAsync(TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
                connected++;
                LogConnected(_logger, address.ToString());
            }
            catch (Exception e) when (e is IOException or TimeoutException or Libp2pException or System.Net.Sockets.SocketException)
            {
                LogDialFailed(_logger, address.ToString(), e.Message);
            }
        }
        return connected;
    }

    private async Task KeepBootstrapConnectedAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken).ConfigureAwait(false);
                await DialAllAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Writes <c>Home/node.json</c>: pid, role, peer id, addresses, RPC endpoint, plus <paramref name="extra"/>.</summary>
    public void WriteNodeFile(JsonObject? extra = null)
    {
        var json = new JsonObject
        {
            ["pid"] = Environment.ProcessId,
            ["role"] = Options.Role,
            ["peer_id"] = Peer.PeerId.ToString(),
            ["addrs"] = new JsonArray(DialableAddresses.Select(a => (JsonNode)a.ToString()).ToArray<JsonNode?>()),
            ["rpc"] = Ledger.RpcEndpoint?.ToString(),
            ["genesis"] = Chain.Genesis.ToString(),
            ["started_at"] = DateTimeOffset.UtcNow.ToString("O"),
        };
        foreach ((string key, JsonNode? value) in extra ?? [])
        {
            json[key] = value?.DeepClone();
        }
        string path = Path.Combine(Options.Home, NodeFileName);
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>The file a running host describes itself in.</summary>
    public const string NodeFileName = "node.json";

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_dialLoop is not null)
        {
            await _dialLoop.ConfigureAwait(false);
        }
        File.Delete(Path.Combine(Options.Home, NodeFileName));
        await DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_directory is not null)
        {
            await _directory.DisposeAsync().ConfigureAwait(false);
            _directory = null;
        }
        if (_chain is not null)
        {
            await _chain.DisposeAsync().ConfigureAwait(false);
            _chain = null;
        }
        if (_peer is not null)
        {
            await _peer.DisposeAsync().ConfigureAwait(false);
            _peer = null;
        }
        if (_ledger is not null)
        {
            await _ledger.DisposeAsync().ConfigureAwait(false);
            _ledger = null;
        }
        _stop.Dispose();
    }

    private static InvalidOperationException NotStarted() => new("the chain host has not started");

    [LoggerMessage(Level = LogLevel.Information, Message = "{Role} host listening on {Address}, JSON-RPC {Rpc}")]
    private static partial void LogListening(ILogger logger, string role, string address, string rpc);

    [LoggerMessage(Level = LogLevel.Information, Message = "chain resumed from stored state at block {Height} ({Hash})")]
    private static partial void LogResumed(ILogger logger, ulong height, string hash);

    [LoggerMessage(Level = LogLevel.Information, Message = "chain starts from genesis {Genesis}")]
    private static partial void LogFresh(ILogger logger, string genesis);

    [LoggerMessage(Level = LogLevel.Information, Message = "connected to bootstrap peer {Address}")]
    private static partial void LogConnected(ILogger logger, string address);

    [LoggerMessage(Level = LogLevel.Debug, Message = "dialing bootstrap peer {Address} failed: {Reason}")]
    private static partial void LogDialFailed(ILogger logger, string address, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "no bootstrap peer answered within 30 s ({Addresses}); still trying in the background")]
    private static partial void LogBootstrapUnreachable(ILogger logger, string addresses);
}
