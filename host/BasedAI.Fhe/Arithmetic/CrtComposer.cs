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

        var acc = scratch[..(k + 1)];
        acc.Clear();
        for (int i = 0; i < k; i++)
        {
            ulong y = _moduli[i].MultiplyShoup(residues[(i * n) + index], _inverse[i], _inverseShoup[i]);
            ulong[] p = _punctured[i];
            ulong carry = 0;
            for (int j = 0; j < k; j++)
            {
                UInt128 t = ((UInt128)y * p[j]) + acc[j] + carry;
                acc[j] = (ulong)t;
                carry = (ulong)(t >> 64);
            }

            acc[k] += carry;
        }

        // The sum is below k·Q; subtract Q until it is reduced.
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
