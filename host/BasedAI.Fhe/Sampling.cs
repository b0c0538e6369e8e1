using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using BasedAI.Fhe.Hashing;

namespace BasedAI.Fhe;

/// <summary>Random polynomials: uniform (SEAL-reproducible from a seed), ternary secrets and centered-binomial noise.</summary>
internal static class Sampling
{
    /// <summary>
    /// Fills an RNS polynomial at <paramref name="level"/> with uniform residues drawn from <paramref name="prng"/> exactly as
    /// SEAL's <c>sample_poly_uniform</c> does: all words first, then rejection of words above the largest multiple of q.
    /// </summary>
    public static void SampleUniform(SealPrng prng, CkksLevel level, Span<ulong> destination)
    {
        int n = level.Context.PolyModulusDegree;
        var words = destination[..(level.PrimeCount * n)];
        prng.Generate(MemoryMarshal.AsBytes(words));
        if (!BitConverter.IsLittleEndian)
        {
            for (int i = 0; i < words.Length; i++)
            {
                words[i] = BinaryPrimitives.ReverseEndianness(words[i]);
            }
        }

        for (int j = 0; j < level.PrimeCount; j++)
        {
            var q = level.Moduli[j];
            ulong maxMultiple = ulong.MaxValue - q.Reduce(ulong.MaxValue) - 1;
            var limb = words.Slice(j * n, n);
            for (int c = 0; c < n; c++)
            {
                ulong r = limb[c];
                while (r >= maxMultiple)
                {
                    r = prng.NextUInt64();
                }

                limb[c] = q.Reduce(r);
            }
        }
    }

    /// <summary>Fills <paramref name="destination"/> (N values) with a uniform ternary polynomial in {-1, 0, 1}.</summary>
    public static void SampleTernary(Span<sbyte> destination)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(destination.Length + 64);
        try
        {
            int filled = 0;
            while (filled < destination.Length)
            {
                var chunk = buffer.AsSpan(0, destination.Length - filled + 16);
                RandomNumberGenerator.Fill(chunk);
                foreach (byte b in chunk)
                {
                    // 255 is rejected so that each of the three values has probability exactly 85/255.
                    if (b == 255)
                    {
                        continue;
                    }

                    destination[filled++] = (sbyte)((b % 3) - 1);
                    if (filled == destination.Length)
                    {
                        break;
                    }
                }
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer);
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with centered-binomial noise: the difference of two sums of 21 random bits
    /// (standard deviation √10.5 ≈ 3.24, |e| ≤ 21), the distribution SEAL uses by default.
    /// </summary>
    public static void SampleNoise(Span<sbyte> destination)
    {
        int bytes = destination.Length * 6;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(bytes);
        try
        {
            var random = buffer.AsSpan(0, bytes);
            RandomNumberGenerator.Fill(random);
            for (int i = 0; i < destination.Length; i++)
            {
                var x = random.Slice(6 * i, 6);
                int plus = BitOperations.PopCount(x[0]) + BitOperations.PopCount(x[1]) + BitOperations.PopCount((uint)(x[2] & 0x1F));
                int minus = BitOperations.PopCount(x[3]) + BitOperations.PopCount(x[4]) + BitOperations.PopCount((uint)(x[5] & 0x1F));
                destination[i] = (sbyte)(plus - minus);
            }

            CryptographicOperations.ZeroMemory(random);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
