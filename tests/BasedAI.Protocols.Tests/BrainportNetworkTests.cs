using System.Text;
using BasedAI.Crypto;
using BasedAI.Network;
using BasedAI.Network.Protocols;
using BasedAI.Protocols.Brainport;

namespace BasedAI.Protocols.Tests;

/// <summary>A responder and callers on loopback libp2p.</summary>
#pragma warning disable CA1001 // Disposed in DisposeAsync (IAsyncLifetime).
public sealed class BrainportNetworkTests : IAsyncLifetime
{
    private readonly byte[] _minerKey = Secp256k1.CreatePrivateKey();
    private Libp2pPeer _minerPeer = null!;
    private Libp2pPeer _callerPeer = null!;
    private BrainportServer _server = null!;
    private BrainportClient _client = null!;
    private Func<BrainportRequest, CancellationToken, ValueTask<BrainportReply>> _handler = (r, _) => ValueTask.FromResult(BrainportReply.Ok(r.Body.ToArray().Reverse().ToArray()));

    private EthereumAddress MinerAddress => EthereumAddress.FromPrivateKey(_minerKey);

    private BrainportTarget Target => new(_minerPeer.PeerId, MinerAddress, _minerPeer.ListenAddresses);

    public async Task InitializeAsync()
    {
        _minerPeer = await Support.PeerAsync();
        _callerPeer = await Support.PeerAsync(listen: false);
        _server = new BrainportServer(_minerKey, (request, _, token) => _handler(request, token), new BrainportServerOptions { MaxConcurrentRequests = 2 });
        _server.Attach(_minerPeer);
        _client = BrainportClient.WithEphemeralKey(_callerPeer);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        _server.Dispose();
        await _callerPeer.DisposeAsync();
        await _minerPeer.DisposeAsync();
    }

    private async Task<BrainportResponse> SendRawAsync(byte[] request)
    {
        RequestResponseProtocol protocol = _callerPeer.GetRequestResponse(ProtocolIds.Brainport)!;
        ISession session = await _callerPeer.DialAsync(Support.Address(_minerPeer));
        byte[] answer = await protocol.SendAsync(session, request);
        BrainportResponse response = BrainportResponse.Decode(answer, 1 << 20);
        Assert.True(response.HasValidSignature(), "every answer, refusals included, is countersigned");
        Assert.Equal(MinerAddress, response.Responder);
        return response;
    }

    private BrainportRequest Signed(byte[] key, EthereumAddress? receiver = null, byte[]? body = null, ulong? nonce = null) =>
        BrainportRequest.Sign(key, receiver ?? MinerAddress, 3, "echo", body ?? "hello"u8.ToArray(), TimeSpan.FromSeconds(5),
            nonce ?? new NonceSource().Next(), Guid.NewGuid());

    [Fact]
    public async Task A_signed_call_gets_the_countersigned_answer()
    {
        BrainportResult result = await _client.CallAsync(Target, 3, "echo", "abc"u8.ToArray());
        Assert.Equal("cba", Encoding.UTF8.GetString(result.Body.Span));
        Assert.Equal(MinerAddress, result.Responder);
        Assert.Equal(1, _server.Count(BrainportStatus.Ok));
    }

    [Fact]
    public async Task A_replayed_request_is_refused_as_a_stale_nonce()
    {
        byte[] key = Secp256k1.CreatePrivateKey();
        byte[] request = Signed(key).Encode();
        Assert.Equal(BrainportStatus.Ok, (await SendRawAsync(request)).Status);
        BrainportResponse replay = await SendRawAsync(request);
        Assert.Equal(BrainportStatus.StaleNonce, replay.Status);
        Assert.Contains("replay", replay.Message);
        BrainportResponse older = await SendRawAsync(Signed(key, nonce: BrainportRequest.Decode(request, 1024).Nonce - 1).Encode());
        Assert.Equal(BrainportStatus.StaleNonce, older.Status);
    }

    [Fact]
    public async Task A_forged_request_is_refused_as_a_bad_signature()
    {
        byte[] request = Signed(Secp256k1.CreatePrivateKey(), body: "pay 1"u8.ToArray()).Encode();
        // Change the body after signing (the last byte before the 65-byte signature).
        request[^66] = (byte)'9';
        BrainportResponse forged = await SendRawAsync(request);
        Assert.Equal(BrainportStatus.BadSignature, forged.Status);
        // A request signed by one key but claiming another sender.
        byte[] claimed = Signed(Secp256k1.CreatePrivateKey()).Encode();
        EthereumAddress.FromPrivateKey(Secp256k1.CreatePrivateKey()).Bytes.CopyTo(claimed.AsSpan(9, 20));
        Assert.Equal(BrainportStatus.BadSignature, (await SendRawAsync(claimed)).Status);
        Assert.Equal(0, _server.Count(BrainportStatus.Ok));
    }

    [Fact]
    public async Task A_request_for_another_node_is_refused_as_wrong_receiver()
    {
        BrainportResponse answer = await SendRawAsync(Signed(Secp256k1.CreatePrivateKey(), EthereumAddress.FromPrivateKey(Secp256k1.CreatePrivateKey())).Encode());
        Assert.Equal(BrainportStatus.WrongReceiver, answer.Status);
    }

    [Fact]
    public async Task Garbage_gets_a_signed_bad_request_and_the_node_keeps_serving()
    {
        BrainportResponse answer = await SendRawAsync([1, 2, 3, 4]);
        Assert.Equal(BrainportStatus.BadRequest, answer.Status);
        Assert.Contains("brainport request", answer.Message);
        Assert.Equal("olleh", Encoding.UTF8.GetString((await _client.CallAsync(Target, 3, "echo", "hello"u8.ToArray())).Body.Span));
    }

    [Fact]
    public async Task Handler_refusals_reach_the_caller_with_their_status()
    {
        _handler = (request, _) => ValueTask.FromResult(request.Brain != 3
            ? BrainportReply.Refuse(BrainportStatus.UnknownBrain, $"this miner serves Brain 3, not {request.Brain}")
            : BrainportReply.Refuse(BrainportStatus.NotRegistered, "not registered as a miner on Brain 3"));
        var unknown = await Assert.ThrowsAsync<BrainportException>(() => _client.CallAsync(Target, 4, "echo", "x"u8.ToArray()));
        Assert.Equal(BrainportStatus.UnknownBrain, unknown.Status);
        Assert.True(unknown.FromResponder);
        var unregistered = await Assert.ThrowsAsync<BrainportException>(() => _client.CallAsync(Target, 3, "echo", "x"u8.ToArray()));
        Assert.Equal(BrainportStatus.NotRegistered, unregistered.Status);
        _handler = (_, _) => throw new InvalidDataException("ciphertext at the wrong level");
        var failed = await Assert.ThrowsAsync<BrainportException>(() => _client.CallAsync(Target, 3, "echo", "x"u8.ToArray()));
        Assert.Equal(BrainportStatus.TaskFailed, failed.Status);
        Assert.Contains("ciphertext at the wrong level", failed.Message);
    }

    [Fact]
    public async Task Beyond_its_limit_a_node_answers_overloaded()
    {
        var release = new TaskCompletionSource();
        _handler = async (request, token) =>
        {
            await release.Task.WaitAsync(token);
            return BrainportReply.Ok(request.Body);
        };
        // Three callers with their own keys (a key's calls to one node are serialized); the limit is 2.
        var callers = Enumerable.Range(0, 3).Select(_ => BrainportClient.WithEphemeralKey(_callerPeer)).ToList();
        List<Task<BrainportResult>> calls = callers.Select(c => c.CallAsync(Target, 3, "echo", "x"u8.ToArray())).ToList();
        await Support.Until(() => calls.Count(c => c.IsFaulted) == 1, "one call refused");
        var overloaded = Assert.IsType<BrainportException>(calls.Single(c => c.IsFaulted).Exception!.InnerException);
        Assert.Equal(BrainportStatus.Overloaded, overloaded.Status);
        release.SetResult();
        await Task.WhenAll(calls.Where(c => !c.IsFaulted));
        callers.ForEach(c => c.Dispose());
    }

    [Fact]
    public async Task Slow_work_ends_in_a_timeout_on_both_sides()
    {
        _handler = async (request, token) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), token);
            return BrainportReply.Ok(request.Body);
        };
        // The node stops at the request's deadline and says so...
        BrainportResponse answer = await SendRawAsync(BrainportRequest.Sign(Secp256k1.CreatePrivateKey(), MinerAddress, 3, "echo", "x"u8.ToArray(),
            TimeSpan.FromMilliseconds(300), new NonceSource().Next(), Guid.NewGuid()).Encode());
        Assert.Equal(BrainportStatus.Timeout, answer.Status);
        // ...and a caller that stops waiting first reports a timeout itself.
        _handler = async (request, token) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), CancellationToken.None);
            return BrainportReply.Ok(request.Body);
        };
        var timeout = await Assert.ThrowsAsync<BrainportException>(() => _client.CallAsync(Target, 3, "echo", "x"u8.ToArray(), TimeSpan.FromMilliseconds(500)));
        Assert.Equal(BrainportStatus.Timeout, timeout.Status);
        Assert.False(timeout.FromResponder);
    }

    [Fact]
    public async Task An_answer_not_countersigned_by_the_expected_key_is_rejected()
    {
        // The caller expects another computekey at this peer: the genuine answer names the wrong responder.
        var impostor = new BrainportTarget(_minerPeer.PeerId, EthereumAddress.FromPrivateKey(Secp256k1.CreatePrivateKey()), _minerPeer.ListenAddresses);
        var refused = await Assert.ThrowsAsync<BrainportException>(() => _client.CallAsync(impostor, 3, "echo", "x"u8.ToArray()));
        Assert.Equal(BrainportStatus.Unreachable, refused.Status);
        Assert.Contains("countersigned", refused.Message);
    }

    [Fact]
    public async Task A_dead_node_is_unreachable()
    {
        Multiaddr address = _minerPeer.ListenAddresses[0];
        await _minerPeer.DisposeAsync();
        var dead = await Assert.ThrowsAsync<BrainportException>(() => _client.CallAsync(new BrainportTarget(_minerPeer.PeerId, MinerAddress, [address]), 3, "echo", "x"u8.ToArray()));
        Assert.Equal(BrainportStatus.Unreachable, dead.Status);
        _minerPeer = await Support.PeerAsync();
    }
}
