namespace BasedAI.Network.PubSub;

/// <summary>How messages are authored and checked (the pubsub signature policy).</summary>
public enum SignaturePolicy
{
    /// <summary>Every message carries from, seqno and a signature, and every received message is verified.</summary>
    StrictSign,
    /// <summary>Messages carry none of from, seqno, signature or key, and messages that do are rejected.</summary>
    StrictNoSign,
}

/// <summary>What a topic validator decided about a message.</summary>
public enum ValidationResult
{
    /// <summary>Deliver and forward.</summary>
    Accept,
    /// <summary>Drop without penalty.</summary>
    Ignore,
    /// <summary>Drop and penalise the peer that sent it.</summary>
    Reject,
}

/// <summary>Peer scoring parameters (gossipsub v1.1): P1 time in mesh, P2 first deliveries, P4 invalid messages, P5 application, P6 IP colocation, P7 behaviour.</summary>
public sealed class PeerScoreOptions
{
    /// <summary>Weight of P1 (time in mesh, in quanta, capped).</summary>
    public double TimeInMeshWeight { get; set; } = 0.01;
    /// <summary>P1 quantum.</summary>
    public TimeSpan TimeInMeshQuantum { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>P1 cap (in quanta).</summary>
    public double TimeInMeshCap { get; set; } = 3600;
    /// <summary>Weight of P2 (first message deliveries).</summary>
    public double FirstMessageDeliveriesWeight { get; set; } = 1;
    /// <summary>Decay of P2 per decay interval.</summary>
    public double FirstMessageDeliveriesDecay { get; set; } = 0.5;
    /// <summary>Cap of the P2 counter.</summary>
    public double FirstMessageDeliveriesCap { get; set; } = 100;
    /// <summary>Weight of P4 (squared invalid message deliveries); negative.</summary>
    public double InvalidMessageDeliveriesWeight { get; set; } = -100;
    /// <summary>Decay of P4 per decay interval.</summary>
    public double InvalidMessageDeliveriesDecay { get; set; } = 0.3;
    /// <summary>Weight of P5 (application-specific score).</summary>
    public double AppSpecificWeight { get; set; } = 1;
    /// <summary>Application-specific score of a peer (P5), or null for none.</summary>
    public Func<PeerId, double>? AppSpecificScore { get; set; }
    /// <summary>Weight of P6 (squared surplus of peers sharing an IP); negative.</summary>
    public double IpColocationFactorWeight { get; set; } = -10;
    /// <summary>Peers per IP tolerated before P6 applies.</summary>
    public int IpColocationFactorThreshold { get; set; } = 10;
    /// <summary>Exempt loopback addresses from P6 (a local devnet runs many nodes on 127.0.0.1).</summary>
    public bool IpColocationIgnoresLoopback { get; set; } = true;
    /// <summary>Weight of P7 (squared behaviour penalty over the threshold); negative.</summary>
    public double BehaviourPenaltyWeight { get; set; } = -10;
    /// <summary>Behaviour penalty tolerated before P7 applies.</summary>
    public double BehaviourPenaltyThreshold { get; set; } = 6;
    /// <summary>Decay of the behaviour penalty per decay interval.</summary>
    public double BehaviourPenaltyDecay { get; set; } = 0.9;
    /// <summary>Counters below this after decay become zero.</summary>
    public double DecayToZero { get; set; } = 0.01;
    /// <summary>How long the score of a disconnected peer is remembered.</summary>
    public TimeSpan RetainScore { get; set; } = TimeSpan.FromMinutes(10);
    /// <summary>Below this score no gossip is exchanged with the peer.</summary>
    public double GossipThreshold { get; set; } = -10;
    /// <summary>Below this score the peer gets no published (flood) messages.</summary>
    public double PublishThreshold { get; set; } = -50;
    /// <summary>Below this score the peer's RPCs are ignored entirely.</summary>
    public double GraylistThreshold { get; set; } = -80;
    /// <summary>When the median mesh score falls below this, better peers are grafted opportunistically.</summary>
    public double OpportunisticGraftThreshold { get; set; } = 1;
}

/// <summary>Gossipsub v1.1 router settings (defaults follow the spec and go-libp2p-pubsub).</summary>
public sealed class GossipsubOptions
{
    /// <summary>Target mesh degree.</summary>
    public int D { get; set; } = 6;
    /// <summary>Mesh degree below which peers are grafted.</summary>
    public int DLow { get; set; } = 4;
    /// <summary>Mesh degree above which peers are pruned.</summary>
    public int DHigh { get; set; } = 12;
    /// <summary>Peers kept by score when pruning.</summary>
    public int DScore { get; set; } = 4;
    /// <summary>Outbound peers the mesh keeps at least.</summary>
    public int DOut { get; set; } = 2;
    /// <summary>Peers gossip (IHAVE) is sent to per topic per heartbeat, at least.</summary>
    public int DLazy { get; set; } = 6;
    /// <summary>Fraction of eligible peers gossip goes to, if more than <see cref="DLazy"/>.</summary>
    public double GossipFactor { get; set; } = 0.25;
    /// <summary>Heartbeat interval.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>Fanout state of an unused topic expires after this.</summary>
    public TimeSpan FanoutTtl { get; set; } = TimeSpan.FromSeconds(60);
    /// <summary>Heartbeats of messages kept for IWANT answers.</summary>
    public int HistoryLength { get; set; } = 5;
    /// <summary>Heartbeats of messages advertised in IHAVE.</summary>
    public int HistoryGossip { get; set; } = 3;
    /// <summary>How long message ids are remembered for de-duplication.</summary>
    public TimeSpan SeenTtl { get; set; } = TimeSpan.FromMinutes(2);
    /// <summary>Backoff after a prune before the peer may graft again.</summary>
    public TimeSpan PruneBackoff { get; set; } = TimeSpan.FromMinutes(1);
    /// <summary>Backoff announced when leaving a topic.</summary>
    public TimeSpan UnsubscribeBackoff { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>A graft this soon after a prune earns an extra behaviour penalty.</summary>
    public TimeSpan GraftFloodThreshold { get; set; } = TimeSpan.FromSeconds(10);
    /// <summary>Heartbeats between opportunistic grafting rounds.</summary>
    public int OpportunisticGraftTicks { get; set; } = 60;
    /// <summary>Peers added per opportunistic graft.</summary>
    public int OpportunisticGraftPeers { get; set; } = 2;
    /// <summary>Most message ids asked for (IWANT) from one peer per heartbeat.</summary>
    public int MaxIHaveLength { get; set; } = 5000;
    /// <summary>Most IHAVE messages accepted from one peer per heartbeat.</summary>
    public int MaxIHaveMessages { get; set; } = 10;
    /// <summary>Time a peer has to deliver a message it advertised and we asked for.</summary>
    public TimeSpan IWantFollowupTime { get; set; } = TimeSpan.FromSeconds(3);
    /// <summary>Times one message is sent to one peer in answer to IWANT.</summary>
    public int GossipRetransmission { get; set; } = 3;
    /// <summary>Publish to every subscribed peer above the publish threshold, not only the mesh (v1.1 flood publishing).</summary>
    public bool FloodPublish { get; set; } = true;
    /// <summary>Signature policy for authored and received messages.</summary>
    public SignaturePolicy SignaturePolicy { get; set; } = SignaturePolicy.StrictSign;
    /// <summary>
    /// Message id function; null uses the default: from ‖ seqno when signing (the spec, go and rust), SHA-256(data) without
    /// signatures. js-libp2p derives signed ids from the author's protobuf key instead; see <see cref="MessageIds.JsCompatible"/>.
    /// </summary>
    public Func<PubSubMessage, byte[]>? MessageIdFunction { get; set; }
    /// <summary>Largest RPC accepted or sent (length prefix excluded). Default 1 MiB.</summary>
    public int MaxRpcSize { get; set; } = 1024 * 1024;
    /// <summary>Most subscriptions, grafts or prunes per RPC.</summary>
    public int MaxSubscriptionsPerRpc { get; set; } = 1024;
    /// <summary>Most messages per RPC.</summary>
    public int MaxMessagesPerRpc { get; set; } = 1024;
    /// <summary>Most message ids across control messages per RPC.</summary>
    public int MaxControlIdsPerRpc { get; set; } = 10_000;
    /// <summary>Most topics a remote peer may be subscribed to.</summary>
    public int MaxTopicsPerPeer { get; set; } = 1024;
    /// <summary>RPCs queued for one peer before further ones are dropped (a slow peer cannot hold memory).</summary>
    public int MaxQueuedRpcsPerPeer { get; set; } = 1024;
    /// <summary>Messages at least this large trigger IDONTWANT to mesh peers speaking /meshsub/1.2.0.</summary>
    public int IDontWantThreshold { get; set; } = 1024;
    /// <summary>Deliver our own published messages to local subscribers too.</summary>
    public bool EmitSelf { get; set; }
    /// <summary>Peer scoring.</summary>
    public PeerScoreOptions Score { get; set; } = new();

    internal void Validate()
    {
        if (!(DLow <= D && D <= DHigh && DOut < DLow && DScore <= D && DLow > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(D), "Gossipsub degrees must satisfy 0 < DLow <= D <= DHigh, DOut < DLow, DScore <= D.");
        }
        if (HistoryGossip > HistoryLength || HistoryGossip < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(HistoryGossip), "HistoryGossip must be between 1 and HistoryLength.");
        }
        if (HeartbeatInterval <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(HeartbeatInterval), "The heartbeat interval must be positive.");
        }
    }
}
