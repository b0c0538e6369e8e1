namespace BasedAI.Ledger.Yuma;

/// <summary>
/// One Yuma consensus epoch of one Brain, bit-exact with subtensor's sparse <c>epoch()</c> at commit 847da3d76 (the classic
/// stake-weighted-median Yuma that basednode runs), as written down in <c>specs/yuma.md</c>. All arithmetic is I32F32 fixed point
/// on raw bits, except the stake normalization (I64F64) and the emission amounts (I96F32).
/// </summary>
public static class YumaEpoch
{
    /// <summary>Runs the epoch. Throws <see cref="ArgumentException"/> when the arrays do not match <see cref="YumaEpochInput.N"/>.</summary>
    public static YumaEpochResult Run(YumaEpochInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        int n = input.N;
        Validate(input);
        YumaParameters parameters = input.Parameters;
        var result = new YumaEpochResult(n);

        // 1. Activity.
        var inactive = new bool[n];
        for (int i = 0; i < n; i++)
        {
            ulong lastActive = input.LastUpdate[i] > ulong.MaxValue - parameters.ActivityCutoff ? ulong.MaxValue : input.LastUpdate[i] + parameters.ActivityCutoff;
            inactive[i] = lastActive < input.CurrentBlock;
            result.Active[i] = !inactive[i];
        }

        // 2. Stake: I64F64 normalization truncated to I32F32, i.e. floor(stake·2^32 / total).
        long[] stake = NormalizedStake(input.Stake);

        // 3. New permits: top-K by stake, then the active-validator percentile.
        bool[] newPermit = TopKPermits(stake, input.PermitEligible, parameters.MaxAllowedValidators);
        ApplyPercentile(newPermit, input.Stake, parameters.ActiveValidatorPercentile);
        newPermit.CopyTo(result.NewValidatorPermit, 0);

        // 4. Active stake: drop inactive and non-permitted (previous permits), then normalize.
        long[] activeStake = (long[])stake.Clone();
        for (int i = 0; i < n; i++)
        {
            if (inactive[i] || !input.ValidatorPermit[i])
            {
                activeStake[i] = 0;
            }
        }
        Fx.Normalize(activeStake);

        // 5. Weights: permitted rows, no diagonal, no outdated entries, then row-normalized.
        SparseMatrix weights = LoadWeights(input);
        weights.NormalizeRows();
        for (int i = 0; i < n; i++)
        {
            long credits = 0;
            for (int e = weights.RowStart[i]; e < weights.RowStart[i + 1]; e++)
            {
                credits = Fx.Add(credits, Fx.Mul(weights.Values[e], stake[weights.Columns[e]]));
            }
            result.CreditsDelta[i] = credits;
        }

        // 6. Preranks.
        long[] preranks = weights.MultiplyRows(activeStake, n);

        // 7. Consensus: stake-weighted median per column.
        long kappa = Fx.Div((long)parameters.Kappa << 32, 65535L << 32);
        long[] consensus = WeightedMedianColumns(activeStake, weights, n, kappa);

        // 8-9. Clip at consensus; validator trust.
        weights.ClipColumns(consensus);
        SparseMatrix clipped = weights;
        long[] validatorTrust = clipped.RowSums();

        // 10. Ranks, trust, incentive.
        long[] ranks = clipped.MultiplyRows(activeStake, n);
        result.ConsensusRankSum = Fx.Sum(ranks);
        var trust = new long[n];
        for (int j = 0; j < n; j++)
        {
            trust[j] = preranks[j] != 0 ? Fx.Div(ranks[j], preranks[j]) : 0;
        }
        Fx.Normalize(ranks);
        long[] incentive = ranks;

        // 11. Previous bonds: unmask outdated, column-normalize.
        SparseMatrix bonds = LoadBonds(input);
        bonds.NormalizeColumns(n);

        // 12. Bond deltas ΔB = W̄ ∘ AS, column-normalized.
        clipped.ScaleRows(activeStake);
        SparseMatrix delta = clipped;
        delta.NormalizeColumns(n);

        // 13. Exponential moving average.
        long bondsAverage = (long)(((UInt128)parameters.BondsMovingAverage << 64) / 1_000_000 >> 32);
        long alpha = Fx.Sub(Fx.One, bondsAverage);
        SparseMatrix emaBonds = SparseMatrix.MovingAverage(delta, bonds, alpha, n);
        emaBonds.NormalizeColumns(n);

        // 14. Dividends.
        long[] dividends = emaBonds.MultiplyColumns(incentive);
        Fx.Normalize(dividends);

        // 15. Emission.
        var combined = new long[n];
        for (int i = 0; i < n; i++)
        {
            combined[i] = Fx.Add(incentive[i], dividends[i]);
        }
        long emissionSum = Fx.Sum(combined);
        long[] serverShare = (long[])incentive.Clone();
        long[] validatorShare = (long[])dividends.Clone();
        long[] combinedShare = (long[])combined.Clone();
        if (emissionSum != 0)
        {
            for (int i = 0; i < n; i++)
            {
                serverShare[i] = Fx.Div(serverShare[i], emissionSum);
                validatorShare[i] = Fx.Div(validatorShare[i], emissionSum);
            }
        }
        Fx.Normalize(combinedShare);
        if (emissionSum == 0)
        {
            result.UsedStakeFallback = true;
            long[] fallback = Fx.Sum(activeStake) == 0 ? stake : activeStake;
            fallback.CopyTo(validatorShare, 0);
            fallback.CopyTo(combinedShare, 0);
        }
        for (int i = 0; i < n; i++)
        {
            result.ServerEmission[i] = Fx.ScaleAmount(serverShare[i], input.RaoEmission);
            result.ValidatorEmission[i] = Fx.ScaleAmount(validatorShare[i], input.RaoEmission);
            result.Emission[i] = Fx.ScaleAmount(combinedShare[i], input.RaoEmission);
        }

        // 16-17. Pruning scores and storage forms.
        YumaMath.MaxUpscaleToU16(combinedShare).CopyTo(result.PruningScore, 0);
        for (int i = 0; i < n; i++)
        {
            result.Rank[i] = Fx.ProportionToU16(ranks[i]);
            result.Trust[i] = Fx.ProportionToU16(trust[i]);
            result.Consensus[i] = Fx.ProportionToU16(consensus[i]);
            result.Incentive[i] = Fx.ProportionToU16(incentive[i]);
            result.Dividends[i] = Fx.ProportionToU16(dividends[i]);
            result.ValidatorTrust[i] = Fx.ProportionToU16(validatorTrust[i]);
        }
        emaBonds.MaxUpscaleColumns(n);
        for (int i = 0; i < n; i++)
        {
            if (newPermit[i])
            {
                int start = emaBonds.RowStart[i], end = emaBonds.RowStart[i + 1];
                var row = new WeightEntry[end - start];
                for (int e = start; e < end; e++)
                {
                    row[e - start] = new WeightEntry((ushort)emaBonds.Columns[e], Fx.ProportionToU16(emaBonds.Values[e]));
                }
                result.Bonds[i] = row;
            }
            else if (input.ValidatorPermit[i])
            {
                result.Bonds[i] = [];
            }
        }
        return result;
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
        UInt128 total = 0;
        foreach (ulong s in stake)
        {
            total += s;
        }
        var result = new long[stake.Length];
        if (total == 0)
        {
            return result;
        }
        for (int i = 0; i < stake.Length; i++)
        {
            // (s·2^64 / total) >> 32 = floor(s·2^32 / total) for s ≤ total.
            result[i] = (long)((UInt128)stake[i] * (1UL << 32) / total);
        }
        return result;
    }

    private static bool[] TopKPermits(long[] stake, bool[]? eligible, int k)
    {
        int n = stake.Length;
        var permit = new bool[n];
        int[] candidates = eligible is null ? Enumerable.Range(0, n).ToArray() : Enumerable.Range(0, n).Where(i => eligible[i]).ToArray();
        foreach (int uid in YumaMath.IsTopK(candidates.Select(i => stake[i]).ToArray(), k)
            .Select((isTop, index) => (isTop, uid: candidates[index]))
            .Where(x => x.isTop)
            .Select(x => x.uid))
        {
            permit[uid] = true;
        }
        return permit;
    }

    private static void ApplyPercentile(bool[] permit, ulong[] stake, byte percentile)
    {
        if (percentile == 0)
        {
            return;
        }
        ulong[] permitted = stake.Where((_, i) => permit[i]).Order().ToArray();
        if (permitted.Length == 0)
        {
            return;
        }
        // Nearest-rank percentile: the smallest stake with at least P% of permitted stakes at or below it.
        int rank = Math.Max(1, (percentile * permitted.Length + 99) / 100);
        ulong threshold = permitted[rank - 1];
        for (int i = 0; i < permit.Length; i++)
        {
            permit[i] &= stake[i] >= threshold;
        }
    }

    private static SparseMatrix LoadWeights(YumaEpochInput input)
    {
        int n = input.N;
        int capacity = 0;
        for (int i = 0; i < n; i++)
        {
            capacity += input.ValidatorPermit[i] ? input.Weights[i]?.Length ?? 0 : 0;
        }
        var builder = new SparseMatrix.Builder(n, capacity);
        for (int i = 0; i < n; i++)
        {
            if (input.ValidatorPermit[i] && input.Weights[i] is { } row)
            {
                ulong updated = input.LastUpdate[i];
                foreach (WeightEntry entry in row)
                {
                    if (entry.Uid < n && entry.Uid != i && updated > input.BlockAtRegistration[entry.Uid])
                    {
                        builder.Add(entry.Uid, (long)entry.Value << 32);
                    }
                }
            }
            builder.EndRow();
        }
        return builder.Build();
    }

    private static SparseMatrix LoadBonds(YumaEpochInput input)
    {
        int n = input.N;
        var builder = new SparseMatrix.Builder(n, input.Bonds.Sum(row => row?.Length ?? 0));
        for (int i = 0; i < n; i++)
        {
            if (input.Bonds[i] is { } row)
            {
                ulong updated = input.LastUpdate[i];
                foreach (WeightEntry entry in row)
                {
                    if (entry.Uid < n && updated > input.BlockAtRegistration[entry.Uid])
                    {
                        builder.Add(entry.Uid, (long)entry.Value << 32);
                    }
                }
            }
            builder.EndRow();
        }
        return builder.Build();
    }

    /// <summary><c>weighted_median_col_sparse</c>: per column, the median over rows with positive active stake (absent entries score 0).</summary>
    private static long[] WeightedMedianColumns(long[] activeStake, SparseMatrix weights, int n, long kappa)
    {
        var median = new long[n];
        int[] rows = Enumerable.Range(0, n).Where(i => activeStake[i] > 0).ToArray();
        int k = rows.Length;
        var useStake = new long[k];
        for (int r = 0; r < k; r++)
        {
            useStake[r] = activeStake[rows[r]];
        }
        Fx.Normalize(useStake);
        long stakeSum = Fx.Sum(useStake);
        long minority = Fx.Sub(stakeSum, kappa);
        if (k == 0)
        {
            return median;
        }

        // Column-major view of the positive-stake rows: for each column, (row position, value) in row order.
        var columnCount = new int[n + 1];
        for (int r = 0; r < k; r++)
        {
            int i = rows[r];
            for (int e = weights.RowStart[i]; e < weights.RowStart[i + 1]; e++)
            {
                columnCount[weights.Columns[e] + 1]++;
            }
        }
        for (int c = 0; c < n; c++)
        {
            columnCount[c + 1] += columnCount[c];
        }
        int[] columnRow = System.Buffers.ArrayPool<int>.Shared.Rent(columnCount[n]);
        long[] columnValue = System.Buffers.ArrayPool<long>.Shared.Rent(columnCount[n]);
        var fill = (int[])columnCount.Clone();
        for (int r = 0; r < k; r++)
        {
            int i = rows[r];
            for (int e = weights.RowStart[i]; e < weights.RowStart[i + 1]; e++)
            {
                int slot = fill[weights.Columns[e]]++;
                columnRow[slot] = r;
                columnValue[slot] = weights.Values[e];
            }
        }

        var score = new long[k];
        var partitions = new[] { new int[k], new int[k], new int[k] };
        for (int c = 0; c < n; c++)
        {
            if (columnCount[c] == columnCount[c + 1])
            {
                // Every score is 0: the median of a constant column is that constant.
                median[c] = 0;
                continue;
            }
            Array.Clear(score);
            for (int e = columnCount[c]; e < columnCount[c + 1]; e++)
            {
                score[columnRow[e]] = columnValue[e];
            }
            median[c] = WeightedMedian(useStake, score, partitions, minority, 0, stakeSum);
        }
        System.Buffers.ArrayPool<int>.Shared.Return(columnRow);
        System.Buffers.ArrayPool<long>.Shared.Return(columnValue);
        return median;
    }

    /// <summary>
    /// The mid-pivot stake-weighted median of subtensor's <c>weighted_median</c>, iterative. The partition keeps the original
    /// row order, because the pivot is the element at position len/2.
    /// </summary>
    internal static long WeightedMedian(long[] stake, long[] score, int[][] partitions, long minority, long lo, long hi)
    {
        int current = 0;
        int length = score.Length;
        int[] initial = partitions[0];
        for (int i = 0; i < length; i++)
        {
            initial[i] = i;
        }
        while (true)
        {
            if (length == 0)
            {
                return 0;
            }
            int[] partition = partitions[current];
            if (length == 1)
            {
                return score[partition[0]];
            }
            long pivot = score[partition[length / 2]];
            int lowerIndex = (current + 1) % 3, upperIndex = (current + 2) % 3;
            int[] lower = partitions[lowerIndex], upper = partitions[upperIndex];
            int lowerLength = 0, upperLength = 0;
            long loStake = 0, hiStake = 0;
            for (int p = 0; p < length; p++)
            {
                int idx = partition[p];
                long s = score[idx];
                if (s == pivot)
                {
                    continue;
                }
                if (s < pivot)
                {
                    loStake = Fx.Add(loStake, stake[idx]);
                    lower[lowerLength++] = idx;
                }
                else
                {
                    hiStake = Fx.Add(hiStake, stake[idx]);
                    upper[upperLength++] = idx;
                }
            }
            long lowerEdge = Fx.Add(lo, loStake);
            long upperEdge = Fx.Sub(hi, hiStake);
            if (lowerEdge <= minority && minority < upperEdge)
            {
                return pivot;
            }
            if (minority < lowerEdge && lowerLength > 0)
            {
                hi = lowerEdge;
                current = lowerIndex;
                length = lowerLength;
            }
            else if (upperEdge <= minority && upperLength > 0)
            {
                lo = upperEdge;
                current = upperIndex;
                length = upperLength;
            }
            else
            {
                return pivot;
            }
        }
    }
}
