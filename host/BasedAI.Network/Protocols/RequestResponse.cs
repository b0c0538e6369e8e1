using System.Collections.Concurrent;
using BasedAI.Network.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BasedAI.Network.Protocols;

/// <summary>Finds and attaches request-response protocols on a peer.</summary>
public static class RequestResponseExtensions
{
    /// <summary>The request-response protocol with id <paramref name="protocolId"/> attached to <paramref name="peer"/>, or null.</summary>
    public static RequestResponseProtocol? GetRequestResponse(this ILocalPeer peer, string protocolId)
    {
        ArgumentNullException.ThrowIfNull(peer);
        return peer.Services.OfType<RequestResponseProtocol>().FirstOrDefault(p => p.ProtocolId == protocolId);
    }

    /// <summary>Attaches a request-response protocol to <paramref name="peer"/> and returns it.</summary>
    public static RequestResponseProtocol AddRequestResponse(this ILocalPeer peer, string protocolId, RequestHandler? handler, RequestResponseOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var protocol = new RequestResponseProtocol(protocolId, handler, options);
        peer.AddService(protocol);
        return protocol;
    }
}

/// <summary>Answers one request. The returned bytes are the response.</summary>
public delegate Task<ReadOnlyMemory<byte>> RequestHandler(PeerId from, ReadOnlyMemory<byte> request, CancellationToken cancellationToken);

/// <summary>Limits of a request-response protocol.</summary>
public sealed class RequestResponseOptions
{
    /// <summary>Largest request accepted (and sent). Default 1 MiB.</summary>
    public int MaxRequestSize { get; set; } = 1024 * 1024;

    /// <summary>Largest response accepted (and sent). Default 16 MiB.</summary>
    public int MaxResponseSize { get; set; } = 16 * 1024 * 1024;

    /// <summary>Time for a whole exchange, on both sides (reading the request, handling, answering). Default 12 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(12);

    /// <summary>Requests handled at once across all peers; more are reset at once (overloaded). Default 64.</summary>
    public int MaxConcurrentRequests { get; set; } = 64;

    /// <summary>Requests handled at once for one peer; more are reset at once. Default 8.</summary>
    public int MaxConcurrentRequestsPerPeer { get; set; } = 8;
}

/// <summary>
/// A generic request-response protocol: each exchange is one stream carrying one varint-length-prefixed request
/// (the requester then half-closes) and one length-prefixed response. Sizes, time and concurrency are bounded; a request
/// over a limit resets its stream without reaching the handler.
/// </summary>
public sealed partial class RequestResponseProtocol : IPeerService
{
    private readonly RequestHandler? _handler;
    private ILogger _logger;
    private readonly bool _ownLogger;
    private readonly ConcurrentDictionary<PeerId, int> _perPeer = new();
    private readonly CancellationTokenSource _stopping = new();
    private ILocalPeer? _peer;
    private int _inFlight;

    /// <summary>Creates the protocol; with a null <paramref name="handler"/> this node only sends requests.</summary>
    public RequestResponseProtocol(string protocolId, RequestHandler? handler, RequestResponseOptions? options = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(protocolId);
        ProtocolId = protocolId;
        _handler = handler;
        Options = options ?? new RequestResponseOptions();
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<RequestResponseProtocol>();
        _ownLogger = loggerFactory is not null;
    }

    /// <summary>The protocol id.</summary>
    public string ProtocolId { get; }

    /// <summary>The limits.</summary>
    public RequestResponseOptions Options { get; }

    /// <inheritdoc />
    public void Attach(ILocalPeer peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        if (!_ownLogger && peer is Libp2pPeer libp2p)
        {
            _logger = libp2p.LoggerFactory.CreateLogger<RequestResponseProtocol>();
        }
        _peer = peer;
        if (_handler is not null)
        {
            peer.Handle(ProtocolId, ServeAsync);
        }
    }

    /// <summary>Sends a request to <paramref name="peerId"/> (dialing it if needed) and returns the response.</summary>
    public async Task<byte[]> SendAsync(PeerId peerId, ReadOnlyMemory<byte> request, CancellationToken cancellationToken = default)
    {
        ILocalPeer peer = _peer ?? throw new InvalidOperationException("The request-response protocol is not attached to a peer.");
        ISession session = await peer.DialAsync(peerId, cancellationToken).ConfigureAwait(false);
        return await SendAsync(session, request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sends a request over <paramref name="session"/>. Throws <see cref="TimeoutException"/> after <see cref="RequestResponseOptions.Timeout"/>,
    /// <see cref="MessageTooLargeException"/> for an oversized request or response, <see cref="StreamResetException"/> when the
    /// remote refused (overloaded, over its limits) or failed, and <see cref="ProtocolNotSupportedException"/>.
    /// </summary>
    public async Task<byte[]> SendAsync(ISession session, ReadOnlyMemory<byte> request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (request.Length > Options.MaxRequestSize)
        {
            throw new MessageTooLargeException($"{ProtocolId}: a {request.Length}-byte request exceeds the {Options.MaxRequestSize}-byte limit.");
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.Timeout);
        try
        {
            await using Libp2pStream stream = await session.OpenStreamAsync(ProtocolId, timeout.Token).ConfigureAwait(false);
            await LengthPrefixed.WriteAsync(stream, request, timeout.Token).ConfigureAwait(false);
            await stream.CloseWriteAsync(timeout.Token).ConfigureAwait(false);
            byte[]? response = await LengthPrefixed.ReadAsync(stream, Options.MaxResponseSize, $"{ProtocolId} response", timeout.Token).ConfigureAwait(false);
            return response ?? throw new StreamResetException($"{ProtocolId}: the remote closed the stream without a response.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{ProtocolId}: no response from {session.RemotePeer} within {Options.Timeout.TotalSeconds:0.###} s.");
        }
    }

    private async Task ServeAsync(Libp2pStream stream, CancellationToken cancellationToken)
    {
        PeerId from = stream.RemotePeer;
        int peerCount = _perPeer.AddOrUpdate(from, 1, (_, n) => n + 1);
        int total = Interlocked.Increment(ref _inFlight);
        try
        {
            if (total > Options.MaxConcurrentRequests || peerCount > Options.MaxConcurrentRequestsPerPeer)
            {
                LogRefused(_logger, ProtocolId, from.ToString(), total > Options.MaxConcurrentRequests ? "overloaded" : "too many requests from this peer at once");
                stream.Reset();
                return;
            }
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
            timeout.CancelAfter(Options.Timeout);
            byte[]? request;
            try
            {
                request = await LengthPrefixed.ReadAsync(stream, Options.MaxRequestSize, $"{ProtocolId} request", timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is MessageTooLargeException or FormatException or EndOfStreamException or OperationCanceledException)
            {
                LogRefused(_logger, ProtocolId, from.ToString(), e is OperationCanceledException ? "the request did not arrive in time" : e.Message);
                stream.Reset();
                return;
            }
            if (request is null)
            {
                stream.Reset();
                return;
            }
            ReadOnlyMemory<byte> response = await _handler!(from, request, timeout.Token).ConfigureAwait(false);
            if (response.Length > Options.MaxResponseSize)
            {
                LogRefused(_logger, ProtocolId, from.ToString(), $"the handler's {response.Length}-byte response exceeds the {Options.MaxResponseSize}-byte limit");
                stream.Reset();
                return;
            }
            await LengthPrefixed.WriteAsync(stream, response, timeout.Token).ConfigureAwait(false);
            await stream.CloseWriteAsync(timeout.Token).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
            if (_perPeer.AddOrUpdate(from, 0, (_, n) => n - 1) <= 0)
            {
                _perPeer.TryRemove(new KeyValuePair<PeerId, int>(from, 0));
            }
        }
    }

    /// <summary>Stops serving.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        _peer?.Unhandle(ProtocolId);
        _stopping.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Protocol}: reset request from {Peer}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string protocol, string peer, string reason);
}
