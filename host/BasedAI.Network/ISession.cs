using BasedAI.Network.Identity;
using BasedAI.Network.Protocols;

namespace BasedAI.Network;

/// <summary>Which side opened a connection.</summary>
public enum Direction
{
    /// <summary>The remote dialed us.</summary>
    Inbound,
    /// <summary>We dialed the remote.</summary>
    Outbound,
}

/// <summary>An authenticated, multiplexed connection to one remote peer (TCP + Noise + Yamux).</summary>
public interface ISession
{
    /// <summary>The authenticated remote peer.</summary>
    PeerId RemotePeer { get; }

    /// <summary>The remote's identity key, proven in the Noise handshake.</summary>
    PublicKey RemotePublicKey { get; }

    /// <summary>The remote transport address (with /p2p).</summary>
    Multiaddr RemoteAddress { get; }

    /// <summary>The local transport address.</summary>
    Multiaddr LocalAddress { get; }

    /// <summary>Who dialed.</summary>
    Direction Direction { get; }

    /// <summary>What the remote told us through identify, once it has.</summary>
    IdentifyInfo? RemoteInfo { get; }

    /// <summary>Completes when the first identify exchange with the remote finishes (faults if it fails).</summary>
    Task<IdentifyInfo> Identified { get; }

    /// <summary>Completes with the reason once the connection is closed.</summary>
    Task<string> Closed { get; }

    /// <summary>True once the connection is closed.</summary>
    bool IsClosed { get; }

    /// <summary>Round-trip time measured by the multiplexer's keep-alive ping (zero until measured).</summary>
    TimeSpan RoundTripTime { get; }

    /// <summary>Opens a stream and negotiates <paramref name="protocol"/>; throws <see cref="ProtocolNotSupportedException"/> when refused.</summary>
    Task<Libp2pStream> OpenStreamAsync(string protocol, CancellationToken cancellationToken = default);

    /// <summary>Opens a stream and negotiates the first of <paramref name="protocols"/> the remote supports.</summary>
    Task<Libp2pStream> OpenStreamAsync(IReadOnlyList<string> protocols, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens a stream for <paramref name="protocol"/> with lazy (optimistic) negotiation: the proposal goes out with the first
    /// write and the answer is checked on the first read, saving a round trip. A refusal surfaces as
    /// <see cref="ProtocolNotSupportedException"/> from that read.
    /// </summary>
    Task<Libp2pStream> OpenStreamLazyAsync(string protocol, CancellationToken cancellationToken = default);

    /// <summary>Closes the connection (go-away, then the socket).</summary>
    Task CloseAsync();
}
