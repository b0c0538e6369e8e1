using BasedAI.Ledger.Chain;
using BasedAI.Ledger.Codec;
using BasedAI.Ledger.Runtime;
using BasedAI.Ledger.Yuma;

namespace BasedAI.Ledger.Tests;

public class BadInputTests
{
    [Fact]
    public void Mutated_extrinsics_never_crash_the_decoder_and_forgeries_fail_verification()
    {
        using var t = new TestChain();
        byte[] valid = t.Sign(t.Keys[0], new TransferCall(t.Address(1), 5)).Encoded;
        var random = new Random(7);
        for (int i = 0; i < 3_000; i++)
        {
            byte[] mutated = valid.ToArray();
            int flips = random.Next(1, 4);
            for (int f = 0; f < flips; f++)
            {
                mutated[random.Next(mutated.Length)] ^= (byte)(1 << random.Next(8));
            }
            if (random.Next(4) == 0)
            {
                mutated = mutated[..random.Next(mutated.Length)];
            }
            try
            {
                Extrinsic decoded = Extrinsic.Decode(mutated);
                // Anything that still decodes must fail the signature check (or be the same bytes).
                Assert.True(decoded.VerifySignature() is not null || mutated.AsSpan().SequenceEqual(valid));
            }
            catch (FormatException e)
            {
                Assert.StartsWith("extrinsic:", e.Message, StringComparison.Ordinal);
            }
        }
    }

    [Theory]
    [InlineData("02", "version 2 is not supported")]
    [InlineData("01", "truncated reading genesis hash")]
    public void Malformed_extrinsics_name_the_problem(string hex, string reason)
    {
        var error = Assert.Throws<FormatException>(() => Extrinsic.Decode(Convert.FromHexString(hex)));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Over_limit_fields_and_trailing_bytes_are_rejected()
    {
        using var t = new TestChain();
        byte[] valid = t.Sign(t.Keys[0], new TransferCall(t.Address(1), 5)).Encoded;
        Assert.Contains("trailing bytes", Assert.Throws<FormatException>(() => Extrinsic.Decode([.. valid, 0])).Message, StringComparison.Ordinal);
        Assert.Contains("exceeds the limit", Assert.Throws<FormatException>(() => Extrinsic.Decode(new byte[Extrinsic.MaxSize + 1])).Message, StringComparison.Ordinal);

        var tooMany = new SetWeightsCall(0, new ushort[ExtrinsicCall.MaxWeights + 1], new ushort[ExtrinsicCall.MaxWeights + 1]);
        byte[] encoded = Extrinsic.Sign(t.Chain.GenesisHash, 0, 0, tooMany, t.Keys[0]).Encoded;
        Assert.Contains("uids length 2049", Assert.Throws<FormatException>(() => Extrinsic.Decode(encoded)).Message, StringComparison.Ordinal);

        var longName = new AcquireBrainCall(AcquisitionMethod.Burn, new string('x', 65));
        byte[] named = Extrinsic.Sign(t.Chain.GenesisHash, 0, 0, longName, t.Keys[0]).Encoded;
        Assert.Contains("name length 65", Assert.Throws<FormatException>(() => Extrinsic.Decode(named)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Corrupt_blocks_are_rejected_with_the_reason_and_leave_the_chain_unchanged()
    {
        using var source = new TestChain();
        source.Produce(source.Sign(source.Keys[0], new TransferCall(source.Address(1), 5)));
        Block good = source.Chain.GetBlock(1)!;
        using var target = new TestChain();
        var root = target.Chain.StateRoot;

        void Rejects(Block block, string reason)
        {
            var error = Assert.Throws<BlockRejectedException>(() => target.Chain.Import(block, checkClock: false));
            Assert.Contains(reason, error.Message, StringComparison.Ordinal);
            Assert.Equal(root, target.Chain.StateRoot);
            Assert.Equal(0UL, target.Chain.Head.Height);
        }

        var seal = new SingleAuthoritySeal(TestChain.AuthorityKey);
        Rejects(new Block(seal.Seal(good.Header with { StateRoot = Hash32.Keccak("x"u8) }), good.Extrinsics), "executing it gives state root");
        Rejects(new Block(good.Header with { Timestamp = good.Header.Timestamp + 1 }, good.Extrinsics), "seal is not signed by the authority");
        Rejects(new Block(seal.Seal(good.Header with { ParentHash = Hash32.Zero }), good.Extrinsics), "is not the head");
        Rejects(new Block(seal.Seal(good.Header with { Height = 5 }), good.Extrinsics), "does not follow the head");
        Rejects(new Block(good.Header, []), "extrinsics root");
        var other = new SingleAuthoritySeal(TestChain.KeyOf(99));
        Rejects(new Block(other.Seal(good.Header with { Author = other.Author }), good.Extrinsics), "is not the authority");

        // A block that replays an extrinsic: the second copy is invalid.
        Extrinsic extrinsic = good.Extrinsics[0];
        Rejects(new Block(seal.Seal(good.Header with { ExtrinsicsRoot = Block.ComputeExtrinsicsRoot([extrinsic, extrinsic]) }), [extrinsic, extrinsic]), "already used");

        byte[] bytes = good.Encode();
        Assert.Contains("block:", Assert.Throws<FormatException>(() => Block.Decode(bytes.AsSpan(0, bytes.Length - 3))).Message, StringComparison.Ordinal);
        target.Chain.Import(Block.Decode(bytes), checkClock: false);
        Assert.Equal(source.Chain.StateRoot, target.Chain.StateRoot);
    }

    [Fact]
    public void Extrinsics_for_another_chain_are_rejected()
    {
        using var t = new TestChain();
        Extrinsic foreign = Extrinsic.Sign(Hash32.Keccak("other chain"u8), 0, 10_000_000, new TransferCall(t.Address(1), 1), t.Keys[0]);
        Assert.Contains("another chain", Assert.Single(t.Produce(foreign).Dropped).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Weight_calls_break_the_spec_checks_with_clear_reasons()
    {
        var limits = new WeightLimits { MinAllowedWeights = 2, MaxWeightLimit = 40_000 };
        string Reason(int uid, bool permit, ushort[] uids, ushort[] values) =>
            Assert.Throws<InvalidOperationException>(() => WeightRules.Validate(uid, 4, permit, 0, 10, uids, values, limits)).Message;
        Assert.Contains("no validator permit", Reason(0, false, [1, 2], [1, 1]), StringComparison.Ordinal);
        Assert.Contains("appears twice", Reason(0, true, [1, 1], [1, 1]), StringComparison.Ordinal);
        Assert.Contains("does not exist", Reason(0, true, [1, 9], [1, 1]), StringComparison.Ordinal);
        Assert.Contains("at least 2", Reason(0, true, [1], [1]), StringComparison.Ordinal);
        Assert.Contains("exceeds the Brain's limit", Reason(0, true, [1, 2], [65535, 1]), StringComparison.Ordinal);
        Assert.Contains("2 UIDs but 1 values", Reason(0, true, [1, 2], [1]), StringComparison.Ordinal);
        // A single self-weight is exempt from all of them.
        Assert.Single(WeightRules.Validate(0, 4, false, 0, 10, [0], [5], limits));
    }
}
