using BasedAI.Crypto;
using BasedAI.Ledger.Chain;
using BasedAI.Ledger.State;
using BasedAI.Ledger.Yuma;

namespace BasedAI.Ledger.Runtime;

/// <summary>
/// Minting and splitting the block reward across Brains (see docs/ledger-rules.md "Emission"):
/// each eligible Brain scores min(stake, 0.5% of total stake) × (65536 + performance); 90% of the reward is split by score,
/// 10% by score among the top 30% of Brains by performance; rounding dust goes to the best-ranked Brain. Inside a Brain the
/// owner's share is paid at once and the rest waits for the Brain's next epoch.
/// </summary>
internal static class Emission
{
    public static void Distribute(LedgerState state, ulong height, ChainParameters parameters)
    {
        ulong reward = parameters.BlockReward(height);
        if (reward == 0)
        {
            return;
        }
        List<BrainRecord> eligible = state.Brains().Where(b => b.RewardsStart(parameters) <= height).ToList();
        if (eligible.Count == 0)
        {
            return; // Nothing is minted while no Brain can receive it.
        }
        ulong totalStake = state.TotalStake;
        UInt128 cap = (UInt128)totalStake * parameters.RewardCapBps / 10_000;
        var score = new UInt128[eligible.Count];
        for (int i = 0; i < eligible.Count; i++)
        {
            UInt128 stake = UInt128.Min(eligible[i].TotalStake, cap);
            score[i] = stake * (65_536u + eligible[i].Performance);
        }
        if (score.All(s => s == 0))
        {
            Array.Fill(score, UInt128.One); // No stake anywhere yet: split evenly so new Brains can bootstrap.
        }

        int[] ranked = Enumerable.Range(0, eligible.Count)
            .OrderByDescending(i => eligible[i].Performance).ThenByDescending(i => score[i]).ThenBy(i => eligible[i].Id).ToArray();
        int topCount = (int)Math.Min((ulong)eligible.Count, ((ulong)eligible.Count * parameters.BonusTopBps + 9_999) / 10_000);
        ulong bonusPool = topCount == 0 ? 0 : (ulong)((UInt128)reward * parameters.BonusShareBps / 10_000);
        ulong basePool = reward - bonusPool;

        var amounts = new ulong[eligible.Count];
        Split(basePool, Enumerable.Range(0, eligible.Count).ToArray(), score, amounts);
        Split(bonusPool, ranked[..topCount], score, amounts);
        ulong paid = amounts.Aggregate(0UL, (sum, a) => sum + a);
        amounts[ranked[0]] += reward - paid;

        for (int i = 0; i < eligible.Count; i++)
        {
            BrainRecord brain = eligible[i];
            ulong ownerCut = (ulong)((UInt128)amounts[i] * brain.OwnerShareBps / 10_000);
            LedgerRuntime.Credit(state, brain.Owner, ownerCut);
            state.SetBrain(brain.Id, brain with { PendingEmission = checked(brain.PendingEmission + amounts[i] - ownerCut) });
        }
        state.TotalIssuance = checked(state.TotalIssuance + reward);
    }

    private static void Split(ulong pool, int[] members, UInt128[] score, ulong[] amounts)
    {
        if (pool == 0 || members.Length == 0)
        {
            return;
        }
        UInt128 total = 0;
        foreach (int i in members)
        {
            total += score[i];
        }
        foreach (int i in members)
        {
            amounts[i] += total == 0 ? pool / (ulong)members.Length : (ulong)(pool * score[i] / total);
        }
    }
}

/// <summary>Running a Brain's Yuma epoch on ledger state and paying its emission into stake.</summary>
internal static class Epochs
{
    public static YumaEpochResult? Run(LedgerState state, BrainRecord brain, ulong height)
    {
        int n = brain.NodeCount;
        if (n == 0)
        {
            return null; // Pending emission waits for the first node.
        }
        ChainParameters parameters = state.Parameters;
        var neurons = new NeuronRecord[n];
        var pools = new StakePool?[n];
        for (int uid = 0; uid < n; uid++)
        {
            neurons[uid] = state.GetNeuron(brain.Id, (ushort)uid)!;
            pools[uid] = state.GetPool(brain.Id, neurons[uid].Computekey);
        }
        var input = new YumaEpochInput
        {
            N = n,
            Stake = pools.Select(p => p?.Total ?? 0).ToArray(),
            Weights = Enumerable.Range(0, n).Select(uid => state.GetWeights(brain.Id, (ushort)uid)).ToArray(),
            Bonds = Enumerable.Range(0, n).Select(uid => state.GetBonds(brain.Id, (ushort)uid)).ToArray(),
            LastUpdate = neurons.Select(x => x.LastUpdate).ToArray(),
            BlockAtRegistration = neurons.Select(x => x.RegisteredAt).ToArray(),
            ValidatorPermit = neurons.Select(x => x.ValidatorPermit).ToArray(),
            PermitEligible = neurons.Select(x => x.Role == NodeRole.Validator).ToArray(),
            CurrentBlock = height,
            RaoEmission = brain.PendingEmission,
            Parameters = brain.Hyperparameters.ToYuma(),
        };
        YumaEpochResult result = YumaEpoch.Run(input);

        ulong distributed = 0;
        for (int uid = 0; uid < n; uid++)
        {
            NeuronRecord neuron = neurons[uid];
            ulong serverEmission = result.ServerEmission[uid], validatorEmission = result.ValidatorEmission[uid];
            brain = PayValidator(state, brain, neuron, pools[uid], validatorEmission, parameters.DefaultTake);
            brain = Staking.Deposit(state, brain, neuron.Computekey, neuron.Owner, serverEmission, parameters.DefaultTake, save: false);
            distributed += serverEmission + validatorEmission;
            state.SetNeuron(brain.Id, (ushort)uid, neuron with
            {
                ValidatorPermit = result.NewValidatorPermit[uid],
                Active = result.Active[uid],
                Rank = result.Rank[uid],
                Trust = result.Trust[uid],
                Consensus = result.Consensus[uid],
                Incentive = result.Incentive[uid],
                Dividends = result.Dividends[uid],
                ValidatorTrust = result.ValidatorTrust[uid],
                PruningScore = result.PruningScore[uid],
                Emission = serverEmission + validatorEmission,
                Credits = neuron.Credits + (ulong)Math.Max(0, result.CreditsDelta[uid]),
            });
            if (result.Bonds[uid] is { } row)
            {
                state.SetBonds(brain.Id, (ushort)uid, row);
            }
        }
        state.SetBrain(brain.Id, brain with
        {
            PendingEmission = brain.PendingEmission - distributed,
            Performance = I32F32Proportion(result.ConsensusRankSum),
            LastEpoch = height,
        });
        return result;
    }

    private static ushort I32F32Proportion(long bits) => new I32F32(bits).ToProportionU16();

    /// <summary>
    /// Validator emission: the take goes to the owner, the rest to stakers pro rata (floor), and the rounding remainder to the
    /// owner. Everything is added to stake on the validator's computekey.
    /// </summary>
    private static BrainRecord PayValidator(LedgerState state, BrainRecord brain, NeuronRecord neuron, StakePool? pool, ulong emission, ushort defaultTake)
    {
        if (emission == 0)
        {
            return brain;
        }
        ulong total = pool?.Total ?? 0;
        if (pool is null || total == 0)
        {
            return Staking.Deposit(state, brain, neuron.Computekey, neuron.Owner, emission, defaultTake, save: false);
        }
        ulong take = (ulong)((UInt128)emission * pool.Take / 65_535);
        ulong rest = emission - take;
        ulong paid = 0;
        var shares = new List<(EthereumAddress, ulong)>();
        foreach ((EthereumAddress staker, ulong amount) in pool.Stakes)
        {
            if (staker == neuron.Owner)
            {
                continue;
            }
            ulong share = (ulong)((UInt128)rest * amount / total);
            shares.Add((staker, share));
            paid += share;
        }
        foreach ((EthereumAddress staker, ulong share) in shares)
        {
            brain = Staking.Deposit(state, brain, neuron.Computekey, staker, share, defaultTake, save: false);
        }
        return Staking.Deposit(state, brain, neuron.Computekey, neuron.Owner, emission - paid, defaultTake, save: false);
    }
}
