using BasedAI.Network.Identity;
using BasedAI.Network.Protocols;
using BasedAI.Network.PubSub;

namespace BasedAI.Network;

/// <summary>Handles one inbound stream whose protocol was negotiated. Returning closes the stream; throwing resets it.</summary>
public delegate Task StreamHandler(Libp2pStream stream, CancellationToken cancellationToken);

/// <summary>A protocol handler that can be registered through dependency injection.</summary>
public interface IProtocol
{
    /// <summary>The protocol id, e.g. <c>/echo/1.0.0</c>.</summary>
    string Id { get; }

    /// <summary>Serves one inbound stream.</summary>
    Task HandleAsync(Libp2pStream stream, CancellationToken cancellationToken);
}

/// <summary>A per-peer service (such as the gossipsub router) attached when the peer is created.</summary>
public interface IPeerService : IAsyncDisposable
{
    /// <summary>Hooks the service into <paramref name="peer"/> (register handlers, subscribe to connection events).</summary>
    void Attach(ILocalPeer peer);
}

/// <summary>
/// A local libp2p node: listens, dials, serves registered protocols, and runs identify, ping and (when configured) gossipsub.
/// </summary>
public interface ILocalPeer : IAsyncDisposable
{
    /// <summary>The node's identity.</summary>
    NodeIdentity Identity { get; }

    /// <summary>The node's peer id.</summary>
    PeerId PeerId { get; }

    /// <summary>The settings this peer runs with.</summary>
    Libp2pOptions Options { get; }

    /// <summary>Concrete addresses being listened on (without /p2p).</summary>
    IReadOnlyList<Multiaddr> ListenAddresses { get; }

    /// <summary>Protocols with a registered handler.</summary>
    IReadOnlyCollection<string> Protocols { get; }

    /// <summary>Open connections.</summary>
    IReadOnlyCollection<ISession> Sessions { get; }

    /// <summary>Addresses and protocols learned about other peers.</summary>
    PeerStore PeerStore { get; }

    /// <summary>The gossipsub router, when the peer was built with it.</summary>
    GossipsubRouter? PubSub { get; }

    /// <summary>Raised when a connection is established (after the security and multiplexer handshakes).</summary>
    event Action<ISession>? SessionOpened;

    /// <summary>Raised when a connection closes.</summary>
    event Action<ISession>? SessionClosed;

    /// <summary>Raised when identify with a connected peer completes (and on identify push).</summary>
    event Action<ISession, IdentifyInfo>? PeerIdentified;

    /// <summary>Starts listening on a TCP multiaddr (<c>/ip4/127.0.0.1/tcp/0</c>); returns the concrete address bound.</summary>
    Task<Multiaddr> ListenAsync(Multiaddr address, CancellationToken cancellationToken = default);

    /// <summary>Dials a multiaddr (with /p2p to authenticate the expected peer); reuses an open connection to that peer.</summary>
    Task<ISession> DialAsync(Multiaddr address, CancellationToken cancellationToken = default);

    /// <summary>Dials a peer through an open connection or the addresses in the peer store.</summary>
    Task<ISession> DialAsync(PeerId peerId, CancellationToken cancellationToken = default);

    /// <summary>Registers (or replaces) the handler of <paramref name="protocol"/>; connected peers learn it through identify push.</summary>
    void Handle(string protocol, StreamHandler handler);

    /// <summary>Removes the handler of <paramref name="protocol"/>.</summary>
    bool Unhandle(string protocol);

    /// <summary>An open connection to <paramref name="peerId"/>, or null.</summary>
    ISession? GetSession(PeerId peerId);

    /// <summary>Services attached to the peer (gossipsub router, request-response protocols, ...).</summary>
    IReadOnlyList<IPeerService> Services { get; }

    /// <summary>Attaches a service after creation; the peer disposes it with itself.</summary>
    void AddService(IPeerService service);

    /// <summary>The first attached service of type <typeparamref name="T"/>, or null.</summary>
    T? GetService<T>() where T : class;
}
