using System.Net.Sockets;

namespace BasedAI.Network.Tests.Unit;

public class MultiaddrTests
{
    [Theory]
    [InlineData("/ip4/127.0.0.1/tcp/4001", "047f000001060fa1")]
    [InlineData("/ip6/::1/tcp/1", "29000000000000000000000000000000010600" + "01")]
    [InlineData("/dns4/localhost/tcp/80", "36096c6f63616c686f73740600" + "50")]
    [InlineData("/ip4/1.2.3.4/udp/9/quic-v1", "0401020304910200" + "09cd03")]
    public void Text_and_binary_forms_round_trip(string text, string hex)
    {
        Multiaddr address = Multiaddr.Parse(text);
        Assert.Equal(text, address.ToString());
        Assert.Equal(hex, Convert.ToHexStringLower(address.ToBytes()));
        Assert.Equal(address, Multiaddr.FromBytes(Convert.FromHexString(hex)));
    }

    [Fact]
    public void P2p_component_carries_the_peer_id()
    {
        const string id = "12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB";
        Multiaddr address = Multiaddr.Parse($"/ip4/127.0.0.1/tcp/4001/p2p/{id}");
        Assert.Equal(id, address.PeerId!.ToString());
        Assert.Equal("/ip4/127.0.0.1/tcp/4001", address.WithoutPeerId().ToString());
        Assert.Equal(address, Multiaddr.Parse($"/ip4/127.0.0.1/tcp/4001/ipfs/{id}"));
        Assert.Equal(address, Multiaddr.FromBytes(address.ToBytes()));
        Assert.True(address.TryGetTcpTarget(out string host, out int port, out AddressFamily family));
        Assert.Equal(("127.0.0.1", 4001, AddressFamily.InterNetwork), (host, port, family));
    }

    [Theory]
    [InlineData("/dns/example.test/tcp/1", AddressFamily.Unspecified)]
    [InlineData("/dns6/example.test/tcp/1", AddressFamily.InterNetworkV6)]
    [InlineData("/ip6/::1/tcp/1", AddressFamily.InterNetworkV6)]
    public void Dialable_tcp_targets(string text, AddressFamily expected)
    {
        Assert.True(Multiaddr.Parse(text).TryGetTcpTarget(out _, out _, out AddressFamily family));
        Assert.Equal(expected, family);
    }

    [Theory]
    [InlineData("/ip4/1.2.3.4/udp/1/quic-v1")]
    [InlineData("/ip4/1.2.3.4")]
    [InlineData("/ip4/1.2.3.4/tcp/1/ws")]
    public void Non_tcp_addresses_are_not_dialable(string text) =>
        Assert.False(Multiaddr.Parse(text).TryGetTcpTarget(out _, out _, out _));

    [Theory]
    [InlineData("ip4/1.2.3.4", "start with '/'")]
    [InlineData("/ip4/1.2.3", "IPv4")]
    [InlineData("/ip4/1.2.3.4/tcp/70000", "port")]
    [InlineData("/ip4/1.2.3.4/tcp", "needs a value")]
    [InlineData("/foo/1", "unknown protocol 'foo'")]
    [InlineData("/ip6/1.2.3.4", "IPv6")]
    [InlineData("/p2p/notapeer", "peer id")]
    public void Bad_text_is_rejected_naming_the_part(string text, string fragment)
    {
        var e = Assert.Throws<FormatException>(() => Multiaddr.Parse(text));
        Assert.Contains(fragment, e.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("04010203", "truncated")]
    [InlineData("ff7f", "unknown protocol code")]
    [InlineData("3605616263", "runs past the end")]
    [InlineData("a503020000", "peer id")]
    public void Bad_bytes_are_rejected_naming_the_part(string hex, string fragment)
    {
        var e = Assert.Throws<FormatException>(() => Multiaddr.FromBytes(Convert.FromHexString(hex)));
        Assert.Contains(fragment, e.Message, StringComparison.OrdinalIgnoreCase);
    }
}
