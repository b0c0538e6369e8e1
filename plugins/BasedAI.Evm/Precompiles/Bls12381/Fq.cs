using System.Numerics;
using System.Runtime.CompilerServices;

namespace BasedAI.Evm.Precompiles.Bls12381;

/// <summary>
/// An element of the BLS12-381 base field F_q (381-bit q), in Montgomery form (a·2^384 mod q) over six 64-bit limbs.
/// Multiplication is CIOS Montgomery; constants are derived from q at start-up.
/// </summary>
internal readonly struct Fq : IEquatable<Fq>
{
    public static readonly BigInteger Modulus = BigInteger.Parse(
        "01a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab",
        System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);

    private static readonly Limbs P;
    private static readonly ulong Inverse; // −q^(−1) mod 2^64
    private static readonly Fq R2;         // 2^768 mod q

    public static readonly Fq Zero;
    public static readonly Fq One;

    private readonly Limbs _l;

    [InlineArray(6)]
    private struct Limbs
    {
        private ulong _element;
    }

    static Fq()
    {
        P = ToLimbs(Modulus);
        ulong p0 = P[0];
        ulong inv = 1;
        for (int i = 0; i < 7; i++)
        {
            inv *= 2 - p0 * inv;
        }
        Inverse = 0 - inv;
        R2 = new Fq(ToLimbs(BigInteger.ModPow(2, 768, Modulus)));
        One = FromBigInteger(BigInteger.One);
    }

    private Fq(Limbs limbs)
    {
        _l = limbs;
    }

    public bool IsZero
    {
        get
        {
            ulong any = 0;
            for (int i = 0; i < 6; i++)
            {
                any |= _l[i];
            }
            return any == 0;
        }
    }

    public static Fq FromBigInteger(BigInteger value) => new Fq(ToLimbs(((value % Modulus) + Modulus) % Modulus)) * R2;

    public BigInteger ToBigInteger()
    {
        Limbs one = default;
        one[0] = 1;
        Fq plain = this * new Fq(one);
        Span<byte> bytes = stackalloc byte[48];
        for (int i = 0; i < 6; i++)
        {
            BitConverter.TryWriteBytes(bytes[(8 * i)..], plain._l[i]);
        }
        return new BigInteger(bytes, isUnsigned: true, isBigEndian: false);
    }

    private static Limbs ToLimbs(BigInteger value)
    {
        Limbs limbs = default;
        for (int i = 0; i < 6; i++)
        {
            limbs[i] = (ulong)((value >> (64 * i)) & ulong.MaxValue);
        }
        return limbs;
    }

    public static Fq operator +(in Fq a, in Fq b)
    {
        Limbs r = default;
        ulong carry = 0;
        for (int i = 0; i < 6; i++)
        {
            ulong sum = a._l[i] + b._l[i];
            ulong c1 = sum < a._l[i] ? 1UL : 0;
            ulong total = sum + carry;
            carry = c1 | (total < sum ? 1UL : 0);
            r[i] = total;
        }
        return ReduceOnce(r);
    }

    public static Fq operator -(in Fq a, in Fq b)
    {
        Limbs r = default;
        ulong borrow = 0;
        for (int i = 0; i < 6; i++)
        {
            ulong diff = a._l[i] - b._l[i];
            ulong b1 = a._l[i] < b._l[i] ? 1UL : 0;
            ulong total = diff - borrow;
            borrow = b1 | (diff < borrow ? 1UL : 0);
            r[i] = total;
        }
        if (borrow != 0)
        {
            ulong carry = 0;
            for (int i = 0; i < 6; i++)
            {
                ulong sum = r[i] + P[i];
                ulong c1 = sum < r[i] ? 1UL : 0;
                ulong total = sum + carry;
                carry = c1 | (total < sum ? 1UL : 0);
                r[i] = total;
            }
        }
        return new Fq(r);
    }

    public static Fq operator -(in Fq a) => Zero - a;

    public static Fq operator *(in Fq a, in Fq b)
    {
        // CIOS Montgomery multiplication; q < 2^382 leaves headroom in the top limb.
        Span<ulong> t = stackalloc ulong[8];
        t.Clear();
        for (int i = 0; i < 6; i++)
        {
            ulong bi = b._l[i];
            ulong carry = 0;
            for (int j = 0; j < 6; j++)
            {
                t[j] = MulAdd(a._l[j], bi, t[j], ref carry);
            }
            ulong sum = t[6] + carry;
            t[7] = sum < carry ? 1UL : 0;
            t[6] = sum;

            ulong m = t[0] * Inverse;
            carry = 0;
            MulAdd(m, P[0], t[0], ref carry);
            for (int j = 1; j < 6; j++)
            {
                t[j - 1] = MulAdd(m, P[j], t[j], ref carry);
            }
            sum = t[6] + carry;
            t[5] = sum;
            t[6] = t[7] + (sum < carry ? 1UL : 0);
        }
        Limbs r = default;
        for (int i = 0; i < 6; i++)
        {
            r[i] = t[i];
        }
        return ReduceOnce(r);
    }

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

    /// <summary>Subtracts q when the value is at least q (inputs below 2q).</summary>
    private static Fq ReduceOnce(Limbs r)
    {
        Limbs s = default;
        ulong borrow = 0;
        for (int i = 0; i < 6; i++)
        {
            ulong diff = r[i] - P[i];
            ulong b1 = r[i] < P[i] ? 1UL : 0;
            ulong total = diff - borrow;
            borrow = b1 | (diff < borrow ? 1UL : 0);
            s[i] = total;
        }
        return borrow == 0 ? new Fq(s) : new Fq(r);
    }

    public Fq Square() => this * this;

    public Fq Double() => this + this;

    public Fq Invert() => Pow(ModulusMinusTwo);

    private static readonly BigInteger ModulusMinusTwo = Modulus - 2;

    public Fq Pow(BigInteger exponent)
    {
        Fq result = One;
        Fq square = this;
        byte[] bits = exponent.ToByteArray(isUnsigned: true, isBigEndian: false);
        for (int i = 0; i < bits.Length * 8; i++)
        {
            if ((bits[i >> 3] & (1 << (i & 7))) != 0)
            {
                result *= square;
            }
            square = square.Square();
        }
        return result;
    }

    /// <summary>True when the canonical value is above (q − 1)/2 (the "larger" square root).</summary>
    public bool IsLexicographicallyLarger => ToBigInteger() > (Modulus - 1) / 2;

    public bool Equals(Fq other)
    {
        for (int i = 0; i < 6; i++)
        {
            if (_l[i] != other._l[i])
            {
                return false;
            }
        }
        return true;
    }

    public override bool Equals(object? obj) => obj is Fq other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(_l[0], _l[1], _l[5]);

    public static bool operator ==(in Fq a, in Fq b) => a.Equals(b);

    public static bool operator !=(in Fq a, in Fq b) => !a.Equals(b);
}
