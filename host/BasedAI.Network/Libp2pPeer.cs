using System.Collections.Concurrent;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using BasedAI.Network.Core;
using BasedAI.Network.Identity;
using BasedAI.Network.Multistream;
using BasedAI.Network.Noise;
using BasedAI.Network.Protocols;
using BasedAI.Network.PubSub;
using BasedAI.Network.Transport;
using BasedAI.Network.Yamux;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BasedAI.Network;

/// <summary>
/// A libp2p node over TCP: multistream-select, Noise XX, Yamux, identify (and push) and ping built in; further protocols via
/// <see cref="Handle(string, StreamHandler)"/> and attached services (gossipsub, request-response). Every connection and stream is isolated: a
/// malformed or slow peer loses its stream or connection, with the reason logged, and the node keeps serving the others.
/// </summary>
public sealed partial class Libp2pPeer : ILocalPeer
{
    /// <summary>Identify protocol id.</summary>
    public const string IdentifyProtocolId = "/ipfs/id/1.0.0";
    /// <summary>Identify push protocol id.</summary>
    public const string IdentifyPushProtocolId = "/ipfs/id/push/1.0.0";

    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggerFactory;
    private readonly bool _ownsIdentity;
    private readonly X25519KeyPair _noiseStatic = new();
    private readonly ConcurrentDictionary<string, StreamHandler> _handlers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Connection, byte> _connections = new();
    private readonly List<Socket> _listeners = [];
    private readonly List<Multiaddr> _listenAddresses = [];
    private readonly List<IPeerService> _services = [];
    private readonly CancellationTokenSource _stopping = new();
    private NoiseFaults? _noiseFaults;
    private byte[]? _noisePayload;
    private int _pendingInbound;
    private int _pendingDials;
    private int _disposed;

    /// <summary>Creates a peer. It owns <paramref name="identity"/> only if <paramref name="ownsIdentity"/>.</summary>
    public Libp2pPeer(NodeIdentity identity, Libp2pOptions? options = null, ILoggerFactory? loggerFactory = null, IEnumerable<IPeerService>? services = null, bool ownsIdentity = false)
    {
        ArgumentNullException.ThrowIfNull(identity);
        Identity = identity;
        _ownsIdentity = ownsIdentity;
        Options = options ?? new Libp2pOptions();
        Options.Validate();
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<Libp2pPeer>();
        _handlers[IdentifyProtocolId] = ServeIdentifyAsync;
        _handlers[IdentifyPushProtocolId] = ReceiveIdentifyPushAsync;
        _handlers[PingProtocol.Id] = PingProtocol.HandleAsync;
        foreach (IPeerService service in services ?? [])
        {
            AddService(service);
        }
    }

    /// <inheritdoc />
    public NodeIdentity Identity { get; }

    /// <inheritdoc />
    public PeerId PeerId => Identity.PeerId;

    /// <inheritdoc />
    public Libp2pOptions Options { get; }

    /// <inheritdoc />
    public IReadOnlyList<Multiaddr> ListenAddresses
    {
        get
        {
            lock (_listenAddresses)
            {
                return [.. _listenAddresses];
            }
        }
    }

    /// <inheritdoc />
    public IReadOnlyCollection<string> Protocols => _handlers.Keys.Order(StringComparer.Ordinal).ToArray();

    /// <inheritdoc />
    public IReadOnlyCollection<ISession> Sessions => _connections.Keys.Where(c => !c.IsClosed).ToArray();

    /// <inheritdoc />
    public PeerStore PeerStore { get; } = new();

    /// <inheritdoc />
    public GossipsubRouter? PubSub => GetService<GossipsubRouter>();

    /// <summary>The logger factory the peer logs with (services attached later use it too).</summary>
    internal ILoggerFactory LoggerFactory => _loggerFactory;

    /// <summary>Noise test hooks (robustness tests only).</summary>
    internal NoiseFaults? NoiseFaults
    {
        get => _noiseFaults;
        set
        {
            _noiseFaults = value;
            _noisePayload = null;
        }
    }

    // Signed once: the Noise static key lives as long as the peer, so its identity proof does too.
    private byte[] NoisePayload => _noisePayload ??= NoiseHandshake.CreatePayload(Identity, _noiseStatic, MuxerList, _noiseFaults);

    /// <inheritdoc />
    public event Action<ISession>? SessionOpened;

    /// <inheritdoc />
    public event Action<ISession>? SessionClosed;

    /// <inheritdoc />
    public event Action<ISession, IdentifyInfo>? PeerIdentified;

    /// <inheritdoc />
    public T? GetService<T>() where T : class
    {
        lock (_services)
        {
            return _services.OfType<T>().FirstOrDefault();
        }
    }

    /// <inheritdoc />
    public IReadOnlyList<IPeerService> Services
    {
        get
        {
            lock (_services)
            {
                return [.. _services];
            }
        }
    }

    /// <inheritdoc />
    public void AddService(IPeerService service)
    {
        ArgumentNullException.ThrowIfNull(service);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        lock (_services)
        {
            _services.Add(service);
        }
        service.Attach(this);
    }

    // ---------------- handlers ----------------

    /// <inheritdoc />
    public void Handle(string protocol, StreamHandler handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(protocol);
        ArgumentNullException.ThrowIfNull(handler);
        if (protocol.Length >= MultistreamSelect.MaxMessageLength)
        {
            throw new ArgumentException($"A protocol id must be shorter than {MultistreamSelect.MaxMessageLength} bytes.", nameof(protocol));
        }
        _handlers[protocol] = handler;
        PushIdentifyToAll();
    }

    /// <summary>Registers an <see cref="IProtocol"/> handler.</summary>
    public void Handle(IProtocol protocol)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        Handle(protocol.Id, protocol.HandleAsync);
    }

    /// <inheritdoc />
    public bool Unhandle(string protocol)
    {
        bool removed = _handlers.TryRemove(protocol, out _);
        if (removed)
        {
            PushIdentifyToAll();
        }
        return removed;
    }

    // ---------------- listening ----------------

    /// <inheritdoc />
    public async Task<Multiaddr> ListenAsync(Multiaddr address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (!address.TryGetTcpTarget(out string host, out int port, out AddressFamily family))
        {
            throw new FormatException($"Cannot listen on {address}: only /ip4|ip6|dns…/tcp/N addresses are supported.");
        }
        IPAddress ip = IPAddress.TryParse(host, out IPAddress? parsed)
            ? parsed
            : (await Dns.GetHostAddressesAsync(host, family, cancellationToken).ConfigureAwait(false)).FirstOrDefault()
                ?? throw new IOException($"Cannot listen on {address}: '{host}' does not resolve.");
        var listener = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(ip, port));
            listener.Listen(512);
        }
        catch (SocketException e)
        {
            listener.Dispose();
            throw new IOException($"Cannot listen on {address}: {e.Message}", e);
        }
        var bound = (IPEndPoint)listener.LocalEndPoint!;
        Multiaddr boundAddress = Multiaddr.FromTcpEndpoint(bound);
        lock (_listenAddresses)
        {
            _listeners.Add(listener);
            _listenAddresses.AddRange(ExpandUnspecified(bound));
        }
        _ = Task.Run(() => AcceptLoopAsync(listener), CancellationToken.None);
        LogListening(_logger, boundAddress.WithPeerId(PeerId).ToString());
        PushIdentifyToAll();
        return boundAddress;
    }

    private static Multiaddr[] ExpandUnspecified(IPEndPoint bound)
    {
        if (!bound.Address.Equals(IPAddress.Any) && !bound.Address.Equals(IPAddress.IPv6Any))
        {
            return [Multiaddr.FromTcpEndpoint(bound)];
        }
        return NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Where(u => u.Address.AddressFamily == bound.AddressFamily && !u.Address.IsIPv6LinkLocal)
            .Select(u => Multiaddr.FromTcpEndpoint(new IPEndPoint(u.Address, bound.Port)))
            .ToArray();
    }

    private async Task AcceptLoopAsync(Socket listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                LogAcceptFailed(_logger, e.Message);
                continue;
            }
            socket.NoDelay = true;
            string remote = socket.RemoteEndPoint?.ToString() ?? "?";
            if (_connections.Count >= Options.MaxConnections)
            {
                LogRefused(_logger, remote, $"the connection limit ({Options.MaxConnections}) is reached");
                socket.Dispose();
                continue;
            }
            if (Interlocked.Increment(ref _pendingInbound) > Options.MaxPendingInboundHandshakes)
            {
                Interlocked.Decrement(ref _pendingInbound);
                LogRefused(_logger, remote, $"{Options.MaxPendingInboundHandshakes} inbound handshakes are already in progress");
                socket.Dispose();
                continue;
            }
            _ = Task.Run(() => UpgradeInboundAsync(socket, remote));
        }
    }

    private async Task UpgradeInboundAsync(Socket socket, string remote)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(Options.HandshakeTimeout);
        var raw = new BufferedReadStream(new NetworkStream(socket, ownsSocket: true));
        try
        {
            await MultistreamSelect.ListenAsync(raw, p => p == NoiseHandshake.ProtocolId, () => [NoiseHandshake.ProtocolId], timeout.Token).ConfigureAwait(false);
            NoiseResult noise;
            using (var handshake = new NoiseHandshake(_noiseStatic, NoisePayload))
            {
                noise = await handshake.RespondAsync(raw, timeout.Token).ConfigureAwait(false);
            }
            var secure = new NoiseSecureStream(raw, noise.Send, noise.Receive);
            if (!UseEarlyMuxer(noise))
            {
                await MultistreamSelect.ListenAsync(secure, p => p == YamuxSession.ProtocolId, () => [YamuxSession.ProtocolId], timeout.Token).ConfigureAwait(false);
            }
            Register(secure, noise, socket, Direction.Inbound);
        }
        catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
        {
            LogHandshakeFailed(_logger, "inbound", remote, $"timed out after {Options.HandshakeTimeout.TotalSeconds:0.###} s (the peer stalled)");
            await raw.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (IsConnectionError(e))
        {
            LogHandshakeFailed(_logger, "inbound", remote, e.Message);
            await raw.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _pendingInbound);
        }
    }

    // ---------------- dialing ----------------

    /// <inheritdoc />
    public async Task<ISession> DialAsync(Multiaddr address, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(address);
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        PeerId? expected = address.PeerId;
        if (expected is not null && GetSession(expected) is { } existing)
        {
            return existing;
        }
        if (expected is not null && expected.Equals(PeerId))
        {
            throw new ArgumentException($"Cannot dial {address}: it is this node's own peer id.", nameof(address));
        }
        if (!address.TryGetTcpTarget(out string host, out int port, out AddressFamily family))
        {
            throw new FormatException($"Cannot dial {address}: only /ip4|ip6|dns|dns4|dns6/…/tcp/N[/p2p/…] addresses are supported.");
        }
        if (_connections.Count >= Options.MaxConnections)
        {
            throw new ResourceLimitExceededException($"Cannot dial {address}: the connection limit ({Options.MaxConnections}) is reached.");
        }
        if (Interlocked.Increment(ref _pendingDials) > Options.MaxPendingDials)
        {
            Interlocked.Decrement(ref _pendingDials);
            throw new ResourceLimitExceededException($"Cannot dial {address}: {Options.MaxPendingDials} dials are already in progress.");
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
        timeout.CancelAfter(Options.HandshakeTimeout);
        BufferedReadStream? raw = null;
        Socket? socket = null;
        try
        {
            IPAddress ip = IPAddress.TryParse(host, out IPAddress? parsed)
                ? parsed
                : (await Dns.GetHostAddressesAsync(host, family, timeout.Token).ConfigureAwait(false)).FirstOrDefault()
                    ?? throw new IOException($"Cannot dial {address}: '{host}' does not resolve.");
            socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(new IPEndPoint(ip, port), timeout.Token).ConfigureAwait(false);
            raw = new BufferedReadStream(new NetworkStream(socket, ownsSocket: true));
            // Lazy /noise: the first handshake message follows the proposal at once, saving a round trip; the listener's
            // answer is checked before the second message is read (a listener without Noise would fail us either way).
            await MultistreamSelect.StartLazySelectAsync(raw, NoiseHandshake.ProtocolId, timeout.Token).ConfigureAwait(false);
            NoiseResult noise;
            using (var handshake = new NoiseHandshake(_noiseStatic, NoisePayload))
            {
                noise = await handshake.InitiateAsync(raw, expected, timeout.Token,
                    ct => MultistreamSelect.CompleteLazySelectAsync(raw, NoiseHandshake.ProtocolId, ct)).ConfigureAwait(false);
            }
            var secure = new NoiseSecureStream(raw, noise.Send, noise.Receive);
            if (!UseEarlyMuxer(noise))
            {
                await MultistreamSelect.SelectAsync(secure, [YamuxSession.ProtocolId], timeout.Token).ConfigureAwait(false);
            }
            Connection connection = Register(secure, noise, socket, Direction.Outbound);
            PeerStore.AddAddresses(connection.RemotePeer, [address]);
            return connection;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !_stopping.IsCancellationRequested)
        {
            raw?.Dispose();
            socket?.Dispose();
            throw new TimeoutException($"Dialing {address} timed out after {Options.HandshakeTimeout.TotalSeconds:0.###} s.");
        }
        catch (SocketException e)
        {
            raw?.Dispose();
            socket?.Dispose();
            throw new IOException($"Dialing {address} failed: {e.Message}", e);
        }
        catch
        {
            raw?.Dispose();
            socket?.Dispose();
            throw;
        }
        finally
        {
            Interlocked.Decrement(ref _pendingDials);
        }
    }

    /// <inheritdoc />
    public async Task<ISession> DialAsync(PeerId peerId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(peerId);
        if (GetSession(peerId) is { } existing)
        {
            return existing;
        }
        PeerRecord record = PeerStore.Get(peerId) ?? throw new IOException($"No known address for peer {peerId}.");
        var errors = new List<string>();
        foreach (Multiaddr address in record.Addresses)
        {
            if (!address.TryGetTcpTarget(out _, out _, out _))
            {
                continue;
            }
            try
            {
                return await DialAsync(address.WithPeerId(peerId), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or TimeoutException or Libp2pException)
            {
                errors.Add($"{address}: {e.Message}");
            }
        }
        throw new IOException($"Could not reach peer {peerId}: {(errors.Count == 0 ? "no dialable TCP address" : string.Join("; ", errors))}.");
    }

    /// <inheritdoc />
    public ISession? GetSession(PeerId peerId) => _connections.Keys.FirstOrDefault(c => !c.IsClosed && c.RemotePeer.Equals(peerId));

    private IReadOnlyList<string> MuxerList => Options.EarlyMuxerNegotiation ? [YamuxSession.ProtocolId] : [];

    private bool UseEarlyMuxer(NoiseResult noise)
    {
        // Inlined muxer negotiation applies only when both sides offered a list in the handshake.
        if (MuxerList.Count == 0 || noise.RemoteMuxers.Count == 0)
        {
            return false;
        }
        if (!noise.RemoteMuxers.Contains(YamuxSession.ProtocolId))
        {
            throw new HandshakeException($"The remote offered only unsupported stream muxers in the handshake: {string.Join(", ", noise.RemoteMuxers)}.");
        }
        return true;
    }

    private Connection Register(NoiseSecureStream secure, NoiseResult noise, Socket socket, Direction direction)
    {
        var remoteEndpoint = (IPEndPoint)socket.RemoteEndPoint!;
        var localEndpoint = (IPEndPoint)socket.LocalEndPoint!;
        string name = $"{Short(noise.RemotePeer)}@{remoteEndpoint}";
        Connection? connection = null;
        var muxer = new YamuxSession(secure, direction == Direction.Outbound, Options.Yamux, _logger, stream => OnInboundStream(connection!, stream), name);
        connection = new Connection(muxer, noise.RemotePeer, noise.RemoteKey, Multiaddr.FromTcpEndpoint(remoteEndpoint), Multiaddr.FromTcpEndpoint(localEndpoint), direction);
        if (_connections.Count >= Options.MaxConnections)
        {
            _ = muxer.CloseAsync("connection limit reached");
            throw new ResourceLimitExceededException($"The connection limit ({Options.MaxConnections}) is reached.");
        }
        _connections[connection] = 0;
        muxer.Start();
        LogConnected(_logger, direction == Direction.Inbound ? "inbound" : "outbound", noise.RemotePeer.ToString(), remoteEndpoint.ToString());
        _ = connection.Closed.ContinueWith(t => OnClosed(connection, t.Result), TaskScheduler.Default);
        RaiseSafely(() => SessionOpened?.Invoke(connection));
        if (Options.IdentifyOnConnect)
        {
            _ = Task.Run(() => IdentifyAsync(connection));
        }
        return connection;
    }

    private void OnClosed(Connection connection, string reason)
    {
        if (_connections.TryRemove(connection, out _))
        {
            LogDisconnected(_logger, connection.RemotePeer.ToString(), reason);
            connection.FailIdentify(new IOException($"The connection closed: {reason}"));
            RaiseSafely(() => SessionClosed?.Invoke(connection));
        }
    }

    // ---------------- inbound streams ----------------

    private void OnInboundStream(Connection connection, YamuxStream stream) => _ = Task.Run(() => ServeStreamAsync(connection, stream));

    private async Task ServeStreamAsync(Connection connection, YamuxStream stream)
    {
        string protocol;
        using (var negotiation = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
        {
            negotiation.CancelAfter(Options.StreamNegotiationTimeout);
            try
            {
                protocol = await MultistreamSelect.ListenAsync(stream, _handlers.ContainsKey, () => Protocols, negotiation.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!_stopping.IsCancellationRequested)
            {
                LogStreamFailed(_logger, connection.RemotePeer.ToString(), "?", $"no protocol negotiated within {Options.StreamNegotiationTimeout.TotalSeconds:0.###} s");
                stream.Reset();
                return;
            }
            catch (Exception e) when (IsConnectionError(e))
            {
                if (e is not EndOfStreamException and not StreamResetException)
                {
                    LogStreamFailed(_logger, connection.RemotePeer.ToString(), "?", e.Message);
                }
                stream.Reset();
                return;
            }
        }
        stream.Protocol = protocol;
        if (!_handlers.TryGetValue(protocol, out StreamHandler? handler))
        {
            stream.Reset();
            return;
        }
        try
        {
            await handler(stream, _stopping.Token).ConfigureAwait(false);
            await stream.DisposeAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // A failing handler must cost its stream only, whatever it throws.
        catch (Exception e)
#pragma warning restore CA1031
        {
            if (!connection.IsClosed && !_stopping.IsCancellationRequested && !(e is StreamResetException && stream.IsReset))
            {
                LogStreamFailed(_logger, connection.RemotePeer.ToString(), protocol, e.Message);
            }
            stream.Reset();
        }
    }

    // ---------------- identify ----------------

    private IdentifyInfo LocalIdentify(ISession? session) => new()
    {
        ProtocolVersion = Options.ProtocolVersion,
        AgentVersion = Options.AgentVersion,
        PublicKey = Identity.PublicKey,
        ListenAddresses = ListenAddresses,
        ObservedAddress = session?.RemoteAddress.WithoutPeerId(),
        Protocols = [.. Protocols],
    };

    private async Task ServeIdentifyAsync(Libp2pStream stream, CancellationToken cancellationToken)
    {
        await LengthPrefixed.WriteAsync(stream, LocalIdentify(stream.Session).Encode(), cancellationToken).ConfigureAwait(false);
        await stream.CloseWriteAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task ReceiveIdentifyPushAsync(Libp2pStream stream, CancellationToken cancellationToken)
    {
        byte[]? message = await LengthPrefixed.ReadAsync(stream, Options.MaxIdentifyMessageSize, "identify push", cancellationToken).ConfigureAwait(false)
            ?? throw new ProtocolViolationException("identify push: the stream closed without a message.");
        ApplyIdentify((Connection)stream.Session, message);
    }

    private async Task IdentifyAsync(Connection connection)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            timeout.CancelAfter(Options.HandshakeTimeout);
            await using Libp2pStream stream = await connection.OpenStreamAsync(IdentifyProtocolId, timeout.Token).ConfigureAwait(false);
            byte[]? message = await LengthPrefixed.ReadAsync(stream, Options.MaxIdentifyMessageSize, "identify", timeout.Token).ConfigureAwait(false)
                ?? throw new ProtocolViolationException("identify: the stream closed without a message.");
            ApplyIdentify(connection, message);
        }
        catch (Exception e) when (IsConnectionError(e))
        {
            if (!connection.IsClosed)
            {
                LogIdentifyFailed(_logger, connection.RemotePeer.ToString(), e.Message);
            }
            connection.FailIdentify(e);
        }
    }

    private void ApplyIdentify(Connection connection, byte[] message)
    {
        IdentifyInfo info;
        try
        {
            info = IdentifyInfo.Decode(message, out int skipped);
            if (skipped > 0)
            {
                LogIdentifySkipped(_logger, connection.RemotePeer.ToString(), skipped);
            }
        }
        catch (FormatException e)
        {
            throw new ProtocolViolationException($"identify: {e.Message}", e);
        }
        if (info.PublicKey is not null && !connection.RemotePeer.Matches(info.PublicKey))
        {
            throw new ProtocolViolationException("identify: the public key sent does not belong to the connected peer.");
        }
        connection.SetRemoteInfo(info);
        PeerStore.SetIdentify(connection.RemotePeer, info);
        RaiseSafely(() => PeerIdentified?.Invoke(connection, info));
    }

    private void PushIdentifyToAll()
    {
        foreach (Connection connection in _connections.Keys)
        {
            // Unknown yet (identify still running) counts as supported: a refusal costs one stream.
            if (connection.RemoteInfo?.Protocols.Contains(IdentifyPushProtocolId) != false)
            {
                _ = Task.Run(() => PushIdentifyAsync(connection));
            }
        }
    }

    private async Task PushIdentifyAsync(Connection connection)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
            timeout.CancelAfter(Options.HandshakeTimeout);
            await using Libp2pStream stream = await connection.OpenStreamAsync(IdentifyPushProtocolId, timeout.Token).ConfigureAwait(false);
            await LengthPrefixed.WriteAsync(stream, LocalIdentify(connection).Encode(), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (IsConnectionError(e))
        {
            if (e is not ProtocolNotSupportedException && !connection.IsClosed)
            {
                LogIdentifyFailed(_logger, connection.RemotePeer.ToString(), $"push: {e.Message}");
            }
        }
    }

    // ---------------- helpers ----------------

    private void RaiseSafely(Action raise)
    {
        try
        {
            raise();
        }
#pragma warning disable CA1031 // An event subscriber's bug must not break the connection machinery.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogSubscriberFailed(_logger, e);
        }
    }

    internal static bool IsConnectionError(Exception e) =>
        e is IOException or SocketException or ObjectDisposedException or OperationCanceledException or Libp2pException
            or FormatException or TimeoutException or InvalidOperationException or System.Security.Cryptography.CryptographicException;

    private static string Short(PeerId peer)
    {
        string text = peer.ToString();
        return text.Length > 12 ? text[^8..] : text;
    }

    /// <summary>Stops listening, closes every connection and disposes the attached services.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        await _stopping.CancelAsync().ConfigureAwait(false);
        lock (_listenAddresses)
        {
            foreach (Socket listener in _listeners)
            {
                listener.Dispose();
            }
        }
        foreach (IPeerService service in Services)
        {
            await service.DisposeAsync().ConfigureAwait(false);
        }
        await Task.WhenAll(_connections.Keys.Select(c => c.Muxer.CloseAsync("the local node is stopping"))).ConfigureAwait(false);
        _noiseStatic.Dispose();
        if (_ownsIdentity)
        {
            Identity.Dispose();
        }
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Listening on {Address}")]
    private static partial void LogListening(ILogger logger, string address);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Accept failed: {Reason}")]
    private static partial void LogAcceptFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused connection from {Remote}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string remote, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Closed {Direction} connection {Remote} during the handshake: {Reason}")]
    private static partial void LogHandshakeFailed(ILogger logger, string direction, string remote, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connected ({Direction}) to {Peer} at {Remote}")]
    private static partial void LogConnected(ILogger logger, string direction, string peer, string remote);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Disconnected from {Peer}: {Reason}")]
    private static partial void LogDisconnected(ILogger logger, string peer, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reset stream from {Peer} (protocol {Protocol}): {Reason}")]
    private static partial void LogStreamFailed(ILogger logger, string peer, string protocol, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Identify with {Peer} failed: {Reason}")]
    private static partial void LogIdentifyFailed(ILogger logger, string peer, string reason);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Identify from {Peer}: skipped {Count} listen addresses this stack cannot parse")]
    private static partial void LogIdentifySkipped(ILogger logger, string peer, int count);

    [LoggerMessage(Level = LogLevel.Error, Message = "A connection event subscriber threw")]
    private static partial void LogSubscriberFailed(ILogger logger, Exception exception);
}
