using System.Collections.Concurrent;
using System.Text;
using BasedAI.Network.Core;
using BasedAI.Network.Protocols;
using BasedAI.Network.PubSub;
using BasedAI.Network.Tests.Support;
using Microsoft.Extensions.Logging;

namespace BasedAI.Network.Tests.Unit;

public class GossipsubTests
{
    private static async Task<Libp2pPeer[]> StartAsync(int count, TestLog log, Action<GossipsubOptions>? configure = null)
    {
        var peers = new Libp2pPeer[count];
        for (int i = 0; i < count; i++)
        {
            GossipsubOptions options = Peers.FastGossip();
            configure?.Invoke(options);
            peers[i] = await Peers.StartAsync(log, gossipsub: options);
        }
        return peers;
    }

    private static async Task DisposeAllAsync(IEnumerable<Libp2pPeer> peers)
    {
        foreach (Libp2pPeer peer in peers)
        {
            await peer.DisposeAsync();
        }
    }

    [Fact]
    public async Task Messages_are_forwarded_across_a_line_and_deduplicated()
    {
        var log = new TestLog();
        Libp2pPeer[] nodes = await StartAsync(4, log);
        try
        {
            var received = new ConcurrentDictionary<int, ConcurrentBag<string>>();
            for (int i = 0; i < nodes.Length; i++)
            {
                int index = i;
                received[i] = [];
                Topic topic = nodes[i].PubSub!.GetTopic("blocks");
                topic.OnMessage += m => received[index].Add(Encoding.UTF8.GetString(m.Data.Span));
                topic.Subscribe();
            }
            // 0 - 1 - 2 - 3, plus 3 - 1 to make a cycle the duplicate filter must break.
            await nodes[0].DialAsync(Peers.Address(nodes[1]));
            await nodes[1].DialAsync(Peers.Address(nodes[2]));
            await nodes[2].DialAsync(Peers.Address(nodes[3]));
            await nodes[3].DialAsync(Peers.Address(nodes[1]));
            await Peers.Until(() => nodes[2].PubSub!.GetTopic("blocks").MeshPeers.Count == 2 && nodes[0].PubSub!.GetTopic("blocks").MeshPeers.Count == 1, 10, "meshes formed");

            nodes[0].PubSub!.Publish("blocks", Encoding.UTF8.GetBytes("block-1"));
            await Peers.Until(() => received[3].Count == 1 && received[2].Count == 1 && received[1].Count == 1, 10, "delivered everywhere");
            await Task.Delay(300);
            Assert.Equal(["block-1"], received[3]);
            Assert.Equal(["block-1"], received[1]);
            Assert.Empty(received[0]);
        }
        finally
        {
            await DisposeAllAsync(nodes);
        }
    }

    [Fact]
    public async Task A_peer_outside_the_mesh_gets_the_message_through_ihave_iwant()
    {
        var log = new TestLog();
        // The hub keeps a mesh of one (inbound grafts beyond DHigh are pruned) and publishes without flooding.
        Libp2pPeer[] nodes = await StartAsync(3, log, o =>
        {
            o.D = 1;
            o.DLow = 1;
            o.DHigh = 1;
            o.DOut = 0;
            o.DScore = 0;
            o.DLazy = 6;
            o.FloodPublish = false;
        });
        try
        {
            Libp2pPeer hub = nodes[0];
            var got = new ConcurrentDictionary<int, int>();
            for (int i = 0; i < 3; i++)
            {
                int index = i;
                Topic topic = nodes[i].PubSub!.GetTopic("tx");
                topic.OnMessage += _ => got.AddOrUpdate(index, 1, (_, n) => n + 1);
                topic.Subscribe();
            }
            await nodes[1].DialAsync(Peers.Address(hub));
            await nodes[2].DialAsync(Peers.Address(hub));
            await Peers.Until(() => hub.PubSub!.GetTopic("tx").Peers.Count == 2, 10, "hub knows both subscribers");
            await Task.Delay(500);
            Assert.Single(hub.PubSub!.GetTopic("tx").MeshPeers);

            hub.PubSub!.Publish("tx", Encoding.UTF8.GetBytes("extrinsic"));
            await Peers.Until(() => got.GetValueOrDefault(1) == 1 && got.GetValueOrDefault(2) == 1, 10, "both got it (one via gossip)");
            await Task.Delay(500);
            Assert.Equal(1, got[1]);
            Assert.Equal(1, got[2]);
        }
        finally
        {
            await DisposeAllAsync(nodes);
        }
    }

    [Fact]
    public async Task Mesh_degree_stays_within_bounds()
    {
        var log = new TestLog();
        Libp2pPeer[] nodes = await StartAsync(8, log, o =>
        {
            o.D = 3;
            o.DLow = 2;
            o.DHigh = 4;
            o.DOut = 1;
            o.DScore = 2;
        });
        try
        {
            foreach (Libp2pPeer node in nodes)
            {
                node.PubSub!.GetTopic("t").Subscribe();
            }
            for (int i = 1; i < nodes.Length; i++)
            {
                await nodes[i].DialAsync(Peers.Address(nodes[0]));
            }
            await Peers.Until(() => nodes[0].PubSub!.GetTopic("t").Peers.Count == 7, 10, "hub sees all");
            await Task.Delay(800);
            int degree = nodes[0].PubSub!.GetTopic("t").MeshPeers.Count;
            Assert.InRange(degree, 2, 4);
        }
        finally
        {
            await DisposeAllAsync(nodes);
        }
    }

    [Fact]
    public async Task Validators_and_signature_policy_reject_bad_messages_and_penalise_the_sender()
    {
        var log = new TestLog();
        Libp2pPeer[] nodes = await StartAsync(2, log);
        try
        {
            Topic topic = nodes[1].PubSub!.GetTopic("votes");
            var delivered = new ConcurrentBag<string>();
            topic.OnMessage += m => delivered.Add(Encoding.UTF8.GetString(m.Data.Span));
            topic.Validator = m => m.Data.Span.StartsWith("ok"u8) ? ValidationResult.Accept : ValidationResult.Reject;
            topic.Subscribe();
            nodes[0].PubSub!.GetTopic("votes").Subscribe();
            await nodes[0].DialAsync(Peers.Address(nodes[1]));
            await Peers.Until(() => nodes[0].PubSub!.GetTopic("votes").Peers.Count == 1, 10, "subscription seen");

            nodes[0].PubSub!.Publish("votes", "ok-1"u8.ToArray());
            nodes[0].PubSub!.Publish("votes", "bad"u8.ToArray());
            await Peers.Until(() => delivered.Count == 1, 10, "valid one delivered");
            await Peers.Until(() => nodes[1].PubSub!.GetScore(nodes[0].PeerId) < 0, 10, "sender penalised");

            // The rejected message sank the sender below the graylist threshold: its RPCs are now ignored.
            Assert.True(nodes[1].PubSub!.GetScore(nodes[0].PeerId) < nodes[1].PubSub!.Options.Score.GraylistThreshold);

            // Another peer sends a message whose signature does not verify, on a raw gossipsub stream.
            await using Libp2pPeer forger = await Peers.StartAsync(log, listen: false);
            ISession forgerSession = await forger.DialAsync(Peers.Address(nodes[1]));
            var forged = new RpcMessage { From = forger.PeerId.ToBytes(), Data = "ok-forged"u8.ToArray(), Seqno = new byte[8], Topic = "votes", Signature = new byte[64] };
            var rpc = new Rpc();
            rpc.Messages.Add(forged);
            await using (Libp2pStream stream = await forgerSession.OpenStreamAsync("/meshsub/1.1.0"))
            {
                await LengthPrefixed.WriteAsync(stream, rpc.Encode());
            }
            Assert.True(await log.WaitForAsync("signature does not verify", TimeSpan.FromSeconds(15)), log.Dump());
            Assert.True(nodes[1].PubSub!.GetScore(forger.PeerId) < 0);
            Assert.Equal(["ok-1"], delivered);
        }
        finally
        {
            await DisposeAllAsync(nodes);
        }
    }

    [Fact]
    public async Task Oversized_and_malformed_rpcs_close_the_gossip_stream_only()
    {
        var log = new TestLog();
        Libp2pPeer[] nodes = await StartAsync(1, log, o => o.MaxRpcSize = 4096);
        await using Libp2pPeer sender = await Peers.StartAsync(log);
        try
        {
            ISession session = await sender.DialAsync(Peers.Address(nodes[0]));
            await using (Libp2pStream stream = await session.OpenStreamAsync("/meshsub/1.1.0"))
            {
                await LengthPrefixed.WriteAsync(stream, new byte[8192]);
            }
            Assert.True(await log.WaitForAsync("exceeds the 4096-byte limit", TimeSpan.FromSeconds(15), LogLevel.Warning), log.Dump());
            await using (Libp2pStream stream = await session.OpenStreamAsync("/meshsub/1.1.0"))
            {
                await LengthPrefixed.WriteAsync(stream, new byte[] { 0x0a, 0x7f });
            }
            Assert.True(await log.WaitForAsync("Malformed pubsub RPC", TimeSpan.FromSeconds(15), LogLevel.Warning), log.Dump());
            Assert.True(await Peers.WithTimeout(session.PingAsync()) > TimeSpan.Zero);
        }
        finally
        {
            await DisposeAllAsync(nodes);
        }
    }

    [Fact]
    public async Task Rpc_codec_round_trips_every_field()
    {
        var rpc = new Rpc();
        rpc.Subscriptions.Add((true, "a"));
        rpc.Subscriptions.Add((false, "b"));
        rpc.Messages.Add(new RpcMessage { From = [1, 2], Data = [3], Seqno = new byte[8], Topic = "a", Signature = [4], Key = [5] });
        rpc.IHave.Add(new IHave("a", [[6], [7]]));
        rpc.IWant.Add([8]);
        rpc.Graft.Add("a");
        rpc.Prune.Add(new Prune("b", 60));
        rpc.IDontWant.Add([9]);
        Rpc back = Rpc.Decode(rpc.Encode(), new RpcLimits(10, 10, 10));
        Assert.Equal(rpc.Subscriptions, back.Subscriptions);
        Assert.Equal([1, 2], back.Messages[0].From);
        Assert.Equal([5], back.Messages[0].Key);
        Assert.Equal("a", back.IHave[0].Topic);
        Assert.Equal(2, back.IHave[0].MessageIds.Count);
        Assert.Equal([8], back.IWant[0]);
        Assert.Equal(["a"], back.Graft);
        Assert.Equal(new Prune("b", 60), back.Prune[0]);
        Assert.Equal([9], back.IDontWant[0]);
        var e = Assert.Throws<FormatException>(() => Rpc.Decode(rpc.Encode(), new RpcLimits(1, 10, 10)));
        Assert.Contains("more than 1 subscriptions", e.Message);
        await Task.CompletedTask;
    }
}
