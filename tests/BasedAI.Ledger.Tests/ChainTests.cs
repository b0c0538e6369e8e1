using BasedAI.Ledger.Chain;
using BasedAI.Ledger.Runtime;
using BasedAI.Ledger.State;

namespace BasedAI.Ledger.Tests;

public class ChainTests
{
    [Fact]
    public void Transfers_commit_and_a_replay_reaches_the_same_state_root()
    {
        using var t = new TestChain();
        t.Succeed(t.Keys[0], new TransferCall(t.Address(1), 5 * Units.RaoPerBased));
        Assert.Equal(1_000_005 * Units.RaoPerBased, t.State.GetAccount(t.Address(1)).Balance);
        Assert.Equal(1UL, t.State.GetAccount(t.Address(0)).Nonce);
        Assert.Equal(t.Chain.StateRoot, t.Replay());
    }

    [Fact]
    public void Replayed_and_forged_extrinsics_are_rejected_with_reasons()
    {
        using var t = new TestChain();
        Extrinsic transfer = t.Sign(t.Keys[0], new TransferCall(t.Address(1), 1));
        t.Produce(transfer);
        CommittedBlock replay = t.Produce(transfer);
        Assert.Contains("already used", Assert.Single(replay.Dropped).Reason, StringComparison.Ordinal);

        // Signed by key 2 but claiming key 0 as sender: re-encode with a foreign signature.
        Extrinsic honest = t.Sign(t.Keys[0], new TransferCall(t.Address(1), 1));
        Extrinsic other = t.Sign(t.Keys[2], new TransferCall(t.Address(1), 1), nonce: honest.Nonce);
        byte[] forged = honest.Encoded.ToArray();
        other.Signature.CopyTo(forged, forged.Length - 65);
        Assert.Contains("not the sender", Extrinsic.Decode(forged).VerifySignature(), StringComparison.Ordinal);

        Extrinsic cheap = t.Sign(t.Keys[0], new TransferCall(t.Address(1), 1), fee: 1);
        Assert.Contains("below the minimum", Assert.Single(t.Produce(cheap).Dropped).Reason, StringComparison.Ordinal);
    }
}
