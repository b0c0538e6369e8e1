namespace BasedAI.Network.PubSub;

/// <summary>A pubsub topic: subscribe to receive its messages, publish to it, and validate what arrives.</summary>
public sealed class Topic
{
    private readonly GossipsubRouter _router;

    internal Topic(GossipsubRouter router, string name)
    {
        _router = router;
        Name = name;
    }

    /// <summary>The topic name.</summary>
    public string Name { get; }

    /// <summary>True while this node is subscribed (joined the mesh).</summary>
    public bool IsSubscribed => _router.IsSubscribed(Name);

    /// <summary>Raised for each new valid message on the topic (on a thread-pool thread).</summary>
    public event Action<PubSubMessage>? OnMessage;

    /// <summary>
    /// Checks each message before it is delivered or forwarded: <see cref="ValidationResult.Reject"/> penalises the sender,
    /// <see cref="ValidationResult.Ignore"/> drops quietly. Null accepts everything that passes the signature policy.
    /// </summary>
    public Func<PubSubMessage, ValidationResult>? Validator { get; set; }

    /// <summary>Joins the topic: tells peers, builds a mesh and starts delivering <see cref="OnMessage"/>.</summary>
    public void Subscribe() => _router.Subscribe(Name);

    /// <summary>Leaves the topic.</summary>
    public void Unsubscribe() => _router.Unsubscribe(Name);

    /// <summary>Publishes <paramref name="data"/>; returns the number of peers it was sent to.</summary>
    public int Publish(ReadOnlyMemory<byte> data) => _router.Publish(Name, data);

    /// <summary>Peers known to be subscribed to the topic.</summary>
    public IReadOnlyCollection<PeerId> Peers => _router.GetTopicPeers(Name);

    /// <summary>Peers in this node's mesh for the topic.</summary>
    public IReadOnlyCollection<PeerId> MeshPeers => _router.GetMeshPeers(Name);

    internal void Deliver(PubSubMessage message) => OnMessage?.Invoke(message);
}
