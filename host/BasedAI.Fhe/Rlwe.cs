using System.Buffers;
using System.Security.Cryptography;
using BasedAI.Fhe.Arithmetic;
using BasedAI.Fhe.Hashing;

namespace BasedAI.Fhe;

/// <summary>Encryptions of zero under the secret key or the public key, the building block of encryption and key generation.</summary>
internal static class Rlwe
{
    /// <summary>
    /// (c0, c1) = (−(a·s + e), a) at <paramref name="level"/> in NTT form, with a expanded from a fresh public seed by SEAL's
    /// PRNG, so the ciphertext (or key) can later be saved in SEAL's seeded form.
    /// </summary>
    public static void EncryptZeroSymmetric(SecretKey secretKey, CkksLevel level, Ciphertext destination)
    {
        var context = level.Context;
        int n = context.PolyModulusDegree;
        destination.Resize(level, 2);
        destination.Scale = 1.0;
        byte[] seed = new byte[1 + SealPrng.SeedBytes];
        seed[0] = (byte)PrngType.Blake2xb;
        RandomNumberGenerator.Fill(seed.AsSpan(1));
        using (var prng = new SealPrng(PrngType.Blake2xb, seed.AsSpan(1)))
        {
            Sampling.SampleUniform(prng, level, destination.Poly(1));
        }

        sbyte[] noise = ArrayPool<sbyte>.Shared.Rent(n);
        ulong[] noiseLimb = ArrayPool<ulong>.Shared.Rent(n);
        try
        {
            Sampling.SampleNoise(noise.AsSpan(0, n));
            for (int i = 0; i < level.PrimeCount; i++)
            {
                var q = level.Moduli[i];
                var e = noiseLimb.AsSpan(0, n);
                LiftSmall(noise.AsSpan(0, n), q, e);
                level.Ntt[i].Forward(e);
                var c0 = destination.Limb(0, i);
                PolyArithmetic.Multiply(destination.Limb(1, i), secretKey.Limb(i), c0, q);
                PolyArithmetic.Add(c0, e, c0, q);
                PolyArithmetic.Negate(c0, c0, q);
            }
        }
        finally
        {
            Wipe(noise.AsSpan(0, n));
            Wipe(noiseLimb.AsSpan(0, n));
            ArrayPool<sbyte>.Shared.Return(noise);
            ArrayPool<ulong>.Shared.Return(noiseLimb);
        }

        destination.Seed = seed;
    }

    /// <summary>
    /// An encryption of zero at <paramref name="target"/> under the public key: u·pk_j + e_j computed one level higher
    /// (primes q_0 … q_t), then divided by the extra prime q_t with rounding, as SEAL does; noise sampling, the division
    /// and the noise addition share one transform per prime.
    /// </summary>
    public static void EncryptZeroAsymmetric(PublicKey publicKey, CkksLevel target, Ciphertext destination)
    {
        var context = target.Context;
        int n = context.PolyModulusDegree;
        int t = target.PrimeCount;
        var moduli = context.Moduli;
        var ntt = context.NttTables;
        destination.Resize(target, 2);
        destination.Scale = 1.0;
        sbyte[] small = ArrayPool<sbyte>.Shared.Rent(n);
        ulong[] uNtt = ArrayPool<ulong>.Shared.Rent((t + 1) * n);
        ulong[] buffer = ArrayPool<ulong>.Shared.Rent(2 * n);
        try
        {
            var u = small.AsSpan(0, n);
            Sampling.SampleTernary(u);
            for (int i = 0; i <= t; i++)
            {
                var limb = uNtt.AsSpan(i * n, n);
                LiftSmall(u, moduli[i], limb);
                ntt[i].Forward(limb);
            }

            // SEAL's construction: c_j = round((u·pk_j + e_j) / q_t). The noise added at the higher level shrinks by q_t,
            // leaving only the rounding error. The division folds e_j in: with x = [u·pk_j + e_j]_{q_t} + q_t/2 (centered by the
            // shift), c_j = (u·pk_j − (x − q_t/2 − e_j)) / q_t, one transform per prime.
            var qt = moduli[t];
            ulong half = qt.Value >> 1;
            var last = buffer.AsSpan(0, n);
            var work = buffer.AsSpan(n, n);
            for (int j = 0; j < 2; j++)
            {
                var e = u; // u is no longer needed once every limb is in NTT form; reuse its buffer for e_j.
                Sampling.SampleNoise(e);
                PolyArithmetic.Multiply(uNtt.AsSpan(t * n, n), publicKey.Data.Limb(j, t), last, qt);
                ntt[t].Inverse(last);
                for (int c = 0; c < n; c++)
                {
                    last[c] = qt.Add(qt.Add(last[c], PolyArithmetic.ReduceSigned(e[c], qt)), half);
                }

                for (int i = 0; i < t; i++)
                {
                    var qi = moduli[i];
                    ulong negativeHalf = qi.Negate(qi.Reduce(half));
                    for (int c = 0; c < n; c++)
                    {
                        ulong x = qi.Add(qi.Reduce(last[c]), negativeHalf);
                        work[c] = qi.Subtract(x, PolyArithmetic.ReduceSigned(e[c], qi));
                    }

                    ntt[i].Forward(work);
                    var destinationLimb = destination.Limb(j, i);
                    PolyArithmetic.Multiply(uNtt.AsSpan(i * n, n), publicKey.Data.Limb(j, i), destinationLimb, qi);
                    PolyArithmetic.Subtract(destinationLimb, work, destinationLimb, qi);
                    PolyArithmetic.MultiplyScalar(destinationLimb, InverseOfPrimeModulo(context, t, i), destinationLimb, qi);
                }
            }
        }
        finally
        {
            Wipe(small.AsSpan(0, n));
            Wipe(uNtt.AsSpan(0, (t + 1) * n));
            Wipe(buffer.AsSpan(0, 2 * n));
            ArrayPool<sbyte>.Shared.Return(small);
            ArrayPool<ulong>.Shared.Return(uNtt);
            ArrayPool<ulong>.Shared.Return(buffer);
        }
    }

    /// <summary>q_t^{-1} mod q_i, from the rescale constants of the level that ends with prime t (or the key-switching constants).</summary>
    private static ulong InverseOfPrimeModulo(CkksContext context, int t, int i) =>
        t == context.KeySwitching.SpecialIndex ? context.KeySwitching.InversePMod[i] : context.DataLevels[t].RescaleInverseLast[i];

    public static void LiftSmall(ReadOnlySpan<sbyte> small, Modulus modulus, Span<ulong> destination)
    {
        ulong q = modulus.Value;
        for (int c = 0; c < small.Length; c++)
        {
            int v = small[c];
            destination[c] = v >= 0 ? (ulong)v : q - (ulong)(-v);
        }
    }

    public static void Wipe<T>(Span<T> buffer)
        where T : unmanaged => CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(buffer));
}
