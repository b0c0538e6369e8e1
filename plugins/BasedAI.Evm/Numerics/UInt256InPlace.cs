using System.Runtime.CompilerServices;

namespace BasedAI.Evm.Numerics;

/// <summary>
/// In-place stack arithmetic for the interpreter: the result overwrites the second operand limb by limb, least significant
/// first. Each limb of the destination is read before it is written, so aliasing is safe, and only a carry stays live
/// between limbs — which keeps the interpreter's registers free.
/// </summary>
internal static class UInt256InPlace
{
    /// <summary>b ← a + b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(in UInt256 a, ref UInt256 b)
    {
        ref ulong x = ref Unsafe.As<UInt256, ulong>(ref Unsafe.AsRef(in a));
        ref ulong y = ref Unsafe.As<UInt256, ulong>(ref b);
        ulong s0 = x + y;
        ulong carry = s0 < x ? 1UL : 0UL;
        y = s0;
        carry = AddLimb(Unsafe.Add(ref x, 1), ref Unsafe.Add(ref y, 1), carry);
        carry = AddLimb(Unsafe.Add(ref x, 2), ref Unsafe.Add(ref y, 2), carry);
        Unsafe.Add(ref y, 3) = Unsafe.Add(ref x, 3) + Unsafe.Add(ref y, 3) + carry;
    }

    /// <summary>b ← a − b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Subtract(in UInt256 a, ref UInt256 b)
    {
        ref ulong x = ref Unsafe.As<UInt256, ulong>(ref Unsafe.AsRef(in a));
        ref ulong y = ref Unsafe.As<UInt256, ulong>(ref b);
        ulong x0 = x, y0 = y;
        ulong borrow = x0 < y0 ? 1UL : 0UL;
        y = x0 - y0;
        borrow = SubtractLimb(Unsafe.Add(ref x, 1), ref Unsafe.Add(ref y, 1), borrow);
        borrow = SubtractLimb(Unsafe.Add(ref x, 2), ref Unsafe.Add(ref y, 2), borrow);
        Unsafe.Add(ref y, 3) = Unsafe.Add(ref x, 3) - Unsafe.Add(ref y, 3) - borrow;
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
