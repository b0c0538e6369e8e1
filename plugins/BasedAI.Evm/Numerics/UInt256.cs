using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace BasedAI.Evm.Numerics;

/// <summary>
/// A 256-bit unsigned integer held in four 64-bit limbs (<see cref="U0"/> least significant), the EVM's word.
/// A value type that never allocates; arithmetic wraps modulo 2^256 like the EVM's.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public readonly struct UInt256 : IEquatable<UInt256>, IComparable<UInt256>
{
    /// <summary>Least significant limb.</summary>
    public readonly ulong U0;
    /// <summary>Second limb.</summary>
    public readonly ulong U1;
    /// <summary>Third limb.</summary>
    public readonly ulong U2;
    /// <summary>Most significant limb.</summary>
    public readonly ulong U3;

    /// <summary>Zero.</summary>
    public static readonly UInt256 Zero;
    /// <summary>One.</summary>
    public static readonly UInt256 One = new(1);
    /// <summary>2^256 − 1.</summary>
    public static readonly UInt256 MaxValue = new(ulong.MaxValue, ulong.MaxValue, ulong.MaxValue, ulong.MaxValue);

    /// <summary>Creates a value from a 64-bit integer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public UInt256(ulong value)
    {
        U0 = value;
    }

    /// <summary>Creates a value from its limbs, least significant first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public UInt256(ulong u0, ulong u1, ulong u2, ulong u3)
    {
        U0 = u0;
        U1 = u1;
        U2 = u2;
        U3 = u3;
    }

    /// <summary>Reads a big-endian unsigned value of at most 32 bytes (shorter inputs are left-padded with zeros).</summary>
    public UInt256(ReadOnlySpan<byte> bigEndian)
    {
        if (bigEndian.Length == 32)
        {
            U3 = BinaryPrimitives.ReadUInt64BigEndian(bigEndian);
            U2 = BinaryPrimitives.ReadUInt64BigEndian(bigEndian[8..]);
            U1 = BinaryPrimitives.ReadUInt64BigEndian(bigEndian[16..]);
            U0 = BinaryPrimitives.ReadUInt64BigEndian(bigEndian[24..]);
            return;
        }
        if (bigEndian.Length > 32)
        {
            throw new ArgumentException("A 256-bit value has at most 32 bytes.", nameof(bigEndian));
        }
        Span<byte> padded = stackalloc byte[32];
        padded.Clear();
        bigEndian.CopyTo(padded[(32 - bigEndian.Length)..]);
        this = new UInt256(padded);
    }

    /// <summary>True when the value is zero.</summary>
    public bool IsZero
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (U0 | U1 | U2 | U3) == 0;
    }

    /// <summary>True when the value fits in 64 bits.</summary>
    public bool FitsInUInt64
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (U1 | U2 | U3) == 0;
    }

    /// <summary>True when the top bit (the two's-complement sign) is set.</summary>
    public bool IsNegative => (long)U3 < 0;

    /// <summary>The number of significant bits (0 for zero).</summary>
    public int BitLength =>
        U3 != 0 ? 256 - BitOperations.LeadingZeroCount(U3)
        : U2 != 0 ? 192 - BitOperations.LeadingZeroCount(U2)
        : U1 != 0 ? 128 - BitOperations.LeadingZeroCount(U1)
        : 64 - BitOperations.LeadingZeroCount(U0);

    /// <summary>The number of bytes of the minimal big-endian encoding (0 for zero).</summary>
    public int ByteLength => (BitLength + 7) / 8;

    /// <summary>Writes the 32-byte big-endian form.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void WriteBigEndian(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, U3);
        BinaryPrimitives.WriteUInt64BigEndian(destination[8..], U2);
        BinaryPrimitives.WriteUInt64BigEndian(destination[16..], U1);
        BinaryPrimitives.WriteUInt64BigEndian(destination[24..], U0);
    }

    /// <summary>Returns the 32-byte big-endian form.</summary>
    public byte[] ToBigEndian()
    {
        var bytes = new byte[32];
        WriteBigEndian(bytes);
        return bytes;
    }

    /// <summary>Returns the minimal big-endian form (empty for zero), as RLP encodes integers.</summary>
    public byte[] ToMinimalBigEndian()
    {
        Span<byte> full = stackalloc byte[32];
        WriteBigEndian(full);
        return full[(32 - ByteLength)..].ToArray();
    }

    /// <summary>Converts to a 64-bit integer; throws when the value does not fit.</summary>
    public ulong ToUInt64() => FitsInUInt64 ? U0 : throw new OverflowException("The value does not fit in 64 bits.");

    /// <summary>Converts to <see cref="BigInteger"/>.</summary>
    public BigInteger ToBigInteger()
    {
        Span<byte> bytes = stackalloc byte[32];
        WriteBigEndian(bytes);
        return new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
    }

    /// <summary>Converts a non-negative <see cref="BigInteger"/> below 2^256.</summary>
    public static UInt256 FromBigInteger(BigInteger value)
    {
        if (value.Sign < 0 || value.GetByteCount(isUnsigned: true) > 32)
        {
            throw new OverflowException("The value is not in [0, 2^256).");
        }
        Span<byte> bytes = stackalloc byte[32];
        bytes.Clear();
        int length = value.GetByteCount(isUnsigned: true);
        value.TryWriteBytes(bytes[(32 - length)..], out _, isUnsigned: true, isBigEndian: true);
        return new UInt256(bytes);
    }

    /// <summary>Converts a 64-bit integer.</summary>
    public static implicit operator UInt256(ulong value) => new(value);

    /// <summary>Converts an integer; throws for negative values.</summary>
    public static UInt256 FromInt64(long value) =>
        value >= 0 ? new UInt256((ulong)value) : throw new OverflowException("A UInt256 cannot be negative.");

    // ------------------------------------------------------------------ arithmetic

    /// <summary>a + b mod 2^256.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Add(in UInt256 a, in UInt256 b, out UInt256 result) => AddWithCarry(a, b, out result);

    /// <summary>a + b, returning true when the sum overflowed 2^256.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool AddWithCarry(in UInt256 a, in UInt256 b, out UInt256 result)
    {
        ulong r0 = a.U0 + b.U0;
        ulong c = r0 < a.U0 ? 1UL : 0UL;
        ulong t1 = a.U1 + b.U1;
        ulong c1 = t1 < a.U1 ? 1UL : 0UL;
        ulong r1 = t1 + c;
        c = c1 | (r1 < t1 ? 1UL : 0UL);
        ulong t2 = a.U2 + b.U2;
        ulong c2 = t2 < a.U2 ? 1UL : 0UL;
        ulong r2 = t2 + c;
        c = c2 | (r2 < t2 ? 1UL : 0UL);
        ulong t3 = a.U3 + b.U3;
        ulong c3 = t3 < a.U3 ? 1UL : 0UL;
        ulong r3 = t3 + c;
        c = c3 | (r3 < t3 ? 1UL : 0UL);
        result = new UInt256(r0, r1, r2, r3);
        return c != 0;
    }

    /// <summary>a − b mod 2^256.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Subtract(in UInt256 a, in UInt256 b, out UInt256 result) => SubtractWithBorrow(a, b, out result);

    /// <summary>a − b, returning true when b &gt; a (the result wrapped).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool SubtractWithBorrow(in UInt256 a, in UInt256 b, out UInt256 result)
    {
        ulong r0 = a.U0 - b.U0;
        ulong c = a.U0 < b.U0 ? 1UL : 0UL;
        ulong t1 = a.U1 - b.U1;
        ulong c1 = a.U1 < b.U1 ? 1UL : 0UL;
        ulong r1 = t1 - c;
        c = c1 | (t1 < c ? 1UL : 0UL);
        ulong t2 = a.U2 - b.U2;
        ulong c2 = a.U2 < b.U2 ? 1UL : 0UL;
        ulong r2 = t2 - c;
        c = c2 | (t2 < c ? 1UL : 0UL);
        ulong t3 = a.U3 - b.U3;
        ulong c3 = a.U3 < b.U3 ? 1UL : 0UL;
        ulong r3 = t3 - c;
        c = c3 | (t3 < c ? 1UL : 0UL);
        result = new UInt256(r0, r1, r2, r3);
        return c != 0;
    }

    /// <summary>a × b mod 2^256.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Multiply(in UInt256 a, in UInt256 b, out UInt256 result)
    {
        if (a.FitsInUInt64 && b.FitsInUInt64)
        {
            ulong hi = Math.BigMul(a.U0, b.U0, out ulong lo);
            result = new UInt256(lo, hi, 0, 0);
            return;
        }
        MultiplyFull(a, b, out result);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void MultiplyFull(in UInt256 a, in UInt256 b, out UInt256 result)
    {
        ulong a0 = a.U0, a1 = a.U1, a2 = a.U2, a3 = a.U3;
        ulong b0 = b.U0, b1 = b.U1, b2 = b.U2, b3 = b.U3;

        // Row 0: a0 × b
        ulong carry = Math.BigMul(a0, b0, out ulong r0);
        ulong r1 = MulAdd(a0, b1, carry, out carry);
        ulong r2 = MulAdd(a0, b2, carry, out carry);
        ulong r3 = a0 * b3 + carry;

        // Row 1: a1 × b, shifted one limb
        r1 = MulAdd2(a1, b0, r1, 0, out carry);
        r2 = MulAdd2(a1, b1, r2, carry, out carry);
        r3 += a1 * b2 + carry;

        // Row 2
        r2 = MulAdd2(a2, b0, r2, 0, out carry);
        r3 += a2 * b1 + carry;

        // Row 3
        r3 += a3 * b0;

        result = new UInt256(r0, r1, r2, r3);
    }

    /// <summary>x × y + c, returning the low limb and the high limb in <paramref name="high"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MulAdd(ulong x, ulong y, ulong c, out ulong high)
    {
        high = Math.BigMul(x, y, out ulong low);
        low += c;
        high += low < c ? 1UL : 0UL;
        return low;
    }

    /// <summary>x × y + a + c (never overflows 128 bits).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MulAdd2(ulong x, ulong y, ulong a, ulong c, out ulong high)
    {
        high = Math.BigMul(x, y, out ulong low);
        low += a;
        high += low < a ? 1UL : 0UL;
        low += c;
        high += low < c ? 1UL : 0UL;
        return low;
    }

    /// <summary>Writes the full 512-bit product a × b into eight limbs, least significant first.</summary>
    public static void MultiplyWide(in UInt256 a, in UInt256 b, Span<ulong> product)
    {
        product[..8].Clear();
        ReadOnlySpan<ulong> x = [a.U0, a.U1, a.U2, a.U3];
        ReadOnlySpan<ulong> y = [b.U0, b.U1, b.U2, b.U3];
        for (int i = 0; i < 4; i++)
        {
            ulong carry = 0;
            for (int j = 0; j < 4; j++)
            {
                product[i + j] = MulAdd2(x[i], y[j], product[i + j], carry, out carry);
            }
            product[i + 4] = carry;
        }
    }

    /// <summary>Unsigned division; a / 0 = 0 as in the EVM.</summary>
    public static void Divide(in UInt256 a, in UInt256 b, out UInt256 quotient)
    {
        if (b.IsZero || a < b)
        {
            quotient = default;
            return;
        }
        if (a.FitsInUInt64)
        {
            quotient = new UInt256(a.U0 / b.U0);
            return;
        }
        DivRem(a, b, out quotient, out _);
    }

    /// <summary>Unsigned remainder; a mod 0 = 0 as in the EVM.</summary>
    public static void Mod(in UInt256 a, in UInt256 b, out UInt256 remainder)
    {
        if (b.IsZero)
        {
            remainder = default;
            return;
        }
        if (a < b)
        {
            remainder = a;
            return;
        }
        if (a.FitsInUInt64)
        {
            remainder = new UInt256(a.U0 % b.U0);
            return;
        }
        DivRem(a, b, out _, out remainder);
    }

    /// <summary>Quotient and remainder of a / b (b non-zero).</summary>
    public static void DivRem(in UInt256 a, in UInt256 b, out UInt256 quotient, out UInt256 remainder)
    {
        Span<ulong> u = [a.U0, a.U1, a.U2, a.U3];
        Span<ulong> v = [b.U0, b.U1, b.U2, b.U3];
        Span<ulong> q = stackalloc ulong[4];
        Span<ulong> r = stackalloc ulong[4];
        LongDivision.DivRem(u, v, q, r);
        quotient = new UInt256(q[0], q[1], q[2], q[3]);
        remainder = new UInt256(r[0], r[1], r[2], r[3]);
    }

    /// <summary>Signed (two's-complement) division, truncating toward zero; x / 0 = 0.</summary>
    public static void SignedDivide(in UInt256 a, in UInt256 b, out UInt256 result)
    {
        if (b.IsZero)
        {
            result = default;
            return;
        }
        bool negA = a.IsNegative, negB = b.IsNegative;
        UInt256 absA = negA ? Negate(a) : a;
        UInt256 absB = negB ? Negate(b) : b;
        Divide(absA, absB, out UInt256 q);
        result = negA != negB ? Negate(q) : q;
    }

    /// <summary>Signed remainder with the sign of the dividend; x mod 0 = 0.</summary>
    public static void SignedMod(in UInt256 a, in UInt256 b, out UInt256 result)
    {
        if (b.IsZero)
        {
            result = default;
            return;
        }
        bool negA = a.IsNegative;
        UInt256 absA = negA ? Negate(a) : a;
        UInt256 absB = b.IsNegative ? Negate(b) : b;
        Mod(absA, absB, out UInt256 r);
        result = negA ? Negate(r) : r;
    }

    /// <summary>(a + b) mod m computed without overflow; 0 when m is 0.</summary>
    public static void AddMod(in UInt256 a, in UInt256 b, in UInt256 m, out UInt256 result)
    {
        if (m.IsZero)
        {
            result = default;
            return;
        }
        if (m.IsNegative)
        {
            AddModLarge(a, b, m, out result);
            return;
        }
        bool carry = AddWithCarry(a, b, out UInt256 sum);
        if (!carry)
        {
            Mod(sum, m, out result);
            return;
        }
        Span<ulong> u = [sum.U0, sum.U1, sum.U2, sum.U3, 1];
        Span<ulong> v = [m.U0, m.U1, m.U2, m.U3];
        Span<ulong> q = stackalloc ulong[5];
        Span<ulong> r = stackalloc ulong[4];
        LongDivision.DivRem(u, v, q, r);
        result = new UInt256(r[0], r[1], r[2], r[3]);
    }

    /// <summary>(a + b) mod m for m ≥ 2^255: every word is below 2m, so one conditional subtraction reduces each operand and the sum.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void AddModLarge(in UInt256 a, in UInt256 b, in UInt256 m, out UInt256 result)
    {
        UInt256 x = a >= m ? a - m : a;
        UInt256 y = b >= m ? b - m : b;
        bool overflow = AddWithCarry(x, y, out UInt256 total);
        bool below = SubtractWithBorrow(total, m, out UInt256 reduced);
        // Branch-free select: whether the sum reaches m is data-dependent and unpredictable.
        ulong keep = (overflow | !below) ? ulong.MaxValue : 0;
        result = new UInt256(
            (reduced.U0 & keep) | (total.U0 & ~keep),
            (reduced.U1 & keep) | (total.U1 & ~keep),
            (reduced.U2 & keep) | (total.U2 & ~keep),
            (reduced.U3 & keep) | (total.U3 & ~keep));
    }

    /// <summary>(a × b) mod m over the full 512-bit product; 0 when m is 0.</summary>
    public static void MultiplyMod(in UInt256 a, in UInt256 b, in UInt256 m, out UInt256 result)
    {
        if (m.IsZero)
        {
            result = default;
            return;
        }
        Span<ulong> product = stackalloc ulong[8];
        MultiplyWide(a, b, product);
        Span<ulong> v = [m.U0, m.U1, m.U2, m.U3];
        Span<ulong> q = stackalloc ulong[8];
        Span<ulong> r = stackalloc ulong[4];
        LongDivision.DivRem(product, v, q, r);
        result = new UInt256(r[0], r[1], r[2], r[3]);
    }

    /// <summary>b^e mod 2^256 by square-and-multiply.</summary>
    public static void Exp(in UInt256 b, in UInt256 e, out UInt256 result)
    {
        UInt256 acc = One;
        UInt256 square = b;
        int bits = e.BitLength;
        for (int i = 0; i < bits; i++)
        {
            if (e.Bit(i))
            {
                Multiply(acc, square, out acc);
            }
            if (i + 1 < bits)
            {
                Multiply(square, square, out square);
            }
        }
        result = acc;
    }

    /// <summary>Extends the sign of the (k+1)-byte two's-complement value x (EVM SIGNEXTEND).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void SignExtend(in UInt256 k, in UInt256 x, out UInt256 result)
    {
        if (!k.FitsInUInt64 || k.U0 >= 31)
        {
            result = x;
            return;
        }
        // Keep the low 8(k+1) bits; fill the rest with copies of the sign bit.
        int bits = ((int)k.U0 + 1) * 8;
        ShiftLeft(MaxValue, bits, out UInt256 high);
        bool negative = x.Bit(bits - 1);
        Not(high, out UInt256 low);
        And(x, low, out UInt256 kept);
        if (negative)
        {
            Or(kept, high, out result);
        }
        else
        {
            result = kept;
        }
    }

    /// <summary>Two's-complement negation.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static UInt256 Negate(in UInt256 a)
    {
        Subtract(Zero, a, out UInt256 r);
        return r;
    }

    /// <summary>True when bit <paramref name="index"/> (0 = least significant) is set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Bit(int index) => ((index switch
    {
        < 64 => U0,
        < 128 => U1,
        < 192 => U2,
        _ => U3,
    } >> (index & 63)) & 1) != 0;

    // ------------------------------------------------------------------ bitwise

    /// <summary>Bitwise AND.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void And(in UInt256 a, in UInt256 b, out UInt256 result)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            Unsafe.SkipInit(out result);
            Unsafe.As<UInt256, Vector256<ulong>>(ref Unsafe.AsRef(in result)) =
                Unsafe.As<UInt256, Vector256<ulong>>(ref Unsafe.AsRef(in a)) & Unsafe.As<UInt256, Vector256<ulong>>(ref Unsafe.AsRef(in b));
            return;
        }
        result = new UInt256(a.U0 & b.U0, a.U1 & b.U1, a.U2 & b.U2, a.U3 & b.U3);
    }

    /// <summary>Bitwise OR.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Or(in UInt256 a, in UInt256 b, out UInt256 result)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            Unsafe.SkipInit(out result);
            Unsafe.As<UInt256, Vector256<ulong>>(ref Unsafe.AsRef(in result)) =
                Unsafe.As<UInt256, Vector256<ulong>>(ref Unsafe.AsRef(in a)) | Unsafe.As<UInt256, Vector256<ulong>>(ref Unsafe.AsRef(in b));
            return;
        }
        result = new UInt256(a.U0 | b.U0, a.U1 | b.U1, a.U2 | b.U2, a.U3 | b.U3);
    }

    /// <summary>Bitwise XOR.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Xor(in UInt256 a, in UInt256 b, out UInt256 result)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            Unsafe.SkipInit(out result);
            Unsafe.As<UInt256, Vector256<ulong>>(ref Unsafe.AsRef(in result)) =
                Unsafe.As<UInt256, Vector256<ulong>>(ref Unsafe.AsRef(in a)) ^ Unsafe.As<UInt256, Vector256<ulong>>(ref Unsafe.AsRef(in b));
            return;
        }
        result = new UInt256(a.U0 ^ b.U0, a.U1 ^ b.U1, a.U2 ^ b.U2, a.U3 ^ b.U3);
    }

    /// <summary>Bitwise NOT.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Not(in UInt256 a, out UInt256 result) => result = new UInt256(~a.U0, ~a.U1, ~a.U2, ~a.U3);

    /// <summary>The <paramref name="index"/>-th byte counting from the most significant (EVM BYTE); 0 when index ≥ 32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static UInt256 Byte(in UInt256 index, in UInt256 x)
    {
        if (!index.FitsInUInt64 || index.U0 >= 32)
        {
            return Zero;
        }
        int fromLeast = 31 - (int)index.U0;
        ulong limb = (fromLeast / 8) switch { 0 => x.U0, 1 => x.U1, 2 => x.U2, _ => x.U3 };
        return new UInt256((limb >> (fromLeast % 8 * 8)) & 0xFF);
    }

    /// <summary>x shifted left by <paramref name="shift"/> bits (0 when shift ≥ 256).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ShiftLeft(in UInt256 x, in UInt256 shift, out UInt256 result)
    {
        if (!shift.FitsInUInt64 || shift.U0 >= 256)
        {
            result = default;
            return;
        }
        ShiftLeft(x, (int)shift.U0, out result);
    }

    /// <summary>x shifted left by <paramref name="n"/> bits, n in [0, 256).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ShiftLeft(in UInt256 x, int n, out UInt256 result)
    {
        int limbs = n / 64, bits = n % 64;
        ulong s0 = x.U0, s1 = x.U1, s2 = x.U2, s3 = x.U3;
        ulong r0 = 0, r1 = 0, r2 = 0, r3 = 0;
        switch (limbs)
        {
            case 0: r0 = s0; r1 = s1; r2 = s2; r3 = s3; break;
            case 1: r1 = s0; r2 = s1; r3 = s2; break;
            case 2: r2 = s0; r3 = s1; break;
            default: r3 = s0; break;
        }
        if (bits != 0)
        {
            int back = 64 - bits;
            r3 = (r3 << bits) | (r2 >> back);
            r2 = (r2 << bits) | (r1 >> back);
            r1 = (r1 << bits) | (r0 >> back);
            r0 <<= bits;
        }
        result = new UInt256(r0, r1, r2, r3);
    }

    /// <summary>x logically shifted right by <paramref name="shift"/> bits (0 when shift ≥ 256).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ShiftRight(in UInt256 x, in UInt256 shift, out UInt256 result)
    {
        if (!shift.FitsInUInt64 || shift.U0 >= 256)
        {
            result = default;
            return;
        }
        ShiftRight(x, (int)shift.U0, out result);
    }

    /// <summary>x logically shifted right by <paramref name="n"/> bits, n in [0, 256).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ShiftRight(in UInt256 x, int n, out UInt256 result)
    {
        int limbs = n / 64, bits = n % 64;
        ulong s0 = x.U0, s1 = x.U1, s2 = x.U2, s3 = x.U3;
        ulong r0 = 0, r1 = 0, r2 = 0, r3 = 0;
        switch (limbs)
        {
            case 0: r0 = s0; r1 = s1; r2 = s2; r3 = s3; break;
            case 1: r0 = s1; r1 = s2; r2 = s3; break;
            case 2: r0 = s2; r1 = s3; break;
            default: r0 = s3; break;
        }
        if (bits != 0)
        {
            int back = 64 - bits;
            r0 = (r0 >> bits) | (r1 << back);
            r1 = (r1 >> bits) | (r2 << back);
            r2 = (r2 >> bits) | (r3 << back);
            r3 >>= bits;
        }
        result = new UInt256(r0, r1, r2, r3);
    }

    /// <summary>x arithmetically shifted right (sign-filling) by <paramref name="shift"/> bits.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void ShiftRightArithmetic(in UInt256 x, in UInt256 shift, out UInt256 result)
    {
        bool negative = x.IsNegative;
        if (!shift.FitsInUInt64 || shift.U0 >= 256)
        {
            result = negative ? MaxValue : default;
            return;
        }
        int n = (int)shift.U0;
        ShiftRight(x, n, out UInt256 logical);
        if (!negative || n == 0)
        {
            result = logical;
            return;
        }
        ShiftLeft(MaxValue, 256 - n, out UInt256 fill);
        Or(logical, fill, out result);
    }

    // ------------------------------------------------------------------ comparison

    /// <summary>Signed (two's-complement) a &lt; b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool SignedLessThan(in UInt256 a, in UInt256 b)
    {
        bool negA = a.IsNegative, negB = b.IsNegative;
        return negA != negB ? negA : a < b;
    }

    /// <inheritdoc />
    public int CompareTo(UInt256 other) =>
        U3 != other.U3 ? U3.CompareTo(other.U3)
        : U2 != other.U2 ? U2.CompareTo(other.U2)
        : U1 != other.U1 ? U1.CompareTo(other.U1)
        : U0.CompareTo(other.U0);

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Equals(UInt256 other)
    {
        if (Vector256.IsHardwareAccelerated)
        {
            return Unsafe.As<UInt256, Vector256<ulong>>(ref Unsafe.AsRef(in this)) == Unsafe.As<UInt256, Vector256<ulong>>(ref other);
        }
        return ((U0 ^ other.U0) | (U1 ^ other.U1) | (U2 ^ other.U2) | (U3 ^ other.U3)) == 0;
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is UInt256 other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(U0, U1, U2, U3);

    /// <summary>Equality.</summary>
    public static bool operator ==(in UInt256 a, in UInt256 b) => a.Equals(b);
    /// <summary>Inequality.</summary>
    public static bool operator !=(in UInt256 a, in UInt256 b) => !a.Equals(b);

    /// <summary>Unsigned less-than.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool operator <(in UInt256 a, in UInt256 b)
    {
        if (a.U3 != b.U3) return a.U3 < b.U3;
        if (a.U2 != b.U2) return a.U2 < b.U2;
        if (a.U1 != b.U1) return a.U1 < b.U1;
        return a.U0 < b.U0;
    }

    /// <summary>Unsigned greater-than.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool operator >(in UInt256 a, in UInt256 b) => b < a;
    /// <summary>Unsigned less-or-equal.</summary>
    public static bool operator <=(in UInt256 a, in UInt256 b) => !(b < a);
    /// <summary>Unsigned greater-or-equal.</summary>
    public static bool operator >=(in UInt256 a, in UInt256 b) => !(a < b);

    /// <summary>Wrapping addition.</summary>
    public static UInt256 operator +(in UInt256 a, in UInt256 b)
    {
        Add(a, b, out UInt256 r);
        return r;
    }

    /// <summary>Wrapping subtraction.</summary>
    public static UInt256 operator -(in UInt256 a, in UInt256 b)
    {
        Subtract(a, b, out UInt256 r);
        return r;
    }

    /// <summary>Wrapping multiplication.</summary>
    public static UInt256 operator *(in UInt256 a, in UInt256 b)
    {
        Multiply(a, b, out UInt256 r);
        return r;
    }

    /// <summary>Division (x / 0 = 0).</summary>
    public static UInt256 operator /(in UInt256 a, in UInt256 b)
    {
        Divide(a, b, out UInt256 r);
        return r;
    }

    /// <summary>Logical left shift by <paramref name="bits"/> (0 when ≥ 256).</summary>
    public static UInt256 operator <<(in UInt256 a, int bits)
    {
        if ((uint)bits >= 256)
        {
            return Zero;
        }
        ShiftLeft(a, bits, out UInt256 r);
        return r;
    }

    /// <summary>Logical right shift by <paramref name="bits"/> (0 when ≥ 256).</summary>
    public static UInt256 operator >>(in UInt256 a, int bits)
    {
        if ((uint)bits >= 256)
        {
            return Zero;
        }
        ShiftRight(a, bits, out UInt256 r);
        return r;
    }

    /// <summary>Remainder (x mod 0 = 0).</summary>
    public static UInt256 operator %(in UInt256 a, in UInt256 b)
    {
        Mod(a, b, out UInt256 r);
        return r;
    }

    // ------------------------------------------------------------------ text

    /// <summary>Parses "0x"-prefixed hexadecimal or plain decimal text.</summary>
    public static UInt256 Parse(string text)
    {
        if (!TryParse(text, out UInt256 value))
        {
            throw new FormatException($"'{text}' is not a 256-bit unsigned integer (0x-hex or decimal).");
        }
        return value;
    }

    /// <summary>Parses "0x"-prefixed hexadecimal (at most 64 digits, any number of leading zeros after trimming) or decimal text.</summary>
    public static bool TryParse(string? text, out UInt256 value)
    {
        value = default;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            ReadOnlySpan<char> digits = text.AsSpan(2).TrimStart('0');
            if (digits.Length > 64)
            {
                return false;
            }
            if (digits.Length == 0)
            {
                return true; // "0x" and "0x00…" are zero
            }
            ulong u0 = 0, u1 = 0, u2 = 0, u3 = 0;
            foreach (char ch in digits)
            {
                int nibble = HexValue(ch);
                if (nibble < 0)
                {
                    return false;
                }
                u3 = (u3 << 4) | (u2 >> 60);
                u2 = (u2 << 4) | (u1 >> 60);
                u1 = (u1 << 4) | (u0 >> 60);
                u0 = (u0 << 4) | (uint)nibble;
            }
            value = new UInt256(u0, u1, u2, u3);
            return true;
        }
        if (!BigInteger.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out BigInteger big) || big.GetByteCount(isUnsigned: true) > 32)
        {
            return false;
        }
        value = FromBigInteger(big);
        return true;
    }

    private static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>Minimal "0x"-prefixed lowercase hexadecimal, as JSON-RPC quantities are written ("0x0" for zero).</summary>
    public string ToHexString()
    {
        if (IsZero)
        {
            return "0x0";
        }
        Span<byte> bytes = stackalloc byte[32];
        WriteBigEndian(bytes);
        string hex = Convert.ToHexStringLower(bytes).TrimStart('0');
        return "0x" + hex;
    }

    /// <summary>Decimal text.</summary>
    public override string ToString() => FitsInUInt64 ? U0.ToString(CultureInfo.InvariantCulture) : ToBigInteger().ToString(CultureInfo.InvariantCulture);
}
