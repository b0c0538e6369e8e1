using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BasedAI.Ledger.Yuma;

/// <summary>
/// Signed fixed-point number with 32 integer and 32 fractional bits, bit-compatible with substrate-fixed's <c>I32F32</c>
/// (saturating arithmetic): multiplication floors <c>(a·b) &gt;&gt; 32</c>, division truncates <c>(a &lt;&lt; 32) / b</c> toward zero.
/// </summary>
public readonly record struct I32F32(long Bits) : IComparable<I32F32>
{
    /// <summary>Number of fractional bits.</summary>
    public const int FractionBits = 32;

    /// <summary>Zero.</summary>
    public static I32F32 Zero => default;

    /// <summary>One (raw bits 2^32).</summary>
    public static I32F32 One => new(1L << FractionBits);

    /// <summary>65535 as a fixed-point value (the u16 maximum used throughout Yuma).</summary>
    public static I32F32 U16Max => new(65535L << FractionBits);

    /// <summary>Exact conversion of an integer that fits in 32 bits (saturating otherwise).</summary>
    public static I32F32 FromInt(long value) =>
        value > int.MaxValue ? new(long.MaxValue) : value < int.MinValue ? new(long.MinValue) : new(value << FractionBits);

    /// <summary>Nearest fixed-point value to a double (ties to even), as <c>from_num(f64)</c>; for tests and display.</summary>
    public static I32F32 FromDouble(double value) => new((long)Math.Round(value * 4294967296.0, MidpointRounding.ToEven));

    /// <summary>The value as a double (exact up to 53 significant bits).</summary>
    public double ToDouble() => Bits / 4294967296.0;

    /// <summary>Saturating addition.</summary>
    public static I32F32 operator +(I32F32 a, I32F32 b) => new(Fx.Add(a.Bits, b.Bits));

    /// <summary>Saturating subtraction.</summary>
    public static I32F32 operator -(I32F32 a, I32F32 b) => new(Fx.Sub(a.Bits, b.Bits));

    /// <summary>Saturating multiplication, flooring the discarded bits.</summary>
    public static I32F32 operator *(I32F32 a, I32F32 b) => new(Fx.Mul(a.Bits, b.Bits));

    /// <summary>Saturating division, truncating toward zero; throws <see cref="DivideByZeroException"/> for zero.</summary>
    public static I32F32 operator /(I32F32 a, I32F32 b) => new(Fx.Div(a.Bits, b.Bits));

    /// <summary>Ordering by value.</summary>
    public static bool operator <(I32F32 a, I32F32 b) => a.Bits < b.Bits;

    /// <summary>Ordering by value.</summary>
    public static bool operator >(I32F32 a, I32F32 b) => a.Bits > b.Bits;

    /// <summary>Ordering by value.</summary>
    public static bool operator <=(I32F32 a, I32F32 b) => a.Bits <= b.Bits;

    /// <summary>Ordering by value.</summary>
    public static bool operator >=(I32F32 a, I32F32 b) => a.Bits >= b.Bits;

    /// <inheritdoc />
    public int CompareTo(I32F32 other) => Bits.CompareTo(other.Bits);

    /// <summary>Rounds to the nearest integer, halves away from zero (as <c>round()</c>).</summary>
    public I32F32 Round() => new(Fx.Round(Bits));

    /// <summary>The integer part, discarding fraction bits (floor), clamped to u16 (as <c>to_num::&lt;u16&gt;()</c> on in-range values).</summary>
    public ushort ToU16() => Fx.ToU16(Bits);

    /// <summary><c>floor(x·65535)</c> as u16: how Yuma stores proportions.</summary>
    public ushort ToProportionU16() => Fx.ProportionToU16(Bits);

    /// <inheritdoc />
    public override string ToString() => ToDouble().ToString("0.##########", CultureInfo.InvariantCulture);
}

/// <summary>Raw-bit I32F32 / I64F64 helpers used in the epoch's hot loops.</summary>
internal static class Fx
{
    public const long One = 1L << 32;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Add(long a, long b)
    {
        long sum = unchecked(a + b);
        // Overflow happened when both operands share a sign the result lacks.
        return ((a ^ sum) & (b ^ sum)) < 0 ? (a < 0 ? long.MinValue : long.MaxValue) : sum;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Sub(long a, long b)
    {
        long difference = unchecked(a - b);
        return ((a ^ b) & (a ^ difference)) < 0 ? (a < 0 ? long.MinValue : long.MaxValue) : difference;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Mul(long a, long b)
    {
        // (a·b) >> 32 on the 128-bit product; the arithmetic shift floors. It fits when the high word is a sign extension.
        long high = Math.BigMul(a, b, out long low);
        long top = high >> 31;
        if (top is 0 or -1)
        {
            return (high << 32) | (long)((ulong)low >> 32);
        }
        return high < 0 ? long.MinValue : long.MaxValue;
    }

    /// <summary><see cref="Add"/> for operands known to be non-negative: an overflow shows as a negative sum and saturates, without a branch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long AddNonNegative(long a, long b)
    {
        long sum = unchecked(a + b);
        return (sum | (sum >> 63)) & long.MaxValue;
    }

    /// <summary>min(a, b) for operands known to be non-negative, without a branch (Yuma clips at coin-flip odds).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long MinNonNegative(long a, long b) => a - ((a - b) & ((b - a) >> 63));

    /// <summary><see cref="Mul"/> for operands known to be non-negative (every product in the epoch): one unsigned 128-bit multiply.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long MulNonNegative(long a, long b)
    {
        ulong high, low;
        if (Bmi2.X64.IsSupported)
        {
            // mulx for the high word and imul for the low one: Math.BigMul's out parameter would pin the low word to the stack.
            high = Bmi2.X64.MultiplyNoFlags((ulong)a, (ulong)b);
            low = unchecked((ulong)a * (ulong)b);
        }
        else
        {
            high = Math.BigMul((ulong)a, (ulong)b, out low);
        }
        return high < 1UL << 31 ? (long)((high << 32) | (low >> 32)) : long.MaxValue;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Div(long a, long b)
    {
        if (b == 0)
        {
            throw new DivideByZeroException("I32F32 division by zero.");
        }
        return DivBy(a, b, Reciprocal(b));
    }

    /// <summary>2^32 / b as a double: the estimate <see cref="DivBy"/> multiplies by (computed once per divisor in hot loops).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Reciprocal(long b) => 4294967296.0 / b;

    /// <summary>
    /// <see cref="Div"/> for a nonzero <paramref name="b"/> with its <see cref="Reciprocal"/> precomputed. Exact: the double estimate
    /// only seeds the quotient, which the 64-bit remainder then corrects.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long DivBy(long a, long b, double reciprocal)
    {
        // When 0 ≤ a < b·2^20 the quotient q = floor(a·2^32 / b) is below 2^52, so a·reciprocal (three roundings of 2^-53) lands
        // within 2 of it. The remainder a·2^32 − q·b of an estimate that close lies in (−3b, 3b), which wrapping 64-bit arithmetic
        // computes exactly while b < 2^61; stepping it into [0, b) makes q exact. Yuma's normalizations (a ≤ b) always take this path.
        if (a >= 0 && b > 0 && b < 1L << 61 && a >> 20 < b)
        {
            double estimate = a * reciprocal;
            // cvttsd2si directly: the estimate is in range, so the saturating conversion's NaN and overflow fix-ups are dead weight.
            long q = Sse2.X64.IsSupported ? Sse2.X64.ConvertToInt64WithTruncation(Vector128.CreateScalarUnsafe(estimate)) : (long)estimate;
            long r = unchecked((a << 32) - q * b);
            while (r < 0)
            {
                q--;
                r += b;
            }
            while (r >= b)
            {
                q++;
                r -= b;
            }
            return q;
        }
        return DivWide(a, b);
    }

    private static long DivWide(long a, long b)
    {
        if (a >= 0 && b > 0)
        {
            // Unsigned 128/64 division is an order of magnitude faster than the signed one.
            UInt128 unsignedQuotient = ((UInt128)(ulong)a << 32) / (ulong)b;
            return unsignedQuotient > long.MaxValue ? long.MaxValue : (long)unsignedQuotient;
        }
        Int128 quotient = ((Int128)a << 32) / b;
        return quotient > long.MaxValue ? long.MaxValue : quotient < long.MinValue ? long.MinValue : (long)quotient;
    }

    public static long Round(long bits)
    {
        const long half = 1L << 31;
        const long integerMask = ~(One - 1);
        return bits >= 0 ? Add(bits, half) & integerMask : -(Add(-bits, half) & integerMask);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort ToU16(long bits)
    {
        long integer = bits >> 32;
        return integer <= 0 ? (ushort)0 : integer >= ushort.MaxValue ? ushort.MaxValue : (ushort)integer;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort ProportionToU16(long bits) => bits <= 0 ? (ushort)0 : ToU16(MulNonNegative(bits, 65535L << 32));

    /// <summary>Sum with saturating adds, as Yuma's vector sums.</summary>
    public static long Sum(ReadOnlySpan<long> values)
    {
        long sum = 0;
        foreach (long value in values)
        {
            sum = Add(sum, value);
        }
        return sum;
    }

    /// <summary><c>inplace_normalize</c>: divide each element by the sum unless the sum is zero.</summary>
    public static void Normalize(Span<long> values)
    {
        long sum = Sum(values);
        if (sum == 0)
        {
            return;
        }
        double reciprocal = Reciprocal(sum);
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = DivBy(values[i], sum, reciprocal);
        }
    }

    /// <summary>I96F32 product of a proportion and an integer amount, truncated to u64: <c>floor(bits·amount / 2^32)</c>.</summary>
    public static ulong ScaleAmount(long bits, ulong amount)
    {
        if (bits <= 0)
        {
            return 0;
        }
        UInt128 product = (UInt128)(ulong)bits * amount >> 32;
        return product > ulong.MaxValue ? ulong.MaxValue : (ulong)product;
    }
}
