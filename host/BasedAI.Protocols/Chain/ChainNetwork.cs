using System.Collections.Concurrent;
using BasedAI.Ledger.Chain;
using BasedAI.Ledger.Codec;
using BasedAI.Ledger.Node;
using BasedAI.Ledger.Runtime;
using BasedAI.Network;
using BasedAI.Network.Identity;
using BasedAI.Network.Protocols;
using BasedAI.Network.PubSub;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BasedAI.Protocols.Chain;

/// <summary>Settings of <see cref="ChainNetwork"/>.</summary>
public sealed class ChainNetworkOptions
{
    /// <summary>How often a host compares its head with its peers' and downloads what it misses. Default 2 s.</summary>
    public TimeSpan SyncInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Blocks asked for per sync request. Default 256.</summary>
    public uint BlocksPerRequest { get; set; } = 256;

    /// <summary>Largest sync answer served or accepted. Default 8 MiB.</summary>
    public int MaxSyncResponseSize { get; set; } = 8 * 1024 * 1024;
}

/// <summary>
/// Puts a <see cref="LedgerNode"/> on the network. The block producer publishes every block it seals on the blocks topic; every
/// other host re-executes each block it receives (<see cref="LedgerNode.Import"/>: seal, parent, extrinsics root, every
/// extrinsic, state root) and forwards only blocks that import, rejecting (and penalising the sender of) invalid ones. Extrinsics
/// submitted anywhere are checked and relayed on the extrinsics topic until they reach the producer's pool. A host that is behind
/// (fresh, restarted, or one that missed gossip) downloads the missing blocks over <c>/basedai/sync/1.0.0</c>, at start, every
/// <see cref="ChainNetworkOptions.SyncInterval"/>, and as soon as a block from the future arrives. Consensus stays in the
/// ledger's <see cref="ISealEngine"/>: this class moves blocks, it never decides which are valid.
/// </summary>
public sealed partial class ChainNetwork : IAsyncDisposable
{
    private readonly LedgerNode _node;
    private readonly ILocalPeer _peer;
    private readonly GossipsubRouter _router;
    private readonly ILogger _logger;
    private readonly object _importLock = new();
    private readonly ConcurrentDictionary<Hash32, long> _relayed = new();
    private readonly SemaphoreSlim _syncWanted = new(0, 1);
    private readonly SemaphoreSlim _syncing = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly bool _producer;
    private Topic? _blocks;
    private Topic? _extrinsics;
    private Task? _syncLoop;
    private long _imported;
    private long _rejected;
    private long _synced;

    /// <summary>Connects <paramref name="node"/> to <paramref name="peer"/>, which must run gossipsub.</summary>
    public ChainNetwork(LedgerNode node, ILocalPeer peer, ChainNetworkOptions? options = null, ILogger? logger = null)
    {
        _node = node ?? throw new ArgumentNullException(nameof(node));
        _peer = peer ?? throw new ArgumentNullException(nameof(peer));
        _router = peer.PubSub ?? throw new ArgumentException("the peer must run gossipsub (WithGossipsub / a GossipsubRouter service)", nameof(peer));
        Options = options ?? new ChainNetworkOptions();
        _logger = logger ?? NullLogger.Instance;
        (Genesis, _producer) = node.Read(chain => (chain.GenesisHash, chain.SealEngine.CanSeal));
    }

    /// <summary>The settings.</summary>
    public ChainNetworkOptions Options { get; }

    /// <summary>The genesis hash of the chain this host follows (peers on another chain are ignored).</summary>
    public Hash32 Genesis { get; }

    /// <summary>The first 8 hex digits of the genesis hash, used in topic names.</summary>
    public string GenesisPrefix => Genesis.ToString()[2..10];

    /// <summary>Blocks received over gossip and imported.</summary>
    public long BlocksImported => Interlocked.Read(ref _imported);

    /// <summary>Blocks downloaded over sync and imported.</summary>
    public long BlocksSynced => Interlocked.Read(ref _synced);

    /// <summary>Blocks refused as invalid (bad seal, bad state root, invalid extrinsic, malformed).</summary>
    public long BlocksRejected => Interlocked.Read(ref _rejected);

    /// <summary>Raised when a received block is refused, with the reason.</summary>
    public event Action<string>? BlockRejected;

    /// <summary>Subscribes to the topics, serves sync, and starts the catch-up loop.</summary>
    public void Start()
    {
        _peer.AddRequestResponse(ProtocolIds.ChainSync, ServeSyncAsync, new RequestResponseOptions
        {
            MaxRequestSize = 64,
            MaxResponseSize = Options.MaxSyncResponseSize,
            Timeout = TimeSpan.FromSeconds(30),
        });
        _blocks = _router.GetTopic(ProtocolIds.BlocksTopic(GenesisPrefix));
        _blocks.Validator = ValidateBlock;
        _blocks.Subscribe();
        _extrinsics = _router.GetTopic(ProtocolIds.ExtrinsicsTopic(GenesisPrefix));
        _extrinsics.Validator = ValidateExtrinsic;
        _extrinsics.Subscribe();
        _node.BlockCommitted += OnBlockCommitted;
        _node.ExtrinsicAccepted += OnExtrinsicAccepted;
        _syncLoop = Task.Run(SyncLoopAsync);
    }

    /// <summary>Asks for a catch-up round now (for example after connecting to a new peer).</summary>
    public void RequestSync()
    {
        if (_syncWanted.CurrentCount == 0)
        {
            try
            {
                _syncWanted.Release();
            }
            catch (SemaphoreFullException)
            {
                // Already requested.
            }
        }
    }

    /// <summary>The local head.</summary>
    public ChainStatus LocalStatus() => _node.Read(chain => new ChainStatus(chain.GenesisHash, chain.Head.Height, chain.Head.Hash));

    /// <summary>Asks <paramref name="peerId"/> for its chain status.</summary>
    public async Task<ChainStatus> GetStatusAsync(PeerId peerId, CancellationToken cancellationToken = default)
    {
        byte[] answer = await Sync.SendAsync(peerId, ChainSyncMessages.StatusRequest(), cancellationToken).ConfigureAwait(false);
        return ChainSyncMessages.DecodeStatus(answer);
    }

    /// <summary>
    /// Downloads and imports blocks from every connected peer that is ahead, until this host reaches the best head it saw.
    /// Returns the number of blocks imported.
    /// </summary>
    public async Task<int> SyncOnceAsync(CancellationToken cancellationToken = default)
    {
        await _syncing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await SyncAllAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _syncing.Release();
        }
    }

    private async Task<int> SyncAllAsync(CancellationToken cancellationToken)
    {
        int total = 0;
        foreach (ISession session in _peer.Sessions.Where(s => !s.IsClosed && SpeaksSync(s)).ToList())
        {
            try
            {
                total += await SyncFromAsync(session.RemotePeer, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or TimeoutException or Libp2pException or FormatException or ObjectDisposedException)
            {
                LogSyncFailed(_logger, session.RemotePeer.ToString(), e.Message);
            }
        }
        return total;
    }

    private static bool SpeaksSync(ISession session) => session.RemoteInfo?.Protocols.Contains(ProtocolIds.ChainSync) == true;

    private RequestResponseProtocol Sync => _peer.GetRequestResponse(ProtocolIds.ChainSync) ?? throw new InvalidOperationException("ChainNetwork.Start has not run");

    private async Task<int> SyncFromAsync(PeerId peerId, CancellationToken cancellationToken)
    {
        ChainStatus remote = await GetStatusAsync(peerId, cancellationToken).ConfigureAwait(false);
        if (remote.Genesis != Genesis)
        {
            LogOtherChain(_logger, peerId.ToString(), remote.Genesis.ToString(), Genesis.ToString());
            return 0;
        }
        int imported = 0;
        while (LocalStatus().Height < remote.Height)
        {
            ulong from = LocalStatus().Height + 1;
            uint count = (uint)Math.Min(Options.BlocksPerRequest, remote.Height - from + 1);
            byte[] answer = await Sync.SendAsync(peerId, ChainSyncMessages.BlocksRequest(from, count), cancellationToken).ConfigureAwait(false);
            IReadOnlyList<Block> blocks = ChainSyncMessages.DecodeBlocks(answer);
            int before = imported;
            foreach (Block block in blocks)
            {
                ImportOutcome outcome = TryImport(block, out string? reason);
                if (outcome == ImportOutcome.Imported)
                {
                    imported++;
                    Interlocked.Increment(ref _synced);
                }
                else if (outcome == ImportOutcome.Invalid)
                {
                    LogSyncRejected(_logger, block.Header.Height, peerId.ToString(), reason!);
                    return imported;
                }
                else if (outcome == ImportOutcome.Future)
                {
                    break; // Another import path moved the head meanwhile; ask again from the new head.
                }
            }
            if (imported == before && LocalStatus().Height < from)
            {
                break; // The peer sent nothing usable: stop rather than ask again forever.
            }
        }
        if (imported > 0)
        {
            LogCaughtUp(_logger, imported, LocalStatus().Height, peerId.ToString());
        }
        return imported;
    }

    private async Task SyncLoopAsync()
    {
        CancellationToken token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await SyncOnceAsync(token).ConfigureAwait(false);
                await _syncWanted.WaitAsync(Options.SyncInterval, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private async Task<ReadOnlyMemory<byte>> ServeSyncAsync(PeerId from, ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        (byte kind, ulong start, uint count) = ChainSyncMessages.DecodeRequest(request.Span);
        if (kind == ChainSyncMessages.StatusKind)
        {
            return ChainSyncMessages.EncodeStatus(LocalStatus());
        }
        var blocks = new List<byte[]>();
        int size = 16;
        _node.Read(chain =>
        {
            for (ulong height = start; height < start + count && height <= chain.Head.Height; height++)
            {
                if (chain.Database.GetBlock(height) is not { } bytes || (blocks.Count > 0 && size + bytes.Length + 4 > Options.MaxSyncResponseSize))
                {
                    break;
                }
                blocks.Add(bytes);
                size += bytes.Length + 4;
            }
            return 0;
        });
        await Task.CompletedTask.ConfigureAwait(false);
        return ChainSyncMessages.EncodeBlocks(blocks);
    }

    private enum ImportOutcome
    {
        Imported,
        Known,
        Future,
        Invalid,
    }

    // Every import (gossip or sync) goes through here, one at a time, so two paths never race on the same height.
    private ImportOutcome TryImport(Block block, out string? reason)
    {
        reason = null;
        lock (_importLock)
        {
            BlockHeader header = block.Header;
            (ulong head, Hash32? known) = _node.Read(chain => (chain.Head.Height, header.Height <= chain.Head.Height ? chain.GetBlock(header.Height)?.Hash : null));
            if (header.Height <= head)
            {
                if (known == header.Hash)
                {
                    return ImportOutcome.Known;
                }
                reason = $"block {header.Height} {header.Hash} conflicts with the committed block {known} at that height";
                Interlocked.Increment(ref _rejected);
                BlockRejected?.Invoke(reason);
                return ImportOutcome.Invalid;
            }
            if (header.Height > head + 1)
            {
                return ImportOutcome.Future;
            }
            try
            {
                _node.Import(block);
                return ImportOutcome.Imported;
            }
            catch (BlockRejectedException e)
            {
                reason = e.Message;
                Interlocked.Increment(ref _rejected);
                BlockRejected?.Invoke(reason);
                return ImportOutcome.Invalid;
            }
        }
    }

    private ValidationResult ValidateBlock(PubSubMessage message)
    {
        Block block;
        try
        {
            block = Block.Decode(message.Data.Span);
        }
        catch (FormatException e)
        {
            LogGossipRejected(_logger, message.ReceivedFrom.ToString(), $"malformed block: {e.Message}");
            Interlocked.Increment(ref _rejected);
            return ValidationResult.Reject;
        }
        if (_producer)
        {
            // The producer seals the chain itself: its own blocks coming back are ignored, anything else is refused unexecuted.
            BlockHeader header = block.Header;
            bool own = _node.Read(chain => header.Height <= chain.Head.Height && chain.GetBlock(header.Height)?.Hash == header.Hash);
            return own ? ValidationResult.Ignore : ValidationResult.Reject;
        }
        switch (TryImport(block, out string? reason))
        {
            case ImportOutcome.Imported:
                Interlocked.Increment(ref _imported);
                return ValidationResult.Accept;
            case ImportOutcome.Known:
                return ValidationResult.Ignore;
            case ImportOutcome.Future:
                RequestSync();
                return ValidationResult.Ignore;
            default:
                LogGossipRejected(_logger, message.ReceivedFrom.ToString(), reason!);
                return ValidationResult.Reject;
        }
    }

    private ValidationResult ValidateExtrinsic(PubSubMessage message)
    {
        Extrinsic extrinsic;
        try
        {
            extrinsic = Extrinsic.Decode(message.Data.Span);
        }
        catch (FormatException e)
        {
            LogGossipRejected(_logger, message.ReceivedFrom.ToString(), $"malformed extrinsic: {e.Message}");
            return ValidationResult.Reject;
        }
        if (extrinsic.VerifySignature() is { } signatureError)
        {
            LogGossipRejected(_logger, message.ReceivedFrom.ToString(), $"extrinsic {extrinsic.Hash}: {signatureError}");
            return ValidationResult.Reject;
        }
        _relayed[extrinsic.Hash] = Environment.TickCount64;
        try
        {
            _node.Submit(extrinsic.Encoded);
            return ValidationResult.Accept;
        }
        catch (BlockRejectedException e)
        {
            // Already pending, already included, or a nonce race: not the sender's fault.
            LogExtrinsicIgnored(_logger, extrinsic.Hash.ToString(), e.Message);
            return ValidationResult.Ignore;
        }
    }

    private void OnBlockCommitted(CommittedBlock committed)
    {
        if (!_producer)
        {
            return;
        }
        try
        {
            _router.Publish(_blocks!.Name, committed.Block.Encode());
        }
        catch (MessageTooLargeException e)
        {
            // Peers fetch it over sync when the next block shows them the gap.
            LogPublishFailed(_logger, committed.Block.Header.Height, e.Message);
        }
    }

    private void OnExtrinsicAccepted(Extrinsic extrinsic)
    {
        if (_relayed.TryRemove(extrinsic.Hash, out _))
        {
            return; // It came from gossip, which forwards it by itself.
        }
        if (_relayed.Count > 10_000)
        {
            long cutoff = Environment.TickCount64 - 60_000;
            foreach (Hash32 old in _relayed.Where(e => e.Value < cutoff).Select(e => e.Key).ToList())
            {
                _relayed.TryRemove(old, out _);
            }
        }
        try
        {
            _router.Publish(_extrinsics!.Name, extrinsic.Encoded);
        }
        catch (MessageTooLargeException e)
        {
            LogPublishFailed(_logger, 0, e.Message);
        }
    }

    /// <summary>Stops the catch-up loop and unhooks from the node.</summary>
    public async ValueTask DisposeAsync()
    {
        _node.BlockCommitted -= OnBlockCommitted;
        _node.ExtrinsicAccepted -= OnExtrinsicAccepted;
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_syncLoop is not null)
        {
            await _syncLoop.ConfigureAwait(false);
        }
        _stop.Dispose();
        _syncWanted.Dispose();
        _syncing.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "chain: rejected a gossiped block or extrinsic from {Peer}: {Reason}")]
    private static partial void LogGossipRejected(ILogger logger, string peer, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "chain: extrinsic {Hash} not relayed: {Reason}")]
    private static partial void LogExtrinsicIgnored(ILogger logger, string hash, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "chain: block {Height} from {Peer} during sync is invalid: {Reason}")]
    private static partial void LogSyncRejected(ILogger logger, ulong height, string peer, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "chain: caught up {Count} block(s) to head {Height} from {Peer}")]
    private static partial void LogCaughtUp(ILogger logger, int count, ulong height, string peer);

    [LoggerMessage(Level = LogLevel.Debug, Message = "chain: sync with {Peer} failed: {Reason}")]
    private static partial void LogSyncFailed(ILogger logger, string peer, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "chain: peer {Peer} follows genesis {Theirs}, this host {Ours}; not syncing from it")]
    private static partial void LogOtherChain(ILogger logger, string peer, string theirs, string ours);

    [LoggerMessage(Level = LogLevel.Warning, Message = "chain: could not publish (block {Height}): {Reason}")]
    private static partial void LogPublishFailed(ILogger logger, ulong height, string reason);
}
