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
