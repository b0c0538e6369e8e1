using System.Numerics;
using BasedAI.Evm.Numerics;
using FsCheck;
using FsCheck.Fluent;

namespace BasedAI.Evm.Tests;

public class UInt256Tests
{
    private static readonly BigInteger Modulus = BigInteger.One << 256;

    /// <summary>Random 256-bit values biased toward edge cases (small, large, limb boundaries).</summary>
    private static Arbitrary<UInt256> Values()
    {
        Gen<ulong> limb = Gen.OneOf(
            ArbMap.Default.GeneratorFor<ulong>(),
            Gen.Elements(0UL, 1UL, ulong.MaxValue, 1UL << 63, (1UL << 63) - 1));
        Gen<UInt256> gen = Gen.OneOf(
            limb.Select(x => new UInt256(x)),
            limb.Two().Select(t => new UInt256(t.Item1, t.Item2, 0, 0)),
            limb.Three().Select(t => new UInt256(t.Item1, t.Item2, t.Item3, 0)),
            limb.Four().Select(t => new UInt256(t.Item1, t.Item2, t.Item3, t.Item4)),
            limb.Four().Select(t => new UInt256(0, 0, t.Item3, t.Item4)),
            limb.Select(x => new UInt256(0, 0, 0, x)));
        return gen.ToArbitrary();
    }

    private static BigInteger Big(UInt256 x) => x.ToBigInteger();

    private static BigInteger Signed(UInt256 x) => x.IsNegative ? Big(x) - Modulus : Big(x);

    private static UInt256 FromSigned(BigInteger x) => UInt256.FromBigInteger(((x % Modulus) + Modulus) % Modulus);

    private static void Check2(Func<UInt256, UInt256, bool> property) =>
        Prop.ForAll(Values(), Values(), property).Check(Config.QuickThrowOnFailure.WithMaxTest(3000));

    [Fact]
    public void Add_sub_mul_match_BigInteger_mod_2_256()
    {
        Check2((a, b) => Big(a + b) == (Big(a) + Big(b)) % Modulus
            && Big(a - b) == ((Big(a) - Big(b)) % Modulus + Modulus) % Modulus
            && Big(a * b) == Big(a) * Big(b) % Modulus);
    }

    [Fact]
    public void Div_and_mod_match_BigInteger_with_zero_divisor_giving_zero()
    {
        Check2((a, b) => Big(a / b) == (b.IsZero ? 0 : Big(a) / Big(b))
            && Big(a % b) == (b.IsZero ? 0 : Big(a) % Big(b)));
    }

    [Fact]
    public void Signed_division_truncates_toward_zero()
    {
        Check2((a, b) =>
        {
            UInt256.SignedDivide(a, b, out UInt256 q);
            UInt256.SignedMod(a, b, out UInt256 r);
            BigInteger sa = Signed(a), sb = Signed(b);
            BigInteger expectedQ = sb.IsZero ? 0 : BigInteger.Divide(sa, sb);
            BigInteger expectedR = sb.IsZero ? 0 : BigInteger.Remainder(sa, sb);
            return q == FromSigned(expectedQ) && r == FromSigned(expectedR);
        });
    }

    [Fact]
    public void AddMod_and_MulMod_use_full_precision()
    {
        Prop.ForAll(Values(), Values(), Values(), (a, b, m) =>
        {
            UInt256.AddMod(a, b, m, out UInt256 addmod);
            UInt256.MultiplyMod(a, b, m, out UInt256 mulmod);
            return Big(addmod) == (m.IsZero ? 0 : (Big(a) + Big(b)) % Big(m))
                && Big(mulmod) == (m.IsZero ? 0 : Big(a) * Big(b) % Big(m));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(3000));
    }

    [Fact]
    public void Exp_matches_ModPow()
    {
        Check2((a, b) =>
        {
            UInt256.Exp(a, b, out UInt256 r);
            return Big(r) == BigInteger.ModPow(Big(a), Big(b), Modulus);
        });
    }

    [Fact]
    public void Shifts_match_BigInteger()
    {
        Prop.ForAll(Values(), Gen.Choose(0, 300).ToArbitrary(), (x, n) =>
        {
            var shift = new UInt256((ulong)n);
            UInt256.ShiftLeft(x, shift, out UInt256 shl);
            UInt256.ShiftRight(x, shift, out UInt256 shr);
            UInt256.ShiftRightArithmetic(x, shift, out UInt256 sar);
            BigInteger expectedSar = n >= 256 ? (x.IsNegative ? -1 : 0) : Signed(x) >> n;
            return Big(shl) == (n >= 256 ? 0 : (Big(x) << n) % Modulus)
                && Big(shr) == (n >= 256 ? 0 : Big(x) >> n)
                && sar == FromSigned(expectedSar);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(3000));
    }

    [Fact]
    public void SignExtend_and_Byte_follow_the_yellow_paper()
    {
        Prop.ForAll(Values(), Gen.Choose(0, 40).ToArbitrary(), (x, k) =>
        {
            UInt256.SignExtend(new UInt256((ulong)k), x, out UInt256 extended);
            BigInteger expected;
            if (k >= 31)
            {
                expected = Big(x);
            }
            else
            {
                int bits = 8 * (k + 1);
                BigInteger low = Big(x) & ((BigInteger.One << bits) - 1);
                bool negative = !(low >> (bits - 1)).IsZero;
                expected = negative ? (low - (BigInteger.One << bits) + Modulus) % Modulus : low;
            }
            byte[] bytes = x.ToBigEndian();
            UInt256 single = UInt256.Byte(new UInt256((ulong)k), x);
            return Big(extended) == expected && single == new UInt256(k < 32 ? bytes[k] : 0UL);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(3000));
    }

    [Fact]
    public void Comparisons_match_BigInteger()
    {
        Check2((a, b) => (a < b) == (Big(a) < Big(b))
            && (a == b) == (Big(a) == Big(b))
            && UInt256.SignedLessThan(a, b) == (Signed(a) < Signed(b))
            && a.CompareTo(b) == Big(a).CompareTo(Big(b)));
    }

    [Fact]
    public void Big_endian_and_text_round_trip()
    {
        Prop.ForAll(Values(), x =>
            new UInt256(x.ToBigEndian()) == x
            && UInt256.Parse(x.ToHexString()) == x
            && UInt256.Parse(x.ToString()) == x
            && new UInt256(x.ToMinimalBigEndian()) == x
            && x.ToMinimalBigEndian().Length == x.ByteLength).Check(Config.QuickThrowOnFailure.WithMaxTest(2000));
    }

    [Fact]
    public void Parse_rejects_malformed_text()
    {
        Assert.False(UInt256.TryParse("0xg1", out _));
        Assert.False(UInt256.TryParse("0x1" + new string('0', 64), out _));
        Assert.False(UInt256.TryParse("-1", out _));
        Assert.False(UInt256.TryParse("", out _));
        Assert.True(UInt256.TryParse("0x" + new string('0', 70) + "ff", out UInt256 padded));
        Assert.Equal(new UInt256(255), padded);
    }
}
