namespace BasedAI.Ledger.Yuma;

/// <summary>The vector helpers of subtensor's <c>math.rs</c> that sit outside the epoch: permits and u16 upscaling.</summary>
public static class YumaMath
{
    /// <summary>
    /// <c>is_topk</c>: true for the K largest values. A stable ascending sort marks the first n−K false, so ties drop the
    /// lower index first; when n ≤ K every entry is true.
    /// </summary>
    public static bool[] IsTopK(ReadOnlySpan<long> values, int k)
    {
        var result = new bool[values.Length];
        MarkTopK(values, k, result, new long[values.Length]);
        return result;
    }

    /// <summary>
    /// <see cref="IsTopK"/> into <paramref name="result"/>, sorting a copy in <paramref name="scratch"/> (both at least as long as
    /// the values): the K-th largest value is the threshold, and of the values equal to it the highest indices make the cut.
    /// </summary>
    internal static void MarkTopK(ReadOnlySpan<long> values, int k, Span<bool> result, Span<long> scratch)
    {
        int n = values.Length;
        if (n <= k)
        {
            result[..n].Fill(true);
            return;
        }
        if (k <= 0)
        {
            result[..n].Clear();
            return;
        }
        Span<long> sorted = scratch[..n];
        values.CopyTo(sorted);
        sorted.Sort();
        long threshold = sorted[n - k];
        int ties = k;
        foreach (long value in values)
        {
            ties -= value > threshold ? 1 : 0;
        }
        for (int i = n - 1; i >= 0; i--)
        {
            long value = values[i];
            bool tieWins = value == threshold && ties > 0;
            ties -= tieWins ? 1 : 0;
            result[i] = value > threshold || tieWins;
        }
    }

    /// <summary>
    /// <c>vec_max_upscale_to_u16</c>: scales so the maximum becomes 65535, rounding halves away from zero. When the maximum is
    /// above 32768 it computes e·(65535/max) instead of (e·65535)/max, exactly as the reference does.
    /// </summary>
    public static ushort[] MaxUpscaleToU16(ReadOnlySpan<long> values)
    {
        var result = new ushort[values.Length];
        MaxUpscaleToU16(values, result);
        return result;
    }

    /// <summary><see cref="MaxUpscaleToU16(ReadOnlySpan{long})"/> into <paramref name="result"/>.</summary>
    internal static void MaxUpscaleToU16(ReadOnlySpan<long> values, Span<ushort> result)
    {
        if (values.IsEmpty)
        {
            return;
        }
        long max = long.MinValue;
        foreach (long value in values)
        {
            max = Math.Max(max, value);
        }
        long u16Max = 65535L << 32;
        for (int i = 0; i < values.Length; i++)
        {
            long e = values[i];
            long scaled = max == 0 ? Fx.Mul(e, u16Max)
                : max > 32768L << 32 ? Fx.Round(Fx.Mul(e, Fx.Div(u16Max, max)))
                : Fx.Round(Fx.Div(Fx.Mul(e, u16Max), max));
            result[i] = Fx.ToU16(scaled);
        }
    }

    /// <summary><c>vec_u16_max_upscale_to_u16</c>: how <c>set_weights</c> stores a row (maximum → 65535).</summary>
    public static ushort[] MaxUpscaleToU16(ReadOnlySpan<ushort> values)
    {
        var bits = new long[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            bits[i] = (long)values[i] << 32;
        }
        return MaxUpscaleToU16(bits);
    }

    /// <summary><c>check_vec_max_limited</c>: after normalizing, the largest value is at most limit/65535.</summary>
    public static bool IsMaxLimited(ReadOnlySpan<ushort> values, ushort limit)
    {
        if (values.IsEmpty)
        {
            return true;
        }
        long limitBits = Fx.Div((long)limit << 32, 65535L << 32);
        var bits = new long[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            bits[i] = (long)values[i] << 32;
        }
        Fx.Normalize(bits);
        return bits.Max() <= limitBits;
    }
}
