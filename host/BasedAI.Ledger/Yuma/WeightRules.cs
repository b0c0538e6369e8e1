namespace BasedAI.Ledger.Yuma;

/// <summary>The per-Brain limits that <c>set_weights</c> checks (the spec's section 4).</summary>
public sealed record WeightLimits
{
    /// <summary>Minimum number of weights in a row (capped at the Brain's size). Default 1 (basednode: 1024, subtensor test mock: 0).</summary>
    public ushort MinAllowedWeights { get; init; } = 1;

    /// <summary>Largest normalized weight as u16 (65535 disables the check). Default 65535.</summary>
    public ushort MaxWeightLimit { get; init; } = ushort.MaxValue;

    /// <summary>Blocks between two <c>set_weights</c> of one UID. Default 0.</summary>
    public ulong WeightsRateLimit { get; init; }
}

/// <summary>
/// <c>set_weights</c> validation, shared by the ledger runtime and the scenario simulator: the order of the checks and their
/// outcomes follow subtensor's <c>do_set_weights</c>.
/// </summary>
public static class WeightRules
{
    /// <summary>
    /// Checks a weights call of <paramref name="uid"/> on a Brain of <paramref name="n"/> UIDs and returns the row to store
    /// (max-upscaled values), or throws <see cref="InvalidOperationException"/> naming the failed check.
    /// </summary>
    public static WeightEntry[] Validate(int uid, int n, bool hasPermit, ulong lastUpdate, ulong currentBlock,
        ReadOnlySpan<ushort> uids, ReadOnlySpan<ushort> values, WeightLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (uids.Length != values.Length)
        {
            throw new InvalidOperationException($"weights: {uids.Length} UIDs but {values.Length} values");
        }
        if (uids.Length > n)
        {
            throw new InvalidOperationException($"weights: {uids.Length} entries exceed the Brain's {n} UIDs");
        }
        if (lastUpdate != 0 && currentBlock - Math.Min(currentBlock, lastUpdate) < limits.WeightsRateLimit)
        {
            throw new InvalidOperationException($"weights: set too fast (last at block {lastUpdate}, rate limit {limits.WeightsRateLimit} blocks)");
        }
        bool selfWeight = values.Length == 1 && uids[0] == uid;
        if (!selfWeight && !hasPermit)
        {
            throw new InvalidOperationException($"weights: UID {uid} has no validator permit (only a single self-weight is allowed without one)");
        }
        var seen = new HashSet<ushort>();
        foreach (ushort target in uids)
        {
            if (!seen.Add(target))
            {
                throw new InvalidOperationException($"weights: UID {target} appears twice");
            }
        }
        foreach (ushort target in uids)
        {
            if (target >= n)
            {
                throw new InvalidOperationException($"weights: UID {target} does not exist (the Brain has {n} UIDs)");
            }
        }
        int minimum = Math.Min((int)limits.MinAllowedWeights, n);
        if (!selfWeight && values.Length < minimum)
        {
            throw new InvalidOperationException($"weights: {values.Length} weights, the Brain requires at least {minimum}");
        }
        ushort[] upscaled = YumaMath.MaxUpscaleToU16(values);
        if (!selfWeight && limits.MaxWeightLimit != ushort.MaxValue && !YumaMath.IsMaxLimited(upscaled, limits.MaxWeightLimit))
        {
            throw new InvalidOperationException($"weights: a single weight exceeds the Brain's limit of {limits.MaxWeightLimit}/65535 of the row");
        }
        var row = new WeightEntry[uids.Length];
        for (int i = 0; i < row.Length; i++)
        {
            row[i] = new WeightEntry(uids[i], upscaled[i]);
        }
        return row;
    }

    /// <summary>
    /// Which UID a full Brain replaces: the lowest pruning score among UIDs past their immunity period (ties go to the highest
    /// UID, as subtensor's loop does); when every candidate is immune, the lowest score among them (ties to the lowest UID).
    /// Returns -1 when there are no candidates.
    /// </summary>
    public static int SelectPruneCandidate(IReadOnlyList<int> candidates, Func<int, ushort> pruningScore, Func<int, ulong> blockAtRegistration,
        ulong currentBlock, ulong immunityPeriod)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(pruningScore);
        ArgumentNullException.ThrowIfNull(blockAtRegistration);
        int best = -1, bestImmune = -1;
        int bestScore = int.MaxValue, bestImmuneScore = int.MaxValue;
        foreach (int uid in candidates)
        {
            ushort score = pruningScore(uid);
            ulong registered = blockAtRegistration(uid);
            bool immune = currentBlock - Math.Min(currentBlock, registered) < immunityPeriod;
            if (immune)
            {
                if (score < bestImmuneScore)
                {
                    bestImmuneScore = score;
                    bestImmune = uid;
                }
            }
            else if (score <= bestScore)
            {
                bestScore = score;
                best = uid;
            }
        }
        return best >= 0 ? best : bestImmune;
    }
}
