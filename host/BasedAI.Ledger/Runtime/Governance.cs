using System.Text;
using BasedAI.Ledger.Chain;
using BasedAI.Ledger.State;

namespace BasedAI.Ledger.Runtime;

/// <summary>
/// GigaBrains (Brains with at least 0.5% of total stake, one vote each) propose and vote. A proposal created in the first
/// year (blocks 1 to 3,155,760) passes unless a majority of the GigaBrains counted at closing vote no; later ones pass only
/// with a majority of yes votes.
/// </summary>
public static class Governance
{
    /// <summary>True when <paramref name="brain"/> holds at least the GigaBrain share of total network stake.</summary>
    public static bool IsGigaBrain(BrainRecord brain, ulong totalStake, ChainParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(brain);
        ArgumentNullException.ThrowIfNull(parameters);
        return totalStake > 0 && (UInt128)brain.TotalStake * 10_000 >= (UInt128)totalStake * parameters.GigaBrainThresholdBps;
    }

    internal static void Propose(CallContext context, ProposeCall call)
    {
        LedgerState state = context.State;
        BrainRecord brain = Calls.RequireOwnedBrain(context, call.Brain);
        RequireGigaBrain(state, brain, context.Parameters);
        if (string.IsNullOrWhiteSpace(call.Title) || System.Text.Encoding.UTF8.GetByteCount(call.Title) > ExtrinsicCall.MaxNameBytes)
        {
            throw new CallFailedException($"a proposal title is 1 to {ExtrinsicCall.MaxNameBytes} bytes and not blank");
        }
        uint id = state.NextProposal;
        state.NextProposal = id + 1;
        state.SetProposal(new ProposalRecord
        {
            Id = id,
            ProposerBrain = brain.Id,
            Title = call.Title,
            Body = call.Body,
            CreatedAt = context.Height,
            EndsAt = context.Height + context.Parameters.VotingPeriod,
            DefaultPass = context.Height <= context.Parameters.HalvingInterval,
            Votes = [(brain.Id, true)],
        });
        state.OpenProposals = [.. state.OpenProposals, id];
    }

    internal static void Vote(CallContext context, VoteCall call)
    {
        LedgerState state = context.State;
        ProposalRecord proposal = state.GetProposal(call.Proposal) ?? throw new CallFailedException($"proposal {call.Proposal} does not exist");
        if (proposal.Status != ProposalStatus.Open)
        {
            throw new CallFailedException($"proposal {call.Proposal} is closed ({proposal.Status})");
        }
        BrainRecord brain = Calls.RequireOwnedBrain(context, call.Brain);
        RequireGigaBrain(state, brain, context.Parameters);
        var votes = proposal.Votes.Where(v => v.Brain != brain.Id).Append((brain.Id, call.Approve)).OrderBy(v => v.Item1).ToList();
        state.SetProposal(proposal with { Votes = votes });
    }

    internal static void CloseDue(LedgerState state, ulong height, ChainParameters parameters)
    {
        IReadOnlyList<uint> open = state.OpenProposals;
        if (open.Count == 0)
        {
            return;
        }
        var stillOpen = new List<uint>();
        HashSet<ushort>? gigaBrains = null;
        foreach (uint id in open)
        {
            ProposalRecord proposal = state.GetProposal(id)!;
            if (height < proposal.EndsAt)
            {
                stillOpen.Add(id);
                continue;
            }
            ulong totalStake = state.TotalStake;
            gigaBrains ??= state.Brains().Where(b => IsGigaBrain(b, totalStake, parameters)).Select(b => b.Id).ToHashSet();
            int yes = proposal.Votes.Count(v => v.Approve && gigaBrains.Contains(v.Brain));
            int no = proposal.Votes.Count(v => !v.Approve && gigaBrains.Contains(v.Brain));
            int electorate = gigaBrains.Count;
            bool passed = proposal.DefaultPass ? no * 2 <= electorate : yes * 2 > electorate;
            state.SetProposal(proposal with { Status = passed ? ProposalStatus.Passed : ProposalStatus.Rejected, Electorate = (ushort)electorate });
        }
        state.OpenProposals = stillOpen;
    }

    private static void RequireGigaBrain(LedgerState state, BrainRecord brain, ChainParameters parameters)
    {
        if (!IsGigaBrain(brain, state.TotalStake, parameters))
        {
            throw new CallFailedException($"Brain {brain.Id} is not a GigaBrain: it holds {Units.FormatBased(brain.TotalStake)} of {Units.FormatBased(state.TotalStake)} BASED staked, below {parameters.GigaBrainThresholdBps / 100.0:0.##}%");
        }
    }
}
