namespace BasedAI.Ledger.Yuma;

/// <summary>
/// One Yuma consensus epoch of one Brain, bit-exact with subtensor's sparse <c>epoch()</c> at commit 847da3d76 (the classic
/// stake-weighted-median Yuma that basednode runs), as written down in <c>specs/yuma.md</c>. All arithmetic is I32F32 fixed point
/// on raw bits, except the stake normalization (I64F64) and the emission amounts (I96F32).
/// </summary>
public static class YumaEpoch
{
    /// <summary>Runs the epoch. Throws <see cref="ArgumentException"/> when the arrays do not match <see cref="YumaEpochInput.N"/>.</summary>
    public static YumaEpochResult Run(YumaEpochInput input) => Run(input, parallelism: 0);

    /// <summary>Runs the epoch in <paramref name="parallelism"/> row/column chunks (0: by size and processor count); the result does not depend on it.</summary>
    internal static YumaEpochResult Run(YumaEpochInput input, int parallelism)
    {
        ArgumentNullException.ThrowIfNull(input);
        Validate(input);
        EpochEngine engine = EpochEngine.Rent();
        try
        {
            return engine.Run(input, parallelism);
        }
        finally
        {
            EpochEngine.Return(engine);
        }
    }

    private static void Validate(YumaEpochInput input)
    {
        int n = input.N;
        if (n < 0 || n > ushort.MaxValue + 1)
        {
            throw new ArgumentException($"N must be 0 to 65,536, not {n}.", nameof(input));
        }
        Check(input.Stake.Length, "stake");
        Check(input.Weights.Length, "weights");
        Check(input.Bonds.Length, "bonds");
        Check(input.LastUpdate.Length, "last_update");
        Check(input.BlockAtRegistration.Length, "block_at_registration");
        Check(input.ValidatorPermit.Length, "validator_permit");
        if (input.PermitEligible is { } eligible)
        {
            Check(eligible.Length, "permit_eligible");
        }
        if (input.Parameters.Validate() is { } error)
        {
            throw new ArgumentException(error, nameof(input));
        }

        void Check(int length, string name)
        {
            if (length != n)
            {
                throw new ArgumentException($"{name} has {length} entries but the Brain has {n} UIDs.", nameof(input));
            }
        }
    }

    internal static long[] NormalizedStake(ulong[] stake)
    {
        var result = new long[stake.Length];
        NormalizedStake(stake, result);
        return result;
    }

    /// <summary>I64F64 normalization truncated to I32F32: floor(stake·2^32 / total), all zero when the total is.</summary>
    internal static void NormalizedStake(ulong[] stake, Span<long> result)
    {
        UInt128 total = 0;
        foreach (ulong s in stake)
        {
            total += s;
        }
        if (total == 0)
        {
            result.Clear();
            return;
        }
        for (int i = 0; i < stake.Length; i++)
        {
            // (s·2^64 / total) >> 32 = floor(s·2^32 / total) for s ≤ total.
            result[i] = (long)((UInt128)stake[i] * (1UL << 32) / total);
        }
    }
}
