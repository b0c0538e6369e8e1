using BasedAI.Crypto;
using BasedAI.Ledger.Chain;
using BasedAI.Ledger.Codec;
using BasedAI.Ledger.State;
using BasedAI.Ledger.Yuma;

namespace BasedAI.Ledger.Runtime;

/// <summary>Registration ("memorize"), replacement of the lowest-scoring node, and stake.</summary>
internal static class Membership
{
    public static void Memorize(CallContext context, MemorizeCall call)
    {
        LedgerState state = context.State;
        ChainParameters parameters = context.Parameters;
        BrainRecord brain = Calls.RequireBrain(context, call.Brain);
        Hash32 message = MemorizeCall.ProofMessage(context.Genesis, call.Brain, context.Sender, call.Computekey);
        if (call.ComputekeyProof.Length != 65 || call.ComputekeyProof[64] > 1
            || !Secp256k1.TryRecover(message.ToArray(), call.ComputekeyProof, out byte[] publicKey)
            || EthereumAddress.FromPublicKey(publicKey) != call.Computekey)
        {
            throw new CallFailedException($"the computekey proof is not a signature by {call.Computekey} over this registration");
        }
        if (state.GetComputekeyOwner(call.Computekey) is { } owner && owner != context.Sender)
        {
            throw new CallFailedException($"computekey {call.Computekey} belongs to {owner}");
        }
        if (state.GetUid(brain.Id, call.Computekey) is { } existing)
        {
            throw new CallFailedException($"computekey {call.Computekey} already holds UID {existing} on Brain {brain.Id}");
        }

        bool validator = call.Role == NodeRole.Validator;
        int roleCount = validator ? brain.ValidatorCount : brain.MinerCount;
        int roleLimit = validator ? parameters.MaxValidators : parameters.MaxMiners;
        ushort uid;
        bool replaced = false;
        if (roleCount < roleLimit)
        {
            uid = brain.NodeCount;
            brain = validator ? brain with { ValidatorCount = (ushort)(brain.ValidatorCount + 1), NodeCount = (ushort)(uid + 1) }
                : brain with { MinerCount = (ushort)(brain.MinerCount + 1), NodeCount = (ushort)(uid + 1) };
        }
        else
        {
            var neurons = Enumerable.Range(0, brain.NodeCount).Select(u => (Uid: u, Neuron: state.GetNeuron(brain.Id, (ushort)u)!))
                .Where(x => x.Neuron.Role == call.Role && context.Height - Math.Min(context.Height, x.Neuron.RegisteredAt) >= brain.Hyperparameters.ImmunityPeriod)
                .ToDictionary(x => x.Uid, x => x.Neuron);
            int candidate = WeightRules.SelectPruneCandidate(neurons.Keys.Order().ToArray(), u => neurons[u].PruningScore, u => neurons[u].RegisteredAt,
                context.Height, brain.Hyperparameters.ImmunityPeriod);
            if (candidate < 0)
            {
                string role = validator ? "validator" : "miner";
                throw new CallFailedException($"Brain {brain.Id} has all {roleLimit} {role} slots taken and every {role} is inside its immunity period");
            }
            uid = (ushort)candidate;
            brain = ClearUid(state, brain, uid, neurons[candidate]);
            replaced = true;
        }

        if (brain.RegistrationFee > 0)
        {
            LedgerRuntime.Debit(state, context.Sender, brain.RegistrationFee, $"the registration fee of Brain {brain.Id}");
            LedgerRuntime.Credit(state, brain.Owner, brain.RegistrationFee);
        }
        state.SetComputekeyOwner(call.Computekey, context.Sender);
        state.SetUid(brain.Id, call.Computekey, uid);
        state.SetNeuron(brain.Id, uid, new NeuronRecord
        {
            Computekey = call.Computekey,
            Owner = context.Sender,
            Role = call.Role,
            RegisteredAt = context.Height,
            FeePaid = brain.RegistrationFee,
            LastUpdate = context.Height,
            PruningScore = replaced ? ushort.MaxValue : (ushort)0,
        });
        state.SetBrain(brain.Id, brain);
    }

    /// <summary>
    /// Frees a UID: its stake goes back to the stakers' balances, its weights and bonds rows are cleared and its computekey
    /// unmapped. The neuron record is overwritten by the caller.
    /// </summary>
    public static BrainRecord ClearUid(LedgerState state, BrainRecord brain, ushort uid, NeuronRecord neuron)
    {
        if (state.GetPool(brain.Id, neuron.Computekey) is { } pool)
        {
            ulong total = 0;
            foreach ((EthereumAddress staker, ulong amount) in pool.Stakes)
            {
                LedgerRuntime.Credit(state, staker, amount);
                total += amount;
            }
            state.SetPool(brain.Id, neuron.Computekey, null);
            state.TotalStake -= total;
            brain = brain with { TotalStake = brain.TotalStake - total };
        }
        state.SetUid(brain.Id, neuron.Computekey, null);
        state.SetWeights(brain.Id, uid, []);
        state.SetBonds(brain.Id, uid, []);
        return brain;
    }
}

/// <summary>Stake on computekeys, delegation and validator take.</summary>
internal static class Staking
{
    public static void Add(CallContext context, ushort brainId, EthereumAddress computekey, ulong amount)
    {
        LedgerState state = context.State;
        BrainRecord brain = Calls.RequireBrain(context, brainId);
        NeuronRecord neuron = RequireNeuron(state, brain, computekey);
        if (amount == 0)
        {
            throw new CallFailedException("stake amount must be positive");
        }
        if (neuron.Owner != context.Sender && neuron.Role != NodeRole.Validator)
        {
            throw new CallFailedException($"{computekey} is a miner on Brain {brainId}; stake can be delegated only to validators");
        }
        LedgerRuntime.Debit(state, context.Sender, amount, "the stake");
        Deposit(state, brain, computekey, context.Sender, amount, context.Parameters.DefaultTake);
    }

    public static void Remove(CallContext context, ushort brainId, EthereumAddress computekey, ulong amount)
    {
        LedgerState state = context.State;
        BrainRecord brain = Calls.RequireBrain(context, brainId);
        StakePool pool = state.GetPool(brainId, computekey) ?? throw new CallFailedException($"{computekey} has no stake on Brain {brainId}");
        ulong staked = pool.AmountOf(context.Sender);
        if (amount == 0 || amount > staked)
        {
            throw new CallFailedException($"cannot remove {Units.FormatBased(amount)} BASED: {context.Sender} has {Units.FormatBased(staked)} BASED staked on {computekey} in Brain {brainId}");
        }
        StakePool updated = pool.Adjust(context.Sender, -(long)amount);
        state.SetPool(brainId, computekey, updated.Stakes.Count == 0 && updated.Take == context.Parameters.DefaultTake ? null : updated);
        state.SetBrain(brainId, brain with { TotalStake = brain.TotalStake - amount });
        state.TotalStake -= amount;
        LedgerRuntime.Credit(state, context.Sender, amount);
    }

    public static void SetTake(CallContext context, SetTakeCall call)
    {
        LedgerState state = context.State;
        BrainRecord brain = Calls.RequireBrain(context, call.Brain);
        NeuronRecord neuron = RequireNeuron(state, brain, call.Computekey);
        if (neuron.Owner != context.Sender)
        {
            throw new CallFailedException($"only {neuron.Owner}, the owner of {call.Computekey}, can set its take");
        }
        StakePool pool = state.GetPool(brain.Id, call.Computekey) ?? new StakePool(context.Parameters.DefaultTake, []);
        state.SetPool(brain.Id, call.Computekey, pool with { Take = call.Take });
    }

    /// <summary>Adds stake (from a balance already debited, or from emission) and keeps the totals.</summary>
    public static BrainRecord Deposit(LedgerState state, BrainRecord brain, EthereumAddress computekey, EthereumAddress staker, ulong amount, ushort defaultTake, bool save = true)
    {
        if (amount == 0)
        {
            return brain;
        }
        StakePool pool = state.GetPool(brain.Id, computekey) ?? new StakePool(defaultTake, []);
        state.SetPool(brain.Id, computekey, pool.Adjust(staker, checked((long)amount)));
        state.TotalStake = checked(state.TotalStake + amount);
        brain = brain with { TotalStake = checked(brain.TotalStake + amount) };
        if (save)
        {
            state.SetBrain(brain.Id, brain);
        }
        return brain;
    }

    private static NeuronRecord RequireNeuron(LedgerState state, BrainRecord brain, EthereumAddress computekey)
    {
        ushort uid = state.GetUid(brain.Id, computekey) ?? throw new CallFailedException($"{computekey} is not registered on Brain {brain.Id}");
        return state.GetNeuron(brain.Id, uid)!;
    }
}
