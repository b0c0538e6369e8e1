using BasedAI.Ledger.Chain;
using BasedAI.Ledger.Runtime;
using BasedAI.Ledger.State;

namespace BasedAI.Ledger.Tests;

public class RuntimeTests
{
    [Fact]
    public void Burn_price_rises_by_200_Pepecoin_per_burned_Brain_and_burned_Brains_transfer()
    {
        using var t = new TestChain();
        ulong start = t.State.GetPepecoin(t.Address(0));
        t.Succeed(t.Keys[0], new AcquireBrainCall(AcquisitionMethod.Burn, "a"));
        t.Succeed(t.Keys[0], new AcquireBrainCall(AcquisitionMethod.Burn, "b"));
        Assert.Equal((1_000 + 1_200) * Units.UnitsPerPepecoin, start - t.State.GetPepecoin(t.Address(0)));
        t.Succeed(t.Keys[0], new TransferBrainCall(1, t.Address(1)));
        Assert.Equal(t.Address(1), t.State.GetBrain(1)!.Owner);
        Assert.Contains("owned by", t.Fail(t.Keys[0], new SetBrainSettingsCall(1, "x", null, null, null, null)), StringComparison.Ordinal);
    }

    [Fact]
    public void Stake_acquired_Brains_lock_90_days_earn_only_after_and_deactivate_to_free_the_slot()
    {
        var parameters = new ChainParameters { StakeLockBlocks = 20, MaxBrains = 1 };
        using var t = new TestChain(parameters);
        ulong pepe = t.State.GetPepecoin(t.Address(0));
        t.Succeed(t.Keys[0], new AcquireBrainCall(AcquisitionMethod.Stake, "staked"));
        Assert.Equal(pepe - parameters.StakeLockAmount, t.State.GetPepecoin(t.Address(0)));
        Assert.Contains("all 1 Brains are active", t.Fail(t.Keys[1], new AcquireBrainCall(AcquisitionMethod.Burn, "no room")), StringComparison.Ordinal);
        Assert.Contains("non-transferable", t.Fail(t.Keys[0], new TransferBrainCall(0, t.Address(1))), StringComparison.Ordinal);
        Assert.Contains("locked until block", t.Fail(t.Keys[0], new DeactivateBrainCall(0)), StringComparison.Ordinal);
        ulong issuance = t.State.TotalIssuance;
        t.AdvanceTo(t.State.GetBrain(0)!.RewardsStart(parameters) - 1);
        Assert.Equal(issuance, t.State.TotalIssuance); // no rewards during the lock
        t.Produce();
        Assert.True(t.State.TotalIssuance > issuance);
        t.Succeed(t.Keys[0], new DeactivateBrainCall(0));
        Assert.Equal(pepe, t.State.GetPepecoin(t.Address(0)));
        Assert.Null(t.State.GetBrain(0));
        t.Succeed(t.Keys[1], new AcquireBrainCall(AcquisitionMethod.Burn, "slot freed"));
    }

    [Fact]
    public void Registration_fee_goes_to_the_owner_and_a_fee_change_applies_only_to_later_nodes()
    {
        using var t = new TestChain(new ChainParameters { InitialBlockReward = 0 });
        t.Succeed(t.Keys[0], new AcquireBrainCall(AcquisitionMethod.Burn, "fees"));
        ulong owner = t.State.GetAccount(t.Address(0)).Balance;
        t.Succeed(t.Keys[1], t.Memorize(0, t.Keys[1], t.Keys[5], NodeRole.Miner));
        Assert.Equal(owner + 100 * Units.RaoPerBased, t.State.GetAccount(t.Address(0)).Balance);
        t.Succeed(t.Keys[0], new SetBrainSettingsCall(0, null, "zkllm", "1.0.0", null, 7 * Units.RaoPerBased));
        t.Succeed(t.Keys[2], t.Memorize(0, t.Keys[2], t.Keys[6], NodeRole.Miner));
        Assert.Equal(100 * Units.RaoPerBased, t.State.GetNeuron(0, 0)!.FeePaid);
        Assert.Equal(7 * Units.RaoPerBased, t.State.GetNeuron(0, 1)!.FeePaid);
        Assert.Contains("not a signature by", t.Fail(t.Keys[3], new MemorizeCall(0, t.Address(7), NodeRole.Miner, new byte[65])), StringComparison.Ordinal);
    }

    [Fact]
    public void A_full_role_replaces_its_lowest_pruning_score_outside_immunity_and_returns_its_stake()
    {
        var parameters = new ChainParameters { MaxMiners = 2, DefaultHyperparameters = new BrainHyperparameters { ImmunityPeriod = 3, Tempo = 1 } };
        using var t = new TestChain(parameters);
        t.Succeed(t.Keys[0], new AcquireBrainCall(AcquisitionMethod.Burn, "full"));
        t.Succeed(t.Keys[1], t.Memorize(0, t.Keys[1], t.Keys[4], NodeRole.Miner));
        t.Succeed(t.Keys[2], t.Memorize(0, t.Keys[2], t.Keys[5], NodeRole.Miner));
        Assert.Contains("immunity period", t.Fail(t.Keys[3], t.Memorize(0, t.Keys[3], t.Keys[6], NodeRole.Miner)), StringComparison.Ordinal);
        t.Succeed(t.Keys[1], new AddStakeCall(0, t.Address(4), 50 * Units.RaoPerBased));
        t.AdvanceTo(t.Chain.Head.Height + 4);
        ulong balance = t.State.GetAccount(t.Address(1)).Balance;
        ulong stake = t.State.GetPool(0, t.Address(4))!.Total;
        Assert.True(t.State.GetNeuron(0, 1)!.PruningScore < t.State.GetNeuron(0, 0)!.PruningScore); // the staked UID 0 earned more
        t.Succeed(t.Keys[3], t.Memorize(0, t.Keys[3], t.Keys[6], NodeRole.Miner));
        Assert.Equal(t.Address(6), t.State.GetNeuron(0, 1)!.Computekey);
        Assert.Null(t.State.GetUid(0, t.Address(5)));
        Assert.Equal(stake, t.State.GetPool(0, t.Address(4))!.Total);
        Assert.Equal(balance, t.State.GetAccount(t.Address(1)).Balance);
    }

    [Fact]
    public void Epochs_pay_emission_into_stake_with_the_owner_share_and_delegation_take()
    {
        var parameters = new ChainParameters { DefaultHyperparameters = new BrainHyperparameters { Tempo = 4, ActiveValidatorPercentile = 0 } };
        using var t = new TestChain(parameters);
        t.Succeed(t.Keys[0], new AcquireBrainCall(AcquisitionMethod.Burn, "work"));
        t.Succeed(t.Keys[1], t.Memorize(0, t.Keys[1], t.Keys[4], NodeRole.Validator));
        t.Succeed(t.Keys[2], t.Memorize(0, t.Keys[2], t.Keys[5], NodeRole.Miner));
        t.Succeed(t.Keys[1], new AddStakeCall(0, t.Address(4), 1_000 * Units.RaoPerBased));
        t.Succeed(t.Keys[3], new AddStakeCall(0, t.Address(4), 1_000 * Units.RaoPerBased)); // a delegator
        Assert.Contains("only to validators", t.Fail(t.Keys[3], new AddStakeCall(0, t.Address(5), 1)), StringComparison.Ordinal);
        t.AdvanceTo(t.Chain.Head.Height + 6); // an epoch grants the permit
        t.Succeed(t.Keys[4], new SetWeightsCall(0, [1], [65535]));
        ulong ownerBefore = t.State.GetAccount(t.Address(0)).Balance;
        ulong delegatorBefore = t.State.GetPool(0, t.Address(4))!.AmountOf(t.Address(3));
        t.AdvanceTo(t.Chain.Head.Height + 10);
        Assert.True(t.State.GetAccount(t.Address(0)).Balance > ownerBefore, "the owner's 25% is paid every block");
        Assert.True(t.State.GetPool(0, t.Address(5))!.AmountOf(t.Address(2)) > 0, "the miner's incentive became stake");
        Assert.True(t.State.GetPool(0, t.Address(4))!.AmountOf(t.Address(3)) > delegatorBefore, "the delegator earned dividends");
        NeuronRecord miner = t.State.GetNeuron(0, 1)!;
        Assert.Equal(65535, miner.Incentive);
        Assert.True(t.State.GetNeuron(0, 0)!.Credits > 0, "ΔCredits = W·S accrues");
        Assert.Contains("already holds UID", t.Fail(t.Keys[2], t.Memorize(0, t.Keys[2], t.Keys[5], NodeRole.Miner)), StringComparison.Ordinal);
    }

    [Fact]
    public void Active_validator_percentile_keeps_only_top_stake_validators_in_the_ledger()
    {
        var parameters = new ChainParameters { DefaultHyperparameters = new BrainHyperparameters { Tempo = 2, ActiveValidatorPercentile = 70 } };
        using var t = new TestChain(parameters, accounts: 8);
        t.Succeed(t.Keys[0], new AcquireBrainCall(AcquisitionMethod.Burn, "pct"));
        for (int i = 0; i < 4; i++)
        {
            t.Succeed(t.Keys[i], t.Memorize(0, t.Keys[i], t.Keys[4 + i], NodeRole.Validator));
            t.Succeed(t.Keys[i], new AddStakeCall(0, t.Address(4 + i), (ulong)(i + 1) * 100 * Units.RaoPerBased));
        }
        t.AdvanceTo(t.Chain.Head.Height + 3);
        // Stakes 100..400: the 70th percentile (nearest rank) is 300, so UIDs 2 and 3 keep permits.
        Assert.Equal([false, false, true, true], Enumerable.Range(0, 4).Select(u => t.State.GetNeuron(0, (ushort)u)!.ValidatorPermit));
    }

    [Fact]
    public void GigaBrains_govern_and_first_year_proposals_pass_unless_voted_down()
    {
        var parameters = new ChainParameters { VotingPeriod = 3 };
        using var t = new TestChain(parameters);
        for (int owner = 0; owner < 3; owner++)
        {
            t.Succeed(t.Keys[owner], new AcquireBrainCall(AcquisitionMethod.Burn, $"g{owner}"));
            t.Succeed(t.Keys[owner], t.Memorize((ushort)owner, t.Keys[owner], t.Keys[4 + owner], NodeRole.Validator));
            t.Succeed(t.Keys[owner], new AddStakeCall((ushort)owner, t.Address(4 + owner), 10_000 * Units.RaoPerBased));
        }
        t.Succeed(t.Keys[3], new AcquireBrainCall(AcquisitionMethod.Burn, "small"));
        Assert.Contains("not a GigaBrain", t.Fail(t.Keys[3], new ProposeCall(3, "x", "")), StringComparison.Ordinal);

        t.Succeed(t.Keys[0], new ProposeCall(0, "raise tempo", "body"));
        t.AdvanceTo(t.Chain.Head.Height + 4);
        Assert.Equal(ProposalStatus.Passed, t.State.GetProposal(0)!.Status); // nobody voted it down

        t.Succeed(t.Keys[0], new ProposeCall(0, "second", ""));
        t.Succeed(t.Keys[1], new VoteCall(1, 1, false));
        t.Succeed(t.Keys[2], new VoteCall(1, 2, false));
        t.AdvanceTo(t.Chain.Head.Height + 4);
        ProposalRecord rejected = t.State.GetProposal(1)!;
        Assert.Equal(ProposalStatus.Rejected, rejected.Status);
        Assert.Equal(3, rejected.Electorate);
        Assert.Contains("closed", t.Fail(t.Keys[1], new VoteCall(1, 1, true)), StringComparison.Ordinal);
    }
}
