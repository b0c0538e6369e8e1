using BasedAI.Network.Identity;
using BasedAI.Network.Noise;
using BasedAI.Network.Protocols;
using BasedAI.Network.Tests.Support;
using BasedAI.Network.Yamux;
using Microsoft.Extensions.Logging;
using Xunit.Abstractions;

namespace BasedAI.Network.Tests.Robustness;

/// <summary>
/// Misbehaving peers lose their stream or connection with a logged reason, and the node keeps serving a well-behaved peer.
/// </summary>
public class ConnectionRobustnessTests(ITestOutputHelper output)
{
    private static async Task AssertStillServesAsync(Libp2pPeer node)
    {
        await using Libp2pPeer healthy = await Peers.StartAsync(listen: false);
        ISession session = await Peers.WithTimeout(healthy.DialAsync(Peers.Address(node)));
        Assert.True(await Peers.WithTimeout(session.PingAsync()) > TimeSpan.Zero);
    }

    public static TheoryData<string, byte[], string> MalformedMultistream => new()
    {
        { "no newline", [0x13, .. "/multistream/1.0.0x"u8], "does not end with a newline" },
        { "wrong header", [.. RawClient.Message("/multistream/2.0.0")], "expected header" },
        { "overlong varint", [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], "varint" },
        { "length over 1024", [0x81, 0x08, .. new byte[8]], "outside 1..1024" },
        { "zero length", [0x00], "outside 1..1024" },
        { "not UTF-8", [0x03, 0xff, 0xfe, 0x0a], "not valid UTF-8" },
        { "too many proposals", [.. RawClient.Message("/multistream/1.0.0"), .. Enumerable.Range(0, 40).SelectMany(i => RawClient.Message($"/nope/{i}"))], "more than 32 proposals" },
    };

    [Theory]
    [MemberData(nameof(MalformedMultistream))]
    public async Task Malformed_multistream_lines_close_the_connection_with_a_reason(string caseName, byte[] bytes, string reason)
    {
        var log = new TestLog();
        await using Libp2pPeer node = await Peers.StartAsync(log);
        await using RawClient client = await RawClient.ConnectTcpAsync(Peers.Address(node));
        await client.WriteRawAsync(bytes);
        Assert.True(await client.ClosedByRemoteAsync(), caseName);
        Assert.True(await log.WaitForAsync(reason, TimeSpan.FromSeconds(15), LogLevel.Warning), log.Dump());
        await AssertStillServesAsync(node);
    }

    [Fact]
    public async Task Malformed_multistream_on_a_stream_resets_only_that_stream()
    {
        var log = new TestLog();
        await using Libp2pPeer node = await Peers.StartAsync(log);
        await using RawClient client = await RawClient.ConnectSecureAsync(Peers.Address(node));
        byte[] garbage = [0x05, .. "abcdX"u8];
        await client.WriteFrameAsync(YamuxFrameType.Data, YamuxFlags.Syn, 1, (uint)garbage.Length, garbage);
        Assert.True(await log.WaitForAsync("does not end with a newline", TimeSpan.FromSeconds(15), LogLevel.Warning), log.Dump());
        // The same connection still negotiates and serves ping on a new stream.
        byte[] ping = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        await client.OpenStreamAsync(3, PingProtocol.Id, ping);
        byte[] expected = [.. RawClient.Message("/multistream/1.0.0"), .. RawClient.Message(PingProtocol.Id), .. ping];
        Assert.Equal(expected, await client.ReadStreamDataAsync(3, expected.Length));
    }

    [Fact]
    public async Task Bad_noise_signature_from_a_dialer_is_refused_and_logged()
    {
        var log = new TestLog();
        await using Libp2pPeer node = await Peers.StartAsync(log);
        var faults = new NoiseFaults { SignatureTransform = s => { s[^1] ^= 1; return s; } };
        await using RawClient client = await RawClient.ConnectSecureAsync(Peers.Address(node), faults: faults);
        Assert.True(await client.ClosedByRemoteAsync());
        Assert.True(await log.WaitForAsync("signature over its static key does not verify", TimeSpan.FromSeconds(15), LogLevel.Warning), log.Dump());
        Assert.Empty(node.Sessions);
        await AssertStillServesAsync(node);
    }

    [Fact]
    public async Task Bad_noise_signature_from_a_listener_fails_the_dial()
    {
        await using Libp2pPeer liar = await Peers.StartAsync();
        liar.NoiseFaults = new NoiseFaults { SignatureTransform = s => { s[0] ^= 0x80; return s; } };
        await using Libp2pPeer dialer = await Peers.StartAsync(listen: false);
        var e = await Assert.ThrowsAsync<HandshakeException>(() => dialer.DialAsync(Peers.Address(liar)));
        Assert.Contains("does not verify", e.Message);
    }

    [Fact]
    public async Task Dialing_the_wrong_peer_id_fails_the_handshake()
    {
        await using Libp2pPeer node = await Peers.StartAsync();
        await using Libp2pPeer dialer = await Peers.StartAsync(listen: false);
        using var other = NodeIdentity.Generate();
        var e = await Assert.ThrowsAsync<HandshakeException>(() => dialer.DialAsync(node.ListenAddresses[0].WithPeerId(other.PeerId)));
        Assert.Contains($"dialed {other.PeerId}", e.Message);
    }

    [Fact]
    public async Task A_peer_that_stalls_mid_handshake_is_cut_off_while_others_are_served()
    {
        var log = new TestLog();
        await using Libp2pPeer node = await Peers.StartAsync(log, o => o.HandshakeTimeout = TimeSpan.FromSeconds(3));
        await using RawClient silent = await RawClient.ConnectTcpAsync(Peers.Address(node));
        await using RawClient halfway = await RawClient.ConnectTcpAsync(Peers.Address(node));
        // The second one negotiates /noise, then never sends the first handshake message.
        await halfway.WriteRawAsync([.. RawClient.Message("/multistream/1.0.0"), .. RawClient.Message("/noise")]);
        await AssertStillServesAsync(node);
        Assert.True(await silent.ClosedByRemoteAsync());
        Assert.True(await halfway.ClosedByRemoteAsync());
        Assert.True(await log.WaitForAsync("the peer stalled", TimeSpan.FromSeconds(15), LogLevel.Warning), log.Dump());
    }

    [Fact]
    public async Task A_stream_that_never_names_its_protocol_is_reset()
    {
        var log = new TestLog();
        await using Libp2pPeer node = await Peers.StartAsync(log, o => o.StreamNegotiationTimeout = TimeSpan.FromMilliseconds(300));
        await using RawClient client = await RawClient.ConnectSecureAsync(Peers.Address(node));
        await client.WriteFrameAsync(YamuxFrameType.WindowUpdate, YamuxFlags.Syn, 1, 0);
        Assert.True(await log.WaitForAsync("no protocol negotiated", TimeSpan.FromSeconds(15), LogLevel.Warning), log.Dump());
    }

    public static TheoryData<string, byte[], string> BadYamuxFrames => new()
    {
        { "data beyond the window", Frame(YamuxFrameType.Data, YamuxFlags.Syn, 1, 300 * 1024, 300 * 1024), "more than its receive window" },
        { "data larger than any window", Frame(YamuxFrameType.Data, YamuxFlags.Syn, 1, 17 * 1024 * 1024, 0), "exceeds the largest window" },
        { "unknown version", [1, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0], "unsupported protocol version 1" },
        { "unknown type", [0, 9, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0], "unknown frame type 9" },
        { "data on stream 0", Frame(YamuxFrameType.Data, YamuxFlags.None, 0, 4, 4), "data frame on stream 0" },
        { "window update on stream 0", Frame(YamuxFrameType.WindowUpdate, YamuxFlags.None, 0, 4, 0), "window update on stream 0" },
        { "wrong stream parity", Frame(YamuxFrameType.WindowUpdate, YamuxFlags.Syn, 2, 0, 0), "parity" },
        { "stream opened twice", [.. Frame(YamuxFrameType.WindowUpdate, YamuxFlags.Syn, 1, 0, 0), .. Frame(YamuxFrameType.WindowUpdate, YamuxFlags.Syn, 1, 0, 0)], "opened stream 1 twice" },
    };

    private static byte[] Frame(YamuxFrameType type, YamuxFlags flags, uint id, uint length, int dataBytes)
    {
        byte[] frame = new byte[YamuxHeader.Size + dataBytes];
        new YamuxHeader(type, flags, id, length).Write(frame);
        return frame;
    }

    [Theory]
    [MemberData(nameof(BadYamuxFrames))]
    public async Task Bad_yamux_frames_close_the_connection_with_go_away(string caseName, byte[] frames, string reason)
    {
        var log = new TestLog();
        await using Libp2pPeer node = await Peers.StartAsync(log);
        await using RawClient client = await RawClient.ConnectSecureAsync(Peers.Address(node));
        try
        {
            await client.WriteRawAsync(frames);
        }
        catch (IOException)
        {
            // The node may cut the connection before a long frame is fully written.
        }
        Assert.True(await client.ClosedByRemoteAsync(), caseName);
        Assert.True(await log.WaitForAsync(reason, TimeSpan.FromSeconds(15), LogLevel.Warning), log.Dump());
        await Peers.Until(() => node.Sessions.Count == 0, 5, "session removed");
        await AssertStillServesAsync(node);
    }

    [Fact]
    public async Task Frames_after_a_reset_are_ignored_and_the_connection_lives_on()
    {
        var log = new TestLog();
        await using Libp2pPeer node = await Peers.StartAsync(log);
        node.Handle(new EchoProtocol());
        await using RawClient client = await RawClient.ConnectSecureAsync(Peers.Address(node));
        await client.OpenStreamAsync(1, EchoProtocol.ProtocolId, "first"u8.ToArray());
        await client.WriteFrameAsync(YamuxFrameType.WindowUpdate, YamuxFlags.Rst, 1, 0);
        await client.WriteFrameAsync(YamuxFrameType.Data, YamuxFlags.None, 1, 5, "after"u8.ToArray());
        await client.WriteFrameAsync(YamuxFrameType.WindowUpdate, YamuxFlags.Fin, 1, 100);
        await client.WriteFrameAsync(YamuxFrameType.Data, YamuxFlags.None, 99, 3, "???"u8.ToArray());

        byte[] ping = new byte[32];
        await client.OpenStreamAsync(3, PingProtocol.Id, ping);
        byte[] expected = [.. RawClient.Message("/multistream/1.0.0"), .. RawClient.Message(PingProtocol.Id), .. ping];
        Assert.Equal(expected, await client.ReadStreamDataAsync(3, expected.Length));
        Assert.Single(node.Sessions);
    }

    [Fact]
    public async Task Inbound_streams_over_the_limit_are_reset_and_the_others_work()
    {
        await using Libp2pPeer node = await Peers.StartAsync(configure: o => o.Yamux.MaxInboundStreams = 4);
        var release = new TaskCompletionSource();
        node.Handle("/hold/1.0.0", async (stream, ct) => await release.Task.WaitAsync(ct));
        await using Libp2pPeer client = await Peers.StartAsync(listen: false);
        ISession session = await Peers.WithTimeout(client.DialAsync(Peers.Address(node)));
        await Peers.WithTimeout(session.Identified);
        var held = new List<Libp2pStream>();
        for (int i = 0; i < 4; i++)
        {
            held.Add(await Peers.WithTimeout(session.OpenStreamAsync("/hold/1.0.0")));
        }
        await Assert.ThrowsAnyAsync<Exception>(() => Peers.WithTimeout(session.OpenStreamAsync("/hold/1.0.0")));
        release.SetResult();
        foreach (Libp2pStream stream in held)
        {
            await stream.DisposeAsync();
        }
        await Peers.Until(() => ((Connection)node.Sessions.Single()).Muxer.StreamCount == 0, 10, "held streams closed");
        Assert.True(await Peers.WithTimeout(session.PingAsync()) > TimeSpan.Zero);
    }

    [Fact]
    public async Task Connection_and_pending_dial_limits_refuse_with_a_reason()
    {
        var log = new TestLog();
        await using Libp2pPeer node = await Peers.StartAsync(log, o => o.MaxConnections = 1);
        await using Libp2pPeer first = await Peers.StartAsync(listen: false);
        await using Libp2pPeer second = await Peers.StartAsync(listen: false);
        await Peers.WithTimeout(first.DialAsync(Peers.Address(node)));
        await Assert.ThrowsAnyAsync<Exception>(async () =>
        {
            ISession s = await Peers.WithTimeout(second.DialAsync(Peers.Address(node)));
            await Peers.WithTimeout(s.PingAsync());
        });
        Assert.True(await log.WaitForAsync("connection limit (1)", TimeSpan.FromSeconds(15), LogLevel.Warning), log.Dump());

        await using Libp2pPeer limited = await Peers.StartAsync(listen: false, configure: o => o.MaxPendingDials = 1);
        using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        socket.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        socket.Listen(1);
        var silentAddress = Multiaddr.FromTcpEndpoint((System.Net.IPEndPoint)socket.LocalEndPoint!);
        Task<ISession> hanging = limited.DialAsync(silentAddress);
        var refused = await Assert.ThrowsAsync<ResourceLimitExceededException>(() => limited.DialAsync(silentAddress));
        Assert.Contains("1 dials are already in progress", refused.Message);
        _ = hanging.ContinueWith(t => t.Exception, TaskScheduler.Default);
    }

    [Fact]
    public async Task A_peer_that_stops_reading_is_cut_off()
    {
        var log = new TestLog();
        await using Libp2pPeer node = await Peers.StartAsync(log, o => o.Yamux.WriteStallTimeout = TimeSpan.FromSeconds(2));
        node.Handle(new EchoProtocol());
        await using RawClient client = await RawClient.ConnectSecureAsync(Peers.Address(node));
        // 64 echo streams of 256 KiB each: 16 MiB of echoes that the client never reads.
        byte[] chunk = new byte[64 * 1024];
        for (uint id = 1; id < 129; id += 2)
        {
            await client.OpenStreamAsync(id, EchoProtocol.ProtocolId, []);
            for (int i = 0; i < 3; i++)
            {
                await client.WriteFrameAsync(YamuxFrameType.Data, YamuxFlags.None, id, (uint)chunk.Length, chunk);
            }
        }
        bool logged = await log.WaitForAsync("stopped reading", TimeSpan.FromSeconds(30), LogLevel.Warning);
        output.WriteLine(log.Dump());
        Assert.True(logged);
        await AssertStillServesAsync(node);
    }

    [Fact]
    public async Task Oversized_identify_fails_identify_only()
    {
        var log = new TestLog();
        await using Libp2pPeer node = await Peers.StartAsync(log, o => o.MaxIdentifyMessageSize = 1024);
        await using Libp2pPeer chatty = await Peers.StartAsync();
        chatty.Handle(Libp2pPeer.IdentifyProtocolId, async (stream, ct) =>
        {
            await Core.LengthPrefixed.WriteAsync(stream, new byte[4096], ct);
            await stream.CloseWriteAsync(ct);
        });
        ISession session = await Peers.WithTimeout(node.DialAsync(Peers.Address(chatty)));
        await Assert.ThrowsAsync<MessageTooLargeException>(() => Peers.WithTimeout(session.Identified));
        Assert.True(await log.WaitForAsync("exceeds the 1024-byte limit", TimeSpan.FromSeconds(15), LogLevel.Warning), log.Dump());
        Assert.True(await Peers.WithTimeout(session.PingAsync()) > TimeSpan.Zero);
    }

    [Fact]
    public async Task Unsupported_protocols_are_answered_na()
    {
        await using Libp2pPeer node = await Peers.StartAsync();
        await using Libp2pPeer client = await Peers.StartAsync(listen: false);
        ISession session = await Peers.WithTimeout(client.DialAsync(Peers.Address(node)));
        await Assert.ThrowsAsync<ProtocolNotSupportedException>(() => session.OpenStreamAsync("/nope/1.0.0"));
        await using Libp2pStream ping = await session.OpenStreamAsync(["/nope/1.0.0", PingProtocol.Id]);
        Assert.Equal(PingProtocol.Id, ping.Protocol);
        await using Libp2pStream lazy = await session.OpenStreamLazyAsync("/nope/2.0.0");
        await lazy.WriteAsync(new byte[8]);
        await Assert.ThrowsAsync<ProtocolNotSupportedException>(async () => await lazy.ReadExactlyAsync(new byte[8]));
        Assert.True(await Peers.WithTimeout(session.PingAsync()) > TimeSpan.Zero);
    }
}
