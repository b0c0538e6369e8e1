using BasedAI.Ledger.Yuma;

namespace BasedAI.Ledger.Tests;

/// <summary>
/// A deliberately plain transcription of the Yuma epoch (specs/yuma.md, subtensor's sparse <c>epoch()</c> at 847da3d76):
/// list-of-rows matrices, 128-bit integer arithmetic for every fixed-point operation, a sort per median column. It shares no
/// code with <see cref="YumaEpoch"/>, so the optimized epoch can be checked against it on random Brains.
/// </summary>
internal static class YumaEpochReference
{
    private const long One = 1L << 32;

    private static long Saturate(Int128 value) => value > long.MaxValue ? long.MaxValue : value < long.MinValue ? long.MinValue : (long)value;

    private static long Add(long a, long b) => Saturate((Int128)a + b);

    private static long Sub(long a, long b) => Saturate((Int128)a - b);

    private static long Mul(long a, long b) => Saturate((Int128)a * b >> 32); // arithmetic shift: floor

    private static long Div(long a, long b) => Saturate(((Int128)a << 32) / b); // Int128 division truncates toward zero

    private static ushort ToU16(long bits) => (ushort)Math.Clamp(bits >> 32, 0, ushort.MaxValue);

    private static ushort Proportion(long bits) => ToU16(Mul(bits, 65535L << 32));

    private static long Round(long bits) => bits >= 0
        ? Add(bits, 1L << 31) & ~(One - 1)
        : -(Add(-bits, 1L << 31) & ~(One - 1));

    private static long Sum(IEnumerable<long> values) => values.Aggregate(0L, Add);

    private static long[] Normalized(long[] values)
    {
        long sum = Sum(values);
        return sum == 0 ? values : values.Select(v => Div(v, sum)).ToArray();
    }

    private static List<(int Column, long Value)>[] Rows(int n) => Enumerable.Range(0, n).Select(_ => new List<(int, long)>()).ToArray();

    private static List<(int Column, long Value)>[] MapColumns(List<(int Column, long Value)>[] m, int n, Func<int, long, long, long> map, Func<long, long, long> fold)
    {
        var folded = new long[n];
        foreach (var row in m)
        {
            foreach (var (j, v) in row)
            {
                folded[j] = fold(folded[j], v);
            }
        }
        return m.Select(row => row.Select(e => (e.Column, map(e.Column, e.Value, folded[e.Column]))).ToList()).ToArray();
    }

    private static List<(int Column, long Value)>[] ColumnNormalized(List<(int Column, long Value)>[] m, int n) =>
        MapColumns(m, n, (_, v, sum) => sum == 0 ? v : Div(v, sum), Add);

    private static long[] MatMul(List<(int Column, long Value)>[] m, long[] vector, int n)
    {
        var result = new long[n];
        for (int i = 0; i < m.Length; i++)
        {
            foreach (var (j, v) in m[i])
            {
                result[j] = Add(result[j], Mul(vector[i], v));
            }
        }
        return result;
    }

    internal static long WeightedMedian(long[] stake, long[] score, int[] indices, long minority, long lo, long hi)
    {
        while (true)
        {
            if (indices.Length == 0)
            {
                return 0;
            }
            if (indices.Length == 1)
            {
                return score[indices[0]];
            }
            long pivot = score[indices[indices.Length / 2]];
            int[] lower = indices.Where(i => score[i] < pivot).ToArray();
            int[] upper = indices.Where(i => score[i] > pivot).ToArray();
            long lowerEdge = Add(lo, Sum(lower.Select(i => stake[i])));
            long upperEdge = Sub(hi, Sum(upper.Select(i => stake[i])));
            if (lowerEdge <= minority && minority < upperEdge)
            {
                return pivot;
            }
            if (minority < lowerEdge && lower.Length > 0)
            {
                (indices, hi) = (lower, lowerEdge);
            }
            else if (upperEdge <= minority && upper.Length > 0)
            {
                (indices, lo) = (upper, upperEdge);
            }
            else
            {
                return pivot;
            }
        }
    }

    public static YumaEpochResult Run(YumaEpochInput input)
    {
        int n = input.N;
        YumaParameters p = input.Parameters;
        var result = new YumaEpochResult(n);

        bool[] inactive = input.LastUpdate.Select(u => (u > ulong.MaxValue - p.ActivityCutoff ? ulong.MaxValue : u + p.ActivityCutoff) < input.CurrentBlock).ToArray();
        for (int i = 0; i < n; i++)
        {
            result.Active[i] = !inactive[i];
        }

        UInt128 totalStake = input.Stake.Aggregate(UInt128.Zero, (sum, s) => sum + s);
        long[] stake = input.Stake.Select(s => totalStake == 0 ? 0 : (long)(((UInt128)s << 64) / totalStake >> 32)).ToArray();

        // Permits: stable top-K by normalized stake among the eligible, then the nearest-rank stake percentile.
        var permit = new bool[n];
        int[] candidates = Enumerable.Range(0, n).Where(i => input.PermitEligible?[i] ?? true).ToArray();
        int[] byStake = candidates.OrderBy(i => stake[i]).ToArray(); // OrderBy is stable
        foreach (int uid in byStake.Skip(Math.Max(0, candidates.Length - p.MaxAllowedValidators)))
        {
            permit[uid] = true;
        }
        ulong[] permitted = Enumerable.Range(0, n).Where(i => permit[i]).Select(i => input.Stake[i]).Order().ToArray();
        if (p.ActiveValidatorPercentile != 0 && permitted.Length > 0)
        {
            ulong threshold = permitted[Math.Max(1, (p.ActiveValidatorPercentile * permitted.Length + 99) / 100) - 1];
            for (int i = 0; i < n; i++)
            {
                permit[i] &= input.Stake[i] >= threshold;
            }
        }
        permit.CopyTo(result.NewValidatorPermit, 0);

        long[] activeStake = Normalized(Enumerable.Range(0, n).Select(i => inactive[i] || !input.ValidatorPermit[i] ? 0 : stake[i]).ToArray());

        var weights = Rows(n);
        for (int i = 0; i < n; i++)
        {
            if (input.ValidatorPermit[i])
            {
                foreach (WeightEntry e in input.Weights[i] ?? [])
                {
                    if (e.Uid < n && e.Uid != i && input.LastUpdate[i] > input.BlockAtRegistration[e.Uid])
                    {
                        weights[i].Add((e.Uid, (long)e.Value << 32));
                    }
                }
            }
            long rowSum = Sum(weights[i].Select(e => e.Value));
            if (rowSum > 0)
            {
                weights[i] = weights[i].Select(e => (e.Column, Div(e.Value, rowSum))).ToList();
            }
            result.CreditsDelta[i] = Sum(weights[i].Select(e => Mul(e.Value, stake[e.Column])));
        }
        long[] preranks = MatMul(weights, activeStake, n);

        // Consensus: per column, the stake-weighted median over the rows with positive active stake.
        int[] voters = Enumerable.Range(0, n).Where(i => activeStake[i] > 0).ToArray();
        long[] voterStake = Normalized(voters.Select(i => activeStake[i]).ToArray());
        long kappa = Div((long)p.Kappa << 32, 65535L << 32);
        long minority = Sub(Sum(voterStake), kappa);
        var consensus = new long[n];
        for (int j = 0; j < n && voters.Length > 0; j++)
        {
            var score = new long[voters.Length];
            for (int r = 0; r < voters.Length; r++)
            {
                foreach (var e in weights[voters[r]])
                {
                    if (e.Column == j)
                    {
                        score[r] = e.Value;
                    }
                }
            }
            consensus[j] = WeightedMedian(voterStake, score, Enumerable.Range(0, voters.Length).ToArray(), minority, 0, Sum(voterStake));
        }

        var clipped = weights.Select(row => row
            .Where(e => e.Value <= consensus[e.Column] || consensus[e.Column] > 0)
            .Select(e => (Column: e.Column, Value: Math.Min(e.Value, consensus[e.Column])))
            .ToList()).ToArray();
        long[] validatorTrust = clipped.Select(row => Sum(row.Select(e => e.Value))).ToArray();
        long[] ranks = MatMul(clipped, activeStake, n);
        result.ConsensusRankSum = Sum(ranks);
        long[] trust = Enumerable.Range(0, n).Select(j => preranks[j] != 0 ? Div(ranks[j], preranks[j]) : 0).ToArray();
        long[] incentive = Normalized(ranks);

        var bonds = Rows(n);
        for (int i = 0; i < n; i++)
        {
            foreach (WeightEntry e in input.Bonds[i] ?? [])
            {
                if (e.Uid < n && input.LastUpdate[i] > input.BlockAtRegistration[e.Uid])
                {
                    bonds[i].Add((e.Uid, (long)e.Value << 32));
                }
            }
        }
        bonds = ColumnNormalized(bonds, n);
        var delta = ColumnNormalized(clipped.Select((row, i) => row.Select(e => (e.Column, Mul(e.Value, activeStake[i]))).ToList()).ToArray(), n);

        long alpha = Sub(One, (long)(((UInt128)p.BondsMovingAverage << 64) / 1_000_000 >> 32));
        long oneMinusAlpha = Sub(One, alpha);
        var ema = Rows(n);
        for (int i = 0; i < n; i++)
        {
            var row = new SortedDictionary<int, long>();
            foreach (var (j, v) in delta[i])
            {
                row[j] = Add(row.GetValueOrDefault(j), Mul(alpha, v));
            }
            foreach (var (j, v) in bonds[i])
            {
                row[j] = Add(row.GetValueOrDefault(j), Mul(oneMinusAlpha, v));
            }
            ema[i] = row.Where(e => e.Value > 0).Select(e => (Column: e.Key, e.Value)).ToList();
        }
        ema = ColumnNormalized(ema, n);
        long[] dividends = Normalized(ema.Select(row => Sum(row.Select(e => Mul(incentive[e.Column], e.Value)))).ToArray());

        long[] combined = incentive.Zip(dividends, Add).ToArray();
        long emissionSum = Sum(combined);
        long[] serverShare = emissionSum == 0 ? incentive : incentive.Select(v => Div(v, emissionSum)).ToArray();
        long[] validatorShare = emissionSum == 0 ? dividends : dividends.Select(v => Div(v, emissionSum)).ToArray();
        long[] combinedShare = Normalized(combined);
        if (emissionSum == 0)
        {
            result.UsedStakeFallback = true;
            validatorShare = combinedShare = Sum(activeStake) == 0 ? stake : activeStake;
        }
        ulong Amount(long share) => share <= 0 ? 0 : (ulong)UInt128.Min((UInt128)(ulong)share * input.RaoEmission >> 32, ulong.MaxValue);
        for (int i = 0; i < n; i++)
        {
            result.ServerEmission[i] = Amount(serverShare[i]);
            result.ValidatorEmission[i] = Amount(validatorShare[i]);
            result.Emission[i] = Amount(combinedShare[i]);
        }

        long max = combinedShare.Length == 0 ? 0 : combinedShare.Max();
        for (int i = 0; i < n; i++)
        {
            long e = combinedShare[i];
            long u16Max = 65535L << 32;
            result.PruningScore[i] = ToU16(max == 0 ? Mul(e, u16Max) : max > 32768L << 32 ? Round(Mul(e, Div(u16Max, max))) : Round(Div(Mul(e, u16Max), max)));
            result.Rank[i] = Proportion(incentive[i]);
            result.Trust[i] = Proportion(trust[i]);
            result.Consensus[i] = Proportion(consensus[i]);
            result.Incentive[i] = Proportion(incentive[i]);
            result.Dividends[i] = Proportion(dividends[i]);
            result.ValidatorTrust[i] = Proportion(validatorTrust[i]);
        }

        ema = MapColumns(ema, n, (_, v, columnMax) => columnMax == 0 ? v : Div(v, columnMax), Math.Max);
        for (int i = 0; i < n; i++)
        {
            if (permit[i])
            {
                result.Bonds[i] = ema[i].Select(e => new WeightEntry((ushort)e.Column, Proportion(e.Value))).ToArray();
            }
            else if (input.ValidatorPermit[i])
            {
                result.Bonds[i] = [];
            }
        }
        return result;
    }
}
