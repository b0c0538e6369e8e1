namespace BasedAI.Fhe.Arithmetic;

/// <summary>Primality, NTT-friendly prime search and primitive roots, following the choices Microsoft SEAL makes.</summary>
internal static class Primes
{
    private static readonly ulong[] MillerRabinBases = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37];

    /// <summary>Deterministic primality test for 64-bit values (Miller–Rabin with the first twelve prime bases).</summary>
    public static bool IsPrime(ulong value)
    {
        if (value < 2)
        {
            return false;
        }

        foreach (ulong p in MillerRabinBases)
        {
            if (value == p)
            {
                return true;
            }

            if (value % p == 0)
            {
                return false;
            }
        }

        ulong d = value - 1;
        int r = 0;
        while ((d & 1) == 0)
        {
            d >>= 1;
            r++;
        }

        foreach (ulong a in MillerRabinBases)
        {
            ulong x = PowMod(a, d, value);
            if (x == 1 || x == value - 1)
            {
                continue;
            }

            bool composite = true;
            for (int i = 1; i < r; i++)
            {
                x = MulMod(x, x, value);
                if (x == value - 1)
                {
                    composite = false;
                    break;
                }
            }

            if (composite)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The largest <paramref name="count"/> primes of exactly <paramref name="bitSize"/> bits that are 1 modulo <paramref name="factor"/>,
    /// in descending order (SEAL's <c>get_primes</c>).
    /// </summary>
    public static List<ulong> LargestPrimes(ulong factor, int bitSize, int count)
    {
        var result = new List<ulong>(count);
        ulong value = ((1UL << bitSize) - 1) / factor * factor + 1;
        ulong lowerBound = 1UL << (bitSize - 1);
        while (count > 0 && value > lowerBound)
        {
            if (IsPrime(value))
            {
                result.Add(value);
                count--;
            }

            if (value < factor)
            {
                break;
            }

            value -= factor;
        }

        if (count > 0)
        {
            throw new ArgumentException($"there are not enough {bitSize}-bit primes congruent to 1 modulo {factor}");
        }

        return result;
    }

    /// <summary>
    /// The smallest primitive <paramref name="degree"/>-th root of unity modulo the prime q (degree a power of two), the root
    /// SEAL's NTT tables use. Returns false when q is not 1 modulo degree.
    /// </summary>
    public static bool TryMinimalPrimitiveRoot(ulong degree, Modulus q, out ulong root)
    {
        root = 0;
        if (degree < 2 || (degree & (degree - 1)) != 0 || (q.Value - 1) % degree != 0)
        {
            return false;
        }

        ulong exponent = (q.Value - 1) / degree;
        ulong generator = 0;
        for (ulong x = 2; x < q.Value; x++)
        {
            ulong candidate = q.Pow(x, exponent);
            // candidate has order dividing degree; it is primitive iff candidate^(degree/2) = -1.
            if (q.Pow(candidate, degree / 2) == q.Value - 1)
            {
                generator = candidate;
                break;
            }
        }

        if (generator == 0)
        {
            return false;
        }

        ulong square = q.Multiply(generator, generator);
        ulong current = generator;
        ulong minimum = generator;
        for (ulong i = 0; i < degree; i += 2)
        {
            if (current < minimum)
            {
                minimum = current;
            }

            current = q.Multiply(current, square);
        }

        root = minimum;
        return true;
    }

    private static ulong MulMod(ulong a, ulong b, ulong m) => (ulong)((UInt128)a * b % m);

    private static ulong PowMod(ulong b, ulong e, ulong m)
    {
        ulong result = 1;
        b %= m;
        while (e != 0)
        {
            if ((e & 1) != 0)
            {
                result = MulMod(result, b, m);
            }

            b = MulMod(b, b, m);
            e >>= 1;
        }

        return result;
    }
}
