using System.Buffers.Binary;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using BasedAI.Network.Core;
using BasedAI.Network.Identity;
using BasedAI.Network.Protocols;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BasedAI.Network.PubSub;

/// <summary>
/// Gossipsub v1.1 (and the IDONTWANT of v1.2): topic meshes kept between D_low and D_high by a heartbeat, fanout for topics
/// published without joining, IHAVE/IWANT gossip from a message cache, signed or unsigned messages per the signature policy,
/// de-duplication by message id, peer scoring with gossip/publish/graylist thresholds, and flood publishing.
/// Each peer has a bounded send queue, so a slow peer loses messages, not the router's time.
/// </summary>
public sealed partial class GossipsubRouter : IPeerService
{
    /// <summary>Protocol ids, preferred first.</summary>
    public static readonly IReadOnlyList<string> ProtocolIds = ["/meshsub/1.2.0", "/meshsub/1.1.0", "/meshsub/1.0.0"];
    private static readonly byte[] SignPrefix = Encoding.ASCII.GetBytes("libp2p-pubsub:");

    private sealed class PeerState
    {
        public PeerState(PeerId id, ISession session, int queueLength)
        {
            Id = id;
            Session = session;
            Queue = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(queueLength) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        }

        public PeerId Id { get; }
        public ISession Session { get; set; }
        public Channel<byte[]> Queue { get; }
        public HashSet<string> Topics { get; } = new(StringComparer.Ordinal);
        public bool OutboundOpening { get; set; }
        public string? Protocol { get; set; }
        public bool SpeaksIDontWant => Protocol == ProtocolIds[0];
        public int IHavesThisHeartbeat { get; set; }
        public int AskedThisHeartbeat { get; set; }
        public Dictionary<string, long> DontWant { get; } = new(StringComparer.Ordinal);
        public int Dropped { get; set; }
        public bool Removed { get; set; }
    }

    private readonly GossipsubOptions _options;
    private ILogger _logger;
    private readonly bool _ownLogger;
    private readonly object _lock = new();
    private readonly Dictionary<PeerId, PeerState> _peers = [];
    private readonly Dictionary<string, HashSet<PeerId>> _topicPeers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<PeerId>> _mesh = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<PeerId>> _fanout = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _fanoutLastPublish = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Topic> _topics = new(StringComparer.Ordinal);
    private readonly Dictionary<(PeerId, string), long> _backoff = [];
    private readonly Dictionary<string, (PeerId Peer, long Deadline)> _promises = new(StringComparer.Ordinal);
    private readonly MessageCache _cache;
    private readonly SeenCache _seen;
    private readonly PeerScore _score;
    private readonly RpcLimits _limits;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Func<PubSubMessage, byte[]> _messageId;
    private ILocalPeer? _peer;
    private Task? _heartbeatLoop;
    private ulong _seqno = (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1_000_000UL;
    private long _heartbeats;

    /// <summary>Creates a router; attach it to a peer through <see cref="Libp2pPeer"/>'s services or the builder.</summary>
    public GossipsubRouter(GossipsubOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        _options = options ?? new GossipsubOptions();
        _options.Validate();
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<GossipsubRouter>();
        _ownLogger = loggerFactory is not null;
        _cache = new MessageCache(_options.HistoryGossip, _options.HistoryLength);
        _seen = new SeenCache(_options.SeenTtl);
        _score = new PeerScore(_options.Score);
        _limits = new RpcLimits(_options.MaxSubscriptionsPerRpc, _options.MaxMessagesPerRpc, _options.MaxControlIdsPerRpc);
        _messageId = _options.MessageIdFunction
            ?? (_options.SignaturePolicy == SignaturePolicy.StrictSign ? MessageIds.FromAndSeqno : MessageIds.Sha256OfData);
    }

    /// <summary>The settings.</summary>
    public GossipsubOptions Options => _options;

    /// <summary>Raised for every new valid message on a subscribed topic (before the topic's own event).</summary>
    public event Action<PubSubMessage>? OnMessage;

    /// <summary>Raised when a peer's subscriptions change: peer, topic, subscribed.</summary>
    public event Action<PeerId, string, bool>? SubscriptionChanged;

    /// <inheritdoc />
    public void Attach(ILocalPeer peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (!_ownLogger && peer is Libp2pPeer libp2p)
        {
            _logger = libp2p.LoggerFactory.CreateLogger<GossipsubRouter>();
        }
        if (_peer is not null)
        {
            throw new InvalidOperationException("The gossipsub router is already attached to a peer.");
        }
        _peer = peer;
        foreach (string protocol in ProtocolIds)
        {
            peer.Handle(protocol, HandleStreamAsync);
        }
        peer.PeerIdentified += OnPeerIdentified;
        peer.SessionClosed += OnSessionClosed;
        _heartbeatLoop = Task.Run(HeartbeatLoopAsync);
    }

    private ILocalPeer Peer => _peer ?? throw new InvalidOperationException("The gossipsub router is not attached to a peer.");

    // ---------------- topics API ----------------

    /// <summary>The topic object for <paramref name="name"/> (created on first use).</summary>
    public Topic GetTopic(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        lock (_lock)
        {
            if (!_topics.TryGetValue(name, out Topic? topic))
            {
                _topics[name] = topic = new Topic(this, name);
            }
            return topic;
        }
    }

    /// <summary>Topics this node is subscribed to.</summary>
    public IReadOnlyCollection<string> Subscriptions
    {
        get
        {
            lock (_lock)
            {
                return [.. _mesh.Keys];
            }
        }
    }

    /// <summary>The current score of a peer.</summary>
    public double GetScore(PeerId peer)
    {
        lock (_lock)
        {
            return _score.Score(peer);
        }
    }

    internal bool IsSubscribed(string topic)
    {
        lock (_lock)
        {
            return _mesh.ContainsKey(topic);
        }
    }

    internal IReadOnlyCollection<PeerId> GetTopicPeers(string topic)
    {
        lock (_lock)
        {
            return _topicPeers.TryGetValue(topic, out HashSet<PeerId>? peers) ? [.. peers] : [];
        }
    }

    internal IReadOnlyCollection<PeerId> GetMeshPeers(string topic)
    {
        lock (_lock)
        {
            return _mesh.TryGetValue(topic, out HashSet<PeerId>? peers) ? [.. peers] : [];
        }
    }

    internal void Subscribe(string topic)
    {
        var outgoing = new Dictionary<PeerState, Rpc>();
        lock (_lock)
        {
            if (_mesh.ContainsKey(topic))
            {
                return;
            }
            // Start from fanout peers if we were publishing to the topic, then fill up to D.
            var mesh = new HashSet<PeerId>();
            if (_fanout.Remove(topic, out HashSet<PeerId>? fanout))
            {
                mesh.UnionWith(fanout.Where(p => _score.Score(p) >= 0).Take(_options.D));
                _fanoutLastPublish.Remove(topic);
            }
            foreach (PeerId candidate in Shuffle(Candidates(topic, p => !mesh.Contains(p) && !InBackoff(p, topic) && _score.Score(p) >= 0)).Take(_options.D - mesh.Count))
            {
                mesh.Add(candidate);
            }
            _mesh[topic] = mesh;
            foreach (PeerState state in _peers.Values)
            {
                RpcFor(outgoing, state).Subscriptions.Add((true, topic));
            }
            foreach (PeerId p in mesh)
            {
                _score.Graft(p, topic);
                RpcFor(outgoing, _peers[p]).Graft.Add(topic);
            }
        }
        Send(outgoing);
    }

    internal void Unsubscribe(string topic)
    {
        var outgoing = new Dictionary<PeerState, Rpc>();
        lock (_lock)
        {
            if (!_mesh.Remove(topic, out HashSet<PeerId>? mesh))
            {
                return;
            }
            foreach (PeerState state in _peers.Values)
            {
                RpcFor(outgoing, state).Subscriptions.Add((false, topic));
            }
            foreach (PeerId p in mesh)
            {
                _score.Prune(p, topic);
                SetBackoff(p, topic, _options.UnsubscribeBackoff);
                RpcFor(outgoing, _peers[p]).Prune.Add(new Prune(topic, (ulong)_options.UnsubscribeBackoff.TotalSeconds));
            }
        }
        Send(outgoing);
    }

    /// <summary>Publishes on a topic; returns how many peers the message was sent to.</summary>
    public int Publish(string topic, ReadOnlyMemory<byte> data)
    {
        ArgumentException.ThrowIfNullOrEmpty(topic);
        ILocalPeer peer = Peer;
        var raw = new RpcMessage { Topic = topic, Data = data.ToArray() };
        if (_options.SignaturePolicy == SignaturePolicy.StrictSign)
        {
            raw.From = peer.PeerId.ToBytes();
            raw.Seqno = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(raw.Seqno, Interlocked.Increment(ref _seqno));
            raw.Signature = peer.Identity.PrivateKey.Sign(SignedBytes(raw));
            if (peer.PeerId.PublicKey is null)
            {
                raw.Key = peer.Identity.PublicKey.ToProtobuf();
            }
        }
        int encodedSize = EstimateSize(raw);
        if (encodedSize > _options.MaxRpcSize)
        {
            throw new MessageTooLargeException($"A {data.Length}-byte message exceeds the {_options.MaxRpcSize}-byte RPC limit.");
        }
        var message = new PubSubMessage(raw, raw.From is null ? null : peer.PeerId, peer.PeerId);
        byte[] id = _messageId(message);
        message.MessageId = id;
        string key = Convert.ToHexString(id);
        var outgoing = new Dictionary<PeerState, Rpc>();
        lock (_lock)
        {
            _seen.Add(key, Stopwatch.GetTimestamp());
            _cache.Put(key, message);
            IEnumerable<PeerId> recipients;
            if (_options.FloodPublish)
            {
                recipients = Candidates(topic, p => _score.Score(p) >= _options.Score.PublishThreshold);
            }
            else if (_mesh.TryGetValue(topic, out HashSet<PeerId>? mesh))
            {
                recipients = mesh;
            }
            else
            {
                if (!_fanout.TryGetValue(topic, out HashSet<PeerId>? fanout))
                {
                    _fanout[topic] = fanout = [.. Shuffle(Candidates(topic, p => _score.Score(p) >= _options.Score.PublishThreshold)).Take(_options.D)];
                }
                _fanoutLastPublish[topic] = Stopwatch.GetTimestamp();
                recipients = fanout;
            }
            foreach (PeerId p in recipients)
            {
                RpcFor(outgoing, _peers[p]).Messages.Add(raw);
            }
        }
        Send(outgoing);
        if (_options.EmitSelf)
        {
            Deliver(message);
        }
        return outgoing.Count;
    }

    // ---------------- peers and streams ----------------

    private void OnPeerIdentified(ISession session, IdentifyInfo info)
    {
        if (info.Protocols.Any(p => ProtocolIds.Contains(p)))
        {
            EnsurePeer(session);
        }
    }

    private void OnSessionClosed(ISession session)
    {
        lock (_lock)
        {
            if (!_peers.TryGetValue(session.RemotePeer, out PeerState? state) || !ReferenceEquals(state.Session, session))
            {
                return;
            }
            if (Peer.GetSession(session.RemotePeer) is { } other)
            {
                // Another connection to the same peer remains: move to it.
                state.Session = other;
                state.Protocol = null;
                OpenOutbound(state);
                return;
            }
            RemovePeerLocked(state);
        }
    }

    private PeerState EnsurePeer(ISession session)
    {
        PeerState? created = null;
        PeerState state;
        lock (_lock)
        {
            if (!_peers.TryGetValue(session.RemotePeer, out state!))
            {
                state = created = new PeerState(session.RemotePeer, session, _options.MaxQueuedRpcsPerPeer);
                _peers[session.RemotePeer] = state;
                MultiaddrComponent first = session.RemoteAddress.Components[0];
                _score.AddPeer(session.RemotePeer, first.Protocol.Code is 4 or 41 ? first.ValueText : null);
                // Hello: our subscriptions go first in the queue.
                var hello = new Rpc();
                foreach (string topic in _mesh.Keys)
                {
                    hello.Subscriptions.Add((true, topic));
                }
                if (!hello.IsEmpty)
                {
                    state.Queue.Writer.TryWrite(hello.Encode());
                }
            }
            if (state.Protocol is null && !state.OutboundOpening)
            {
                OpenOutbound(state);
            }
        }
        if (created is not null)
        {
            LogPeerAdded(_logger, created.Id.ToString());
        }
        return state;
    }

    private void OpenOutbound(PeerState state)
    {
        state.OutboundOpening = true;
        ISession session = state.Session;
        _ = Task.Run(async () =>
        {
            try
            {
                Libp2pStream stream = await session.OpenStreamAsync(ProtocolIds, _stopping.Token).ConfigureAwait(false);
                lock (_lock)
                {
                    state.Protocol = stream.Protocol;
                    state.OutboundOpening = false;
                }
                await SendLoopAsync(state, stream).ConfigureAwait(false);
            }
            catch (Exception e) when (Libp2pPeer.IsConnectionError(e))
            {
                lock (_lock)
                {
                    // Let the next contact (an inbound stream, identify push) open a fresh outbound stream.
                    state.OutboundOpening = false;
                    state.Protocol = null;
                }
                if (!session.IsClosed && !_stopping.IsCancellationRequested)
                {
                    LogStreamClosed(_logger, state.Id.ToString(), $"outbound stream failed: {e.Message}");
                }
            }
        });
    }

    private async Task SendLoopAsync(PeerState state, Libp2pStream stream)
    {
        await using (stream.ConfigureAwait(false))
        {
            ChannelReader<byte[]> reader = state.Queue.Reader;
            while (await reader.WaitToReadAsync(_stopping.Token).ConfigureAwait(false))
            {
                while (reader.TryRead(out byte[]? rpc))
                {
                    await LengthPrefixed.WriteAsync(stream, rpc, _stopping.Token).ConfigureAwait(false);
                }
                if (state.Removed || stream.Session.IsClosed)
                {
                    return;
                }
            }
        }
    }

    private async Task HandleStreamAsync(Libp2pStream stream, CancellationToken cancellationToken)
    {
        PeerState state = EnsurePeer(stream.Session);
        while (true)
        {
            byte[]? bytes;
            Rpc rpc;
            try
            {
                bytes = await LengthPrefixed.ReadAsync(stream, _options.MaxRpcSize, "gossipsub RPC", cancellationToken).ConfigureAwait(false);
                if (bytes is null)
                {
                    return;
                }
                rpc = Rpc.Decode(bytes, _limits);
            }
            catch (Exception e) when (e is FormatException or MessageTooLargeException)
            {
                // A malformed or oversized RPC costs the peer its stream and a behaviour penalty; other peers are unaffected.
                LogStreamClosed(_logger, state.Id.ToString(), e.Message);
                lock (_lock)
                {
                    _score.AddPenalty(state.Id, 1);
                }
                stream.Reset();
                return;
            }
            HandleRpc(state, rpc);
        }
    }

    private void RemovePeerLocked(PeerState state)
    {
        state.Removed = true;
        state.Queue.Writer.TryComplete();
        _peers.Remove(state.Id);
        foreach (string topic in state.Topics)
        {
            if (_topicPeers.TryGetValue(topic, out HashSet<PeerId>? set))
            {
                set.Remove(state.Id);
                if (set.Count == 0)
                {
                    _topicPeers.Remove(topic);
                }
            }
        }
        foreach (HashSet<PeerId> mesh in _mesh.Values)
        {
            mesh.Remove(state.Id);
        }
        foreach (HashSet<PeerId> fanout in _fanout.Values)
        {
            fanout.Remove(state.Id);
        }
        _score.RemovePeer(state.Id);
    }

    // ---------------- handling RPCs ----------------

    private void HandleRpc(PeerState from, Rpc rpc)
    {
        var outgoing = new Dictionary<PeerState, Rpc>();
        var subscriptionEvents = new List<(string Topic, bool Subscribed)>();
        lock (_lock)
        {
            if (from.Removed || _score.Score(from.Id) < _options.Score.GraylistThreshold)
            {
                return;
            }
            foreach ((bool subscribe, string topic) in rpc.Subscriptions)
            {
                if (subscribe)
                {
                    if (from.Topics.Count >= _options.MaxTopicsPerPeer || !from.Topics.Add(topic))
                    {
                        continue;
                    }
                    if (!_topicPeers.TryGetValue(topic, out HashSet<PeerId>? set))
                    {
                        _topicPeers[topic] = set = [];
                    }
                    set.Add(from.Id);
                    subscriptionEvents.Add((topic, true));
                }
                else if (from.Topics.Remove(topic))
                {
                    if (_topicPeers.TryGetValue(topic, out HashSet<PeerId>? set))
                    {
                        set.Remove(from.Id);
                    }
                    if (_mesh.TryGetValue(topic, out HashSet<PeerId>? mesh) && mesh.Remove(from.Id))
                    {
                        _score.Prune(from.Id, topic);
                    }
                    subscriptionEvents.Add((topic, false));
                }
            }
            if (rpc.HasControl)
            {
                HandleControlLocked(from, rpc, outgoing);
            }
        }
        foreach ((string topic, bool subscribed) in subscriptionEvents)
        {
            SubscriptionChanged?.Invoke(from.Id, topic, subscribed);
        }
        foreach (RpcMessage raw in rpc.Messages)
        {
            HandleMessage(from, raw, outgoing);
        }
        Send(outgoing);
    }

    private void HandleMessage(PeerState from, RpcMessage raw, Dictionary<PeerState, Rpc> outgoing)
    {
        bool subscribed;
        lock (_lock)
        {
            subscribed = _mesh.ContainsKey(raw.Topic);
        }
        if (!subscribed)
        {
            return;
        }
        if (!CheckSignaturePolicy(raw, out PeerId? author, out string? invalid))
        {
            LogInvalidMessage(_logger, from.Id.ToString(), raw.Topic, invalid!);
            lock (_lock)
            {
                _score.InvalidMessage(from.Id, raw.Topic);
            }
            return;
        }
        var message = new PubSubMessage(raw, author, from.Id);
        byte[] id = _messageId(message);
        message.MessageId = id;
        string key = Convert.ToHexString(id);
        lock (_lock)
        {
            _promises.Remove(key);
            if (!_seen.Add(key, Stopwatch.GetTimestamp()))
            {
                return;
            }
        }
        if (author is not null && author.Equals(Peer.PeerId))
        {
            return;
        }
        ValidationResult verdict = Validate(message);
        lock (_lock)
        {
            if (verdict == ValidationResult.Reject)
            {
                _score.InvalidMessage(from.Id, raw.Topic);
                return;
            }
            if (verdict == ValidationResult.Ignore)
            {
                return;
            }
            _score.FirstDelivery(from.Id, raw.Topic);
            _cache.Put(key, message);
            if (_mesh.TryGetValue(raw.Topic, out HashSet<PeerId>? mesh))
            {
                bool large = (raw.Data?.Length ?? 0) >= _options.IDontWantThreshold;
                foreach (PeerId p in mesh)
                {
                    if (p.Equals(from.Id) || (author is not null && p.Equals(author)) || !_peers.TryGetValue(p, out PeerState? target))
                    {
                        continue;
                    }
                    if (large && target.SpeaksIDontWant)
                    {
                        RpcFor(outgoing, target).IDontWant.Add(id);
                    }
                    if (target.DontWant.ContainsKey(key))
                    {
                        continue;
                    }
                    RpcFor(outgoing, target).Messages.Add(raw);
                }
            }
        }
        Deliver(message);
    }

    private ValidationResult Validate(PubSubMessage message)
    {
        Topic? topic;
        lock (_lock)
        {
            _topics.TryGetValue(message.Topic, out topic);
        }
        if (topic?.Validator is not { } validator)
        {
            return ValidationResult.Accept;
        }
        try
        {
            return validator(message);
        }
#pragma warning disable CA1031 // A throwing validator rejects the message; it must not break the router.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogValidatorFailed(_logger, message.Topic, e);
            return ValidationResult.Reject;
        }
    }

    private void Deliver(PubSubMessage message)
    {
        Topic? topic;
        lock (_lock)
        {
            _topics.TryGetValue(message.Topic, out topic);
        }
        try
        {
            OnMessage?.Invoke(message);
            topic?.Deliver(message);
        }
#pragma warning disable CA1031 // A subscriber's bug must not break delivery to the mesh.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogValidatorFailed(_logger, message.Topic, e);
        }
    }

    private bool CheckSignaturePolicy(RpcMessage raw, out PeerId? author, out string? reason)
    {
        author = null;
        reason = null;
        if (_options.SignaturePolicy == SignaturePolicy.StrictNoSign)
        {
            if (raw.Signature is not null || raw.Seqno is not null || raw.Key is not null || raw.From is not null)
            {
                reason = "StrictNoSign: the message carries from, seqno, signature or key";
                return false;
            }
            return true;
        }
        if (raw.From is null || raw.Seqno is not { Length: 8 } || raw.Signature is null)
        {
            reason = "StrictSign: the message lacks from, an 8-byte seqno or a signature";
            return false;
        }
        try
        {
            author = PeerId.FromBytes(raw.From);
            PublicKey key;
            if (raw.Key is not null)
            {
                key = PublicKey.FromProtobuf(raw.Key);
                if (!author.Matches(key))
                {
                    reason = "StrictSign: the key does not belong to the author";
                    return false;
                }
            }
            else
            {
                key = author.PublicKey ?? throw new FormatException("the author's peer id does not inline its key and no key was sent");
            }
            if (!key.Verify(SignedBytes(raw), raw.Signature))
            {
                reason = "StrictSign: the signature does not verify";
                return false;
            }
            return true;
        }
        catch (FormatException e)
        {
            reason = $"StrictSign: {e.Message}";
            return false;
        }
    }

    private static byte[] SignedBytes(RpcMessage raw)
    {
        var writer = new ProtobufWriter(64 + (raw.Data?.Length ?? 0));
        writer.WriteRaw(SignPrefix);
        raw.Encode(writer, includeSignature: false);
        return writer.ToArray();
    }

    private void HandleControlLocked(PeerState from, Rpc rpc, Dictionary<PeerState, Rpc> outgoing)
    {
        double score = _score.Score(from.Id);
        long now = Stopwatch.GetTimestamp();
        // IHAVE: ask for what we have not seen, within per-heartbeat limits.
        if (score >= _options.Score.GossipThreshold)
        {
            foreach (IHave ihave in rpc.IHave)
            {
                if (++from.IHavesThisHeartbeat > _options.MaxIHaveMessages || !_mesh.ContainsKey(ihave.Topic))
                {
                    continue;
                }
                foreach (byte[] id in ihave.MessageIds)
                {
                    if (from.AskedThisHeartbeat >= _options.MaxIHaveLength)
                    {
                        break;
                    }
                    string key = Convert.ToHexString(id);
                    if (_seen.Contains(key) || _promises.ContainsKey(key))
                    {
                        continue;
                    }
                    from.AskedThisHeartbeat++;
                    _promises[key] = (from.Id, now + (long)(_options.IWantFollowupTime.TotalSeconds * Stopwatch.Frequency));
                    RpcFor(outgoing, from).IWant.Add(id);
                }
            }
            // IWANT: answer from the cache, a bounded number of times per message and peer.
            foreach (byte[] id in rpc.IWant)
            {
                if (_cache.GetForPeer(Convert.ToHexString(id), from.Id, _options.GossipRetransmission) is { } message)
                {
                    RpcFor(outgoing, from).Messages.Add(message.Raw);
                }
            }
        }
        foreach (string topic in rpc.Graft)
        {
            if (!_mesh.TryGetValue(topic, out HashSet<PeerId>? mesh))
            {
                RpcFor(outgoing, from).Prune.Add(new Prune(topic, null));
                continue;
            }
            if (mesh.Contains(from.Id))
            {
                continue;
            }
            if (_backoff.TryGetValue((from.Id, topic), out long until) && until > now)
            {
                // Grafting during backoff is misbehaviour; very soon after the prune doubly so.
                _score.AddPenalty(from.Id, 1);
                long pruneTime = until - (long)(_options.PruneBackoff.TotalSeconds * Stopwatch.Frequency);
                if (now - pruneTime < (long)(_options.GraftFloodThreshold.TotalSeconds * Stopwatch.Frequency))
                {
                    _score.AddPenalty(from.Id, 1);
                }
                SetBackoff(from.Id, topic, _options.PruneBackoff);
                RpcFor(outgoing, from).Prune.Add(new Prune(topic, (ulong)_options.PruneBackoff.TotalSeconds));
                continue;
            }
            if (score < 0 || (mesh.Count >= _options.DHigh && from.Session.Direction == Direction.Inbound))
            {
                SetBackoff(from.Id, topic, _options.PruneBackoff);
                RpcFor(outgoing, from).Prune.Add(new Prune(topic, (ulong)_options.PruneBackoff.TotalSeconds));
                continue;
            }
            mesh.Add(from.Id);
            _score.Graft(from.Id, topic);
        }
        foreach (Prune prune in rpc.Prune)
        {
            if (_mesh.TryGetValue(prune.Topic, out HashSet<PeerId>? mesh) && mesh.Remove(from.Id))
            {
                _score.Prune(from.Id, prune.Topic);
            }
            TimeSpan backoff = prune.BackoffSeconds is { } seconds ? TimeSpan.FromSeconds(Math.Min(seconds, 3600)) : _options.PruneBackoff;
            SetBackoff(from.Id, prune.Topic, backoff);
        }
        if (from.DontWant.Count < 10 * _options.MaxIHaveLength)
        {
            foreach (byte[] id in rpc.IDontWant)
            {
                from.DontWant[Convert.ToHexString(id)] = _heartbeats + _options.HistoryLength;
            }
        }
    }

    // ---------------- heartbeat ----------------

    private async Task HeartbeatLoopAsync()
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false))
            {
                Heartbeat();
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }
    }

    /// <summary>One heartbeat: mesh maintenance, fanout expiry, gossip emission, cache shift and score decay.</summary>
    internal void Heartbeat()
    {
        var outgoing = new Dictionary<PeerState, Rpc>();
        lock (_lock)
        {
            _heartbeats++;
            long now = Stopwatch.GetTimestamp();
            foreach ((string topic, HashSet<PeerId> mesh) in _mesh)
            {
                MaintainMesh(topic, mesh, outgoing);
                EmitGossip(topic, mesh, outgoing);
            }
            foreach (string topic in _fanout.Keys.ToArray())
            {
                if (Stopwatch.GetElapsedTime(_fanoutLastPublish.GetValueOrDefault(topic), now) > _options.FanoutTtl)
                {
                    _fanout.Remove(topic);
                    _fanoutLastPublish.Remove(topic);
                    continue;
                }
                HashSet<PeerId> fanout = _fanout[topic];
                fanout.RemoveWhere(p => !_peers.TryGetValue(p, out PeerState? s) || !s.Topics.Contains(topic) || _score.Score(p) < _options.Score.PublishThreshold);
                if (fanout.Count < _options.D)
                {
                    fanout.UnionWith(Shuffle(Candidates(topic, p => !fanout.Contains(p) && _score.Score(p) >= _options.Score.PublishThreshold)).Take(_options.D - fanout.Count));
                }
                EmitGossip(topic, fanout, outgoing);
            }
            // Broken IWANT promises are misbehaviour.
            foreach ((string key, (PeerId peer, long deadline)) in _promises.ToArray())
            {
                if (deadline < now)
                {
                    _promises.Remove(key);
                    _score.AddPenalty(peer, 1);
                }
            }
            foreach ((PeerId, string) expired in _backoff.Where(b => b.Value < now).Select(b => b.Key).ToArray())
            {
                _backoff.Remove(expired);
            }
            foreach (PeerState state in _peers.Values)
            {
                state.IHavesThisHeartbeat = 0;
                state.AskedThisHeartbeat = 0;
                foreach (string key in state.DontWant.Where(d => d.Value < _heartbeats).Select(d => d.Key).ToArray())
                {
                    state.DontWant.Remove(key);
                }
            }
            _cache.Shift();
            _seen.Prune(now);
            _score.Decay();
        }
        Send(outgoing);
    }

    private void MaintainMesh(string topic, HashSet<PeerId> mesh, Dictionary<PeerState, Rpc> outgoing)
    {
        foreach (PeerId p in mesh.Where(p => !_peers.ContainsKey(p) || _score.Score(p) < 0).ToArray())
        {
            mesh.Remove(p);
            _score.Prune(p, topic);
            if (_peers.TryGetValue(p, out PeerState? state))
            {
                SetBackoff(p, topic, _options.PruneBackoff);
                RpcFor(outgoing, state).Prune.Add(new Prune(topic, (ulong)_options.PruneBackoff.TotalSeconds));
            }
        }
        if (mesh.Count < _options.DLow)
        {
            foreach (PeerId p in Shuffle(Candidates(topic, p => !mesh.Contains(p) && !InBackoff(p, topic) && _score.Score(p) >= 0)).Take(_options.D - mesh.Count))
            {
                Graft(topic, mesh, p, outgoing);
            }
        }
        if (mesh.Count > _options.DHigh)
        {
            // Keep the DScore best, fill to D at random while keeping DOut outbound peers, prune the rest.
            List<PeerId> byScore = [.. mesh.OrderByDescending(_score.Score)];
            var keep = new HashSet<PeerId>(byScore.Take(_options.DScore));
            foreach (PeerId p in Shuffle(byScore.Skip(_options.DScore)))
            {
                if (keep.Count >= _options.D)
                {
                    break;
                }
                keep.Add(p);
            }
            int outbound = keep.Count(IsOutbound);
            foreach (PeerId p in byScore.Where(p => !keep.Contains(p) && IsOutbound(p)))
            {
                if (outbound >= _options.DOut)
                {
                    break;
                }
                PeerId? drop = keep.Where(k => !IsOutbound(k)).OrderBy(_score.Score).FirstOrDefault();
                if (drop is not null)
                {
                    keep.Remove(drop);
                }
                keep.Add(p);
                outbound++;
            }
            foreach (PeerId p in mesh.Where(p => !keep.Contains(p)).ToArray())
            {
                mesh.Remove(p);
                _score.Prune(p, topic);
                SetBackoff(p, topic, _options.PruneBackoff);
                RpcFor(outgoing, _peers[p]).Prune.Add(new Prune(topic, (ulong)_options.PruneBackoff.TotalSeconds));
            }
        }
        if (mesh.Count >= _options.DLow)
        {
            int outbound = mesh.Count(IsOutbound);
            if (outbound < _options.DOut)
            {
                foreach (PeerId p in Shuffle(Candidates(topic, p => !mesh.Contains(p) && IsOutbound(p) && !InBackoff(p, topic) && _score.Score(p) >= 0)).Take(_options.DOut - outbound))
                {
                    Graft(topic, mesh, p, outgoing);
                }
            }
        }
        if (_heartbeats % _options.OpportunisticGraftTicks == 0 && mesh.Count > 1)
        {
            double[] scores = [.. mesh.Select(_score.Score).Order()];
            double median = scores[scores.Length / 2];
            if (median < _options.Score.OpportunisticGraftThreshold)
            {
                foreach (PeerId p in Shuffle(Candidates(topic, p => !mesh.Contains(p) && !InBackoff(p, topic) && _score.Score(p) > median)).Take(_options.OpportunisticGraftPeers))
                {
                    Graft(topic, mesh, p, outgoing);
                }
            }
        }
    }

    private void Graft(string topic, HashSet<PeerId> mesh, PeerId peer, Dictionary<PeerState, Rpc> outgoing)
    {
        mesh.Add(peer);
        _score.Graft(peer, topic);
        RpcFor(outgoing, _peers[peer]).Graft.Add(topic);
    }

    private void EmitGossip(string topic, HashSet<PeerId> exclude, Dictionary<PeerState, Rpc> outgoing)
    {
        List<string> ids = _cache.GossipIds(topic);
        if (ids.Count == 0)
        {
            return;
        }
        List<PeerId> eligible = [.. Candidates(topic, p => !exclude.Contains(p) && _score.Score(p) >= _options.Score.GossipThreshold)];
        int count = Math.Max(_options.DLazy, (int)(eligible.Count * _options.GossipFactor));
        List<byte[]> advertised = [.. Shuffle(ids).Take(_options.MaxIHaveLength).Select(Convert.FromHexString)];
        foreach (PeerId p in Shuffle(eligible).Take(count))
        {
            RpcFor(outgoing, _peers[p]).IHave.Add(new IHave(topic, advertised));
        }
    }

    // ---------------- helpers ----------------

    private PeerId[] Candidates(string topic, Func<PeerId, bool> filter) =>
        _topicPeers.TryGetValue(topic, out HashSet<PeerId>? peers)
            ? peers.Where(p => _peers.ContainsKey(p) && filter(p)).ToArray()
            : [];

    private bool IsOutbound(PeerId peer) => _peers.TryGetValue(peer, out PeerState? state) && state.Session.Direction == Direction.Outbound;

    private bool InBackoff(PeerId peer, string topic) => _backoff.TryGetValue((peer, topic), out long until) && until > Stopwatch.GetTimestamp();

    private void SetBackoff(PeerId peer, string topic, TimeSpan backoff)
    {
        long until = Stopwatch.GetTimestamp() + (long)(backoff.TotalSeconds * Stopwatch.Frequency);
        if (!_backoff.TryGetValue((peer, topic), out long current) || current < until)
        {
            _backoff[(peer, topic)] = until;
        }
    }

    private static List<T> Shuffle<T>(IEnumerable<T> items)
    {
        List<T> list = [.. items];
        for (int i = list.Count - 1; i > 0; i--)
        {
            int j = RandomNumberGenerator.GetInt32(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
        return list;
    }

    private static Rpc RpcFor(Dictionary<PeerState, Rpc> outgoing, PeerState state)
    {
        if (!outgoing.TryGetValue(state, out Rpc? rpc))
        {
            outgoing[state] = rpc = new Rpc();
        }
        return rpc;
    }

    private static int EstimateSize(RpcMessage raw) =>
        (raw.Data?.Length ?? 0) + (raw.From?.Length ?? 0) + (raw.Signature?.Length ?? 0) + (raw.Key?.Length ?? 0) + Encoding.UTF8.GetByteCount(raw.Topic) + 64;

    private void Send(Dictionary<PeerState, Rpc> outgoing)
    {
        foreach ((PeerState state, Rpc rpc) in outgoing)
        {
            if (rpc.IsEmpty || state.Removed)
            {
                continue;
            }
            foreach (Rpc part in Split(rpc))
            {
                if (!state.Queue.Writer.TryWrite(part.Encode()))
                {
                    if (state.Dropped++ % 100 == 0)
                    {
                        LogDropped(_logger, state.Id.ToString(), state.Dropped);
                    }
                }
            }
        }
    }

    /// <summary>Splits an RPC whose messages would exceed the size limit into several.</summary>
    private IEnumerable<Rpc> Split(Rpc rpc)
    {
        int total = rpc.Messages.Sum(EstimateSize);
        if (total + 1024 <= _options.MaxRpcSize)
        {
            yield return rpc;
            yield break;
        }
        var first = new Rpc();
        first.Subscriptions.AddRange(rpc.Subscriptions);
        first.IHave.AddRange(rpc.IHave);
        first.IWant.AddRange(rpc.IWant);
        first.Graft.AddRange(rpc.Graft);
        first.Prune.AddRange(rpc.Prune);
        first.IDontWant.AddRange(rpc.IDontWant);
        Rpc current = first;
        int size = 1024;
        foreach (RpcMessage message in rpc.Messages)
        {
            int messageSize = EstimateSize(message);
            if (size + messageSize > _options.MaxRpcSize && current.Messages.Count > 0)
            {
                yield return current;
                current = new Rpc();
                size = 0;
            }
            current.Messages.Add(message);
            size += messageSize;
        }
        yield return current;
    }

    /// <summary>Stops the heartbeat and the send loops.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_heartbeatLoop is not null)
        {
            await _heartbeatLoop.ConfigureAwait(false);
        }
        lock (_lock)
        {
            foreach (PeerState state in _peers.Values.ToArray())
            {
                RemovePeerLocked(state);
            }
        }
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Gossipsub peer {Peer} added")]
    private static partial void LogPeerAdded(ILogger logger, string peer);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Closed gossipsub stream of {Peer}: {Reason}")]
    private static partial void LogStreamClosed(ILogger logger, string peer, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Dropped invalid message from {Peer} on {Topic}: {Reason}")]
    private static partial void LogInvalidMessage(ILogger logger, string peer, string topic, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A validator or subscriber of topic {Topic} threw")]
    private static partial void LogValidatorFailed(ILogger logger, string topic, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Send queue of {Peer} is full (slow peer); {Count} RPCs dropped so far")]
    private static partial void LogDropped(ILogger logger, string peer, int count);
}
