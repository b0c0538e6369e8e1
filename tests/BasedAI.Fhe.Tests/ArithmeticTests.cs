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
    [InlineData(15, 0x7fffffffe90001UL)]
    public void Vector_and_scalar_transforms_agree_including_lazy_inputs(int logN, ulong prime)
    {
        var tables = new NttTables(logN, new Modulus(prime));
        int n = 1 << logN;
        var random = new Random(99);
        var input = new ulong[n];
        for (int i = 0; i < n; i++)
        {
            // Forward accepts [0, 4q); include the extremes.
            input[i] = i switch { 0 => 4 * prime - 1, 1 => 0, 2 => 2 * prime, _ => (ulong)random.NextInt64() % (4 * prime) };
        }

        var scalar = (ulong[])input.Clone();
        var vector = (ulong[])input.Clone();
        tables.ForwardScalar(scalar);
        if (tables.UseVector)
        {
            tables.ForwardVector(vector);
            Assert.Equal(scalar, vector);
        }

        Assert.All(scalar, v => Assert.True(v < prime));
        var back = (ulong[])scalar.Clone();
        tables.InverseScalar(back);
        if (tables.UseVector)
        {
            var backVector = (ulong[])scalar.Clone();
            tables.InverseVector(backVector);
            Assert.Equal(back, backVector);
        }

        for (int i = 0; i < n; i++)
        {
            Assert.Equal(input[i] % prime, back[i]);
        }
    }
}
