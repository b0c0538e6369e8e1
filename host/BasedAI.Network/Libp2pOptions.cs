using BasedAI.Network.Yamux;

namespace BasedAI.Network;

/// <summary>Settings and resource limits of a libp2p peer.</summary>
public sealed class Libp2pOptions
{
    /// <summary>Open connections (both directions) at most; further inbound connections are closed at once and dials refused. Default 512.</summary>
    public int MaxConnections { get; set; } = 512;

    /// <summary>Inbound connections still in their security/multiplexer handshake at once; more are closed at once. Default 64.</summary>
    public int MaxPendingInboundHandshakes { get; set; } = 64;

    /// <summary>Outbound dials in progress at once; more are refused with <see cref="ResourceLimitExceededException"/>. Default 64.</summary>
    public int MaxPendingDials { get; set; } = 64;

    /// <summary>Time allowed for TCP connect plus the whole upgrade (multistream, Noise, Yamux). Default 10 s.</summary>
    public TimeSpan HandshakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Time an inbound stream has to name its protocol before it is reset. Default 10 s.</summary>
    public TimeSpan StreamNegotiationTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Propose Yamux inside the Noise handshake (saves a round trip with peers that support it, as js and go do). Default true.</summary>
    public bool EarlyMuxerNegotiation { get; set; } = true;

    /// <summary>Agent version announced through identify.</summary>
    public string AgentVersion { get; set; } = "basedai-libp2p/0.1.0";

    /// <summary>Protocol version announced through identify.</summary>
    public string ProtocolVersion { get; set; } = "ipfs/0.1.0";

    /// <summary>Largest identify message accepted. Default 64 KiB.</summary>
    public int MaxIdentifyMessageSize { get; set; } = 64 * 1024;

    /// <summary>Run identify with every new connection (both directions). Default true.</summary>
    public bool IdentifyOnConnect { get; set; } = true;

    /// <summary>Yamux settings and per-connection stream limits.</summary>
    public YamuxOptions Yamux { get; set; } = new();

    internal void Validate()
    {
        if (MaxConnections < 1 || MaxPendingInboundHandshakes < 1 || MaxPendingDials < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConnections), "Connection limits must be positive.");
        }
        if (HandshakeTimeout <= TimeSpan.Zero || StreamNegotiationTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(HandshakeTimeout), "Timeouts must be positive.");
        }
        Yamux.Validate();
    }
}
