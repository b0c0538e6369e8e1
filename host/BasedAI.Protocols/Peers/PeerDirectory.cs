using BasedAI.Crypto;
using BasedAI.Ledger.Codec;
using BasedAI.Ledger.Chain;
using BasedAI.Network;
using BasedAI.Network.Identity;
using BasedAI.Network.Protocols;
using BasedAI.Network.PubSub;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BasedAI.Protocols.Peers;

/// <summary>Settings of <see cref="PeerDirectory"/>.</summary>
public sealed class PeerDirectoryOptions
{
    /// <summary>A record older than this is dropped (its node stopped re-announcing). Default 10 min.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often this node re-announces its own records. Default 30 s.</summary>
    public TimeSpan AnnounceInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Records kept at most. Default 10,000.</summary>
    public int Capacity { get; set; } = 10_000;
}

/// <summary>
/// Who serves which Brain where: signed <see cref="NodeRecord"/>s, spread on the peers topic and served over
/// <c>/basedai/peers/1.0.0</c> (request <c>u8 1 ‖ u16 brain</c> lists the records of a Brain, <c>u8 2 ‖ record</c> pushes one;
/// the list answer is <c>u32 count ‖ (bytes record)*</c>). Every record is verified (signature, chain, age) before it is kept
/// or forwarded; the newest record per (Brain, computekey) wins.
/// </summary>
public sealed partial class PeerDirectory : IAsyncDisposable
{
    private const byte ListKind = 1;
    private const byte PushKind = 2;

    private readonly ILocalPeer _peer;
    private readonly Dictionary<(ushort, EthereumAddress), NodeRecord> _records = [];
    private readonly List<Func<NodeRecord>> _own = [];
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private Topic? _topic;
    private Task? _loop;

    /// <summary>A directory for the chain with <paramref name="genesis"/>, on <paramref name="peer"/> (which must run gossipsub).</summary>
    public PeerDirectory(ILocalPeer peer, Hash32 genesis, PeerDirectoryOptions? options = null, ILogger? logger = null, TimeProvider? clock = null)
    {
        _peer = peer ?? throw new ArgumentNullException(nameof(peer));
        Genesis = genesis;
        Options = options ?? new PeerDirectoryOptions();
        _logger = logger ?? NullLogger.Instance;
        _clock = clock ?? TimeProvider.System;
    }

    /// <summary>The chain whose records are kept.</summary>
    public Hash32 Genesis { get; }

    /// <summary>The settings.</summary>
    public PeerDirectoryOptions Options { get; }

    /// <summary>Raised when a new or newer record is kept.</summary>
    public event Action<NodeRecord>? RecordAdded;

    /// <summary>Serves the protocol, joins the topic and starts re-announcing.</summary>
    public void Start()
    {
        _peer.AddRequestResponse(ProtocolIds.PeerDirectory, ServeAsync, new RequestResponseOptions
        {
            MaxRequestSize = 4096,
            MaxResponseSize = 8 * 1024 * 1024,
            Timeout = TimeSpan.FromSeconds(12),
        });
        if (_peer.PubSub is { } router)
        {
            _topic = router.GetTopic(ProtocolIds.PeersTopic(Genesis.ToString()[2..10]));
            _topic.Validator = message =>
            {
                try
                {
                    NodeRecord record = NodeRecord.Decode(message.Data.Span);
                    if (!record.HasValidSignature())
                    {
                        return ValidationResult.Reject;
                    }
                    return TryAdd(record, out _) ? ValidationResult.Accept : ValidationResult.Ignore;
                }
                catch (FormatException)
                {
                    return ValidationResult.Reject;
                }
            };
            _topic.Subscribe();
        }
        _loop = Task.Run(AnnounceLoopAsync);
    }

    /// <summary>The fresh records of <paramref name="brain"/> (or of every Brain), newest first.</summary>
    public IReadOnlyList<NodeRecord> Records(ushort? brain = null)
    {
        ulong oldest = OldestAcceptable();
        lock (_records)
        {
            return _records.Values.Where(r => (brain is null || r.Brain == brain) && r.IssuedAt >= oldest)
                .OrderByDescending(r => r.IssuedAt).ToList();
        }
    }

    /// <summary>
    /// Keeps <paramref name="record"/> if it is valid (signature, chain, age) and newer than what is known for its computekey.
    /// Returns false with the reason otherwise (an older duplicate gives a null reason).
    /// </summary>
    public bool TryAdd(NodeRecord record, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(record);
        ulong now = (ulong)_clock.GetUtcNow().ToUnixTimeMilliseconds();
        reason = record.Genesis != Genesis ? $"the record is for chain {record.Genesis}, not {Genesis}"
            : record.IssuedAt < OldestAcceptable() ? $"the record is older than {Options.MaxAge.TotalMinutes:0.#} min"
            : record.IssuedAt > now + 60_000 ? "the record is dated more than a minute in the future"
            : !record.HasValidSignature() ? $"the record is not signed by {record.Computekey}"
            : null;
        if (reason is not null)
        {
            return false;
        }
        lock (_records)
        {
            var key = (record.Brain, record.Computekey);
            if (_records.TryGetValue(key, out NodeRecord? known) && known.IssuedAt >= record.IssuedAt)
            {
                return false;
            }
            if (known is null && _records.Count >= Options.Capacity)
            {
                Prune();
                if (_records.Count >= Options.Capacity)
                {
                    reason = "the directory is full";
                    return false;
                }
            }
            _records[key] = record;
        }
        _peer.PeerStore.AddAddresses(record.PeerId, record.Addresses);
        RecordAdded?.Invoke(record);
        return true;
    }

    /// <summary>
    /// Announces this node: <paramref name="sign"/> makes a fresh record (called again at every re-announcement), which is kept
    /// locally, published on the topic and pushed to every connected peer.
    /// </summary>
    public async Task AnnounceAsync(Func<NodeRecord> sign, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sign);
        lock (_own)
        {
            _own.Add(sign);
        }
        await PublishAsync(sign(), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Asks <paramref name="peerId"/> for the records it knows of <paramref name="brain"/>; valid ones are kept and returned.</summary>
    public async Task<IReadOnlyList<NodeRecord>> FetchAsync(PeerId peerId, ushort brain, CancellationToken cancellationToken = default)
    {
        byte[] request = [ListKind, (byte)(brain >> 8), (byte)brain];
        byte[] answer = await Protocol.SendAsync(peerId, request, cancellationToken).ConfigureAwait(false);
        return KeepValid(DecodeList(answer, Options.Capacity), brain);
    }

    private List<NodeRecord> KeepValid(List<NodeRecord> records, ushort brain) =>
        records.Where(r => r.Brain == brain && (TryAdd(r, out string? reason) || reason is null)).ToList();

    private static List<NodeRecord> DecodeList(ReadOnlySpan<byte> answer, int capacity)
    {
        var reader = new LedgerReader(answer, "peer list");
        uint count = reader.U32("count");
        if (count > (uint)capacity)
        {
            throw reader.Error($"{count} records exceed the limit of {capacity}");
        }
        var records = new List<NodeRecord>((int)count);
        for (int i = 0; i < count; i++)
        {
            records.Add(NodeRecord.Decode(reader.Bytes("record", 4096)));
        }
        reader.End();
        return records;
    }

    private RequestResponseProtocol Protocol => _peer.GetRequestResponse(ProtocolIds.PeerDirectory) ?? throw new InvalidOperationException("PeerDirectory.Start has not run");

    private async Task PublishAsync(NodeRecord record, CancellationToken cancellationToken)
    {
        TryAdd(record, out _);
        byte[] encoded = record.Encode();
        if (_topic is not null)
        {
            _peer.PubSub!.Publish(_topic.Name, encoded);
        }
        byte[] push = [PushKind, .. encoded];
        foreach (ISession session in _peer.Sessions.Where(s => !s.IsClosed && s.RemoteInfo?.Protocols.Contains(ProtocolIds.PeerDirectory) == true).ToList())
        {
            try
            {
                await Protocol.SendAsync(session, push, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or TimeoutException or Libp2pException or ObjectDisposedException)
            {
                LogPushFailed(_logger, session.RemotePeer.ToString(), e.Message);
            }
        }
    }

    private Task<ReadOnlyMemory<byte>> ServeAsync(PeerId from, ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        ReadOnlySpan<byte> bytes = request.Span;
        if (bytes.Length == 3 && bytes[0] == ListKind)
        {
            IReadOnlyList<NodeRecord> records = Records((ushort)((bytes[1] << 8) | bytes[2]));
            var writer = new LedgerWriter(64 + records.Count * 200);
            writer.U32((uint)records.Count);
            foreach (NodeRecord record in records)
            {
                writer.Bytes(record.Encode());
            }
            return Task.FromResult<ReadOnlyMemory<byte>>(writer.ToArray());
        }
        if (bytes.Length > 1 && bytes[0] == PushKind)
        {
            NodeRecord record = NodeRecord.Decode(bytes[1..]);
            if (!TryAdd(record, out string? reason) && reason is not null)
            {
                LogRecordRefused(_logger, from.ToString(), reason);
            }
            return Task.FromResult(ReadOnlyMemory<byte>.Empty);
        }
        throw new FormatException($"peer directory request: unknown kind or length ({bytes.Length} bytes)");
    }

    private async Task AnnounceLoopAsync()
    {
        CancellationToken token = _stop.Token;
        while (!token.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Options.AnnounceInterval, _clock, token).ConfigureAwait(false);
                Func<NodeRecord>[] own;
                lock (_own)
                {
                    own = [.. _own];
                }
                foreach (Func<NodeRecord> sign in own)
                {
                    await PublishAsync(sign(), token).ConfigureAwait(false);
                }
                lock (_records)
                {
                    Prune();
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
        }
    }

    private void Prune()
    {
        ulong oldest = OldestAcceptable();
        foreach (var key in _records.Where(e => e.Value.IssuedAt < oldest).Select(e => e.Key).ToList())
        {
            _records.Remove(key);
        }
    }

    private ulong OldestAcceptable() => (ulong)Math.Max(0, _clock.GetUtcNow().ToUnixTimeMilliseconds() - (long)Options.MaxAge.TotalMilliseconds);

    /// <summary>Stops re-announcing.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "peers: pushing our record to {Peer} failed: {Reason}")]
    private static partial void LogPushFailed(ILogger logger, string peer, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "peers: refused a record pushed by {Peer}: {Reason}")]
    private static partial void LogRecordRefused(ILogger logger, string peer, string reason);
}
