using System.Numerics;

namespace BasedAI.Ledger.Yuma;

/// <summary>
/// The buffers and passes of one epoch, kept between epochs (one cached instance; a concurrent epoch gets its own). Matrices are
/// row-major with each row at a fixed slot sized by its input row (CSR with gaps: row i holds [start[i], end[i])). Every value
/// the epoch sums, multiplies or compares is non-negative, so the saturating sums are min(exact sum, max) in any order: row
/// chunks run in parallel and their per-column partial sums merge to exactly what a sequential pass computes.
/// </summary>
internal sealed class EpochEngine
{
    /// <summary>Below this many matrix entries an epoch runs on the calling thread only.</summary>
    private const int ParallelWork = 32_768;

    private static EpochEngine? s_cached;

    private readonly Action<int> _loadWeights, _columnMedians, _clipAndScale, _loadBonds, _movingAverage, _dividends, _storeBonds;

    private YumaEpochInput _input = null!;
    private YumaEpochResult _result = null!;
    private int _n, _chunks, _voters;
    private long _alpha, _stakeSum, _minority;
    private int[] _bounds = [];

    // Vectors over UIDs.
    private long[] _stake = [], _activeStake = [], _preranks = [], _consensus = [], _ranks = [], _trust = [], _incentive = [];
    private long[] _dividendsVector = [], _combined = [], _serverShare = [], _validatorShare = [], _combinedShare = [];
    private long[] _bondSums = [], _emaSums = [], _emaMax = [];
    private double[] _rankReciprocal = [], _bondReciprocal = [], _emaReciprocal = [], _maxReciprocal = [];
    private bool[] _scratchFlags = [];
    private ulong[] _scratchStake = [];

    // Weights (clipped and stake-scaled in place into ΔB), previous bonds, and the moving average, as gapped CSR.
    private int[] _weightStart = [], _weightEnd = [], _weightColumns = [];
    private long[] _weightValues = [];
    private int[] _bondStart = [], _bondEnd = [], _bondColumns = [];
    private long[] _bondValues = [];
    private int[] _emaStart = [], _emaEnd = [], _emaColumns = [];
    private long[] _emaValues = [];

    // The voters (rows with active stake) column by column, for the medians.
    private int[] _voterRows = [], _columnStart = [], _columnEnd = [], _lastVoter = [];
    private long[] _voterStake = [], _columnValues = [], _columnStakes = [];

    // Per chunk: per-column partial sums or maxima, and the moving average's row accumulator with its touched columns.
    private long[][] _partial = [];
    private long[][] _rowAccumulator = [];
    private ulong[][] _rowTouched = [];
    private int[][] _rowTouchedList = [];

    private EpochEngine()
    {
        _loadWeights = LoadWeights;
        _columnMedians = ColumnMedians;
        _clipAndScale = ClipAndScale;
        _loadBonds = LoadBonds;
        _movingAverage = MovingAverage;
        _dividends = Dividends;
        _storeBonds = StoreBonds;
    }

    public static EpochEngine Rent() => Interlocked.Exchange(ref s_cached, null) ?? new EpochEngine();

    public static void Return(EpochEngine engine)
    {
        engine._input = null!;
        engine._result = null!;
        Volatile.Write(ref s_cached, engine);
    }

    /// <summary>Runs the epoch on validated input; <paramref name="parallelism"/> &gt; 0 fixes the number of row/column chunks.</summary>
    public YumaEpochResult Run(YumaEpochInput input, int parallelism)
    {
        int n = input.N;
        YumaParameters parameters = input.Parameters;
        var result = new YumaEpochResult(n);
        _input = input;
        _result = result;
        _n = n;
        EnsureVectors(n);

        // 1. Activity.
        for (int i = 0; i < n; i++)
        {
            ulong lastActive = input.LastUpdate[i] > ulong.MaxValue - parameters.ActivityCutoff ? ulong.MaxValue : input.LastUpdate[i] + parameters.ActivityCutoff;
            result.Active[i] = lastActive >= input.CurrentBlock;
        }

        // 2. Stake: I64F64 normalization truncated to I32F32.
        Span<long> stake = _stake.AsSpan(0, n);
        YumaEpoch.NormalizedStake(input.Stake, stake);

        // 3. New permits: top-K by stake among the eligible, then the active-validator percentile.
        TopKPermits(stake, input.PermitEligible, parameters.MaxAllowedValidators, result.NewValidatorPermit);
        ApplyPercentile(result.NewValidatorPermit, input.Stake, parameters.ActiveValidatorPercentile);

        // 4. Active stake: drop inactive and non-permitted (previous permits), then normalize.
        for (int i = 0; i < n; i++)
        {
            _activeStake[i] = result.Active[i] && input.ValidatorPermit[i] ? stake[i] : 0;
        }
        Fx.Normalize(_activeStake.AsSpan(0, n));

        // Row slots sized by the input rows; the chunk count follows the total work.
        int weightCapacity = Slots(_weightStart, n, i => input.ValidatorPermit[i] ? input.Weights[i]?.Length ?? 0 : 0);
        int bondCapacity = Slots(_bondStart, n, i => input.Bonds[i]?.Length ?? 0);
        _chunks = parallelism > 0 ? parallelism : weightCapacity + bondCapacity >= ParallelWork ? Math.Max(1, Environment.ProcessorCount) : 1;
        EnsureMatrices(n, weightCapacity, bondCapacity);

        // 5-6. Weights (permitted rows, no diagonal, no outdated entries), row-normalized; credits; preranks.
        RunRowChunks(_weightStart, _loadWeights);
        MergeSums(_preranks);

        // 7. Consensus: stake-weighted median per column over the voters (rows with positive active stake).
        long kappa = Fx.Div((long)parameters.Kappa << 32, 65535L << 32);
        ColumnsByVoter(kappa);
        RunChunks(_columnStart, n, _columnMedians);

        // 8-10. Clip at consensus (validator trust = clipped row sums), scale rows by active stake into ΔB; its column sums
        // are the ranks, since both are Σ_i clip(w_ij)·as_i.
        RunRowChunks(_weightStart, _clipAndScale);
        MergeSums(_ranks);
        result.ConsensusRankSum = Fx.Sum(_ranks.AsSpan(0, n));
        for (int j = 0; j < n; j++)
        {
            _trust[j] = _preranks[j] != 0 ? Fx.Div(_ranks[j], _preranks[j]) : 0;
            _rankReciprocal[j] = Fx.Reciprocal(_ranks[j]);
        }
        Span<long> incentive = _incentive.AsSpan(0, n);
        _ranks.AsSpan(0, n).CopyTo(incentive);
        Fx.Normalize(incentive);

        // 11. Previous bonds (outdated entries unmasked) and their column sums.
        RunRowChunks(_bondStart, _loadBonds);
        MergeSums(_bondSums);
        for (int j = 0; j < n; j++)
        {
            _bondReciprocal[j] = Fx.Reciprocal(_bondSums[j]);
        }

        // 12-13. Column-normalized ΔB and bonds, their moving average per row in column order (positive entries only).
        long bondsAverage = (long)(((UInt128)parameters.BondsMovingAverage << 64) / 1_000_000 >> 32);
        _alpha = Fx.Sub(Fx.One, bondsAverage);
        for (int i = 0; i < n; i++)
        {
            _emaStart[i + 1] = _emaStart[i] + (_weightEnd[i] - _weightStart[i]) + (_bondEnd[i] - _bondStart[i]);
        }
        Grow(ref _emaColumns, _emaStart[n]);
        Grow(ref _emaValues, _emaStart[n]);
        RunRowChunks(_emaStart, _movingAverage);
        MergeSums(_emaSums);
        for (int j = 0; j < n; j++)
        {
            _emaReciprocal[j] = Fx.Reciprocal(_emaSums[j]);
        }

        // 14. Column-normalized moving average; dividends; column maxima for the stored form.
        RunRowChunks(_emaStart, _dividends);
        MergeMaxima(_emaMax);
        for (int j = 0; j < n; j++)
        {
            _maxReciprocal[j] = Fx.Reciprocal(_emaMax[j]);
        }
        Span<long> dividends = _dividendsVector.AsSpan(0, n);
        Fx.Normalize(dividends);

        // 15. Emission.
        Span<long> combined = _combined.AsSpan(0, n);
        for (int i = 0; i < n; i++)
        {
            combined[i] = Fx.Add(incentive[i], dividends[i]);
        }
        long emissionSum = Fx.Sum(combined);
        Span<long> serverShare = _serverShare.AsSpan(0, n), validatorShare = _validatorShare.AsSpan(0, n), combinedShare = _combinedShare.AsSpan(0, n);
        incentive.CopyTo(serverShare);
        dividends.CopyTo(validatorShare);
        combined.CopyTo(combinedShare);
        if (emissionSum != 0)
        {
            double reciprocal = Fx.Reciprocal(emissionSum);
            for (int i = 0; i < n; i++)
            {
                serverShare[i] = Fx.DivBy(serverShare[i], emissionSum, reciprocal);
                validatorShare[i] = Fx.DivBy(validatorShare[i], emissionSum, reciprocal);
            }
        }
        Fx.Normalize(combinedShare);
        if (emissionSum == 0)
        {
            result.UsedStakeFallback = true;
            Span<long> fallback = Fx.Sum(_activeStake.AsSpan(0, n)) == 0 ? stake : _activeStake.AsSpan(0, n);
            fallback.CopyTo(validatorShare);
            fallback.CopyTo(combinedShare);
        }
        for (int i = 0; i < n; i++)
        {
            result.ServerEmission[i] = Fx.ScaleAmount(serverShare[i], input.RaoEmission);
            result.ValidatorEmission[i] = Fx.ScaleAmount(validatorShare[i], input.RaoEmission);
            result.Emission[i] = Fx.ScaleAmount(combinedShare[i], input.RaoEmission);
        }

        // 16-17. Pruning scores and storage forms; bonds rows column-max-upscaled for the new permit holders.
        YumaMath.MaxUpscaleToU16(combinedShare, result.PruningScore);
        for (int i = 0; i < n; i++)
        {
            result.Rank[i] = Fx.ProportionToU16(incentive[i]);
            result.Trust[i] = Fx.ProportionToU16(_trust[i]);
            result.Consensus[i] = Fx.ProportionToU16(_consensus[i]);
            result.Incentive[i] = Fx.ProportionToU16(incentive[i]);
            result.Dividends[i] = Fx.ProportionToU16(dividends[i]);
            if (!result.NewValidatorPermit[i] && input.ValidatorPermit[i])
            {
                result.Bonds[i] = [];
            }
        }
        RunRowChunks(_emaStart, _storeBonds);
        return result;
    }

    private static int Slots(int[] start, int n, Func<int, int> length)
    {
        start[0] = 0;
        for (int i = 0; i < n; i++)
        {
            start[i + 1] = checked(start[i] + length(i));
        }
        return start[n];
    }

    private void LoadWeights(int chunk)
    {
        (int first, int last) = (_bounds[chunk], _bounds[chunk + 1]);
        long[] preranks = ClearedPartial(chunk);
        ulong[] registeredAt = _input.BlockAtRegistration;
        int n = _n;
        for (int i = first; i < last; i++)
        {
            int start = _weightStart[i], end = start;
            if (_input.ValidatorPermit[i] && _input.Weights[i] is { } row)
            {
                ulong updated = _input.LastUpdate[i];
                long sum = 0;
                foreach (WeightEntry entry in row)
                {
                    int j = entry.Uid;
                    if (j < n && j != i && updated > registeredAt[j])
                    {
                        long value = (long)entry.Value << 32;
                        _weightColumns[end] = j;
                        _weightValues[end++] = value;
                        sum = Fx.Add(sum, value);
                    }
                }
                if (sum > 0)
                {
                    double reciprocal = Fx.Reciprocal(sum);
                    for (int e = start; e < end; e++)
                    {
                        _weightValues[e] = Fx.DivBy(_weightValues[e], sum, reciprocal);
                    }
                }
            }
            _weightEnd[i] = end;

            long credits = 0, activeStake = _activeStake[i];
            for (int e = start; e < end; e++)
            {
                int j = _weightColumns[e];
                long value = _weightValues[e];
                credits = Fx.Add(credits, Fx.Mul(value, _stake[j]));
                if (activeStake != 0)
                {
                    preranks[j] = Fx.Add(preranks[j], Fx.Mul(activeStake, value));
                }
            }
            _result.CreditsDelta[i] = credits;
        }
    }

    /// <summary>The voters' normalized stake, the minority point, and the voters' weights regrouped by column (in voter order).</summary>
    private void ColumnsByVoter(long kappa)
    {
        int n = _n, voters = 0;
        for (int i = 0; i < n; i++)
        {
            if (_activeStake[i] > 0)
            {
                _voterRows[voters] = i;
                _voterStake[voters++] = _activeStake[i];
            }
        }
        _voters = voters;
        Fx.Normalize(_voterStake.AsSpan(0, voters));
        _stakeSum = Fx.Sum(_voterStake.AsSpan(0, voters));
        _minority = Fx.Sub(_stakeSum, kappa);

        Array.Clear(_columnStart, 0, n + 1);
        for (int r = 0; r < voters; r++)
        {
            int i = _voterRows[r];
            for (int e = _weightStart[i]; e < _weightEnd[i]; e++)
            {
                _columnStart[_weightColumns[e] + 1]++;
            }
        }
        for (int j = 0; j < n; j++)
        {
            _columnStart[j + 1] += _columnStart[j];
            _columnEnd[j] = _columnStart[j];
            _lastVoter[j] = -1;
        }
        Grow(ref _columnValues, _columnStart[n]);
        Grow(ref _columnStakes, _columnStart[n]);
        for (int r = 0; r < voters; r++)
        {
            int i = _voterRows[r];
            long stake = _voterStake[r];
            for (int e = _weightStart[i]; e < _weightEnd[i]; e++)
            {
                int j = _weightColumns[e];
                if (_lastVoter[j] == r)
                {
                    // The same column twice in one row: the reference's dense score vector keeps the last value.
                    _columnValues[_columnEnd[j] - 1] = _weightValues[e];
                    continue;
                }
                _lastVoter[j] = r;
                int slot = _columnEnd[j]++;
                _columnValues[slot] = _weightValues[e];
                _columnStakes[slot] = stake;
            }
        }
    }

    private void ColumnMedians(int chunk)
    {
        for (int j = _bounds[chunk]; j < _bounds[chunk + 1]; j++)
        {
            int start = _columnStart[j], length = _columnEnd[j] - start;
            _consensus[j] = _voters == 0 ? 0 : WeightedMedian.Column(
                _columnValues.AsSpan(start, length), _columnStakes.AsSpan(start, length), length < _voters, _stakeSum, _minority);
        }
    }

    private void ClipAndScale(int chunk)
    {
        long[] ranks = ClearedPartial(chunk);
        for (int i = _bounds[chunk]; i < _bounds[chunk + 1]; i++)
        {
            long rowSum = 0, activeStake = _activeStake[i];
            for (int e = _weightStart[i]; e < _weightEnd[i]; e++)
            {
                int j = _weightColumns[e];
                // col_clip_sparse drops an entry above a zero threshold instead of clipping it to 0; a 0 entry adds nothing to
                // any sum or product downstream, and the moving average keeps only positive entries, so clipping is a min.
                long clipped = Math.Min(_weightValues[e], _consensus[j]);
                rowSum = Fx.Add(rowSum, clipped);
                long scaled = Fx.Mul(clipped, activeStake);
                _weightValues[e] = scaled;
                ranks[j] = Fx.Add(ranks[j], scaled);
            }
            _result.ValidatorTrust[i] = Fx.ProportionToU16(rowSum);
        }
    }

    private void LoadBonds(int chunk)
    {
        long[] sums = ClearedPartial(chunk);
        ulong[] registeredAt = _input.BlockAtRegistration;
        int n = _n;
        for (int i = _bounds[chunk]; i < _bounds[chunk + 1]; i++)
        {
            int end = _bondStart[i];
            if (_input.Bonds[i] is { } row)
            {
                ulong updated = _input.LastUpdate[i];
                foreach (WeightEntry entry in row)
                {
                    int j = entry.Uid;
                    if (j < n && updated > registeredAt[j])
                    {
                        long value = (long)entry.Value << 32;
                        _bondColumns[end] = j;
                        _bondValues[end++] = value;
                        sums[j] = Fx.Add(sums[j], value);
                    }
                }
            }
            _bondEnd[i] = end;
        }
    }

    /// <summary><c>mat_ema_sparse</c> of the column-normalized ΔB and bonds: α·ΔB + (1−α)·B, positive entries in column order.</summary>
    private void MovingAverage(int chunk)
    {
        long[] sums = ClearedPartial(chunk);
        long[] accumulator = _rowAccumulator[chunk];
        ulong[] touched = _rowTouched[chunk];
        int[] touchedList = _rowTouchedList[chunk];
        long alpha = _alpha, oneMinusAlpha = Fx.Sub(Fx.One, alpha);
        for (int i = _bounds[chunk]; i < _bounds[chunk + 1]; i++)
        {
            int count = 0, low = int.MaxValue, high = -1;
            for (int e = _weightStart[i]; e < _weightEnd[i]; e++)
            {
                int j = _weightColumns[e];
                long value = _weightValues[e], sum = _ranks[j];
                Touch(j, Fx.Mul(alpha, sum != 0 ? Fx.DivBy(value, sum, _rankReciprocal[j]) : value));
            }
            for (int e = _bondStart[i]; e < _bondEnd[i]; e++)
            {
                int j = _bondColumns[e];
                long value = _bondValues[e], sum = _bondSums[j];
                Touch(j, Fx.Mul(oneMinusAlpha, sum != 0 ? Fx.DivBy(value, sum, _bondReciprocal[j]) : value));
            }

            int write = _emaStart[i];
            if (count > 0)
            {
                int firstWord = low >> 6, lastWord = high >> 6;
                if (count < (lastWord - firstWord + 1) * 4)
                {
                    // Few columns spread wide: sorting them beats scanning the bitmap.
                    Span<int> columns = touchedList.AsSpan(0, count);
                    columns.Sort();
                    foreach (int j in columns)
                    {
                        Emit(j);
                    }
                }
                else
                {
                    for (int word = firstWord; word <= lastWord; word++)
                    {
                        for (ulong bits = touched[word]; bits != 0; bits &= bits - 1)
                        {
                            Emit((word << 6) + BitOperations.TrailingZeroCount(bits));
                        }
                    }
                }
            }
            _emaEnd[i] = write;

            void Emit(int j)
            {
                long value = accumulator[j];
                if (value > 0)
                {
                    _emaColumns[write] = j;
                    _emaValues[write++] = value;
                    sums[j] = Fx.Add(sums[j], value);
                }
                accumulator[j] = 0;
                touched[j >> 6] &= ~(1UL << j);
            }

            void Touch(int j, long value)
            {
                ulong bit = 1UL << j;
                if ((touched[j >> 6] & bit) == 0)
                {
                    touched[j >> 6] |= bit;
                    touchedList[count++] = j;
                    low = Math.Min(low, j);
                    high = Math.Max(high, j);
                }
                accumulator[j] = Fx.Add(accumulator[j], value);
            }
        }
    }

    private void Dividends(int chunk)
    {
        long[] maxima = ClearedPartial(chunk);
        for (int i = _bounds[chunk]; i < _bounds[chunk + 1]; i++)
        {
            long dividend = 0;
            for (int e = _emaStart[i]; e < _emaEnd[i]; e++)
            {
                int j = _emaColumns[e];
                long value = _emaValues[e], sum = _emaSums[j];
                if (sum != 0)
                {
                    value = Fx.DivBy(value, sum, _emaReciprocal[j]);
                    _emaValues[e] = value;
                }
                dividend = Fx.Add(dividend, Fx.Mul(_incentive[j], value));
                maxima[j] = Math.Max(maxima[j], value);
            }
            _dividendsVector[i] = dividend;
        }
    }

    private void StoreBonds(int chunk)
    {
        for (int i = _bounds[chunk]; i < _bounds[chunk + 1]; i++)
        {
            if (!_result.NewValidatorPermit[i])
            {
                continue;
            }
            int start = _emaStart[i];
            var row = new WeightEntry[_emaEnd[i] - start];
            for (int e = 0; e < row.Length; e++)
            {
                int j = _emaColumns[start + e];
                long value = _emaValues[start + e], max = _emaMax[j];
                row[e] = new WeightEntry((ushort)j, Fx.ProportionToU16(max != 0 ? Fx.DivBy(value, max, _maxReciprocal[j]) : value));
            }
            _result.Bonds[i] = row;
        }
    }

    private void TopKPermits(ReadOnlySpan<long> stake, bool[]? eligible, int k, bool[] permit)
    {
        int n = stake.Length;
        Span<long> candidates = _combined.AsSpan(0, n);
        int count = 0;
        for (int i = 0; i < n; i++)
        {
            if (eligible is null || eligible[i])
            {
                candidates[count++] = stake[i];
            }
        }
        Span<bool> top = _scratchFlags.AsSpan(0, count);
        YumaMath.MarkTopK(candidates[..count], k, top, _combinedShare);
        for (int i = 0, c = 0; i < n; i++)
        {
            permit[i] = (eligible is null || eligible[i]) && top[c++];
        }
    }

    private void ApplyPercentile(bool[] permit, ulong[] stake, byte percentile)
    {
        if (percentile == 0)
        {
            return;
        }
        int count = 0;
        for (int i = 0; i < permit.Length; i++)
        {
            if (permit[i])
            {
                _scratchStake[count++] = stake[i];
            }
        }
        if (count == 0)
        {
            return;
        }
        Span<ulong> permitted = _scratchStake.AsSpan(0, count);
        permitted.Sort();
        // Nearest-rank percentile: the smallest stake with at least P% of permitted stakes at or below it.
        ulong threshold = permitted[Math.Max(1, (percentile * count + 99) / 100) - 1];
        for (int i = 0; i < permit.Length; i++)
        {
            permit[i] &= stake[i] >= threshold;
        }
    }

    /// <summary>Runs <paramref name="body"/> over row chunks holding about equal shares of the entries that <paramref name="start"/> slots.</summary>
    private void RunRowChunks(int[] start, Action<int> body) => RunChunks(start, _n, body);

    private void RunChunks(int[] prefix, int length, Action<int> body)
    {
        int chunks = _chunks;
        long total = prefix[length];
        _bounds[0] = 0;
        for (int c = 1; c < chunks; c++)
        {
            // The first index whose prefix reaches c/chunks of the work.
            long target = total * c / chunks;
            int lo = _bounds[c - 1], hi = length;
            while (lo < hi)
            {
                int mid = (lo + hi) >>> 1;
                if (prefix[mid] < target)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }
            _bounds[c] = lo;
        }
        _bounds[chunks] = length;
        if (chunks == 1)
        {
            body(0);
        }
        else
        {
            Parallel.For(0, chunks, body);
        }
    }

    private long[] ClearedPartial(int chunk)
    {
        long[] partial = _partial[chunk];
        Array.Clear(partial, 0, _n);
        return partial;
    }

    private void MergeSums(long[] target)
    {
        for (int j = 0; j < _n; j++)
        {
            long sum = _partial[0][j];
            for (int c = 1; c < _chunks; c++)
            {
                sum = Fx.Add(sum, _partial[c][j]);
            }
            target[j] = sum;
        }
    }

    private void MergeMaxima(long[] target)
    {
        for (int j = 0; j < _n; j++)
        {
            long max = _partial[0][j];
            for (int c = 1; c < _chunks; c++)
            {
                max = Math.Max(max, _partial[c][j]);
            }
            target[j] = max;
        }
    }

    private void EnsureVectors(int n)
    {
        if (_stake.Length >= n && _weightStart.Length >= n + 1)
        {
            return;
        }
        _stake = new long[n];
        _activeStake = new long[n];
        _preranks = new long[n];
        _consensus = new long[n];
        _ranks = new long[n];
        _trust = new long[n];
        _incentive = new long[n];
        _dividendsVector = new long[n];
        _combined = new long[n];
        _serverShare = new long[n];
        _validatorShare = new long[n];
        _combinedShare = new long[n];
        _bondSums = new long[n];
        _emaSums = new long[n];
        _emaMax = new long[n];
        _rankReciprocal = new double[n];
        _bondReciprocal = new double[n];
        _emaReciprocal = new double[n];
        _maxReciprocal = new double[n];
        _scratchFlags = new bool[n];
        _scratchStake = new ulong[n];
        _weightStart = new int[n + 1];
        _weightEnd = new int[n];
        _bondStart = new int[n + 1];
        _bondEnd = new int[n];
        _emaStart = new int[n + 1];
        _emaEnd = new int[n];
        _voterRows = new int[n];
        _voterStake = new long[n];
        _columnStart = new int[n + 1];
        _columnEnd = new int[n];
        _lastVoter = new int[n];
        _partial = [];
        _rowAccumulator = [];
        _rowTouched = [];
        _rowTouchedList = [];
    }

    private void EnsureMatrices(int n, int weightCapacity, int bondCapacity)
    {
        if (_bounds.Length < _chunks + 1)
        {
            _bounds = new int[_chunks + 1];
        }
        if (_partial.Length < _chunks || (_chunks > 0 && _partial[0].Length < n))
        {
            _partial = new long[Math.Max(_chunks, _partial.Length)][];
            _rowAccumulator = new long[_partial.Length][];
            _rowTouched = new ulong[_partial.Length][];
            _rowTouchedList = new int[_partial.Length][];
            for (int c = 0; c < _partial.Length; c++)
            {
                _partial[c] = new long[n];
                _rowAccumulator[c] = new long[n];
                _rowTouched[c] = new ulong[(n + 63) >> 6];
                _rowTouchedList[c] = new int[n];
            }
        }
        Grow(ref _weightColumns, weightCapacity);
        Grow(ref _weightValues, weightCapacity);
        Grow(ref _bondColumns, bondCapacity);
        Grow(ref _bondValues, bondCapacity);
    }

    private static void Grow<T>(ref T[] array, int length)
    {
        if (array.Length < length)
        {
            array = new T[Math.Max(length, array.Length + array.Length / 2)];
        }
    }
}
