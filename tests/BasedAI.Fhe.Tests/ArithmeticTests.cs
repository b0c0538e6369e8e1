using System.Numerics;
using BasedAI.Fhe.Arithmetic;
using FsCheck;
using FsCheck.Fluent;

namespace BasedAI.Fhe.Tests;

public class ArithmeticTests
{
    private static readonly ulong[] TestPrimes = [0xffffffffffe8001, 0xfffff4c001, 0x7fffffd8001, 0x1ffffffe48001, 0x3fffffff000001, 0x7e00001];

    [Fact]
    public void Reductions_match_big_integer_arithmetic()
    {
        foreach (ulong p in TestPrimes)
        {
            var q = new Modulus(p);
            Prop.ForAll(ArbMap.Default.ArbFor<ulong>(), ArbMap.Default.ArbFor<ulong>(), (a, b) =>
            {
                ulong x = a % p, y = b % p;
                var expected = (ulong)(new BigInteger(x) * y % p);
                return q.Multiply(x, y) == expected
                    && q.Reduce(a) == a % p
                    && q.Reduce128(a, b) == (ulong)(((new BigInteger(a) << 64) + b) % p)
                    && q.MultiplyShoup(a, y, q.ShoupOf(y)) == (ulong)(new BigInteger(a) * y % p)
                    && q.ReduceProduct(Math.BigMul(x, y, out ulong low) , low) == expected;
            }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
        }
    }

    [Fact]
    public void Sum_of_two_products_reduces_correctly()
    {
        var random = new Random(7);
        foreach (ulong p in TestPrimes)
        {
            var q = new Modulus(p);
            for (int i = 0; i < 2000; i++)
            {
                ulong a = (ulong)random.NextInt64() % p, b = (ulong)random.NextInt64() % p;
                ulong c = (ulong)random.NextInt64() % p, d = (ulong)random.NextInt64() % p;
                if (i == 0)
                {
                    a = b = c = d = p - 1;
                }

                UInt128 sum = ((UInt128)a * b) + ((UInt128)c * d);
                Assert.Equal((ulong)(sum % p), q.ReduceProduct((ulong)(sum >> 64), (ulong)sum));
            }
        }
    }

    [Fact]
    public void Inverse_and_power_are_consistent()
    {
        foreach (ulong p in TestPrimes)
        {
            var q = new Modulus(p);
            for (ulong a = 1; a < 200; a++)
            {
                Assert.Equal(1UL, q.Multiply(a, q.Inverse(a)));
                Assert.Equal(q.Inverse(a), q.Pow(a, p - 2));
            }
        }
    }

    [Fact]
    public void Primality_test_is_exact_on_known_values()
    {
        Assert.True(Primes.IsPrime(2));
        Assert.True(Primes.IsPrime(0xffffffffffffffc5)); // largest 64-bit prime
        Assert.False(Primes.IsPrime(3215031751)); // strong pseudoprime to bases 2, 3, 5, 7
        Assert.False(Primes.IsPrime(0xffffffffffffffc5 - 2));
        foreach (ulong p in TestPrimes)
        {
            Assert.True(Primes.IsPrime(p));
            Assert.False(Primes.IsPrime(p * 3));
        }
    }

    [Theory]
    [InlineData(10, 0x7e00001UL)]
    [InlineData(12, 0xffffee001UL)]
    [InlineData(13, 0x7fffffd8001UL)]
    [InlineData(13, 0xffffffffffe8001UL)]
    [InlineData(14, 0x1ffffffe48001UL)]
    public void Ntt_evaluates_the_polynomial_at_the_odd_powers_of_the_minimal_root(int logN, ulong prime)
    {
        var q = new Modulus(prime);
        var tables = new NttTables(logN, q);
        int n = 1 << logN;
        Assert.Equal(q.Value - 1, q.Pow(tables.Root, (ulong)n));
        var random = new Random(logN);
        var poly = new ulong[n];
        for (int i = 0; i < n; i++)
        {
            poly[i] = (ulong)random.NextInt64() % prime;
        }

        var transformed = (ulong[])poly.Clone();
        tables.Forward(transformed);
        // Spot-check outputs against direct evaluation: index k holds poly(ψ^(2·bitrev(k)+1)).
        foreach (int k in new[] { 0, 1, 2, n / 2, n - 1, 12345 % n })
        {
            ulong point = q.Pow(tables.Root, (2UL * NttTables.ReverseBits((uint)k, logN)) + 1);
            ulong value = 0;
            for (int i = n - 1; i >= 0; i--)
            {
                value = q.Add(q.Multiply(value, point), poly[i]);
            }

            Assert.Equal(value, transformed[k]);
        }

        tables.Inverse(transformed);
        Assert.Equal(poly, transformed);
    }

    [Fact]
    public void Minimal_root_is_the_smallest_primitive_root()
    {
        var q = new Modulus(0x7e00001);
        var tables = new NttTables(10, q);
        for (ulong x = 2; x < tables.Root; x++)
        {
            Assert.False(q.Pow(x, 1024) == q.Value - 1, $"{x} is a smaller primitive 2048-th root than {tables.Root}");
        }
    }

    [Theory]
    [InlineData(3, 0x7e00001UL)]
    [InlineData(4, 0xffffee001UL)]
    [InlineData(12, 0xffffee001UL)]
    [InlineData(13, 0xffffffffffe8001UL)]
    [InlineData(13, 0xfffff4c001UL)]
    [InlineData(14, 0x1ffffffe48001UL)]
    [InlineData(15, 0x7fffffffe90001UL)]
    [InlineData(16, 0UL)]
    public void Double_vector_and_scalar_transforms_agree_including_lazy_inputs(int logN, ulong prime)
    {
        if (prime == 0)
        {
            // The largest prime the double-precision path takes: just below 2^50, 1 modulo 2^17.
            prime = Primes.LargestPrimes(1UL << 17, 50, 1)[0];
        }

        var tables = new NttTables(logN, new Modulus(prime));
        Assert.Equal(prime < FloatModular.MaxModulus && FloatModular.IsSupported, tables.UseDouble);
        int n = 1 << logN;
        var random = new Random(99);
        var input = new ulong[n];
        for (int i = 0; i < n; i++)
        {
            // Forward accepts [0, 4q); include the extremes.
            input[i] = i switch { 0 => 4 * prime - 1, 1 => 0, 2 => 2 * prime, _ => (ulong)random.NextInt64() % (4 * prime) };
        }

        var scalar = (ulong[])input.Clone();
        tables.ForwardScalar(scalar);
        Assert.All(scalar, v => Assert.True(v < prime));
        if (tables.UseVector)
        {
            var vector = (ulong[])input.Clone();
            tables.ForwardVector(vector);
            Assert.Equal(scalar, vector);
        }

        if (tables.UseDouble)
        {
            var viaDouble = (ulong[])input.Clone();
            tables.ForwardDouble(viaDouble);
            Assert.Equal(scalar, viaDouble);
        }

        // Inverse accepts [0, 2q): feed lazy representatives of the transform.
        var lazy = scalar.Select((v, i) => i % 3 == 0 ? v + prime : v).ToArray();
        var back = (ulong[])lazy.Clone();
        tables.InverseScalar(back);
        if (tables.UseVector)
        {
            var backVector = (ulong[])lazy.Clone();
            tables.InverseVector(backVector);
            Assert.Equal(back, backVector);
        }

        if (tables.UseDouble)
        {
            var backDouble = (ulong[])lazy.Clone();
            tables.InverseDouble(backDouble);
            Assert.Equal(back, backDouble);
        }

        for (int i = 0; i < n; i++)
        {
            Assert.Equal(input[i] % prime, back[i]);
        }
    }

    [Theory]
    [InlineData(0x7fffffd8001UL)]
    [InlineData(0x1ffffffe48001UL)]
    [InlineData(0x3fffffffd0001UL)]
    [InlineData(0xffffffffffe8001UL)]
    public void Coefficient_kernels_match_big_integer_arithmetic(ulong prime)
    {
        var q = new Modulus(prime);
        var random = new Random((int)(prime & 0xffff));
        int n = 4099; // not a multiple of four: exercises the scalar tails too
        ulong[] Vector() => Enumerable.Range(0, n).Select(i => i < 3 ? prime - 1 - (ulong)i : (ulong)random.NextInt64() % prime).ToArray();
        ulong[] a0 = Vector(), a1 = Vector(), b0 = Vector(), b1 = Vector(), acc = Vector();
        ulong Mod(BigInteger x) => (ulong)(((x % prime) + prime) % prime);
        var c0 = new ulong[n];
        var c1 = new ulong[n];
        var c2 = new ulong[n];
        PolyArithmetic.TensorProduct(a0, a1, b0, b1, c0, c1, c2, q);
        var s0 = new ulong[n];
        var s1 = new ulong[n];
        var s2 = new ulong[n];
        PolyArithmetic.TensorSquare(a0, a1, s0, s1, s2, q);
        var product = new ulong[n];
        PolyArithmetic.Multiply(a0, b0, product, q);
        var accumulated = (ulong[])acc.Clone();
        PolyArithmetic.MultiplyAdd(a1, b1, accumulated, q);
        var scaled = new ulong[n];
        PolyArithmetic.MultiplyScalar(a0, prime - 2, scaled, q);
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(Mod(new BigInteger(a0[i]) * b0[i]), c0[i]);
            Assert.Equal(Mod((new BigInteger(a0[i]) * b1[i]) + (new BigInteger(a1[i]) * b0[i])), c1[i]);
            Assert.Equal(Mod(new BigInteger(a1[i]) * b1[i]), c2[i]);
            Assert.Equal(Mod(new BigInteger(a0[i]) * a0[i]), s0[i]);
            Assert.Equal(Mod(2 * new BigInteger(a0[i]) * a1[i]), s1[i]);
            Assert.Equal(Mod(new BigInteger(a1[i]) * a1[i]), s2[i]);
            Assert.Equal(c0[i], product[i]);
            Assert.Equal(Mod((new BigInteger(a1[i]) * b1[i]) + acc[i]), accumulated[i]);
            Assert.Equal(Mod(new BigInteger(a0[i]) * (prime - 2)), scaled[i]);
        }
    }
}
