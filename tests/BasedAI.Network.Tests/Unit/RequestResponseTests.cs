using System.Text;
using BasedAI.Network.Core;
using BasedAI.Network.Protocols;
using BasedAI.Network.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BasedAI.Network.Tests.Unit;

public class RequestResponseTests
{
    private const string Protocol = "/basedai/test/1.0.0";

    [Fact]
    public async Task Built_from_services_peers_exchange_requests()
    {
        var log = new TestLog();
        ServiceProvider services = new ServiceCollection()
            .AddSingleton<ILoggerFactory>(log)
            .AddLibp2p(b => b
                .Configure(o => o.Yamux.KeepAliveInterval = null)
                .WithGossipsub()
                .WithProtocol<EchoProtocol>()
                .WithRequestResponse(Protocol, (from, request, ct) => Task.FromResult<ReadOnlyMemory<byte>>(Encoding.UTF8.GetBytes("re:" + Encoding.UTF8.GetString(request.Span)))))
            .BuildServiceProvider();
        await using var _ = services;
        IPeerFactory factory = services.GetRequiredService<IPeerFactory>();
        await using ILocalPeer server = factory.Create();
        await using ILocalPeer client = factory.Create();
        await server.ListenAsync(Peers.Loopback);
        Assert.NotNull(server.PubSub);
        Assert.Contains(EchoProtocol.ProtocolId, server.Protocols);

        await client.DialAsync(Peers.Address(server));
        byte[] response = await client.GetRequestResponse(Protocol)!.SendAsync(server.PeerId, "ping"u8.ToArray());
        Assert.Equal("re:ping", Encoding.UTF8.GetString(response));
    }

    [Fact]
    public async Task Limits_timeouts_overload_and_failures_reset_the_stream_and_the_node_keeps_serving()
    {
        var log = new TestLog();
        await using Libp2pPeer server = await Peers.StartAsync(log);
        await using Libp2pPeer client = await Peers.StartAsync(log, listen: false);
        var gate = new TaskCompletionSource();
        int handled = 0;
        server.AddRequestResponse(Protocol, async (from, request, ct) =>
        {
            Interlocked.Increment(ref handled);
            string text = Encoding.UTF8.GetString(request.Span);
            return text switch
            {
                "big" => new byte[2048],
                "hold" => await gate.Task.ContinueWith(_ => (ReadOnlyMemory<byte>)"held"u8.ToArray(), TaskScheduler.Default),
                "throw" => throw new InvalidOperationException("handler bug"),
                _ => Encoding.UTF8.GetBytes(text),
            };
        }, new RequestResponseOptions { MaxRequestSize = 1024, MaxResponseSize = 1024, Timeout = TimeSpan.FromSeconds(5), MaxConcurrentRequestsPerPeer = 2 });
        RequestResponseProtocol requester = client.AddRequestResponse(Protocol, null, new RequestResponseOptions { MaxRequestSize = 1024, MaxResponseSize = 1024 });
        ISession session = await client.DialAsync(Peers.Address(server));

        Assert.Equal("hi", Encoding.UTF8.GetString(await requester.SendAsync(session, "hi"u8.ToArray())));

        // Oversized request: refused locally before sending, and by the server (before the handler) when sent raw.
        await Assert.ThrowsAsync<MessageTooLargeException>(() => requester.SendAsync(session, new byte[2048]));
        int before = handled;
        await using (Libp2pStream raw = await session.OpenStreamAsync(Protocol))
        {
            await LengthPrefixed.WriteAsync(raw, new byte[2048]);
            await Assert.ThrowsAnyAsync<Exception>(async () => await raw.ReadExactlyAsync(new byte[1]));
        }
        Assert.True(await log.WaitForAsync("exceeds the 1024-byte limit", TimeSpan.FromSeconds(15), LogLevel.Warning), log.Dump());
        Assert.Equal(before, handled);

        // Oversized response and a failing handler.
        await Assert.ThrowsAnyAsync<Libp2pException>(() => requester.SendAsync(session, "big"u8.ToArray()));
        await Assert.ThrowsAsync<StreamResetException>(() => requester.SendAsync(session, "throw"u8.ToArray()));
        Assert.True(await log.WaitForAsync("handler bug", TimeSpan.FromSeconds(15), LogLevel.Warning), log.Dump());

        // Overload: two held requests fill the per-peer limit, a third is reset at once, the held ones then complete.
        Task<byte[]> held1 = requester.SendAsync(session, "hold"u8.ToArray());
        Task<byte[]> held2 = requester.SendAsync(session, "hold"u8.ToArray());
        await Peers.Until(() => Volatile.Read(ref handled) >= before + 4, 5, "both held");
        await Assert.ThrowsAsync<StreamResetException>(() => requester.SendAsync(session, "third"u8.ToArray()));
        Assert.True(await log.WaitForAsync("too many requests from this peer", TimeSpan.FromSeconds(15)), log.Dump());
        gate.SetResult();
        Assert.All(await Task.WhenAll(held1, held2), r => Assert.Equal("held", Encoding.UTF8.GetString(r)));
        Assert.Equal("ok", Encoding.UTF8.GetString(await requester.SendAsync(session, "ok"u8.ToArray())));

        // A requester gives up after its own timeout.
        RequestResponseProtocol impatient = client.AddRequestResponse(Protocol + "/impatient", null, new RequestResponseOptions { Timeout = TimeSpan.FromMilliseconds(300) });
        server.AddRequestResponse(Protocol + "/impatient", async (from, request, ct) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(30), ct);
            return ReadOnlyMemory<byte>.Empty;
        });
        await Assert.ThrowsAsync<TimeoutException>(() => impatient.SendAsync(session, "slow"u8.ToArray()));
    }
}
