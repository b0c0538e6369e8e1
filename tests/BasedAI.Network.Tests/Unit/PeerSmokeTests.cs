using System.Text;
using BasedAI.Network.Protocols;
using BasedAI.Network.Tests.Support;

namespace BasedAI.Network.Tests.Unit;

public class PeerSmokeTests
{
    [Fact]
    public async Task Two_peers_connect_identify_ping_and_echo()
    {
        var log = new TestLog();
        await using Libp2pPeer a = await Peers.StartAsync(log);
        await using Libp2pPeer b = await Peers.StartAsync(log);
        b.Handle(new EchoProtocol());

        ISession session = await Peers.WithTimeout(a.DialAsync(Peers.Address(b)));
        Assert.Equal(b.PeerId, session.RemotePeer);

        var info = await Peers.WithTimeout(session.Identified);
        Assert.Contains(EchoProtocol.ProtocolId, info.Protocols);

        TimeSpan rtt = await Peers.WithTimeout(session.PingAsync());
        Assert.True(rtt > TimeSpan.Zero);

        byte[] reply = await Peers.WithTimeout(EchoProtocol.EchoAsync(session, Encoding.UTF8.GetBytes("hello")));
        Assert.Equal("hello", Encoding.UTF8.GetString(reply));
    }
}

public class PeerBehaviourTests
{
    [Fact]
    public async Task Protocols_added_later_reach_connected_peers_through_identify_push()
    {
        await using Libp2pPeer a = await Peers.StartAsync();
        await using Libp2pPeer b = await Peers.StartAsync();
        ISession session = await Peers.WithTimeout(a.DialAsync(Peers.Address(b)));
        await Peers.WithTimeout(session.Identified);
        var pushed = new TaskCompletionSource<Protocols.IdentifyInfo>(TaskCreationOptions.RunContinuationsAsynchronously);
        a.PeerIdentified += (s, info) =>
        {
            if (info.Protocols.Contains("/late/1.0.0"))
            {
                pushed.TrySetResult(info);
            }
        };
        b.Handle("/late/1.0.0", (stream, ct) => Task.CompletedTask);
        Assert.Contains("/late/1.0.0", (await Peers.WithTimeout(pushed.Task)).Protocols);
        Assert.Contains("/late/1.0.0", a.PeerStore.Get(b.PeerId)!.Protocols);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(false, false)]
    public async Task Yamux_is_negotiated_inline_or_by_multistream(bool dialerEarly, bool listenerEarly)
    {
        await using Libp2pPeer listener = await Peers.StartAsync(configure: o => o.EarlyMuxerNegotiation = listenerEarly);
        await using Libp2pPeer dialer = await Peers.StartAsync(listen: false, configure: o => o.EarlyMuxerNegotiation = dialerEarly);
        ISession session = await Peers.WithTimeout(dialer.DialAsync(Peers.Address(listener)));
        Assert.True(await Peers.WithTimeout(session.PingAsync()) > TimeSpan.Zero);
    }

    [Fact]
    public async Task Dial_by_peer_id_uses_the_peer_store_and_reuses_connections()
    {
        await using Libp2pPeer a = await Peers.StartAsync();
        await using Libp2pPeer b = await Peers.StartAsync();
        await Assert.ThrowsAsync<IOException>(() => a.DialAsync(b.PeerId));
        a.PeerStore.AddAddresses(b.PeerId, [b.ListenAddresses[0]]);
        ISession first = await Peers.WithTimeout(a.DialAsync(b.PeerId));
        Assert.Same(first, await a.DialAsync(Peers.Address(b)));
        await first.CloseAsync();
        await Peers.Until(() => a.Sessions.Count == 0, 5, "closed");
        ISession second = await Peers.WithTimeout(a.DialAsync(b.PeerId));
        Assert.NotSame(first, second);
        await Assert.ThrowsAsync<ArgumentException>(() => a.DialAsync(Peers.Address(a)));
    }
}
