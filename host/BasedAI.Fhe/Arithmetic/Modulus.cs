using System.Runtime.CompilerServices;

namespace BasedAI.Fhe.Arithmetic;

/// <summary>
/// A word-sized modulus q (2 ≤ q &lt; 2^61) with the constants that make reductions cheap:
/// a 128-bit Barrett ratio floor(2^128 / q) and a shifted Barrett ratio for products of two reduced values.
/// </summary>
internal readonly struct Modulus : IEquatable<Modulus>
{
    /// <summary>The modulus value.</summary>
    public readonly ulong Value;

    /// <summary>Low word of floor(2^128 / q).</summary>
    public readonly ulong RatioLow;

    /// <summary>High word of floor(2^128 / q), which is also floor(2^64 / q) for q that is not a power of two.</summary>
    public readonly ulong RatioHigh;

    /// <summary>floor(2^(2b) / q) where b is the bit count of q (at most b+1 bits), for <see cref="ReduceProduct"/>.</summary>
    public readonly ulong ShiftedRatio;

    /// <summary>Number of significant bits of q.</summary>
    public readonly int BitCount;

    public Modulus(ulong value)
    {
        if (value < 2 || value >> 61 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "a modulus must be between 2 and 2^61 - 1");
        }

        Value = value;
        BitCount = 64 - System.Numerics.BitOperations.LeadingZeroCount(value);
        UInt128 ratio = UInt128.MaxValue / value;
        // floor(2^128 / q) equals floor((2^128 - 1) / q) unless q divides 2^128 (q a power of two).
        if ((value & (value - 1)) == 0)
        {
            ratio += 1;
        }

        RatioLow = (ulong)ratio;
        RatioHigh = (ulong)(ratio >> 64);
        ShiftedRatio = (ulong)((UInt128.One << (2 * BitCount)) / value);
    }

    /// <summary>x mod q for any 64-bit x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Reduce(ulong x)
    {
        ulong quotient = Math.BigMul(x, RatioHigh, out _);
        return PolyArithmetic.SubtractIfAtLeast(x - (quotient * Value), Value);
    }

    /// <summary>(high·2^64 + low) mod q for any 128-bit input (Barrett with the two-word ratio).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Reduce128(ulong high, ulong low)
    {
        // quotient ≈ floor(x · ratio / 2^128), computed from the partial products that reach the top word.
        ulong carry = Math.BigMul(low, RatioLow, out _);
        ulong midHigh = Math.BigMul(low, RatioHigh, out ulong midLow);
        ulong sum = midLow + carry;
        ulong acc = midHigh + (sum < carry ? 1UL : 0UL);
        ulong crossHigh = Math.BigMul(high, RatioLow, out ulong crossLow);
        ulong sum2 = sum + crossLow;
        ulong quotient = crossHigh + acc + (sum2 < crossLow ? 1UL : 0UL) + high * RatioHigh;
        ulong r = low - (quotient * Value);
        return PolyArithmetic.SubtractIfAtLeast(PolyArithmetic.SubtractIfAtLeast(r, Value), Value);
    }

    /// <summary>
    /// (high·2^64 + low) mod q for x &lt; 2^(2b+1) with b = <see cref="BitCount"/> — products of two reduced values, or the sum of two —
    /// using one full and one low multiplication.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong ReduceProduct(ulong high, ulong low)
    {
        int shift = BitCount - 1;
        // x >> (b - 1) fits in 64 bits because x < 2^(2b+1) and b ≤ 61.
        ulong top = (low >> shift) | (high << (64 - shift));
        ulong qHigh = Math.BigMul(top, ShiftedRatio, out ulong qLow);
        ulong quotient = (qLow >> (BitCount + 1)) | (qHigh << (63 - BitCount));
        ulong r = low - (quotient * Value);
        return PolyArithmetic.SubtractIfAtLeast(PolyArithmetic.SubtractIfAtLeast(r, Value << 1), Value);
    }

    /// <summary>a·b mod q for a, b &lt; q.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Multiply(ulong a, ulong b)
    {
        ulong high = Math.BigMul(a, b, out ulong low);
        return ReduceProduct(high, low);
    }

    /// <summary>a + b mod q for a, b &lt; q.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Add(ulong a, ulong b) => PolyArithmetic.SubtractIfAtLeast(a + b, Value);

    /// <summary>a - b mod q for a, b &lt; q.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Subtract(ulong a, ulong b) => PolyArithmetic.SubtractIfAtLeast(a + Value - b, Value);

    /// <summary>-a mod q for a &lt; q.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Negate(ulong a) => PolyArithmetic.SubtractIfAtLeast(Value - a, Value);

    /// <summary>The Shoup companion floor(w · 2^64 / q) of a constant w &lt; q.</summary>
    public ulong ShoupOf(ulong w) => (ulong)(((UInt128)w << 64) / Value);

    /// <summary>x·w mod q via the Shoup companion of w; result in [0, q) for any 64-bit x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong MultiplyShoup(ulong x, ulong w, ulong wShoup)
    {
        ulong quotient = Math.BigMul(x, wShoup, out _);
        return PolyArithmetic.SubtractIfAtLeast((x * w) - (quotient * Value), Value);
    }

    /// <summary>b^e mod q.</summary>
    public ulong Pow(ulong b, ulong e)
    {
        ulong result = 1 % Value;
        b = Reduce(b);
        while (e != 0)
        {
            if ((e & 1) != 0)
            {
                result = Multiply(result, b);
            }

            b = Multiply(b, b);
            e >>= 1;
        }

        return result;
    }

    /// <summary>The inverse of a modulo q; throws when a and q are not coprime.</summary>
    public ulong Inverse(ulong a)
    {
        if (!TryInverse(a, out ulong inverse))
        {
            throw new ArgumentException($"{a} has no inverse modulo {Value}", nameof(a));
        }

        return inverse;
    }

    /// <summary>The inverse of a modulo q by the extended Euclidean algorithm.</summary>
    public bool TryInverse(ulong a, out ulong inverse)
    {
        a = Reduce(a);
        long t = 0, newT = 1;
        ulong r = Value, newR = a;
        while (newR != 0)
        {
            ulong quotient = r / newR;
            (t, newT) = (newT, t - (long)quotient * newT);
            (r, newR) = (newR, r - quotient * newR);
        }

        if (r != 1)
        {
            inverse = 0;
            return false;
        }

        inverse = t < 0 ? (ulong)(t + (long)Value) : (ulong)t;
        return true;
    }

    public bool Equals(Modulus other) => Value == other.Value;

    public override bool Equals(object? obj) => obj is Modulus other && Equals(other);

    public override int GetHashCode() => Value.GetHashCode();

    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public static bool operator ==(Modulus left, Modulus right) => left.Equals(right);

    public static bool operator !=(Modulus left, Modulus right) => !left.Equals(right);
}
