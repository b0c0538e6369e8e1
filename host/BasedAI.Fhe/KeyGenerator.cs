using BasedAI.Fhe.Arithmetic;

namespace BasedAI.Fhe;

/// <summary>
/// Generates the secret key and everything derived from it: the public key, relinearization keys and Galois keys.
/// Runs on the key owner's machine; what it hands out for evaluation (relinearization and Galois keys) carries no secret.
/// Disposing the generator wipes the secret key it owns.
/// </summary>
public sealed class KeyGenerator : IDisposable
{
    private readonly CkksContext _context;

    /// <summary>Creates a generator with a fresh uniformly random ternary secret key.</summary>
    public KeyGenerator(CkksContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        SecretKey = CreateSecretKey(context);
    }

    /// <summary>Creates a generator for an existing secret key (copied; the caller keeps ownership of its own instance).</summary>
    public KeyGenerator(CkksContext context, SecretKey secretKey)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(secretKey);
        if (secretKey.ParmsId != context.KeyLevel.ParmsId)
        {
            throw new ParameterMismatchException("the secret key was made for different encryption parameters");
        }

        _context = context;
        var data = SecretKey.AllocateSecret(secretKey.Data.Length);
        secretKey.Data.CopyTo(data);
        SecretKey = new SecretKey(context, data);
    }

    /// <summary>The secret key. Owned by this generator: disposing the generator wipes it.</summary>
    public SecretKey SecretKey { get; }

    /// <summary>A public key: an encryption of zero under the secret key at the key level.</summary>
    public PublicKey CreatePublicKey()
    {
        var data = new Ciphertext();
        Rlwe.EncryptZeroSymmetric(SecretKey, _context.KeyLevel, data);
        return new PublicKey(data);
    }

    /// <summary>Relinearization keys for ciphertexts of size 3 (the result of one multiplication), switching s² to s.</summary>
    public RelinearizationKeys CreateRelinearizationKeys()
    {
        var level = _context.KeyLevel;
        int n = _context.PolyModulusDegree;
        var square = SecretKey.AllocateSecret(level.PrimeCount * n);
        try
        {
            for (int i = 0; i < level.PrimeCount; i++)
            {
                PolyArithmetic.Multiply(SecretKey.Limb(i), SecretKey.Limb(i), square.AsSpan(i * n, n), level.Moduli[i]);
            }

            return new RelinearizationKeys(_context, [CreateKeySwitchingKey(square)]);
        }
        finally
        {
            Rlwe.Wipe(square.AsSpan());
        }
    }

    /// <summary>Galois keys for rotating by each of <paramref name="steps"/> slots (positive: left), optionally with conjugation.</summary>
    public GaloisKeys CreateGaloisKeys(IEnumerable<int> steps, bool includeConjugation = false)
    {
        ArgumentNullException.ThrowIfNull(steps);
        var elements = steps.Where(s => s != 0).Select(s => GaloisKeys.GaloisElementForStep(s, _context.PolyModulusDegree)).ToList();
        if (includeConjugation)
        {
            elements.Add(GaloisKeys.ConjugationElement(_context.PolyModulusDegree));
        }

        return CreateGaloisKeysForElements(elements);
    }

    /// <summary>
    /// SEAL's default Galois keys: rotations by ±2^k for every k and conjugation, enough to reach any rotation by combining
    /// at most log2(N/2) of them.
    /// </summary>
    public GaloisKeys CreateGaloisKeys()
    {
        int n = _context.PolyModulusDegree;
        var steps = new List<int>();
        for (int step = 1; step < n / 2; step <<= 1)
        {
            steps.Add(step);
            steps.Add(-step);
        }

        return CreateGaloisKeys(steps, includeConjugation: true);
    }

    /// <summary>Galois keys for explicit Galois elements (odd, below 2N).</summary>
    public GaloisKeys CreateGaloisKeysForElements(IEnumerable<uint> galoisElements)
    {
        ArgumentNullException.ThrowIfNull(galoisElements);
        var level = _context.KeyLevel;
        int n = _context.PolyModulusDegree;
        var keys = new Ciphertext[]?[n];
        var rotated = SecretKey.AllocateSecret(level.PrimeCount * n);
        try
        {
            foreach (uint element in galoisElements)
            {
                if ((element & 1) == 0 || element >= 2 * (uint)n)
                {
                    throw new ArgumentOutOfRangeException(nameof(galoisElements), element, $"a Galois element must be odd and below 2N = {2 * n}");
                }

                int index = (int)((element - 1) / 2);
                if (keys[index] is not null)
                {
                    continue;
                }

                for (int i = 0; i < level.PrimeCount; i++)
                {
                    _context.Galois.ApplyNtt(SecretKey.Limb(i), element, rotated.AsSpan(i * n, n));
                }

                keys[index] = CreateKeySwitchingKey(rotated);
            }
        }
        finally
        {
            Rlwe.Wipe(rotated.AsSpan());
        }

        return new GaloisKeys(_context, keys);
    }

    /// <summary>Wipes the secret key.</summary>
    public void Dispose() => SecretKey.Dispose();

    /// <summary>
    /// One key ciphertext per data prime j: an encryption of zero under s at the key level with P·s' added to limb j
    /// (P the special prime), so that digit j of a polynomial times key j sums to P·(poly·s') before the division by P.
    /// </summary>
    private Ciphertext[] CreateKeySwitchingKey(ulong[] newKey)
    {
        var level = _context.KeyLevel;
        int n = _context.PolyModulusDegree;
        int decomposition = _context.FirstLevel.PrimeCount;
        var result = new Ciphertext[decomposition];
        var scaled = SecretKey.AllocateSecret(n);
        try
        {
            for (int j = 0; j < decomposition; j++)
            {
                var key = new Ciphertext();
                Rlwe.EncryptZeroSymmetric(SecretKey, level, key);
                var q = level.Moduli[j];
                PolyArithmetic.MultiplyScalar(newKey.AsSpan(j * n, n), _context.KeySwitching.PModData[j], scaled, q);
                var limb = key.Limb(0, j);
                // Only polynomial 0 changes, so the seed still describes polynomial 1.
                PolyArithmetic.Add(limb, scaled, limb, q);
                result[j] = key;
            }
        }
        finally
        {
            Rlwe.Wipe(scaled.AsSpan());
        }

        return result;
    }

    private static SecretKey CreateSecretKey(CkksContext context)
    {
        var level = context.KeyLevel;
        int n = context.PolyModulusDegree;
        var small = GC.AllocateArray<sbyte>(n, pinned: true);
        var data = SecretKey.AllocateSecret(level.PrimeCount * n);
        try
        {
            Sampling.SampleTernary(small);
            for (int i = 0; i < level.PrimeCount; i++)
            {
                var limb = data.AsSpan(i * n, n);
                Rlwe.LiftSmall(small, level.Moduli[i], limb);
                level.Ntt[i].Forward(limb);
            }
        }
        finally
        {
            Rlwe.Wipe(small.AsSpan());
        }

        return new SecretKey(context, data);
    }
}
