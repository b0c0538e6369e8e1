using System.Numerics;
using System.Runtime.CompilerServices;

namespace BasedAI.Evm.Numerics;

/// <summary>
/// Multi-limb unsigned division (Knuth, TAOCP vol. 2, 4.3.1, algorithm D) on 64-bit limbs, least significant first.
/// Single-limb divisors use a precomputed reciprocal (Möller–Granlund) so the inner step needs no hardware 128/64 division.
/// </summary>
internal static class LongDivision
{
    /// <summary>
    /// Divides <paramref name="dividend"/> by a non-zero <paramref name="divisor"/>. <paramref name="quotient"/> has at least as many
    /// limbs as the dividend, <paramref name="remainder"/> at least as many as the divisor; both are fully overwritten.
    /// </summary>
    public static void DivRem(ReadOnlySpan<ulong> dividend, ReadOnlySpan<ulong> divisor, Span<ulong> quotient, Span<ulong> remainder)
    {
        int m = SignificantLength(dividend);
        int n = SignificantLength(divisor);
        if (n == 0)
        {
            throw new DivideByZeroException();
        }
        quotient[..dividend.Length].Clear();
        remainder.Clear();
        if (m < n)
        {
            dividend[..m].CopyTo(remainder);
            return;
        }

        if (n == 1)
        {
            remainder[0] = DivRemSingle(dividend[..m], divisor[0], quotient);
            return;
        }

        // Normalise so the divisor's top limb has its high bit set.
        int shift = BitOperations.LeadingZeroCount(divisor[n - 1]);
        Span<ulong> vn = stackalloc ulong[n];
        Span<ulong> un = stackalloc ulong[m + 1];
        ShiftLeftInto(divisor[..n], shift, vn, out _);
        ShiftLeftInto(dividend[..m], shift, un[..m], out un[m]);

        ulong vTop = vn[n - 1], vNext = vn[n - 2];
        ulong reciprocal = Reciprocal(vTop);
        for (int j = m - n; j >= 0; j--)
        {
            ulong uTop = un[j + n], uNext = un[j + n - 1];
            ulong qhat, rhat;
            bool rhatOverflow = false;
            if (uTop >= vTop)
            {
                // The true quotient digit is at most b − 1 here (un[j+n] ≤ vTop is an invariant).
                qhat = ulong.MaxValue;
                rhat = uNext + vTop;
                rhatOverflow = rhat < uNext;
            }
            else
            {
                qhat = DivRem2By1(uTop, uNext, vTop, reciprocal, out rhat);
            }

            // Refine qhat with the next divisor limb: while qhat·vNext > rhat·b + un[j+n-2].
            while (!rhatOverflow)
            {
                ulong productHigh = Math.BigMul(qhat, vNext, out ulong productLow);
                if (productHigh < rhat || (productHigh == rhat && productLow <= un[j + n - 2]))
                {
                    break;
                }
                qhat--;
                ulong newRhat = rhat + vTop;
                rhatOverflow = newRhat < rhat;
                rhat = newRhat;
            }

            // un[j..j+n] −= qhat × vn
            ulong borrow = 0, carry = 0;
            for (int i = 0; i < n; i++)
            {
                ulong high = Math.BigMul(qhat, vn[i], out ulong low);
                low += carry;
                high += low < carry ? 1UL : 0UL;
                carry = high;
                ulong current = un[i + j];
                ulong diff = current - low;
                ulong borrow1 = current < low ? 1UL : 0UL;
                ulong diff2 = diff - borrow;
                ulong borrow2 = diff < borrow ? 1UL : 0UL;
                un[i + j] = diff2;
                borrow = borrow1 + borrow2;
            }
            ulong top = un[j + n];
            ulong topDiff = top - carry;
            bool negative = top < carry;
            ulong topDiff2 = topDiff - borrow;
            negative |= topDiff < borrow;
            un[j + n] = topDiff2;

            if (negative)
            {
                // qhat was one too large: add the divisor back.
                qhat--;
                ulong c = 0;
                for (int i = 0; i < n; i++)
                {
                    ulong s = un[i + j] + vn[i];
                    ulong c1 = s < vn[i] ? 1UL : 0UL;
                    ulong s2 = s + c;
                    ulong c2 = s2 < c ? 1UL : 0UL;
                    un[i + j] = s2;
                    c = c1 + c2;
                }
                un[j + n] += c;
            }
            quotient[j] = qhat;
        }

        // Remainder = un[0..n] >> shift.
        for (int i = 0; i < n; i++)
        {
            remainder[i] = shift == 0 ? un[i] : (un[i] >> shift) | (un[i + 1] << (64 - shift));
        }
    }

    private static ulong DivRemSingle(ReadOnlySpan<ulong> dividend, ulong divisor, Span<ulong> quotient)
    {
        int shift = BitOperations.LeadingZeroCount(divisor);
        ulong d = divisor << shift;
        ulong reciprocal = Reciprocal(d);
        ulong remainder = 0;
        // Process the dividend shifted left by `shift` on the fly.
        for (int i = dividend.Length - 1; i >= 0; i--)
        {
            ulong limb = dividend[i];
            ulong shifted = shift == 0 ? limb : (limb << shift) | (i > 0 ? dividend[i - 1] >> (64 - shift) : 0);
            if (shift != 0 && i == dividend.Length - 1)
            {
                // The bits shifted out of the top limb start the remainder.
                remainder = limb >> (64 - shift);
            }
            quotient[i] = DivRem2By1(remainder, shifted, d, reciprocal, out remainder);
        }
        return remainder >> shift;
    }

    /// <summary>floor((2^128 − 1) / d) − 2^64 for a normalised d (high bit set).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong Reciprocal(ulong d) => (ulong)(UInt128.MaxValue / d);

    /// <summary>(high·2^64 + low) / d for a normalised d and high &lt; d, with the reciprocal of d.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static ulong DivRem2By1(ulong high, ulong low, ulong d, ulong reciprocal, out ulong remainder)
    {
        ulong q1 = Math.BigMul(reciprocal, high, out ulong q0);
        q0 += low;
        q1 += high + (q0 < low ? 1UL : 0UL);
        q1++;
        ulong r = low - q1 * d;
        if (r > q0)
        {
            q1--;
            r += d;
        }
        if (r >= d)
        {
            q1++;
            r -= d;
        }
        remainder = r;
        return q1;
    }

    private static void ShiftLeftInto(ReadOnlySpan<ulong> source, int shift, Span<ulong> destination, out ulong overflow)
    {
        if (shift == 0)
        {
            source.CopyTo(destination);
            overflow = 0;
            return;
        }
        ulong carry = 0;
        for (int i = 0; i < source.Length; i++)
        {
            ulong limb = source[i];
            destination[i] = (limb << shift) | carry;
            carry = limb >> (64 - shift);
        }
        overflow = carry;
    }

    private static int SignificantLength(ReadOnlySpan<ulong> limbs)
    {
        int length = limbs.Length;
        while (length > 0 && limbs[length - 1] == 0)
        {
            length--;
        }
        return length;
    }
}
