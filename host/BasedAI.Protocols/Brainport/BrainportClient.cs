using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Cryptography;
using BasedAI.Crypto;
using BasedAI.Network;
using BasedAI.Network.Identity;
using BasedAI.Network.Protocols;

namespace BasedAI.Protocols.Brainport;

/// <summary>A node to call: its libp2p peer id and the computekey it answers with.</summary>
/// <param name="PeerId">The libp2p peer id to dial.</param>
/// <param name="Computekey">The computekey address that must countersign the answer.</param>
/// <param name="Addresses">Addresses to dial (added to the peer store); may be empty when the peer is already connected or known.</param>
public sealed record BrainportTarget(PeerId PeerId, EthereumAddress Computekey, IReadOnlyList<Multiaddr> Addresses);

/// <summary>A served call.</summary>
/// <param name="Body">The task's answer.</param>
/// <param name="Responder">Who countersigned it.</param>
/// <param name="ProcessingTime">Time the responder says it spent.</param>
/// <param name="RoundTrip">Time from sending to the verified answer.</param>
public sealed record BrainportResult(ReadOnlyMemory<byte> Body, EthereumAddress Responder, TimeSpan ProcessingTime, TimeSpan RoundTrip);

/// <summary>Limits of a brainport caller.</summary>
public sealed class BrainportClientOptions
{
    /// <summary>Time to wait for an answer (also sent as the request's deadline). Default 12 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(12);

    /// <summary>Largest request sent. Default 8 MiB.</summary>
    public int MaxRequestSize { get; set; } = 8 * 1024 * 1024;

    /// <summary>Largest answer accepted. Default 16 MiB.</summary>
    public int MaxResponseSize { get; set; } = 16 * 1024 * 1024;
}

/// <summary>
/// The caller side of <c>/basedai/brainport/1.0.0</c>: signs each request with the caller's computekey (a registered key, or
/// an ephemeral one for users), sends it, and accepts only an answer countersigned by the expected computekey for that very
/// request. Calls to one receiver are serialized so that its nonces arrive in order; calls to different receivers run in
/// parallel. Failures throw <see cref="BrainportException"/> with the responder's status, or <see cref="BrainportStatus.Timeout"/>
/// / <see cref="BrainportStatus.Unreachable"/> when no valid answer came.
/// </summary>
public sealed class BrainportClient : IDisposable
{
    private readonly byte[] _key;
    private readonly RequestResponseProtocol _protocol;
    private readonly ILocalPeer _peer;
    private readonly NonceSource _nonces;
    private readonly ConcurrentDictionary<EthereumAddress, SemaphoreSlim> _perReceiver = new();

    /// <summary>A caller on <paramref name="peer"/> signing with <paramref name="signingKey"/> (copied; wiped on dispose).</summary>
    public BrainportClient(ILocalPeer peer, ReadOnlySpan<byte> signingKey, BrainportClientOptions? options = null, TimeProvider? clock = null)
    {
        _peer = peer ?? throw new ArgumentNullException(nameof(peer));
        _key = signingKey.ToArray();
        Address = EthereumAddress.FromPrivateKey(_key);
        Options = options ?? new BrainportClientOptions();
        _nonces = new NonceSource(clock);
        _protocol = peer.GetRequestResponse(ProtocolIds.Brainport) ?? peer.AddRequestResponse(ProtocolIds.Brainport, null, new RequestResponseOptions
        {
            MaxRequestSize = Options.MaxRequestSize,
            MaxResponseSize = Options.MaxResponseSize,
            // Our own deadline (Options.Timeout, or the caller's) cancels first; this only bounds a stream forever stuck.
            Timeout = TimeSpan.FromMinutes(5),
        });
    }

    /// <summary>A caller with a fresh random key, as a user who is not registered anywhere.</summary>
    public static BrainportClient WithEphemeralKey(ILocalPeer peer, BrainportClientOptions? options = null)
    {
        byte[] key = Secp256k1.CreatePrivateKey();
        try
        {
            return new BrainportClient(peer, key, options);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>The caller's address (the requests' sender).</summary>
    public EthereumAddress Address { get; }

    /// <summary>The limits.</summary>
    public BrainportClientOptions Options { get; }

    /// <summary>Calls <paramref name="task"/> of Brain <paramref name="brain"/> on <paramref name="target"/>.</summary>
    public async Task<BrainportResult> CallAsync(BrainportTarget target, ushort brain, string task, ReadOnlyMemory<byte> body,
        TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        TimeSpan limit = timeout ?? Options.Timeout;
        if (target.Addresses.Count > 0)
        {
            _peer.PeerStore.AddAddresses(target.PeerId, target.Addresses);
        }
        SemaphoreSlim gate = _perReceiver.GetOrAdd(target.Computekey, _ => new SemaphoreSlim(1, 1));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limit);
        long started = Stopwatch.GetTimestamp();
        try
        {
            await gate.WaitAsync(deadline.Token).ConfigureAwait(false);
            try
            {
                TimeSpan left = limit - Stopwatch.GetElapsedTime(started);
                BrainportRequest request = BrainportRequest.Sign(_key, target.Computekey, brain, task, body, left, _nonces.Next(), Guid.NewGuid());
                byte[] answer = await _protocol.SendAsync(target.PeerId, request.Encode(), deadline.Token).ConfigureAwait(false);
                return Verify(request, target, answer, Stopwatch.GetElapsedTime(started));
            }
            finally
            {
                gate.Release();
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new BrainportException(BrainportStatus.Timeout, $"no answer from {target.Computekey} ({target.PeerId}) within {limit.TotalSeconds:0.###} s");
        }
        catch (Exception e) when (e is IOException or SocketException or Libp2pException or TimeoutException or ObjectDisposedException)
        {
            throw new BrainportException(BrainportStatus.Unreachable, $"{target.Computekey} ({target.PeerId}) is unreachable: {e.Message}", e);
        }
    }

    private BrainportResult Verify(BrainportRequest request, BrainportTarget target, byte[] answer, TimeSpan roundTrip)
    {
        BrainportResponse response;
        try
        {
            response = BrainportResponse.Decode(answer, Options.MaxResponseSize);
        }
        catch (FormatException e)
        {
            throw new BrainportException(BrainportStatus.Unreachable, $"{target.Computekey} sent a malformed answer: {e.Message}", e);
        }
        if (response.Responder != target.Computekey || !response.HasValidSignature())
        {
            throw new BrainportException(BrainportStatus.Unreachable, $"the answer is not countersigned by {target.Computekey} (it names {response.Responder})");
        }
        if (response.Status == BrainportStatus.BadRequest && response.Nonce == 0)
        {
            throw new BrainportException(BrainportStatus.BadRequest, $"{target.Computekey} could not decode the request: {response.Message}") { FromResponder = true };
        }
        if (response.Nonce != request.Nonce || response.Uuid != request.Uuid || response.Requester != request.Sender)
        {
            throw new BrainportException(BrainportStatus.Unreachable, $"{target.Computekey} answered another request (nonce {response.Nonce}, uuid {response.Uuid})");
        }
        if (response.Status != BrainportStatus.Ok)
        {
            throw new BrainportException(response.Status, $"{target.Computekey} refused: {response.Status}: {response.Message}") { FromResponder = true };
        }
        return new BrainportResult(response.Body, response.Responder, TimeSpan.FromMilliseconds(response.ProcessingMilliseconds), roundTrip);
    }

    /// <summary>Wipes the signing key.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_key);
        foreach (SemaphoreSlim gate in _perReceiver.Values)
        {
            gate.Dispose();
        }
    }
}
