using System.Numerics;
using System.Runtime.CompilerServices;

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

    /// <summary>Entries a median block buffer holds (columns × voters): 256 KiB of values and stakes, cache-sized.</summary>
    private const int BlockEntries = 16_384;

    private static EpochEngine? s_cached;

    private readonly Action<int> _loadWeights, _columnMedians, _blockMedians, _clipAndScale, _loadBonds, _movingAverage, _dividends, _storeBonds;

    private YumaEpochInput _input = null!;
    private YumaEpochResult _result = null!;
    private int _n, _chunks, _voters, _blockColumns, _nextBlock;
    private bool _votersSorted;
    private long _alpha, _stakeSum, _minority;
    private int[] _bounds = [];

    // Vectors over UIDs.
    private long[] _stake = [], _activeStake = [], _preranks = [], _consensus = [], _ranks = [], _trust = [], _incentive = [];
    private long[] _dividendsVector = [], _combined = [], _serverShare = [], _validatorShare = [], _combinedShare = [];
    private long[] _bondSums = [], _emaSums = [], _emaMax = [];
    private double[] _rankReciprocal = [], _bondReciprocal = [], _emaReciprocal = [], _maxReciprocal = [];
    private bool[] _scratchFlags = [], _weightSorted = [], _bondSorted = [];
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
    private long[][] _blockValues = [], _blockStakes = [];
    private int[][] _blockCounts = [], _cursors = [];

    private EpochEngine()
    {
        _loadWeights = LoadWeights;
        _columnMedians = ColumnMedians;
        _blockMedians = BlockMedians;
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
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
        if (_votersSorted)
        {
            RunWorkers(_blockMedians);
        }
        else
        {
            RunChunks(_columnStart, n, _columnMedians);
        }

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
            _emaStart[i + 1] = checked(_emaStart[i] + (_weightEnd[i] - _weightStart[i]) + (_bondEnd[i] - _bondStart[i]));
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void LoadWeights(int chunk)
    {
        long[] preranks = ClearedPartial(chunk);
        for (int i = _bounds[chunk]; i < _bounds[chunk + 1]; i++)
        {
            int start = _weightStart[i], count = 0;
            bool sorted = true;
            Span<int> columns = _weightColumns.AsSpan(start, _weightStart[i + 1] - start);
            Span<long> values = _weightValues.AsSpan(start, columns.Length);
            if (_input.ValidatorPermit[i] && _input.Weights[i] is { } row)
            {
                count = Filter(row, i, _n, _input.LastUpdate[i], _input.BlockAtRegistration, columns, values, out sorted, out long sum);
                NormalizeRow(values[..count], sum);
            }
            _weightEnd[i] = start + count;
            _weightSorted[i] = sorted;
            _result.CreditsDelta[i] = CreditsAndPreranks(columns[..count], values[..count], _stake, _activeStake[i], preranks);
        }
    }

    /// <summary>
    /// Copies the entries of a stored row that count (in range, not <paramref name="self"/>, set after the target registered) as
    /// raw I32F32 bits; reports whether their columns strictly increase, and their (saturating) sum.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Filter(WeightEntry[] row, int self, int n, ulong updated, ulong[] registeredAt, Span<int> columns, Span<long> values,
        out bool sorted, out long sum)
    {
        int count = 0, previous = -1;
        bool increasing = true;
        long total = 0;
        foreach (WeightEntry entry in row)
        {
            int j = entry.Uid;
            if (j < n && j != self && updated > registeredAt[j])
            {
                long value = (long)entry.Value << 32;
                columns[count] = j;
                values[count++] = value;
                total = Fx.AddNonNegative(total, value);
                increasing &= j > previous;
                previous = j;
            }
        }
        sorted = increasing;
        sum = total;
        return count;
    }

    /// <summary><c>inplace_row_normalize_sparse</c> on one row: divided by its sum when that is positive.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void NormalizeRow(Span<long> values, long sum)
    {
        if (sum > 0)
        {
            double reciprocal = Fx.Reciprocal(sum);
            for (int e = 0; e < values.Length; e++)
            {
                values[e] = Fx.DivBy(values[e], sum, reciprocal);
            }
        }
    }

    /// <summary>The row's credits Σ w_ij·s_j; adds as_i·w_ij to the chunk's preranks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long CreditsAndPreranks(ReadOnlySpan<int> columns, ReadOnlySpan<long> values, long[] stake, long activeStake, long[] preranks)
    {
        long credits = 0;
        for (int e = 0; e < columns.Length; e++)
        {
            int j = columns[e];
            long value = values[e];
            credits = Fx.AddNonNegative(credits, Fx.MulNonNegative(value, stake[j]));
            preranks[j] = Fx.AddNonNegative(preranks[j], Fx.MulNonNegative(activeStake, value));
        }
        return credits;
    }

    /// <summary>The voters' normalized stake, the minority point, and the voters' weights regrouped by column (in voter order).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
        _nextBlock = 0;
        _blockColumns = Math.Clamp(BlockEntries / Math.Max(1, voters), 1, 64);
        _votersSorted = true;
        for (int r = 0; r < voters; r++)
        {
            _votersSorted &= _weightSorted[_voterRows[r]];
        }
        if (_votersSorted)
        {
            return; // BlockMedians gathers the columns block by block.
        }

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

    /// <summary>Medians of the columns in this chunk, from the column-major copy (any row order, duplicates resolved).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ColumnMedians(int chunk)
    {
        for (int j = _bounds[chunk]; j < _bounds[chunk + 1]; j++)
        {
            int start = _columnStart[j], length = _columnEnd[j] - start;
            _consensus[j] = _voters == 0 ? 0 : WeightedMedian.Column(
                _columnValues.AsSpan(start, length), _columnStakes.AsSpan(start, length), length < _voters, _stakeSum, _minority);
        }
    }

    /// <summary>
    /// Medians when every voter row is in strictly increasing column order: each worker takes the next block of columns,
    /// gathers the block's entries from every voter row (a cursor per row only moves forward, since blocks are taken in
    /// order) into a block-sized column-major buffer that stays in cache, and takes the medians there.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void BlockMedians(int worker)
    {
        int voters = _voters, n = _n, width = _blockColumns;
        long[] values = _blockValues[worker], stakes = _blockStakes[worker];
        int[] counts = _blockCounts[worker], cursor = _cursors[worker];
        int[] columns = _weightColumns, rows = _voterRows, starts = _weightStart, ends = _weightEnd;
        long[] weights = _weightValues, voterStake = _voterStake, consensus = _consensus;
        int expected = -1;
        bool resumed = false;
        while (true)
        {
            int first = (Interlocked.Increment(ref _nextBlock) - 1) * width;
            if (first >= n)
            {
                return;
            }
            int last = Math.Min(first + width, n);
            if (voters == 0)
            {
                Array.Clear(consensus, first, last - first);
                continue;
            }
            if (first != expected)
            {
                // After a gap (blocks other workers took) each cursor searches forward; the next block starts where this ends.
                for (int r = 0; r < voters; r++)
                {
                    int i = rows[r];
                    cursor[r] = LowerBound(columns, resumed ? cursor[r] : starts[i], ends[i], first);
                }
            }
            resumed = true;
            expected = last;
            Array.Clear(counts, 0, last - first);
            for (int r = 0; r < voters; r++)
            {
                int e = cursor[r];
                cursor[r] = e + GatherRow(columns.AsSpan(e, ends[rows[r]] - e), weights.AsSpan(e), voterStake[r], first, last, voters, counts, values, stakes);
            }
            for (int c = 0; c < last - first; c++)
            {
                consensus[first + c] = WeightedMedian.Column(
                    values.AsSpan(c * voters, counts[c]), stakes.AsSpan(c * voters, counts[c]), counts[c] < voters, _stakeSum, _minority);
            }
        }
    }

    /// <summary>Copies a voter row's entries below column <paramref name="last"/> into the block's column slots; returns how many.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int GatherRow(ReadOnlySpan<int> rowColumns, ReadOnlySpan<long> rowValues, long stake, int first, int last, int voters,
        int[] counts, long[] values, long[] stakes)
    {
        int e = 0;
        for (; e < rowColumns.Length; e++)
        {
            int c = rowColumns[e] - first;
            if (c >= last - first)
            {
                break;
            }
            int slot = c * voters + counts[c]++;
            values[slot] = rowValues[e];
            stakes[slot] = stake;
        }
        return e;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int LowerBound(int[] columns, int lo, int hi, int column)
    {
        while (lo < hi)
        {
            int mid = (lo + hi) >>> 1;
            if (columns[mid] < column)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        return lo;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void ClipAndScale(int chunk)
    {
        long[] ranks = ClearedPartial(chunk);
        for (int i = _bounds[chunk]; i < _bounds[chunk + 1]; i++)
        {
            int start = _weightStart[i];
            long rowSum = ClipAndScaleRow(_weightColumns.AsSpan(start, _weightEnd[i] - start), _weightValues.AsSpan(start, _weightEnd[i] - start),
                _consensus, _activeStake[i], ranks);
            _result.ValidatorTrust[i] = Fx.ProportionToU16(rowSum);
        }
    }

    /// <summary>
    /// Clips a row at consensus (returning its sum, the validator trust) and scales it by the row's active stake in place,
    /// adding each product to the chunk's ranks. col_clip_sparse drops an entry above a zero threshold instead of clipping it
    /// to 0; a 0 entry adds nothing to any sum or product downstream and the moving average keeps only positive entries, so
    /// clipping is a min.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long ClipAndScaleRow(ReadOnlySpan<int> columns, Span<long> values, long[] consensus, long activeStake, long[] ranks)
    {
        long rowSum = 0;
        for (int e = 0; e < columns.Length; e++)
        {
            int j = columns[e];
            long clipped = Fx.MinNonNegative(values[e], consensus[j]);
            rowSum = Fx.AddNonNegative(rowSum, clipped);
            long scaled = Fx.MulNonNegative(clipped, activeStake);
            values[e] = scaled;
            ranks[j] = Fx.AddNonNegative(ranks[j], scaled);
        }
        return rowSum;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void LoadBonds(int chunk)
    {
        long[] sums = ClearedPartial(chunk);
        for (int i = _bounds[chunk]; i < _bounds[chunk + 1]; i++)
        {
            int start = _bondStart[i], count = 0;
            bool sorted = true;
            if (_input.Bonds[i] is { } row)
            {
                Span<int> columns = _bondColumns.AsSpan(start, _bondStart[i + 1] - start);
                Span<long> values = _bondValues.AsSpan(start, columns.Length);
                // Bonds keep the diagonal: no UID is excluded (self = −1).
                count = Filter(row, -1, _n, _input.LastUpdate[i], _input.BlockAtRegistration, columns, values, out sorted, out _);
                AddToColumns(columns[..count], values[..count], sums);
            }
            _bondEnd[i] = start + count;
            _bondSorted[i] = sorted;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddToColumns(ReadOnlySpan<int> columns, ReadOnlySpan<long> values, long[] sums)
    {
        for (int e = 0; e < columns.Length; e++)
        {
            sums[columns[e]] = Fx.AddNonNegative(sums[columns[e]], values[e]);
        }
    }

    /// <summary><c>mat_ema_sparse</c> of the column-normalized ΔB and bonds: α·ΔB + (1−α)·B, positive entries in column order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void MovingAverage(int chunk)
    {
        long[] sums = ClearedPartial(chunk);
        for (int i = _bounds[chunk]; i < _bounds[chunk + 1]; i++)
        {
            if (_weightSorted[i] && _bondSorted[i])
            {
                int weightStart = _weightStart[i], bondStart = _bondStart[i];
                _emaEnd[i] = _emaStart[i] + MergeRow(
                    _weightColumns.AsSpan(weightStart, _weightEnd[i] - weightStart), _weightValues.AsSpan(weightStart, _weightEnd[i] - weightStart),
                    _bondColumns.AsSpan(bondStart, _bondEnd[i] - bondStart), _bondValues.AsSpan(bondStart, _bondEnd[i] - bondStart),
                    _emaColumns.AsSpan(_emaStart[i], _emaStart[i + 1] - _emaStart[i]), _emaValues.AsSpan(_emaStart[i], _emaStart[i + 1] - _emaStart[i]),
                    sums);
            }
            else
            {
                MovingAverageUnsorted(chunk, i, sums);
            }
        }
    }

    /// <summary>The moving average of one row whose ΔB and bonds entries both strictly increase in column: a merge.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int MergeRow(ReadOnlySpan<int> deltaColumns, ReadOnlySpan<long> deltaValues, ReadOnlySpan<int> bondColumns, ReadOnlySpan<long> bondValues,
        Span<int> columns, Span<long> values, long[] sums) =>
        deltaColumns.SequenceEqual(bondColumns)
            ? AverageAligned(deltaColumns, deltaValues, bondValues, columns, values, sums)
            : MergeUnaligned(deltaColumns, deltaValues, bondColumns, bondValues, columns, values, sums);

    /// <summary>The usual row: last epoch's bonds sit on exactly the columns weighted now.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int AverageAligned(ReadOnlySpan<int> sharedColumns, ReadOnlySpan<long> deltaValues, ReadOnlySpan<long> bondValues,
        Span<int> columns, Span<long> values, long[] sums)
    {
        long alpha = _alpha, oneMinusAlpha = Fx.Sub(Fx.One, alpha);
        long[] rankSums = _ranks, bondSums = _bondSums;
        double[] rankReciprocal = _rankReciprocal, bondReciprocal = _bondReciprocal;
        deltaValues = deltaValues[..sharedColumns.Length];
        bondValues = bondValues[..sharedColumns.Length];
        int write = 0;
        for (int e = 0; e < sharedColumns.Length; e++)
        {
            int j = sharedColumns[e];
            long delta = deltaValues[e], deltaSum = rankSums[j], bond = bondValues[e], bondSum = bondSums[j];
            long value = Fx.AddNonNegative(
                Fx.MulNonNegative(alpha, deltaSum != 0 ? Fx.DivBy(delta, deltaSum, rankReciprocal[j]) : delta),
                Fx.MulNonNegative(oneMinusAlpha, bondSum != 0 ? Fx.DivBy(bond, bondSum, bondReciprocal[j]) : bond));
            columns[write] = j;
            values[write] = value;
            write += value > 0 ? 1 : 0;
            sums[j] = Fx.AddNonNegative(sums[j], value);
        }
        return write;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private int MergeUnaligned(ReadOnlySpan<int> deltaColumns, ReadOnlySpan<long> deltaValues, ReadOnlySpan<int> bondColumns, ReadOnlySpan<long> bondValues,
        Span<int> columns, Span<long> values, long[] sums)
    {
        long alpha = _alpha, oneMinusAlpha = Fx.Sub(Fx.One, alpha);
        long[] rankSums = _ranks, bondSums = _bondSums;
        double[] rankReciprocal = _rankReciprocal, bondReciprocal = _bondReciprocal;
        int a = 0, b = 0, write = 0;
        while (a < deltaColumns.Length || b < bondColumns.Length)
        {
            int ca = a < deltaColumns.Length ? deltaColumns[a] : int.MaxValue, cb = b < bondColumns.Length ? bondColumns[b] : int.MaxValue;
            int j = Math.Min(ca, cb);
            long value = 0;
            if (ca == j)
            {
                long delta = deltaValues[a++], sum = rankSums[j];
                value = Fx.MulNonNegative(alpha, sum != 0 ? Fx.DivBy(delta, sum, rankReciprocal[j]) : delta);
            }
            if (cb == j)
            {
                long bond = bondValues[b++], sum = bondSums[j];
                value = Fx.AddNonNegative(value, Fx.MulNonNegative(oneMinusAlpha, sum != 0 ? Fx.DivBy(bond, sum, bondReciprocal[j]) : bond));
            }
            if (value > 0)
            {
                columns[write] = j;
                values[write++] = value;
                sums[j] = Fx.AddNonNegative(sums[j], value);
            }
        }
        return write;
    }

    /// <summary>The moving average of one row in any column order (duplicates summed), through a dense accumulator.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void MovingAverageUnsorted(int chunk, int i, long[] sums)
    {
        long[] accumulator = _rowAccumulator[chunk];
        ulong[] touched = _rowTouched[chunk];
        int[] touchedList = _rowTouchedList[chunk];
        long alpha = _alpha, oneMinusAlpha = Fx.Sub(Fx.One, alpha);
        int count = 0, low = int.MaxValue, high = -1;
        for (int e = _weightStart[i]; e < _weightEnd[i]; e++)
        {
            int j = _weightColumns[e];
            long value = _weightValues[e], sum = _ranks[j];
            Touch(j, Fx.MulNonNegative(alpha, sum != 0 ? Fx.DivBy(value, sum, _rankReciprocal[j]) : value));
        }
        for (int e = _bondStart[i]; e < _bondEnd[i]; e++)
        {
            int j = _bondColumns[e];
            long value = _bondValues[e], sum = _bondSums[j];
            Touch(j, Fx.MulNonNegative(oneMinusAlpha, sum != 0 ? Fx.DivBy(value, sum, _bondReciprocal[j]) : value));
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Dividends(int chunk)
    {
        long[] maxima = ClearedPartial(chunk);
        for (int i = _bounds[chunk]; i < _bounds[chunk + 1]; i++)
        {
            int start = _emaStart[i];
            _dividendsVector[i] = DividendsRow(_emaColumns.AsSpan(start, _emaEnd[i] - start), _emaValues.AsSpan(start, _emaEnd[i] - start), maxima);
        }
    }

    /// <summary>Column-normalizes a moving-average row in place, returns its dividend Σ_j i_j·b_ij, and raises the column maxima.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private long DividendsRow(ReadOnlySpan<int> columns, Span<long> values, long[] maxima)
    {
        long[] sums = _emaSums, incentive = _incentive;
        double[] reciprocal = _emaReciprocal;
        long dividend = 0;
        for (int e = 0; e < columns.Length; e++)
        {
            int j = columns[e];
            long value = values[e], sum = sums[j];
            if (sum != 0)
            {
                value = Fx.DivBy(value, sum, reciprocal[j]);
                values[e] = value;
            }
            dividend = Fx.AddNonNegative(dividend, Fx.MulNonNegative(incentive[j], value));
            maxima[j] = Math.Max(maxima[j], value);
        }
        return dividend;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void StoreBonds(int chunk)
    {
        for (int i = _bounds[chunk]; i < _bounds[chunk + 1]; i++)
        {
            if (_result.NewValidatorPermit[i])
            {
                int start = _emaStart[i];
                _result.Bonds[i] = StoredRow(_emaColumns.AsSpan(start, _emaEnd[i] - start), _emaValues.AsSpan(start, _emaEnd[i] - start));
            }
        }
    }

    /// <summary>A moving-average row column-max-upscaled to u16, as stored.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private WeightEntry[] StoredRow(ReadOnlySpan<int> columns, ReadOnlySpan<long> values)
    {
        long[] maxima = _emaMax;
        double[] reciprocal = _maxReciprocal;
        var row = new WeightEntry[columns.Length];
        for (int e = 0; e < row.Length; e++)
        {
            int j = columns[e];
            long value = values[e], max = maxima[j];
            row[e] = new WeightEntry((ushort)j, Fx.ProportionToU16(max != 0 ? Fx.DivBy(value, max, reciprocal[j]) : value));
        }
        return row;
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

    private void RunWorkers(Action<int> body)
    {
        for (int worker = 0; worker < _chunks; worker++)
        {
            Grow(ref _blockValues[worker], _blockColumns * _voters);
            Grow(ref _blockStakes[worker], _blockColumns * _voters);
            Grow(ref _blockCounts[worker], _blockColumns);
            Grow(ref _cursors[worker], _voters);
        }
        if (_chunks == 1)
        {
            body(0);
        }
        else
        {
            Parallel.For(0, _chunks, body);
        }
    }

    private long[] ClearedPartial(int chunk)
    {
        long[] partial = _partial[chunk];
        Array.Clear(partial, 0, _n);
        return partial;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
        _weightSorted = new bool[n];
        _bondSorted = new bool[n];
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
            _blockValues = new long[_partial.Length][];
            _blockStakes = new long[_partial.Length][];
            _blockCounts = new int[_partial.Length][];
            _cursors = new int[_partial.Length][];
            for (int c = 0; c < _partial.Length; c++)
            {
                _partial[c] = new long[n];
                _rowAccumulator[c] = new long[n];
                _rowTouched[c] = new ulong[(n + 63) >> 6];
                _rowTouchedList[c] = new int[n];
                _blockValues[c] = [];
                _blockStakes[c] = [];
                _blockCounts[c] = [];
                _cursors[c] = [];
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
