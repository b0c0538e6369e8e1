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
        int n = values.Length;
        var result = new bool[n];
        Array.Fill(result, true);
        if (n <= k)
        {
            return result;
        }
        long[] keys = values.ToArray();
        int[] order = Enumerable.Range(0, n).ToArray();
        // Sorting by (value, index) is the stable sort by value.
        Array.Sort(order, (a, b) => keys[a] != keys[b] ? keys[a].CompareTo(keys[b]) : a.CompareTo(b));
        for (int i = 0; i < n - k; i++)
        {
            result[order[i]] = false;
        }
        return result;
    }

    /// <summary>
    /// <c>vec_max_upscale_to_u16</c>: scales so the maximum becomes 65535, rounding halves away from zero. When the maximum is
    /// above 32768 it computes e·(65535/max) instead of (e·65535)/max, exactly as the reference does.
    /// </summary>
    public static ushort[] MaxUpscaleToU16(ReadOnlySpan<long> values)
    {
        var result = new ushort[values.Length];
        if (values.IsEmpty)
        {
            return result;
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
        return result;
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
