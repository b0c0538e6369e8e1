using System.Numerics;
using System.Runtime.CompilerServices;

namespace BasedAI.Evm.Precompiles.Bn254;

/// <summary>
/// An element of the BN254 (alt_bn128) base field F_p, held in Montgomery form (a·2^256 mod p) in four 64-bit limbs.
/// Multiplication is CIOS Montgomery; constants are derived from p at start-up.
/// </summary>
internal readonly struct Fp : IEquatable<Fp>
{
    public static readonly BigInteger Modulus =
        BigInteger.Parse("21888242871839275222246405745257275088696311157297823662689037894645226208583", System.Globalization.CultureInfo.InvariantCulture);

    private static readonly ulong P0, P1, P2, P3;
    private static readonly ulong Inverse; // −p^(−1) mod 2^64
    private static readonly Fp R2;         // 2^512 mod p, to enter Montgomery form

    public static readonly Fp Zero;
    public static readonly Fp One;

    private readonly ulong _l0, _l1, _l2, _l3;

    static Fp()
    {
        (P0, P1, P2, P3) = Limbs(Modulus);
        // Newton iteration for p^(−1) mod 2^64.
        ulong inv = 1;
        for (int i = 0; i < 7; i++)
        {
            inv *= 2 - P0 * inv;
        }
        Inverse = 0 - inv;
        var (r0, r1, r2, r3) = Limbs(BigInteger.ModPow(2, 512, Modulus));
        R2 = new Fp(r0, r1, r2, r3);
        One = FromBigInteger(BigInteger.One);
    }

    private Fp(ulong l0, ulong l1, ulong l2, ulong l3)
    {
        _l0 = l0;
        _l1 = l1;
        _l2 = l2;
        _l3 = l3;
    }

    public bool IsZero => (_l0 | _l1 | _l2 | _l3) == 0;

    /// <summary>Converts a value in [0, p) to Montgomery form.</summary>
    public static Fp FromBigInteger(BigInteger value)
    {
        var (l0, l1, l2, l3) = Limbs(((value % Modulus) + Modulus) % Modulus);
        return new Fp(l0, l1, l2, l3) * R2;
    }

    /// <summary>Reads 32 big-endian bytes; false when the value is not below p.</summary>
    public static bool TryRead(ReadOnlySpan<byte> bigEndian, out Fp value)
    {
        var big = new BigInteger(bigEndian, isUnsigned: true, isBigEndian: true);
        value = default;
        if (big >= Modulus)
        {
            return false;
        }
        value = FromBigInteger(big);
        return true;
    }

    /// <summary>Leaves Montgomery form.</summary>
    public BigInteger ToBigInteger()
    {
        Fp plain = this * new Fp(1, 0, 0, 0);
        Span<byte> bytes = stackalloc byte[32];
        BitConverter.TryWriteBytes(bytes, plain._l0);
        BitConverter.TryWriteBytes(bytes[8..], plain._l1);
        BitConverter.TryWriteBytes(bytes[16..], plain._l2);
        BitConverter.TryWriteBytes(bytes[24..], plain._l3);
        return new BigInteger(bytes, isUnsigned: true, isBigEndian: false);
    }

    /// <summary>Writes the canonical value as 32 big-endian bytes.</summary>
    public void Write(Span<byte> destination)
    {
        BigInteger value = ToBigInteger();
        destination[..32].Clear();
        value.TryWriteBytes(destination[(32 - value.GetByteCount(isUnsigned: true))..32], out _, isUnsigned: true, isBigEndian: true);
    }

    private static (ulong, ulong, ulong, ulong) Limbs(BigInteger value)
    {
        ulong mask = ulong.MaxValue;
        return ((ulong)(value & mask), (ulong)((value >> 64) & mask), (ulong)((value >> 128) & mask), (ulong)((value >> 192) & mask));
    }

    public static Fp operator +(in Fp a, in Fp b)
    {
        ulong r0 = a._l0 + b._l0;
        ulong c = r0 < a._l0 ? 1UL : 0;
        ulong r1 = AddCarry(a._l1, b._l1, ref c);
        ulong r2 = AddCarry(a._l2, b._l2, ref c);
        ulong r3 = AddCarry(a._l3, b._l3, ref c);
        return Reduce(r0, r1, r2, r3);
    }

    public static Fp operator -(in Fp a, in Fp b)
    {
        ulong borrow = 0;
        ulong r0 = SubBorrow(a._l0, b._l0, ref borrow);
        ulong r1 = SubBorrow(a._l1, b._l1, ref borrow);
        ulong r2 = SubBorrow(a._l2, b._l2, ref borrow);
        ulong r3 = SubBorrow(a._l3, b._l3, ref borrow);
        if (borrow != 0)
        {
            ulong c = 0;
            r0 = AddCarry(r0, P0, ref c);
            r1 = AddCarry(r1, P1, ref c);
            r2 = AddCarry(r2, P2, ref c);
            r3 = AddCarry(r3, P3, ref c);
        }
        return new Fp(r0, r1, r2, r3);
    }

    public static Fp operator -(in Fp a) => Zero - a;

    public static Fp operator *(in Fp a, in Fp b)
    {
        // CIOS Montgomery multiplication; p < 2^254 leaves room for the intermediate sums.
        ulong t0 = 0, t1 = 0, t2 = 0, t3 = 0, t4 = 0;
        Step(a, b._l0, ref t0, ref t1, ref t2, ref t3, ref t4);
        Step(a, b._l1, ref t0, ref t1, ref t2, ref t3, ref t4);
        Step(a, b._l2, ref t0, ref t1, ref t2, ref t3, ref t4);
        Step(a, b._l3, ref t0, ref t1, ref t2, ref t3, ref t4);
        return Reduce(t0, t1, t2, t3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(in Fp a, ulong bi, ref ulong t0, ref ulong t1, ref ulong t2, ref ulong t3, ref ulong t4)
    {
        ulong carry = 0;
        t0 = MulAdd(a._l0, bi, t0, ref carry);
        t1 = MulAdd(a._l1, bi, t1, ref carry);
        t2 = MulAdd(a._l2, bi, t2, ref carry);
        t3 = MulAdd(a._l3, bi, t3, ref carry);
        t4 += carry;

        ulong m = t0 * Inverse;
        carry = 0;
        MulAdd(m, P0, t0, ref carry);
        t0 = MulAdd(m, P1, t1, ref carry);
        t1 = MulAdd(m, P2, t2, ref carry);
        t2 = MulAdd(m, P3, t3, ref carry);
        t3 = t4 + carry;
        t4 = 0;
    }

    /// <summary>x·y + z + carry; returns the low word and updates carry to the high word.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong MulAdd(ulong x, ulong y, ulong z, ref ulong carry)
    {
        ulong high = Math.BigMul(x, y, out ulong low);
        low += z;
        high += low < z ? 1UL : 0;
        low += carry;
        high += low < carry ? 1UL : 0;
        carry = high;
        return low;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong AddCarry(ulong a, ulong b, ref ulong carry)
    {
        ulong sum = a + b;
        ulong c1 = sum < a ? 1UL : 0;
        ulong result = sum + carry;
        carry = c1 | (result < sum ? 1UL : 0);
        return result;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong SubBorrow(ulong a, ulong b, ref ulong borrow)
    {
        ulong diff = a - b;
        ulong b1 = a < b ? 1UL : 0;
        ulong result = diff - borrow;
        borrow = b1 | (diff < borrow ? 1UL : 0);
        return result;
    }

    /// <summary>Subtracts p once when the value is at least p (inputs are below 2p).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Fp Reduce(ulong r0, ulong r1, ulong r2, ulong r3)
    {
        ulong borrow = 0;
        ulong s0 = SubBorrow(r0, P0, ref borrow);
        ulong s1 = SubBorrow(r1, P1, ref borrow);
        ulong s2 = SubBorrow(r2, P2, ref borrow);
        ulong s3 = SubBorrow(r3, P3, ref borrow);
        return borrow == 0 ? new Fp(s0, s1, s2, s3) : new Fp(r0, r1, r2, r3);
    }

    public Fp Square() => this * this;

    public Fp Double() => this + this;

    private static readonly bool[] InverseExponent = Bls12381.Bls.Bits(Modulus - 2);

    /// <summary>a^(p−2) = a^(−1) (Fermat); zero maps to zero.</summary>
    public Fp Invert() => Pow(InverseExponent);

    /// <summary>this^e for an exponent given as bits, least significant first.</summary>
    public Fp Pow(bool[] bits)
    {
        Fp result = One;
        for (int i = bits.Length - 1; i >= 0; i--)
        {
            result = result.Square();
            if (bits[i])
            {
                result *= this;
            }
        }
        return result;
    }

    public bool Equals(Fp other) => _l0 == other._l0 && _l1 == other._l1 && _l2 == other._l2 && _l3 == other._l3;

    public override bool Equals(object? obj) => obj is Fp other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_l0, _l1, _l2, _l3);

    public static bool operator ==(in Fp a, in Fp b) => a.Equals(b);

    public static bool operator !=(in Fp a, in Fp b) => !a.Equals(b);
}
