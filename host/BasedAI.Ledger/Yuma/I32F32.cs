using System.Globalization;
using System.Runtime.CompilerServices;

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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Div(long a, long b)
    {
        if (b == 0)
        {
            throw new DivideByZeroException("I32F32 division by zero.");
        }
        if (a >= 0 && b > 0)
        {
            // Unsigned 128/64 division is an order of magnitude faster than the signed one; Yuma's operands are non-negative.
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

    public static ushort ToU16(long bits)
    {
        long integer = bits >> 32;
        return integer <= 0 ? (ushort)0 : integer >= ushort.MaxValue ? ushort.MaxValue : (ushort)integer;
    }

    public static ushort ProportionToU16(long bits) => ToU16(Mul(bits, 65535L << 32));

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
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = Div(values[i], sum);
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
