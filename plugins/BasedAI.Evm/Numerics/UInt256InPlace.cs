using System.Runtime.CompilerServices;

namespace BasedAI.Evm.Numerics;

/// <summary>
/// In-place stack arithmetic for the interpreter: the result overwrites the second operand limb by limb, least significant
/// first. Each limb of the destination is read before it is written, so aliasing is safe, and only a carry stays live
/// between limbs — which keeps the interpreter's registers free.
/// </summary>
internal static class UInt256InPlace
{
    /// <summary>b ← a + b, with a short path when both fit in 64 bits (offsets, counters, lengths: most additions).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(in UInt256 a, ref UInt256 b)
    {
        ref ulong x = ref Unsafe.As<UInt256, ulong>(ref Unsafe.AsRef(in a));
        ref ulong y = ref Unsafe.As<UInt256, ulong>(ref b);
        if ((Unsafe.Add(ref x, 1) | Unsafe.Add(ref x, 2) | Unsafe.Add(ref x, 3) | Unsafe.Add(ref y, 1) | Unsafe.Add(ref y, 2) | Unsafe.Add(ref y, 3)) == 0)
        {
            ulong x0 = x;
            ulong sum = x0 + y;
            y = sum;
            Unsafe.Add(ref y, 1) = sum < x0 ? 1UL : 0UL;
            return;
        }
        ulong s0 = x + y;
        ulong carry = s0 < x ? 1UL : 0UL;
        y = s0;
        carry = AddLimb(Unsafe.Add(ref x, 1), ref Unsafe.Add(ref y, 1), carry);
        carry = AddLimb(Unsafe.Add(ref x, 2), ref Unsafe.Add(ref y, 2), carry);
        Unsafe.Add(ref y, 3) = Unsafe.Add(ref x, 3) + Unsafe.Add(ref y, 3) + carry;
    }

    /// <summary>b ← b + a for a 64-bit a; the carry out of the low limb is rare and takes a branch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddSmall(ulong a, ref UInt256 b)
    {
        ref ulong y = ref Unsafe.As<UInt256, ulong>(ref b);
        ulong sum = y + a;
        y = sum;
        if (sum < a)
        {
            for (int i = 1; i < 4 && ++Unsafe.Add(ref y, i) == 0; i++)
            {
            }
        }
    }

    /// <summary>b ← a − b, with a short path when both fit in 64 bits and a ≥ b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Subtract(in UInt256 a, ref UInt256 b)
    {
        ref ulong x = ref Unsafe.As<UInt256, ulong>(ref Unsafe.AsRef(in a));
        ref ulong y = ref Unsafe.As<UInt256, ulong>(ref b);
        ulong x0 = x, y0 = y;
        if ((Unsafe.Add(ref x, 1) | Unsafe.Add(ref x, 2) | Unsafe.Add(ref x, 3) | Unsafe.Add(ref y, 1) | Unsafe.Add(ref y, 2) | Unsafe.Add(ref y, 3)) == 0 && x0 >= y0)
        {
            y = x0 - y0;
            return;
        }
        ulong borrow = x0 < y0 ? 1UL : 0UL;
        y = x0 - y0;
        borrow = SubtractLimb(Unsafe.Add(ref x, 1), ref Unsafe.Add(ref y, 1), borrow);
        borrow = SubtractLimb(Unsafe.Add(ref x, 2), ref Unsafe.Add(ref y, 2), borrow);
        Unsafe.Add(ref y, 3) = Unsafe.Add(ref x, 3) - Unsafe.Add(ref y, 3) - borrow;
    }

    // Stack words are moved limb by limb rather than as one 256-bit vector: most words are written limb by limb (arithmetic
    // results, pushes), and a 32-byte load of a word just written by 8-byte stores cannot be forwarded from the store buffer,
    // which stalls the load for many cycles; 8-byte loads forward from either kind of store.

    /// <summary>destination ← source.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Copy(in UInt256 source, ref UInt256 destination)
    {
        ref ulong from = ref Unsafe.As<UInt256, ulong>(ref Unsafe.AsRef(in source));
        ref ulong to = ref Unsafe.As<UInt256, ulong>(ref destination);
        ulong s0 = from, s1 = Unsafe.Add(ref from, 1), s2 = Unsafe.Add(ref from, 2), s3 = Unsafe.Add(ref from, 3);
        to = s0;
        Unsafe.Add(ref to, 1) = s1;
        Unsafe.Add(ref to, 2) = s2;
        Unsafe.Add(ref to, 3) = s3;
    }

    /// <summary>Exchanges a and b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Swap(ref UInt256 a, ref UInt256 b)
    {
        ref ulong x = ref Unsafe.As<UInt256, ulong>(ref a);
        ref ulong y = ref Unsafe.As<UInt256, ulong>(ref b);
        for (int i = 0; i < 4; i++)
        {
            ulong saved = Unsafe.Add(ref x, i);
            Unsafe.Add(ref x, i) = Unsafe.Add(ref y, i);
            Unsafe.Add(ref y, i) = saved;
        }
    }

    /// <summary>b ← a AND b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void And(in UInt256 a, ref UInt256 b)
    {
        ref ulong x = ref Unsafe.As<UInt256, ulong>(ref Unsafe.AsRef(in a));
        ref ulong y = ref Unsafe.As<UInt256, ulong>(ref b);
        y &= x;
        Unsafe.Add(ref y, 1) &= Unsafe.Add(ref x, 1);
        Unsafe.Add(ref y, 2) &= Unsafe.Add(ref x, 2);
        Unsafe.Add(ref y, 3) &= Unsafe.Add(ref x, 3);
    }

    /// <summary>b ← a OR b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Or(in UInt256 a, ref UInt256 b)
    {
        ref ulong x = ref Unsafe.As<UInt256, ulong>(ref Unsafe.AsRef(in a));
        ref ulong y = ref Unsafe.As<UInt256, ulong>(ref b);
        y |= x;
        Unsafe.Add(ref y, 1) |= Unsafe.Add(ref x, 1);
        Unsafe.Add(ref y, 2) |= Unsafe.Add(ref x, 2);
        Unsafe.Add(ref y, 3) |= Unsafe.Add(ref x, 3);
    }

    /// <summary>b ← a XOR b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Xor(in UInt256 a, ref UInt256 b)
    {
        ref ulong x = ref Unsafe.As<UInt256, ulong>(ref Unsafe.AsRef(in a));
        ref ulong y = ref Unsafe.As<UInt256, ulong>(ref b);
        y ^= x;
        Unsafe.Add(ref y, 1) ^= Unsafe.Add(ref x, 1);
        Unsafe.Add(ref y, 2) ^= Unsafe.Add(ref x, 2);
        Unsafe.Add(ref y, 3) ^= Unsafe.Add(ref x, 3);
    }

    /// <summary>a ← NOT a.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Not(ref UInt256 a)
    {
        ref ulong x = ref Unsafe.As<UInt256, ulong>(ref a);
        x = ~x;
        Unsafe.Add(ref x, 1) = ~Unsafe.Add(ref x, 1);
        Unsafe.Add(ref x, 2) = ~Unsafe.Add(ref x, 2);
        Unsafe.Add(ref x, 3) = ~Unsafe.Add(ref x, 3);
    }

    /// <summary>b ← a × b mod 2^256, with a short path when either factor fits in 64 bits (counters, small constants).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Multiply(in UInt256 a, ref UInt256 b)
    {
        if ((a.U1 | a.U2 | a.U3) == 0)
        {
            MultiplyBySmall(a.U0, ref b);
        }
        else if ((b.U1 | b.U2 | b.U3) == 0)
        {
            ulong factor = b.U0;
            Copy(a, ref b);
            MultiplyBySmall(factor, ref b);
        }
        else
        {
            UInt256.Multiply(a, b, out b);
        }
    }

    /// <summary>x ← x × factor mod 2^256: one row of the schoolbook product.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyBySmall(ulong factor, ref UInt256 x)
    {
        ref ulong limb = ref Unsafe.As<UInt256, ulong>(ref x);
        ulong carry = UInt256.BigMul(limb, factor, out ulong low);
        limb = low;
        ulong high = UInt256.BigMul(Unsafe.Add(ref limb, 1), factor, out low);
        low += carry;
        carry = high + (low < carry ? 1UL : 0UL);
        Unsafe.Add(ref limb, 1) = low;
        high = UInt256.BigMul(Unsafe.Add(ref limb, 2), factor, out low);
        low += carry;
        carry = high + (low < carry ? 1UL : 0UL);
        Unsafe.Add(ref limb, 2) = low;
        Unsafe.Add(ref limb, 3) = Unsafe.Add(ref limb, 3) * factor + carry;
    }

    /// <summary>
    /// m ← (a + b) mod m for m ≥ 2^255 (field-style moduli). When both operands are visibly below m (top limb smaller), as
    /// reduced operands are, the sum needs one subtraction of m at most, chosen without a branch; otherwise the operands are
    /// reduced first by <see cref="UInt256.AddModLarge"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AddModLarge(in UInt256 a, in UInt256 b, ref UInt256 m)
    {
        ulong m3 = m.U3;
        if (a.U3 >= m3 || b.U3 >= m3)
        {
            UInt256.AddModLarge(a, b, m, out m);
            return;
        }
        ref ulong x = ref Unsafe.As<UInt256, ulong>(ref Unsafe.AsRef(in a));
        ref ulong y = ref Unsafe.As<UInt256, ulong>(ref Unsafe.AsRef(in b));
        ref ulong r = ref Unsafe.As<UInt256, ulong>(ref m);
        // sum = a + b; its carry out of bit 256 is `carry`.
        ulong s0 = x + y;
        ulong carry = s0 < x ? 1UL : 0UL;
        ulong s1 = AddCarry(Unsafe.Add(ref x, 1), Unsafe.Add(ref y, 1), ref carry);
        ulong s2 = AddCarry(Unsafe.Add(ref x, 2), Unsafe.Add(ref y, 2), ref carry);
        ulong s3 = AddCarry(Unsafe.Add(ref x, 3), Unsafe.Add(ref y, 3), ref carry);
        // reduced = sum − m (mod 2^256); it is the answer when the sum reached 2^256 or did not borrow.
        ulong borrow = s0 < r ? 1UL : 0UL;
        ulong d0 = s0 - r;
        ulong d1 = SubtractBorrow(s1, Unsafe.Add(ref r, 1), ref borrow);
        ulong d2 = SubtractBorrow(s2, Unsafe.Add(ref r, 2), ref borrow);
        ulong d3 = SubtractBorrow(s3, m3, ref borrow);
        ulong keepReduced = 0UL - (carry | (borrow ^ 1));
        r = (d0 & keepReduced) | (s0 & ~keepReduced);
        Unsafe.Add(ref r, 1) = (d1 & keepReduced) | (s1 & ~keepReduced);
        Unsafe.Add(ref r, 2) = (d2 & keepReduced) | (s2 & ~keepReduced);
        Unsafe.Add(ref r, 3) = (d3 & keepReduced) | (s3 & ~keepReduced);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong AddCarry(ulong x, ulong y, ref ulong carry)
    {
        ulong sum = x + y;
        ulong result = sum + carry;
        carry = (sum < x ? 1UL : 0UL) | (result < sum ? 1UL : 0UL);
        return result;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SubtractBorrow(ulong x, ulong y, ref ulong borrow)
    {
        ulong difference = x - y;
        ulong result = difference - borrow;
        borrow = (x < y ? 1UL : 0UL) | (difference < borrow ? 1UL : 0UL);
        return result;
    }

    /// <summary>x ← x &lt;&lt; shift (0 when shift ≥ 256).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ShiftLeft(in UInt256 shift, ref UInt256 x) => ShiftLeft(shift, x, ref x);

    /// <summary>x ← x &gt;&gt; shift (0 when shift ≥ 256).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ShiftRight(in UInt256 shift, ref UInt256 x) => ShiftRight(shift, x, ref x);

    /// <summary>
    /// destination ← value &lt;&lt; shift (0 when shift ≥ 256). All inputs are read before the destination is written, so it may
    /// be either operand's slot. Shifts below 64 bits, the usual case, take no table jump.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ShiftLeft(in UInt256 shift, in UInt256 value, ref UInt256 destination)
    {
        if ((shift.U1 | shift.U2 | shift.U3) != 0 || shift.U0 >= 64)
        {
            UInt256.ShiftLeft(value, shift, out destination);
            return;
        }
        int n = (int)shift.U0;
        if (n == 0)
        {
            Copy(value, ref destination);
            return;
        }
        int back = 64 - n;
        ref ulong source = ref Unsafe.As<UInt256, ulong>(ref Unsafe.AsRef(in value));
        ulong s0 = source, s1 = Unsafe.Add(ref source, 1), s2 = Unsafe.Add(ref source, 2), s3 = Unsafe.Add(ref source, 3);
        ref ulong limb = ref Unsafe.As<UInt256, ulong>(ref destination);
        limb = s0 << n;
        Unsafe.Add(ref limb, 1) = (s1 << n) | (s0 >> back);
        Unsafe.Add(ref limb, 2) = (s2 << n) | (s1 >> back);
        Unsafe.Add(ref limb, 3) = (s3 << n) | (s2 >> back);
    }

    /// <summary>
    /// destination ← value &gt;&gt; shift (0 when shift ≥ 256). All inputs are read before the destination is written, so it may
    /// be either operand's slot. Shifts below 64 bits, the usual case, take no table jump.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ShiftRight(in UInt256 shift, in UInt256 value, ref UInt256 destination)
    {
        if ((shift.U1 | shift.U2 | shift.U3) != 0 || shift.U0 >= 64)
        {
            UInt256.ShiftRight(value, shift, out destination);
            return;
        }
        int n = (int)shift.U0;
        if (n == 0)
        {
            Copy(value, ref destination);
            return;
        }
        int back = 64 - n;
        ref ulong source = ref Unsafe.As<UInt256, ulong>(ref Unsafe.AsRef(in value));
        ulong s0 = source, s1 = Unsafe.Add(ref source, 1), s2 = Unsafe.Add(ref source, 2), s3 = Unsafe.Add(ref source, 3);
        ref ulong limb = ref Unsafe.As<UInt256, ulong>(ref destination);
        limb = (s0 >> n) | (s1 << back);
        Unsafe.Add(ref limb, 1) = (s1 >> n) | (s2 << back);
        Unsafe.Add(ref limb, 2) = (s2 >> n) | (s3 << back);
        Unsafe.Add(ref limb, 3) = s3 >> n;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong AddLimb(ulong x, ref ulong y, ulong carry)
    {
        ulong sum = x + y;
        ulong carryOut = sum < x ? 1UL : 0UL;
        ulong result = sum + carry;
        carryOut |= result < sum ? 1UL : 0UL;
        y = result;
        return carryOut;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SubtractLimb(ulong x, ref ulong y, ulong borrow)
    {
        ulong yi = y;
        ulong difference = x - yi;
        ulong borrowOut = x < yi ? 1UL : 0UL;
        ulong result = difference - borrow;
        borrowOut |= difference < borrow ? 1UL : 0UL;
        y = result;
        return borrowOut;
    }
}
