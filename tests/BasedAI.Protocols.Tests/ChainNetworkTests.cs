using BasedAI.Ledger.Chain;
using BasedAI.Ledger.Codec;
using BasedAI.Ledger.Node;
using BasedAI.Network;
using BasedAI.Network.PubSub;
using BasedAI.Protocols.Chain;

namespace BasedAI.Protocols.Tests;

/// <summary>A block producer and followers, each a ledger node on its own loopback peer.</summary>
public sealed class ChainNetworkTests : IAsyncLifetime
{
    private sealed class Host(LedgerNode ledger, Libp2pPeer peer, ChainNetwork chain, string directory) : IAsyncDisposable
    {
        public LedgerNode Ledger { get; } = ledger;
        public Libp2pPeer Peer { get; } = peer;
        public ChainNetwork Chain { get; } = chain;
        public string Directory { get; } = directory;

        public ulong Head => Ledger.Read(c => c.Head.Height);

        public Hash32 StateRoot => Ledger.Read(c => c.StateRoot);

        public async ValueTask DisposeAsync()
        {
            await Chain.DisposeAsync();
            await Peer.DisposeAsync();
            await Ledger.DisposeAsync();
        }
    }

    private readonly List<Host> _hosts = [];
    private Host _producer = null!;

    private static async Task<Host> StartAsync(string directory, bool producer, uint blocksPerRequest = 256, int syncMilliseconds = 200)
    {
        LedgerNode ledger = await Support.LedgerAsync(directory, producer);
        Libp2pPeer peer = await Support.PeerAsync(gossip: true);
        var chain = new ChainNetwork(ledger, peer, new ChainNetworkOptions { SyncInterval = TimeSpan.FromMilliseconds(syncMilliseconds), BlocksPerRequest = blocksPerRequest });
        chain.Start();
        return new Host(ledger, peer, chain, directory);
    }

    private async Task<Host> FollowerAsync(string? directory = null, uint blocksPerRequest = 256, int syncMilliseconds = 200)
    {
        Host follower = await StartAsync(directory ?? Support.TempDirectory(), producer: false, blocksPerRequest, syncMilliseconds);
        _hosts.Add(follower);
        await follower.Peer.DialAsync(Support.Address(_producer.Peer));
        return follower;
    }

    private static Task MeshAsync(Host a, Host b) => Support.Until(() =>
        a.Peer.PubSub!.GetTopic(ProtocolIds.BlocksTopic(a.Chain.GenesisPrefix)).MeshPeers.Contains(b.Peer.PeerId) &&
        b.Peer.PubSub!.GetTopic(ProtocolIds.ExtrinsicsTopic(b.Chain.GenesisPrefix)).MeshPeers.Contains(a.Peer.PeerId), "gossip meshes formed");

    public async Task InitializeAsync()
    {
        _producer = await StartAsync(Support.TempDirectory(), producer: true);
        _hosts.Add(_producer);
    }

    public async Task DisposeAsync()
    {
        foreach (Host host in _hosts)
        {
            await host.DisposeAsync();
            try
            {
                Directory.Delete(host.Directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    [Fact]
    public async Task A_follower_re_executes_gossiped_blocks_to_the_producers_state()
    {
        Host follower = await FollowerAsync(syncMilliseconds: 60_000); // only gossip can deliver in time
        await MeshAsync(_producer, follower);
        _producer.Ledger.Submit(Support.Transfer(_producer.Ledger, 0, 1, 5_000_000_000).Encoded);
        _producer.Ledger.ProduceBlock();
        _producer.Ledger.ProduceBlock();
        await Support.Until(() => follower.Head == 2, "the follower imported both blocks");
        Assert.Equal(_producer.StateRoot, follower.StateRoot);
        Assert.True(follower.Chain.BlocksImported >= 1, "blocks arrived by gossip");
        Assert.Equal(0, follower.Chain.BlocksRejected);
        Assert.Throws<InvalidOperationException>(() => follower.Ledger.ProduceBlock());
    }

    [Fact]
    public async Task An_extrinsic_submitted_to_a_follower_is_relayed_to_the_producer_and_included()
    {
        Host follower = await FollowerAsync();
        await MeshAsync(_producer, follower);
        Hash32 hash = follower.Ledger.Submit(Support.Transfer(follower.Ledger, 2, 3, 1_000_000_000).Encoded);
        await Support.Until(() => _producer.Ledger.IsPending(hash), "the producer received the extrinsic");
        _producer.Ledger.ProduceBlock();
        await Support.Until(() => follower.Ledger.Read(c => c.Database.GetTransaction(hash)) is not null, "the follower saw it included");
        Assert.False(follower.Ledger.IsPending(hash));
    }

    [Fact]
    public async Task Invalid_blocks_are_rejected_and_never_imported()
    {
        Host follower = await FollowerAsync();
        Libp2pPeer attacker = await Support.PeerAsync(gossip: true);
        try
        {
            Topic blocks = attacker.PubSub!.GetTopic(ProtocolIds.BlocksTopic(follower.Chain.GenesisPrefix));
            blocks.Subscribe();
            await attacker.DialAsync(Support.Address(follower.Peer));
            await Support.Until(() => blocks.MeshPeers.Contains(follower.Peer.PeerId), "the attacker is in the follower's mesh");
            var rejected = new List<string>();
            follower.Chain.BlockRejected += reason => { lock (rejected) { rejected.Add(reason); } };
            BlockHeader head = follower.Ledger.Read(c => c.Head);
            var unsealed = new BlockHeader
            {
                Height = head.Height + 1,
                ParentHash = head.Hash,
                StateRoot = Hash32.Keccak("not the state"u8),
                ExtrinsicsRoot = Block.ComputeExtrinsicsRoot([]),
                Timestamp = head.Timestamp + 1,
                Author = Support.DevAddress(100),
            };
            // Sealed by the real authority, but executing it does not give its state root.
            blocks.Publish(new Block(new SingleAuthoritySeal(Support.DevKey(100)).Seal(unsealed), []).Encode());
            // Sealed by someone else.
            blocks.Publish(new Block(new SingleAuthoritySeal(Support.DevKey(3)).Seal(unsealed with { Author = Support.DevAddress(3), StateRoot = follower.StateRoot }), []).Encode());
            // Not a block at all.
            blocks.Publish("garbage"u8.ToArray());
            await Support.Until(() => follower.Chain.BlocksRejected >= 3, "three rejections");
            Assert.Equal(head.Height, follower.Head);
            lock (rejected)
            {
                Assert.Contains(rejected, r => r.Contains("state root", StringComparison.Ordinal));
                Assert.Contains(rejected, r => r.Contains("not the authority", StringComparison.Ordinal));
            }
            // The honest chain still flows.
            await MeshAsync(_producer, follower);
            _producer.Ledger.ProduceBlock();
            await Support.Until(() => follower.Head == head.Height + 1 && follower.StateRoot == _producer.StateRoot, "the real block imported");
        }
        finally
        {
            await attacker.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_late_follower_downloads_the_chain_in_batches()
    {
        for (int i = 0; i < 40; i++)
        {
            if (i % 10 == 0)
            {
                _producer.Ledger.Submit(Support.Transfer(_producer.Ledger, 1, 2, 1_000).Encoded);
            }
            _producer.Ledger.ProduceBlock();
        }
        Host follower = await FollowerAsync(blocksPerRequest: 16);
        await Support.Until(() => follower.Head == 40, "caught up to block 40");
        Assert.Equal(_producer.StateRoot, follower.StateRoot);
        Assert.True(follower.Chain.BlocksSynced >= 40);
    }

    [Fact]
    public async Task A_restarted_follower_resumes_from_its_store_and_catches_up()
    {
        Host follower = await FollowerAsync();
        for (int i = 0; i < 5; i++)
        {
            _producer.Ledger.ProduceBlock();
        }
        await Support.Until(() => follower.Head == 5, "first catch-up");
        string directory = follower.Directory;
        _hosts.Remove(follower);
        await follower.DisposeAsync();
        for (int i = 0; i < 7; i++)
        {
            _producer.Ledger.ProduceBlock();
        }

        Host restarted = await StartAsync(directory, producer: false);
        _hosts.Add(restarted);
        Assert.Equal(5UL, restarted.Head); // from its own database, before talking to anyone
        await restarted.Peer.DialAsync(Support.Address(_producer.Peer));
        // The import counters move just after the head does, so wait for both.
        await Support.Until(() => restarted.Head == 12 && restarted.Chain.BlocksSynced + restarted.Chain.BlocksImported >= 7, "caught up after the restart");
        Assert.Equal(_producer.StateRoot, restarted.StateRoot);
        Assert.Equal(7, restarted.Chain.BlocksSynced + restarted.Chain.BlocksImported);
    }

    [Fact]
    public async Task A_peer_on_another_chain_is_not_synced_from()
    {
        Host follower = await FollowerAsync();
        ChainStatus theirs = await follower.Chain.GetStatusAsync(_producer.Peer.PeerId);
        Assert.Equal(follower.Chain.Genesis, theirs.Genesis);
        Assert.Throws<FormatException>(() => ChainSyncMessages.DecodeStatus(ChainSyncMessages.EncodeStatus(theirs).Take(40).ToArray()));
    }

    [Fact]
    public void Sync_decoders_survive_random_and_mutated_input()
    {
        var random = new Random(11);
        byte[] status = ChainSyncMessages.EncodeStatus(new ChainStatus(Hash32.Keccak("g"u8), 9, Hash32.Keccak("h"u8)));
        byte[] blocks = ChainSyncMessages.EncodeBlocks([new Block(new BlockHeader
        {
            Height = 1, ParentHash = Hash32.Zero, StateRoot = Hash32.Zero, ExtrinsicsRoot = Block.ComputeExtrinsicsRoot([]), Timestamp = 1, Author = Support.DevAddress(0),
        }, []).Encode()]);
        byte[][] seeds = [status, blocks, ChainSyncMessages.BlocksRequest(3, 10), ChainSyncMessages.StatusRequest()];
        Assert.Equal((ChainSyncMessages.BlocksKind, 3UL, 10U), ChainSyncMessages.DecodeRequest(seeds[2]));
        Assert.Throws<FormatException>(() => ChainSyncMessages.DecodeRequest(ChainSyncMessages.BlocksRequest(3, 0)));
        for (int i = 0; i < 3000; i++)
        {
            byte[] input = i % 4 == 0 ? BrainportMessageTests.RandomBytes(random, random.Next(0, 200)) : BrainportMessageTests.Mutate(random, seeds[random.Next(seeds.Length)]);
            try
            {
                ChainSyncMessages.DecodeRequest(input);
            }
            catch (FormatException)
            {
            }
            try
            {
                ChainSyncMessages.DecodeStatus(input);
            }
            catch (FormatException)
            {
            }
            try
            {
                ChainSyncMessages.DecodeBlocks(input);
            }
            catch (FormatException)
            {
            }
        }
    }
}
