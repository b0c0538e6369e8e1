using BasedAI.Crypto;
using BasedAI.Ledger.Chain;
using BasedAI.Ledger.Runtime;
using BasedAI.Ledger.State;
using FsCheck;
using FsCheck.Fluent;

namespace BasedAI.Ledger.Tests;

/// <summary>FsCheck properties of the state machine over random operation sequences (bounded sizes, fixed replay seeds).</summary>
public class PropertyTests
{
    private static readonly Config Quick = Config.QuickThrowOnFailure.WithMaxTest(12).WithReplay(20240601UL, 1UL);

    /// <summary>One random operation: kind, actor, target, amount.</summary>
    public sealed record Op(int Kind, int Actor, int Target, ulong Amount);

    private static Arbitrary<Op[]> Ops(int kinds) =>
        (from kind in Gen.Choose(0, kinds - 1)
         from actor in Gen.Choose(0, 3)
         from target in Gen.Choose(0, 3)
         from amount in Gen.Choose(0, 3_000_000).Select(a => (ulong)a * 1_000_000)
         select new Op(kind, actor, target, amount)).ArrayOf().Select(a => a.Take(30).ToArray()).ToArbitrary();

    /// <summary>Brain 0 (burn) with validators on accounts 0-1 and miners on 2-3, computekeys are accounts 4-7.</summary>
    private static TestChain ChainWithBrain(ChainParameters parameters)
    {
        var t = new TestChain(parameters);
        t.Succeed(t.Keys[0], new AcquireBrainCall(AcquisitionMethod.Burn, "prop"));
        t.Succeed(t.Keys[0], new SetBrainHyperparameterCall(0, BrainHyperparameter.Tempo, 2));
        t.Succeed(t.Keys[0], new SetBrainHyperparameterCall(0, BrainHyperparameter.ActiveValidatorPercentile, 0));
        for (int i = 0; i < 4; i++)
        {
            t.Succeed(t.Keys[i], t.Memorize(0, t.Keys[i], t.Keys[4 + i], i < 2 ? NodeRole.Validator : NodeRole.Miner));
        }
        return t;
    }

    private static void Apply(TestChain t, Op op)
    {
        byte[] actor = t.Keys[op.Actor];
        EthereumAddress validator = t.Address(4 + op.Target % 2);
        ExtrinsicCall call = op.Kind switch
        {
            0 => new TransferCall(t.Address(op.Target), op.Amount),
            1 => new AddStakeCall(0, validator, op.Amount),
            2 => new RemoveStakeCall(0, validator, op.Amount),
            _ => new SetWeightsCall(0, [2, 3], [(ushort)(op.Amount % 60000 + 1), 30000]),
        };
        byte[] signer = op.Kind == 3 ? t.Keys[4 + op.Actor % 2] : actor;
        t.Produce(t.Sign(signer, call));
    }

    private static ulong Sum(IEnumerable<ulong> values) => values.Aggregate(0UL, (a, b) => checked(a + b));

    private static ulong Holdings(TestChain t) =>
        checked(Sum(t.State.Accounts().Select(a => a.Account.Balance)) + Sum(t.State.Pools().Select(p => p.Pool.Total)) + Sum(t.State.Brains().Select(b => b.PendingEmission)));

    [Fact]
    public void Total_issuance_is_genesis_plus_emitted_and_equals_all_holdings()
    {
        var parameters = new ChainParameters { HalvingInterval = 7 };
        Prop.ForAll(Ops(4), ops =>
        {
            using TestChain t = ChainWithBrain(parameters);
            ulong genesis = Sum(t.Genesis.Endowments.Select(e => e.Based));
            ulong acquiredAt = t.State.GetBrain(0)!.AcquiredAt;
            foreach (Op op in ops)
            {
                Apply(t, op);
                ulong emitted = 0;
                for (ulong h = acquiredAt + 1; h <= t.Chain.Head.Height; h++) // the Brain appears after its block's initialization
                {
                    emitted += parameters.BlockReward(h);
                }
                if (t.State.TotalIssuance != genesis + emitted || Holdings(t) != t.State.TotalIssuance)
                {
                    return false;
                }
            }
            return t.Replay() == t.Chain.StateRoot;
        }).Check(Quick);
    }

    [Fact]
    public void No_balance_goes_negative_and_overdrafts_fail_cleanly()
    {
        Prop.ForAll(Ops(3), ops =>
        {
            using TestChain t = ChainWithBrain(new ChainParameters());
            foreach (Op op in ops)
            {
                ulong before = t.State.GetAccount(t.Address(op.Actor)).Balance;
                var huge = op with { Amount = before + 1 + op.Amount };
                Apply(t, huge); // always more than the balance: must fail, never wrap
                if (t.State.Accounts().Any(a => a.Account.Balance > t.State.TotalIssuance))
                {
                    return false;
                }
                Apply(t, op);
            }
            return Holdings(t) == t.State.TotalIssuance;
        }).Check(Quick);
    }

    [Fact]
    public void Stake_is_conserved_under_add_remove_and_transfer()
    {
        var noEmission = new ChainParameters { InitialBlockReward = 0 };
        Prop.ForAll(Ops(3), ops =>
        {
            using TestChain t = ChainWithBrain(noEmission);
            ulong everything = Holdings(t);
            long expectedStake = 0;
            foreach (Op op in ops)
            {
                var before = t.State.TotalStake;
                Apply(t, op);
                long delta = (long)t.State.TotalStake - (long)before;
                if (op.Kind == 1 && delta != 0)
                {
                    expectedStake += (long)op.Amount;
                }
                else if (op.Kind == 2 && delta != 0)
                {
                    expectedStake -= (long)op.Amount;
                }
                ulong pools = Sum(t.State.Pools().Select(p => p.Pool.Total));
                if (pools != t.State.TotalStake || (long)t.State.TotalStake != expectedStake
                    || Sum(t.State.Brains().Select(b => b.TotalStake)) != t.State.TotalStake || Holdings(t) != everything)
                {
                    return false;
                }
            }
            return true;
        }).Check(Quick);
    }

    [Fact]
    public void Emission_schedule_is_exact_at_halving_boundaries()
    {
        var parameters = new ChainParameters();
        Assert.Equal(0UL, parameters.BlockReward(0));
        Assert.Equal(10_000_000_000UL, parameters.BlockReward(1));
        Assert.Equal(10_000_000_000UL, parameters.BlockReward(3_155_760));
        Assert.Equal(5_000_000_000UL, parameters.BlockReward(3_155_761));
        Prop.ForAll(Gen.Choose(0, 70).ToArbitrary(), Gen.Choose(-2, 2).ToArbitrary(), (era, offset) =>
        {
            ulong boundary = (ulong)era * parameters.HalvingInterval;
            ulong height = (ulong)Math.Max(1, (long)boundary + offset);
            ulong expectedEra = (height - 1) / parameters.HalvingInterval;
            ulong expected = expectedEra >= 64 ? 0 : 10_000_000_000UL >> (int)expectedEra;
            return parameters.BlockReward(height) == expected;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
        // Everything ever emitted: the geometric series truncated by integer halving.
        ulong total = 0;
        for (int era = 0; era < 64; era++)
        {
            total += (10_000_000_000UL >> era) * parameters.HalvingInterval;
        }
        Assert.Equal(19_999_999_989UL * 3_155_760UL, total); // Σ floor(10^10 / 2^k) = 19,999,999,989 rao per block-slot over 64 eras
    }
}
