using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace BasedAI.Ledger.Yuma;

/// <summary>
/// subtensor's <c>weighted_median</c> (mid-pivot, recursing on the side that holds the minority point) for one column, without
/// its pivots. With non-negative stakes and scores the recursion keeps <c>lo</c> = stake of scores below the current set and
/// <c>hi − lo</c> = stake of the set, so it returns the score v with S(&lt;v) ≤ minority &lt; S(≤v) (S summing the stake of
/// scores in a range), which is unique whatever the pivots were: the smallest score v with S(&gt;v) &lt; total − minority. A
/// negative minority drives it down to the smallest score, one at or above the total up to the largest.
/// </summary>
internal static class WeightedMedian
{
    /// <summary>
    /// The median of a column whose present entries are <paramref name="values"/> (scores, all ≥ 0) with their voters'
    /// <paramref name="stakes"/> (≥ 0, summing to at most <paramref name="total"/>); every other voter scores 0 there
    /// (<paramref name="hasAbsent"/> says whether there is one). Both spans are used as scratch.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static long Column(Span<long> values, Span<long> stakes, bool hasAbsent, long total, long minority)
    {
        int count = values.Length;
        if (count == 0)
        {
            return 0;
        }
        if (minority < 0)
        {
            return hasAbsent ? 0 : Min(values);
        }
        long max = Max(values);
        long need = total - minority;
        if (need <= 0)
        {
            return max;
        }

        // Search [lo, hi] for the smallest v with S(>v) < need; it holds at hi = max. Below the smallest score S(≤v) is 0 (or
        // the absent voters' stake at v = 0), so starting at lo = 0 instead of the smallest score finds the same v.
        long lo = 0, hi = max, above = 0;
        if (count >= HistogramMinimum && hi > 0)
        {
            count = Narrow(values[..count], stakes, need, ref lo, ref hi, ref above);
        }

        // Bisect the value range. The answer stays in [lo, hi]; entries at or below lo can no longer be above any candidate and
        // entries above hi are above all of them (their stake is folded into `above`), so each pass also compacts the entries to
        // the open-closed range (lo, hi] of the pass before. With no entries left S(>v) is the same for every v in [lo, hi], and
        // it is below need at hi, so lo is the answer.
        while (lo < hi && count > 0)
        {
            long mid = lo + ((hi - lo) >> 1);
            long aboveMid = above, aboveHi = above;
            int kept = 0;
            // Branch-free: the comparisons are coin flips. Values and bounds lie in [0, 2^62), so x − value is negative exactly
            // when value > x, and its sign bit spread over 64 bits is the mask.
            Span<long> pass = values[..count];
            for (int i = 0; i < pass.Length; i++)
            {
                long value = pass[i], stake = stakes[i];
                aboveMid += stake & ((mid - value) >> 63);
                aboveHi += stake & ((hi - value) >> 63);
                values[kept] = value;
                stakes[kept] = stake;
                kept += (int)((lo - value) >> 63 & ~((hi - value) >> 63) & 1);
            }
            count = kept;
            above = aboveHi;
            if (aboveMid < need)
            {
                hi = mid;
            }
            else
            {
                lo = mid + 1;
            }
        }
        return lo;
    }

    private const int HistogramBits = 7, HistogramMinimum = 24;

    /// <summary>
    /// One histogram pass over [lo, hi] in 2^7 equal buckets (stake per bucket) finds the bucket where S(&gt;v) drops below
    /// need, then one pass keeps only that bucket's entries: [lo, hi] shrinks to the bucket and `above` takes the stake above it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Narrow(Span<long> values, Span<long> stakes, long need, ref long lo, ref long hi, ref long above)
    {
        long start = lo;
        int shift = Math.Max(0, 64 - BitOperations.LeadingZeroCount((ulong)(hi - start)) - HistogramBits);
        Span<long> histogram = stackalloc long[1 << HistogramBits];
        for (int i = 0; i < values.Length; i++)
        {
            histogram[(int)((values[i] - start) >> shift)] += stakes[i];
        }
        // T_b = stake above bucket b's top. T is 0 for the last bucket and grows downward; take the lowest b with T_b < need.
        int bucket = (int)((hi - start) >> shift);
        long stakeAbove = 0;
        while (bucket > 0 && stakeAbove + histogram[bucket] < need)
        {
            stakeAbove += histogram[bucket--];
        }
        // For bucket > 0, T_(b−1) = S(>bottom−1) ≥ need, so the answer is at least the bucket's bottom.
        long newLo = start + ((long)bucket << shift), newHi = Math.Min(hi, newLo + (1L << shift) - 1);
        int kept = 0;
        for (int i = 0; i < values.Length; i++)
        {
            long value = values[i], stake = stakes[i];
            values[kept] = value;
            stakes[kept] = stake;
            kept += (int)((newLo - value) >> 63 & ~((newHi - value) >> 63) & 1);
        }
        lo = newLo;
        hi = newHi;
        above = stakeAbove;
        return kept;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long Min(ReadOnlySpan<long> values)
    {
        long min = long.MaxValue;
        foreach (long value in values)
        {
            min = Math.Min(min, value);
        }
        return min;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long Max(ReadOnlySpan<long> values)
    {
        int i = 0;
        var max = Vector256<long>.Zero;
        for (; i <= values.Length - Vector256<long>.Count; i += Vector256<long>.Count)
        {
            max = Vector256.Max(max, Vector256.Create(values.Slice(i, Vector256<long>.Count)));
        }
        long result = Math.Max(Math.Max(max[0], max[1]), Math.Max(max[2], max[3]));
        for (; i < values.Length; i++)
        {
            result = Math.Max(result, values[i]);
        }
        return result;
    }
}
