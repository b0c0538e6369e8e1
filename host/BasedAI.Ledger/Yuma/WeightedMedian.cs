using System.Runtime.CompilerServices;

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
        long min = long.MaxValue, max = 0;
        foreach (long value in values)
        {
            min = Math.Min(min, value);
            max = Math.Max(max, value);
        }
        if (hasAbsent)
        {
            min = 0;
        }
        if (minority < 0)
        {
            return min;
        }
        long need = total - minority;
        if (need <= 0)
        {
            return max;
        }

        // Bisect the value range for the smallest v with S(>v) < need. The answer stays in [lo, hi]; entries at or below lo can
        // no longer be above any candidate and entries above hi are above all of them (their stake is folded into `above`), so
        // each pass also compacts the entries to the open-closed range (lo, hi] of the pass before. With no entries left S(>v) is
        // the same for every v in [lo, hi], and it is below need at hi, so lo is the answer.
        long lo = min, hi = max, above = 0;
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
}
