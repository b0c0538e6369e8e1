using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using BasedAI.Crypto;
using BasedAI.Generation;
using BasedAI.Ledger.Chain;
using BasedAI.Ledger.Codec;
using BasedAI.Ledger.Node;
using BasedAI.Ledger.State;
using BasedAI.Network;
using BasedAI.Network.Identity;
using BasedAI.Protocols.Brainport;
using BasedAI.Protocols.Peers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BasedAI.Node.Roles;

/// <summary>A miner as the metagraph lists it.</summary>
/// <param name="Uid">Its UID on the Brain.</param>
/// <param name="Computekey">Its computekey.</param>
/// <param name="Incentive">Its incentive at the last epoch (u16 proportion).</param>
public sealed record MinerEntry(ushort Uid, EthereumAddress Computekey, ushort Incentive);

/// <summary>A miner to call: its metagraph entry and its signed peer record.</summary>
/// <param name="Miner">The metagraph entry.</param>
/// <param name="Record">Where it serves.</param>
public sealed record MinerCandidate(MinerEntry Miner, NodeRecord Record);

/// <summary>One miner tried for a generation.</summary>
/// <param name="Uid">The miner's UID.</param>
/// <param name="Computekey">Its computekey.</param>
/// <param name="Error">Why it failed, or null when it finished the answer.</param>
/// <param name="Elapsed">Time spent with it.</param>
public sealed record PromptAttempt(ushort Uid, EthereumAddress Computekey, string? Error, TimeSpan Elapsed);

/// <summary>Reads a Brain's miners from a metagraph.</summary>
public static class Metagraph
{
    /// <summary>The registered miners of <paramref name="brain"/> in <paramref name="state"/>.</summary>
    public static IReadOnlyList<MinerEntry> Miners(LedgerState state, ushort brain)
    {
        ArgumentNullException.ThrowIfNull(state);
        BrainRecord record = state.GetBrain(brain) ?? throw new ArgumentException($"Brain {brain} does not exist");
        var miners = new List<MinerEntry>();
        for (ushort uid = 0; uid < record.NodeCount; uid++)
        {
            if (state.GetNeuron(brain, uid) is { Role: NodeRole.Miner } neuron)
            {
                miners.Add(new MinerEntry(uid, neuron.Computekey, neuron.Incentive));
            }
        }
        return miners;
    }

    /// <summary>The registered miners of <paramref name="brain"/>, asked of a node over JSON-RPC (<c>stem_get</c>).</summary>
    public static async Task<IReadOnlyList<MinerEntry>> MinersAsync(LedgerRpcClient rpc, ushort brain, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rpc);
        JsonNode stem = await rpc.CallAsync("stem_get", [brain], cancellationToken).ConfigureAwait(false)
            ?? throw new ArgumentException($"Brain {brain} does not exist on the chain at {rpc.Endpoint}");
        return stem["neurons"]!.AsArray()
            .Where(n => n!["role"]!.GetValue<string>() == "miner")
            .Select(n => new MinerEntry(n!["uid"]!.GetValue<ushort>(), EthereumAddress.Parse(n["computekey"]!.GetValue<string>()), n["incentive"]!.GetValue<ushort>()))
            .ToList();
    }

    /// <summary>Pairs miners with their records; best incentive first, ties in random order so load spreads.</summary>
    public static IReadOnlyList<MinerCandidate> Candidates(IEnumerable<MinerEntry> miners, IEnumerable<NodeRecord> records, ushort brain)
    {
        Dictionary<EthereumAddress, NodeRecord> byKey = records
            .Where(r => r.Brain == brain && r.Role == NodeRole.Miner)
            .GroupBy(r => r.Computekey)
            .ToDictionary(g => g.Key, g => g.MaxBy(r => r.IssuedAt)!);
        return miners.Where(m => byKey.ContainsKey(m.Computekey))
            .Select(m => new MinerCandidate(m, byKey[m.Computekey]))
            .OrderByDescending(c => c.Miner.Incentive).ThenBy(_ => Random.Shared.Next())
            .ToList();
    }
}

/// <summary>An <see cref="IMinerTransport"/> over brainport: every message is a signed call to one miner's <paramref name="task"/>.</summary>
public sealed class BrainportMinerTransport(BrainportClient client, BrainportTarget target, ushort brain, string task, TimeSpan? timeout = null) : IMinerTransport
{
    /// <summary>Round trips so far.</summary>
    public int Calls { get; private set; }

    /// <inheritdoc />
    public async Task<ReadOnlyMemory<byte>> SendAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        BrainportResult result = await client.CallAsync(target, brain, task, request, timeout, cancellationToken).ConfigureAwait(false);
        Calls++;
        return result.Body;
    }
}

/// <summary>
/// A short-lived participant on the network, as a user is: a fresh libp2p identity and a fresh signing key, unknown to the
/// chain. It finds a Brain's miners (metagraph + signed peer records), runs a generation on the best one and, when a miner
/// fails (unreachable, refuses, times out, answers nonsense), continues the same generation on the next.
/// </summary>
public sealed partial class BrainClient : IAsyncDisposable
{
    private readonly Libp2pPeer _peer;
    private readonly PeerDirectory _directory;
    private readonly ILogger _logger;

    private BrainClient(Libp2pPeer peer, PeerDirectory directory, BrainportClient brainport, ILogger logger)
    {
        _peer = peer;
        _directory = directory;
        Brainport = brainport;
        _logger = logger;
    }

    /// <summary>The brainport caller (its address is this client's ephemeral key).</summary>
    public BrainportClient Brainport { get; }

    /// <summary>The libp2p peer.</summary>
    public ILocalPeer Peer => _peer;

    /// <summary>Creates a client with fresh keys for the chain of <paramref name="genesis"/>.</summary>
    public static BrainClient Create(Hash32 genesis, BrainportClientOptions? options = null, ILoggerFactory? loggers = null)
    {
        var peer = new Libp2pPeer(NodeIdentity.Generate(), new Libp2pOptions { AgentVersion = "basedai/0.1.0" }, loggers, ownsIdentity: true);
        var directory = new PeerDirectory(peer, genesis);
        directory.Start();
        BrainportClient brainport = BrainportClient.WithEphemeralKey(peer, options);
        return new BrainClient(peer, directory, brainport, loggers?.CreateLogger("BasedAI.Node.Client") ?? NullLogger.Instance);
    }

    /// <summary>Asks the <paramref name="bootstrap"/> peers for the peer records of <paramref name="brain"/>.</summary>
    public async Task<IReadOnlyList<NodeRecord>> FetchRecordsAsync(IEnumerable<Multiaddr> bootstrap, ushort brain, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bootstrap);
        var records = new List<NodeRecord>();
        var errors = new List<string>();
        foreach (Multiaddr address in bootstrap)
        {
            try
            {
                ISession session = await _peer.DialAsync(address, cancellationToken).ConfigureAwait(false);
                records.AddRange(await _directory.FetchAsync(session.RemotePeer, brain, cancellationToken).ConfigureAwait(false));
            }
            catch (Exception e) when (e is IOException or TimeoutException or Libp2pException or FormatException or System.Net.Sockets.SocketException)
            {
                errors.Add($"{address}: {e.Message}");
            }
        }
        if (records.Count == 0 && errors.Count > 0)
        {
            throw new IOException($"no bootstrap peer answered: {string.Join("; ", errors)}");
        }
        return records;
    }

    /// <summary>
    /// Runs <paramref name="session"/> to completion on the first candidate that can finish it, moving on after each failure.
    /// Returns every attempt; the session is complete when the last attempt has no error.
    /// </summary>
    public async Task<IReadOnlyList<PromptAttempt>> GenerateAsync(ILlmTaskClient role, GenerationSession session, ushort brain,
        IReadOnlyList<MinerCandidate> candidates, TimeSpan? callTimeout = null, IProgress<int>? tokens = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(role);
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(candidates);
        var attempts = new List<PromptAttempt>();
        foreach (MinerCandidate candidate in candidates)
        {
            long started = Stopwatch.GetTimestamp();
            var transport = new BrainportMinerTransport(Brainport, candidate.Record.Target, brain, role.TaskName, callTimeout);
            try
            {
                await role.RunAsync(session, transport, tokens, cancellationToken).ConfigureAwait(false);
                attempts.Add(new PromptAttempt(candidate.Miner.Uid, candidate.Miner.Computekey, null, Stopwatch.GetElapsedTime(started)));
                return attempts;
            }
            catch (Exception e) when (e is BrainportException or InvalidDataException)
            {
                string reason = e.Message;
                attempts.Add(new PromptAttempt(candidate.Miner.Uid, candidate.Miner.Computekey, reason, Stopwatch.GetElapsedTime(started)));
                LogMinerFailed(_logger, candidate.Miner.Uid, session.GeneratedTokens.Count.ToString(CultureInfo.InvariantCulture), reason);
            }
        }
        return attempts;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Brainport.Dispose();
        await _directory.DisposeAsync().ConfigureAwait(false);
        await _peer.DisposeAsync().ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "miner UID {Uid} failed after {Tokens} token(s): {Reason}; trying the next miner")]
    private static partial void LogMinerFailed(ILogger logger, ushort uid, string tokens, string reason);
}
