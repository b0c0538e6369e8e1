using System.Text;
using BasedAI.Crypto;
using BasedAI.Ledger.Chain;
using BasedAI.Ledger.State;
using BasedAI.Ledger.Yuma;

namespace BasedAI.Ledger.Runtime;

/// <summary>The call handlers. Each throws <see cref="CallFailedException"/> naming the broken rule.</summary>
internal static class Calls
{
    public static void Dispatch(CallContext context, ExtrinsicCall call)
    {
        switch (call)
        {
            case TransferCall c: Transfer(context, c); break;
            case AcquireBrainCall c: AcquireBrain(context, c); break;
            case TransferBrainCall c: TransferBrain(context, c); break;
            case SetBrainSettingsCall c: SetBrainSettings(context, c); break;
            case SetBrainHyperparameterCall c: SetHyperparameter(context, c); break;
            case DeactivateBrainCall c: Deactivate(context, c); break;
            case MemorizeCall c: Membership.Memorize(context, c); break;
            case AddStakeCall c: Staking.Add(context, c.Brain, c.Computekey, c.Amount); break;
            case RemoveStakeCall c: Staking.Remove(context, c.Brain, c.Computekey, c.Amount); break;
            case SetTakeCall c: Staking.SetTake(context, c); break;
            case SetWeightsCall c: SetWeights(context, c); break;
            case ProposeCall c: Governance.Propose(context, c); break;
            case VoteCall c: Governance.Vote(context, c); break;
            default: throw new CallFailedException($"unsupported call {call.Name}");
        }
    }

    private static void Transfer(CallContext context, TransferCall call)
    {
        if (call.Amount == 0)
        {
            throw new CallFailedException("transfer amount must be positive");
        }
        LedgerRuntime.Debit(context.State, context.Sender, call.Amount, "the transfer");
        LedgerRuntime.Credit(context.State, call.To, call.Amount);
    }

    internal static BrainRecord RequireBrain(CallContext context, ushort id) =>
        context.State.GetBrain(id) ?? throw new CallFailedException($"Brain {id} does not exist");

    internal static BrainRecord RequireOwnedBrain(CallContext context, ushort id)
    {
        BrainRecord brain = RequireBrain(context, id);
        return brain.Owner == context.Sender ? brain : throw new CallFailedException($"Brain {id} is owned by {brain.Owner}, not {context.Sender}");
    }

    private static void ValidateName(string name)
    {
        int bytes = System.Text.Encoding.UTF8.GetByteCount(name);
        if (string.IsNullOrWhiteSpace(name) || bytes > ExtrinsicCall.MaxNameBytes)
        {
            throw new CallFailedException($"a Brain name is 1 to {ExtrinsicCall.MaxNameBytes} bytes and not blank");
        }
    }

    private static void AcquireBrain(CallContext context, AcquireBrainCall call)
    {
        LedgerState state = context.State;
        ChainParameters parameters = context.Parameters;
        ValidateName(call.BrainName);
        List<ushort> ids = state.BrainIds.ToList();
        if (ids.Count >= parameters.MaxBrains)
        {
            throw new CallFailedException($"all {parameters.MaxBrains} Brains are active; one must be deactivated first");
        }
        ushort id = 0;
        while (ids.Contains(id))
        {
            id++;
        }
        var pepecoin = new StatePepecoinLedger(state);
        ulong amount;
        if (call.Method == AcquisitionMethod.Burn)
        {
            amount = checked(parameters.BurnBasePrice + parameters.BurnPriceStep * state.BrainsBurned);
            pepecoin.Burn(context.Sender, amount);
            state.BrainsBurned++;
        }
        else
        {
            amount = parameters.StakeLockAmount;
            pepecoin.Lock(context.Sender, amount);
        }
        state.SetBrain(id, new BrainRecord
        {
            Id = id,
            Owner = context.Sender,
            Method = call.Method,
            AcquiredAt = context.Height,
            Pepecoin = amount,
            Name = call.BrainName,
            OwnerShareBps = parameters.DefaultOwnerShareBps,
            RegistrationFee = parameters.DefaultRegistrationFee,
            Hyperparameters = parameters.DefaultHyperparameters,
        });
        ids.Add(id);
        ids.Sort();
        state.BrainIds = ids;
        state.BrainCount = (ulong)ids.Count;
    }

    private static void TransferBrain(CallContext context, TransferBrainCall call)
    {
        BrainRecord brain = RequireOwnedBrain(context, call.Brain);
        if (brain.Method != AcquisitionMethod.Burn)
        {
            throw new CallFailedException($"Brain {brain.Id} was acquired by stake and is non-transferable");
        }
        context.State.SetBrain(brain.Id, brain with { Owner = call.NewOwner });
    }

    private static void SetBrainSettings(CallContext context, SetBrainSettingsCall call)
    {
        BrainRecord brain = RequireOwnedBrain(context, call.Brain);
        if (call.BrainName is not null)
        {
            ValidateName(call.BrainName);
        }
        if (call.OwnerShareBps is > 10_000)
        {
            throw new CallFailedException($"owner share is at most 10000 basis points (100%), not {call.OwnerShareBps}");
        }
        context.State.SetBrain(brain.Id, brain with
        {
            Name = call.BrainName ?? brain.Name,
            TaskId = call.TaskId ?? brain.TaskId,
            TaskVersion = call.TaskVersion ?? brain.TaskVersion,
            OwnerShareBps = call.OwnerShareBps ?? brain.OwnerShareBps,
            RegistrationFee = call.RegistrationFee ?? brain.RegistrationFee,
        });
    }

    private static void SetHyperparameter(CallContext context, SetBrainHyperparameterCall call)
    {
        BrainRecord brain = RequireOwnedBrain(context, call.Brain);
        BrainHyperparameters updated;
        try
        {
            updated = brain.Hyperparameters.With(call.Parameter, call.Value);
        }
        catch (InvalidOperationException e)
        {
            throw new CallFailedException(e.Message);
        }
        context.State.SetBrain(brain.Id, brain with { Hyperparameters = updated });
    }

    private static void Deactivate(CallContext context, DeactivateBrainCall call)
    {
        LedgerState state = context.State;
        BrainRecord brain = RequireOwnedBrain(context, call.Brain);
        if (brain.Method != AcquisitionMethod.Stake)
        {
            throw new CallFailedException($"Brain {brain.Id} was acquired by burn; only Brains acquired by stake can be deactivated");
        }
        ulong unlock = brain.AcquiredAt + context.Parameters.StakeLockBlocks;
        if (context.Height < unlock)
        {
            throw new CallFailedException($"Brain {brain.Id}'s Pepecoin is locked until block {unlock}");
        }
        for (ushort uid = 0; uid < brain.NodeCount; uid++)
        {
            NeuronRecord neuron = state.GetNeuron(brain.Id, uid)!;
            brain = Membership.ClearUid(state, brain, uid, neuron);
            state.SetNeuron(brain.Id, uid, null);
        }
        // Emission not yet paid out goes to the owner, so no BASED disappears.
        LedgerRuntime.Credit(state, brain.Owner, brain.PendingEmission);
        new StatePepecoinLedger(state).Unlock(brain.Owner, brain.Pepecoin);
        state.SetBrain(brain.Id, null);
        List<ushort> ids = state.BrainIds.Where(id => id != brain.Id).ToList();
        state.BrainIds = ids;
        state.BrainCount = (ulong)ids.Count;
    }

    private static void SetWeights(CallContext context, SetWeightsCall call)
    {
        LedgerState state = context.State;
        BrainRecord brain = RequireBrain(context, call.Brain);
        ushort uid = state.GetUid(brain.Id, context.Sender) ?? throw new CallFailedException($"{context.Sender} is not registered on Brain {brain.Id}");
        NeuronRecord neuron = state.GetNeuron(brain.Id, uid)!;
        WeightEntry[] row;
        try
        {
            row = WeightRules.Validate(uid, brain.NodeCount, neuron.ValidatorPermit, neuron.LastUpdate, context.Height,
                call.Uids, call.Values, brain.Hyperparameters.ToWeightLimits());
        }
        catch (InvalidOperationException e)
        {
            throw new CallFailedException(e.Message);
        }
        state.SetWeights(brain.Id, uid, row);
        state.SetNeuron(brain.Id, uid, neuron with { LastUpdate = context.Height });
    }
}
