using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using BasedAI.Crypto;
using BasedAI.Network;
using BasedAI.Network.Identity;
using BasedAI.Network.Protocols;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BasedAI.Protocols.Brainport;

/// <summary>What a handler answers: a status and the body (the task's answer, or a short explanation).</summary>
/// <param name="Status">The outcome.</param>
/// <param name="Body">The payload for <see cref="BrainportStatus.Ok"/>, else UTF-8 text.</param>
public readonly record struct BrainportReply(BrainportStatus Status, ReadOnlyMemory<byte> Body)
{
    /// <summary>A served request.</summary>
    public static BrainportReply Ok(ReadOnlyMemory<byte> body) => new(BrainportStatus.Ok, body);

    /// <summary>A refusal with a reason.</summary>
    public static BrainportReply Refuse(BrainportStatus status, string reason) => new(status, Encoding.UTF8.GetBytes(reason));
}

/// <summary>
/// Serves a brainport request whose envelope passed the checks (decoded, signed by its sender, addressed to this node, fresh
/// nonce). It decides the rest (Brain served, registration, task) and does the work before <paramref name="cancellationToken"/>
/// fires (the request's deadline).
/// </summary>
public delegate ValueTask<BrainportReply> BrainportHandler(BrainportRequest request, PeerId from, CancellationToken cancellationToken);

/// <summary>Limits of a brainport responder.</summary>
public sealed class BrainportServerOptions
{
    /// <summary>Requests worked on at once; more are answered <see cref="BrainportStatus.Overloaded"/>. Default 32.</summary>
    public int MaxConcurrentRequests { get; set; } = 32;

    /// <summary>The longest deadline honoured, whatever the request asks. Default 60 s.</summary>
    public TimeSpan MaxTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How old a nonce may be. Default 60 s.</summary>
    public TimeSpan NonceWindow { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How far ahead of this clock a nonce may be. Default 5 s.</summary>
    public TimeSpan NonceFutureSkew { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Largest request accepted. Default 8 MiB (encrypted activations and evaluation keys are large).</summary>
    public int MaxRequestSize { get; set; } = 8 * 1024 * 1024;

    /// <summary>Largest response sent. Default 16 MiB.</summary>
    public int MaxResponseSize { get; set; } = 16 * 1024 * 1024;
}

/// <summary>
/// The responder side of <c>/basedai/brainport/1.0.0</c>: checks every request's envelope in order (decodes → not overloaded →
/// signature → receiver → nonce), passes it to the handler under the request's deadline, and countersigns every answer,
/// refusals included, with this node's computekey.
/// </summary>
public sealed partial class BrainportServer : IDisposable
{
    private readonly byte[] _computekey;
    private readonly BrainportHandler _handler;
    private readonly NonceTracker _nonces;
    private readonly ILogger _logger;
    private readonly long[] _counts = new long[(int)BrainportStatus.Unreachable + 1];
    private int _inFlight;

    /// <summary>Creates a responder signing with <paramref name="computekey"/> (copied; wiped on dispose).</summary>
    public BrainportServer(ReadOnlySpan<byte> computekey, BrainportHandler handler, BrainportServerOptions? options = null, ILogger? logger = null, TimeProvider? clock = null)
    {
        _computekey = computekey.ToArray();
        Address = EthereumAddress.FromPrivateKey(_computekey);
        _handler = handler ?? throw new ArgumentNullException(nameof(handler));
        Options = options ?? new BrainportServerOptions();
        _nonces = new NonceTracker(Options.NonceWindow, Options.NonceFutureSkew, clock);
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>This node's computekey address (the receiver requests must name).</summary>
    public EthereumAddress Address { get; }

    /// <summary>The limits.</summary>
    public BrainportServerOptions Options { get; }

    /// <summary>Requests answered so far with <paramref name="status"/>.</summary>
    public long Count(BrainportStatus status) => Interlocked.Read(ref _counts[(int)status]);

    /// <summary>Serves brainport on <paramref name="peer"/>.</summary>
    public RequestResponseProtocol Attach(ILocalPeer peer)
    {
        ArgumentNullException.ThrowIfNull(peer);
        var options = new RequestResponseOptions
        {
            MaxRequestSize = Options.MaxRequestSize,
            MaxResponseSize = Options.MaxResponseSize,
            // The deadline is enforced here, per request; the stream limit only has to outlast it.
            Timeout = Options.MaxTimeout + TimeSpan.FromSeconds(10),
            // Above our own limit, so an overloaded node still answers with a signed Overloaded instead of a reset.
            MaxConcurrentRequests = Options.MaxConcurrentRequests * 4,
            MaxConcurrentRequestsPerPeer = Options.MaxConcurrentRequests * 2,
        };
        return peer.AddRequestResponse(ProtocolIds.Brainport, (from, bytes, token) => HandleAsync(from, bytes, token), options);
    }

    internal async Task<ReadOnlyMemory<byte>> HandleAsync(PeerId from, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        long started = Stopwatch.GetTimestamp();
        BrainportRequest request;
        try
        {
            request = BrainportRequest.Decode(bytes.Span, Options.MaxRequestSize);
        }
        catch (FormatException e)
        {
            LogRefused(_logger, from.ToString(), BrainportStatus.BadRequest, e.Message);
            return Answer(0, EthereumAddress.Zero, Guid.Empty, BrainportReply.Refuse(BrainportStatus.BadRequest, e.Message), started);
        }
        if (Interlocked.Increment(ref _inFlight) > Options.MaxConcurrentRequests)
        {
            Interlocked.Decrement(ref _inFlight);
            return Refuse(request, from, BrainportStatus.Overloaded, $"{Options.MaxConcurrentRequests} requests are already in flight", started);
        }
        try
        {
            if (!request.HasValidSignature())
            {
                return Refuse(request, from, BrainportStatus.BadSignature, $"the signature does not recover {request.Sender} over nonce.sender.receiver.uuid.body_hash", started);
            }
            if (request.Receiver != Address)
            {
                return Refuse(request, from, BrainportStatus.WrongReceiver, $"the request is for {request.Receiver}, this node is {Address}", started);
            }
            if (!_nonces.TryAccept(request.Sender, request.Nonce, out string? stale))
            {
                return Refuse(request, from, BrainportStatus.StaleNonce, stale!, started);
            }
            TimeSpan deadline = TimeSpan.FromMilliseconds(Math.Min(request.TimeoutMilliseconds, Options.MaxTimeout.TotalMilliseconds));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(deadline);
            BrainportReply reply;
            try
            {
                reply = await _handler(request, from, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                reply = BrainportReply.Refuse(BrainportStatus.Timeout, $"the work did not finish within the request's {deadline.TotalSeconds:0.###} s deadline");
            }
#pragma warning disable CA1031 // Whatever the task throws becomes a countersigned TaskFailed answer; the node keeps serving.
            catch (Exception e) when (e is not OperationCanceledException)
#pragma warning restore CA1031
            {
                reply = BrainportReply.Refuse(BrainportStatus.TaskFailed, $"{e.GetType().Name}: {e.Message}");
            }
            if (reply.Status != BrainportStatus.Ok)
            {
                LogRefused(_logger, from.ToString(), reply.Status, Encoding.UTF8.GetString(reply.Body.Span));
            }
            return Answer(request.Nonce, request.Sender, request.Uuid, reply, started);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private byte[] Refuse(BrainportRequest request, PeerId from, BrainportStatus status, string reason, long started)
    {
        LogRefused(_logger, from.ToString(), status, reason);
        return Answer(request.Nonce, request.Sender, request.Uuid, BrainportReply.Refuse(status, reason), started);
    }

    private byte[] Answer(ulong nonce, EthereumAddress requester, Guid uuid, BrainportReply reply, long started)
    {
        Interlocked.Increment(ref _counts[(int)reply.Status]);
        uint elapsed = (uint)Math.Min(uint.MaxValue, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        ReadOnlyMemory<byte> body = reply.Body;
        if (body.Length > Options.MaxResponseSize - 256)
        {
            reply = BrainportReply.Refuse(BrainportStatus.TaskFailed, $"the task's {body.Length}-byte answer exceeds the {Options.MaxResponseSize}-byte response limit");
        }
        return BrainportResponse.Sign(_computekey, nonce, requester, uuid, reply.Status, reply.Body, elapsed).Encode();
    }

    /// <summary>Wipes the computekey.</summary>
    public void Dispose() => CryptographicOperations.ZeroMemory(_computekey);

    [LoggerMessage(Level = LogLevel.Information, Message = "brainport: refused a request from {Peer}: {Status}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string peer, BrainportStatus status, string reason);
}
