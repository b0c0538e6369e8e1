namespace BasedAI.Fhe.Arithmetic;

/// <summary>
/// Chinese-remainder composition of RNS residues into the centered integer they represent, as a double:
/// x = Σ [x_i · (Q/q_i)^{-1}]_{q_i} · (Q/q_i) mod Q, then x − Q when x ≥ (Q+1)/2. Multi-precision, exact until the final
/// rounding to double. Used by decoding, where the value is small compared with Q.
/// </summary>
internal sealed class CrtComposer
{
    private readonly Modulus[] _moduli;
    private readonly ulong[] _q;            // Q, k words
    private readonly ulong[] _threshold;    // (Q + 1) / 2, k words
    private readonly ulong[][] _punctured;  // Q / q_i, k words each
    private readonly ulong[] _inverse;      // (Q / q_i)^{-1} mod q_i
    private readonly ulong[] _inverseShoup;
    private readonly double[] _inverseModuli;       // 1 / q_i
    private readonly UInt128[] _puncturedLow;       // (Q / q_i) mod 2^128
    private readonly UInt128 _qLow;                 // Q mod 2^128

    public CrtComposer(Modulus[] moduli)
    {
        _moduli = moduli;
        int k = moduli.Length;
        _q = new ulong[k];
        _q[0] = 1;
        foreach (var m in moduli)
        {
            MultiplyInPlace(_q, m.Value);
        }

        _threshold = new ulong[k];
        ulong carry = 1;
        for (int i = 0; i < k; i++)
        {
            ulong sum = _q[i] + carry;
            carry = sum < carry ? 1UL : 0UL;
            _threshold[i] = sum;
        }

        ShiftRightOne(_threshold);
        _punctured = new ulong[k][];
        _inverse = new ulong[k];
        _inverseShoup = new ulong[k];
        _inverseModuli = moduli.Select(m => 1.0 / m.Value).ToArray();
        _puncturedLow = new UInt128[k];
        _qLow = new UInt128(k > 1 ? _q[1] : 0, _q[0]);
        for (int i = 0; i < k; i++)
        {
            var p = new ulong[k];
            p[0] = 1;
            ulong reduced = 1;
            for (int j = 0; j < k; j++)
            {
                if (j != i)
                {
                    MultiplyInPlace(p, moduli[j].Value);
                    reduced = moduli[i].Multiply(reduced, moduli[i].Reduce(moduli[j].Value));
                }
            }

            _punctured[i] = p;
            _puncturedLow[i] = new UInt128(k > 1 ? p[1] : 0, p[0]);
            _inverse[i] = moduli[i].Inverse(reduced);
            _inverseShoup[i] = moduli[i].ShoupOf(_inverse[i]);
        }
    }

    public int PrimeCount => _moduli.Length;

    /// <summary>
    /// Composes coefficient <paramref name="index"/> of an RNS polynomial (limb i at residues[i·n + index]) and returns it
    /// centered, as a double multiplied by <paramref name="factor"/>. <paramref name="scratch"/> needs k + 1 words.
    /// </summary>
    public double ComposeCentered(ReadOnlySpan<ulong> residues, int n, int index, double factor, Span<ulong> scratch)
    {
        int k = _moduli.Length;
        if (k == 1)
        {
            ulong x = residues[index];
            ulong q = _moduli[0].Value;
            return x >= _threshold[0] ? -(double)(q - x) * factor : x * factor;
        }

        // Fast path: the centered value is Σ y_i·(Q/q_i) − r·Q with r = round(Σ y_i/q_i); computed modulo 2^128 it is exact
        // whenever |x| < 2^127, which a check against the first residue confirms (a wrapped result differs by a nonzero
        // multiple of 2^128, never a multiple of q_0). Otherwise, fall back to exact multi-word arithmetic.
        UInt128 wrapped = UInt128.Zero;
        double estimate = 0;
        for (int i = 0; i < k; i++)
        {
            ulong y = _moduli[i].MultiplyShoup(residues[(i * n) + index], _inverse[i], _inverseShoup[i]);
            estimate += y * _inverseModuli[i];
            UInt128 p = _puncturedLow[i];
            ulong high = Math.BigMul(y, (ulong)p, out ulong low);
            wrapped += new UInt128(high + (y * (ulong)(p >> 64)), low);
        }

        UInt128 rounded = (UInt128)(ulong)Math.Round(estimate);
        var candidate = (Int128)(wrapped - (rounded * _qLow));
        if (Matches(candidate, residues[index], _moduli[0]))
        {
            return (double)candidate * factor;
        }

        var acc = scratch[..(k + 1)];
        acc.Clear();
        double quotient = 0;
        for (int i = 0; i < k; i++)
        {
            ulong y = _moduli[i].MultiplyShoup(residues[(i * n) + index], _inverse[i], _inverseShoup[i]);
            quotient += y * _inverseModuli[i];
            ulong[] p = _punctured[i];
            ulong carry = 0;
            for (int j = 0; j < k; j++)
            {
                ulong high = Math.BigMul(y, p[j], out ulong low);
                ulong sum = low + carry;
                high += sum < carry ? 1UL : 0UL;
                ulong total = sum + acc[j];
                high += total < sum ? 1UL : 0UL;
                acc[j] = total;
                carry = high;
            }

            acc[k] += carry;
        }

        // The sum is Σ y_i·(Q/q_i) < k·Q, and Σ y_i/q_i estimates how many Q it holds; subtract that many at once, then
        // correct the estimate by at most one either way.
        ulong multiple = (ulong)Math.Max(0, Math.Floor(quotient) - 1);
        if (multiple > 0)
        {
            ulong borrow = 0;
            ulong carry = 0;
            for (int j = 0; j <= k; j++)
            {
                ulong qj = j < k ? _q[j] : 0;
                ulong high = Math.BigMul(multiple, qj, out ulong low);
                ulong product = low + carry;
                carry = high + (product < carry ? 1UL : 0UL);
                ulong a = acc[j];
                ulong d = a - product - borrow;
                borrow = (a < product || (a == product && borrow != 0)) ? 1UL : 0UL;
                acc[j] = d;
            }
        }

        while (acc[k] != 0 || Compare(acc[..k], _q) >= 0)
        {
            ulong borrow = 0;
            for (int j = 0; j < k; j++)
            {
                ulong a = acc[j];
                ulong d = a - _q[j] - borrow;
                borrow = (a < _q[j] || (a == _q[j] && borrow != 0)) ? 1UL : 0UL;
                acc[j] = d;
            }

            acc[k] -= borrow;
        }

        var value = acc[..k];
        bool negative = Compare(value, _threshold) >= 0;
        if (negative)
        {
            // value = Q - value
            ulong borrow = 0;
            for (int j = 0; j < k; j++)
            {
                ulong a = _q[j];
                ulong d = a - value[j] - borrow;
                borrow = (a < value[j] || (a == value[j] && borrow != 0)) ? 1UL : 0UL;
                value[j] = d;
            }
        }

        double result = 0;
        double scale = factor;
        for (int j = 0; j < k; j++)
        {
            if (value[j] != 0)
            {
                result += value[j] * scale;
            }

            scale *= 18446744073709551616.0;
        }

        return negative ? -result : result;
    }

    private static bool Matches(Int128 candidate, ulong residue, Modulus modulus)
    {
        bool negative = candidate < 0;
        var magnitude = (UInt128)(negative ? -candidate : candidate);
        ulong reduced = modulus.Reduce128((ulong)(magnitude >> 64), (ulong)magnitude);
        return (negative ? modulus.Negate(reduced) : reduced) == residue;
    }

    private static int Compare(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> b)
    {
        for (int j = a.Length - 1; j >= 0; j--)
        {
            if (a[j] != b[j])
            {
                return a[j] > b[j] ? 1 : -1;
            }
        }

        return 0;
    }

    private static void MultiplyInPlace(ulong[] words, ulong factor)
    {
        ulong carry = 0;
        for (int j = 0; j < words.Length; j++)
        {
            UInt128 t = ((UInt128)words[j] * factor) + carry;
            words[j] = (ulong)t;
            carry = (ulong)(t >> 64);
        }

        if (carry != 0)
        {
            throw new OverflowException("CRT product does not fit");
        }
    }

    private static void ShiftRightOne(ulong[] words)
    {
        for (int j = 0; j < words.Length; j++)
        {
            ulong next = j + 1 < words.Length ? words[j + 1] : 0;
            words[j] = (words[j] >> 1) | (next << 63);
        }
    }
}
