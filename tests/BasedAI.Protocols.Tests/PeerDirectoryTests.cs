using BasedAI.Crypto;
using BasedAI.Ledger.Chain;
using BasedAI.Ledger.Codec;
using BasedAI.Network;
using BasedAI.Protocols.Peers;

namespace BasedAI.Protocols.Tests;

public class PeerDirectoryTests
{
    private static readonly Hash32 Genesis = Hash32.Keccak("test chain"u8);

    private static NodeRecord Record(byte[] key, ushort brain, DateTimeOffset issued, Hash32? genesis = null) =>
        NodeRecord.Sign(key, genesis ?? Genesis, brain, NodeRole.Miner, PeerId.Parse("12D3KooWSKRfxfvUVrtcaz7ckZyzeSPYzePWf5tocmGtjtuJPoHy"),
            [Multiaddr.Parse("/ip4/127.0.0.1/tcp/4001")], issued);

    [Fact]
    public void A_record_round_trips_and_only_its_computekey_can_sign_it()
    {
        byte[] key = Secp256k1.CreatePrivateKey();
        NodeRecord record = Record(key, 2, DateTimeOffset.UtcNow);
        NodeRecord decoded = NodeRecord.Decode(record.Encode());
        Assert.True(decoded.HasValidSignature());
        Assert.Equal(EthereumAddress.FromPrivateKey(key), decoded.Computekey);
        Assert.Equal("/ip4/127.0.0.1/tcp/4001", decoded.Addresses.Single().ToString());
        byte[] tampered = record.Encode();
        tampered[34] ^= 1; // the Brain number
        Assert.False(NodeRecord.Decode(tampered).HasValidSignature());
    }

    [Fact]
    public async Task The_directory_keeps_valid_fresh_newest_records_and_serves_them()
    {
        await using Libp2pPeer server = await Support.PeerAsync();
        await using Libp2pPeer client = await Support.PeerAsync(listen: false);
        await using var directory = new PeerDirectory(server, Genesis);
        directory.Start();
        await using var asking = new PeerDirectory(client, Genesis);
        asking.Start();

        byte[] key = Secp256k1.CreatePrivateKey();
        Assert.True(directory.TryAdd(Record(key, 2, DateTimeOffset.UtcNow.AddSeconds(-5)), out _));
        Assert.True(directory.TryAdd(Record(key, 2, DateTimeOffset.UtcNow), out _), "a newer record replaces the older");
        Assert.False(directory.TryAdd(Record(key, 2, DateTimeOffset.UtcNow.AddSeconds(-1)), out string? older));
        Assert.Null(older);
        Assert.False(directory.TryAdd(Record(key, 2, DateTimeOffset.UtcNow.AddHours(-1)), out string? stale));
        Assert.Contains("older than", stale);
        Assert.False(directory.TryAdd(Record(key, 2, DateTimeOffset.UtcNow, Hash32.Keccak("other chain"u8)), out string? chain));
        Assert.Contains("for chain", chain);
        Assert.True(directory.TryAdd(Record(Secp256k1.CreatePrivateKey(), 3, DateTimeOffset.UtcNow), out _));

        await client.DialAsync(Support.Address(server));
        IReadOnlyList<NodeRecord> fetched = await asking.FetchAsync(server.PeerId, 2);
        Assert.Equal(EthereumAddress.FromPrivateKey(key), Assert.Single(fetched).Computekey);
        Assert.Single(asking.Records(2));
    }

    [Fact]
    public void Record_decoders_survive_random_and_mutated_input()
    {
        var random = new Random(5);
        byte[] seed = Record(Secp256k1.CreatePrivateKey(), 1, DateTimeOffset.UtcNow).Encode();
        for (int i = 0; i < 3000; i++)
        {
            byte[] input = i % 3 == 0 ? BrainportMessageTests.RandomBytes(random, random.Next(0, 300)) : BrainportMessageTests.Mutate(random, seed);
            try
            {
                NodeRecord.Decode(input).HasValidSignature();
            }
            catch (FormatException)
            {
            }
        }
    }
}
