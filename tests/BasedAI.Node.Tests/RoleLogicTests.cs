using BasedAI.Crypto;
using BasedAI.Ledger.Chain;
using BasedAI.Ledger.Codec;
using BasedAI.Network;
using BasedAI.Node.Roles;
using BasedAI.Protocols.Peers;

namespace BasedAI.Node.Tests;

public class RoleLogicTests
{
    [Theory]
    [InlineData(new[] { 1, 2, 3 }, new[] { 1, 2, 3 }, 1.0)]
    [InlineData(new[] { 1, 2, 3, 4 }, new[] { 1, 2, 9, 4 }, 0.5)]
    [InlineData(new[] { 1, 2 }, new[] { 7, 2 }, 0.0)]
    [InlineData(new[] { 1, 2, 3, 4 }, new[] { 1, 2 }, 0.5)]
    [InlineData(new int[0], new int[0], 1.0)]
    public void Agreement_is_the_matching_prefix_over_the_longer_answer(int[] expected, int[] actual, double agreement) =>
        Assert.Equal(agreement, ValidatorService.Agreement(expected, actual));

    [Fact]
    public void Candidates_are_announced_miners_best_incentive_first()
    {
        var genesis = Hash32.Keccak("chain"u8);
        byte[][] keys = [.. Enumerable.Range(0, 4).Select(_ => Secp256k1.CreatePrivateKey())];
        var miners = keys.Select((k, i) => new MinerEntry((ushort)i, EthereumAddress.FromPrivateKey(k), (ushort)(i * 1000))).ToList();
        PeerId peer = PeerId.Parse("12D3KooWSKRfxfvUVrtcaz7ckZyzeSPYzePWf5tocmGtjtuJPoHy");
        var records = new List<NodeRecord>
        {
            NodeRecord.Sign(keys[0], genesis, 1, NodeRole.Miner, peer, [], DateTimeOffset.UtcNow),
            NodeRecord.Sign(keys[2], genesis, 1, NodeRole.Miner, peer, [], DateTimeOffset.UtcNow),
            NodeRecord.Sign(keys[3], genesis, 2, NodeRole.Miner, peer, [], DateTimeOffset.UtcNow), // another Brain
            NodeRecord.Sign(keys[1], genesis, 1, NodeRole.Validator, peer, [], DateTimeOffset.UtcNow), // not as a miner
        };
        Assert.Equal([2, 0], Metagraph.Candidates(miners, records, 1).Select(c => (int)c.Miner.Uid));
    }
}
