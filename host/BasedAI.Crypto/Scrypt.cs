using System.Buffers.Binary;
using System.Numerics;
using System.Security.Cryptography;

namespace BasedAI.Crypto;

/// <summary>
/// scrypt (RFC 7914) key derivation. Unlike the RFC's check, N may exceed 2^(16·r), as geth and Go's x/crypto allow, so
/// every Ethereum key file opens (the Web3 Secret Storage vector itself uses N = 2^18 with r = 1).
/// </summary>
public static class Scrypt
{
    /// <summary>Derives <paramref name="length"/> bytes from a password and salt with cost N (a power of two), block size r and parallelism p.</summary>
    public static byte[] DeriveKey(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int n, int r, int p, int length)
    {
        if (n < 2 || (n & (n - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(n), n, "scrypt N must be a power of two greater than 1.");
        }
        if (r < 1 || p < 1 || (long)r * p >= 1 << 30)
        {
            throw new ArgumentOutOfRangeException(nameof(r), "scrypt r and p must be positive with r·p < 2^30.");
        }
        int blockWords = 32 * r; // 128·r bytes
        byte[] b = Rfc2898DeriveBytes.Pbkdf2(password, salt, 1, HashAlgorithmName.SHA256, p * blockWords * 4);
        uint[] x = new uint[blockWords];
        uint[] scratch = new uint[blockWords];
        uint[] v = new uint[(long)blockWords * n];
        try
        {
            for (int i = 0; i < p; i++)
            {
                Span<byte> chunk = b.AsSpan(i * blockWords * 4, blockWords * 4);
                for (int w = 0; w < blockWords; w++)
                {
                    x[w] = BinaryPrimitives.ReadUInt32LittleEndian(chunk[(w * 4)..]);
                }
                RoMix(x, v, scratch, n, r);
                for (int w = 0; w < blockWords; w++)
                {
                    BinaryPrimitives.WriteUInt32LittleEndian(chunk[(w * 4)..], x[w]);
                }
            }
            return Rfc2898DeriveBytes.Pbkdf2(password, b, 1, HashAlgorithmName.SHA256, length);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(b);
            Array.Clear(x);
            Array.Clear(v);
            Array.Clear(scratch);
        }
    }

    private static void RoMix(uint[] x, uint[] v, uint[] scratch, int n, int r)
    {
        int blockWords = 32 * r;
        for (int i = 0; i < n; i++)
        {
            x.CopyTo(v, (long)i * blockWords);
            BlockMix(x, scratch, r);
        }
        for (int i = 0; i < n; i++)
        {
            // Integerify: the first word of the last 64-byte chunk, reduced mod N (a power of two).
            int j = (int)(x[blockWords - 16] & (uint)(n - 1));
            ReadOnlySpan<uint> row = v.AsSpan((int)((long)j * blockWords), blockWords);
            for (int w = 0; w < blockWords; w++)
            {
                x[w] ^= row[w];
            }
            BlockMix(x, scratch, r);
        }
    }

    private static void BlockMix(uint[] b, uint[] y, int r)
    {
        Span<uint> state = stackalloc uint[16];
        b.AsSpan((2 * r - 1) * 16, 16).CopyTo(state);
        for (int i = 0; i < 2 * r; i++)
        {
            ReadOnlySpan<uint> chunk = b.AsSpan(i * 16, 16);
            for (int w = 0; w < 16; w++)
            {
                state[w] ^= chunk[w];
            }
            Salsa208(state);
            // Even chunks go to the first half, odd chunks to the second.
            state.CopyTo(y.AsSpan(((i & 1) * r + (i >> 1)) * 16, 16));
        }
        y.CopyTo(b, 0);
    }

    private static void Salsa208(Span<uint> s)
    {
        uint x0 = s[0], x1 = s[1], x2 = s[2], x3 = s[3], x4 = s[4], x5 = s[5], x6 = s[6], x7 = s[7];
        uint x8 = s[8], x9 = s[9], x10 = s[10], x11 = s[11], x12 = s[12], x13 = s[13], x14 = s[14], x15 = s[15];
        for (int round = 0; round < 8; round += 2)
        {
            x4 ^= BitOperations.RotateLeft(x0 + x12, 7); x8 ^= BitOperations.RotateLeft(x4 + x0, 9);
            x12 ^= BitOperations.RotateLeft(x8 + x4, 13); x0 ^= BitOperations.RotateLeft(x12 + x8, 18);
            x9 ^= BitOperations.RotateLeft(x5 + x1, 7); x13 ^= BitOperations.RotateLeft(x9 + x5, 9);
            x1 ^= BitOperations.RotateLeft(x13 + x9, 13); x5 ^= BitOperations.RotateLeft(x1 + x13, 18);
            x14 ^= BitOperations.RotateLeft(x10 + x6, 7); x2 ^= BitOperations.RotateLeft(x14 + x10, 9);
            x6 ^= BitOperations.RotateLeft(x2 + x14, 13); x10 ^= BitOperations.RotateLeft(x6 + x2, 18);
            x3 ^= BitOperations.RotateLeft(x15 + x11, 7); x7 ^= BitOperations.RotateLeft(x3 + x15, 9);
            x11 ^= BitOperations.RotateLeft(x7 + x3, 13); x15 ^= BitOperations.RotateLeft(x11 + x7, 18);
            x1 ^= BitOperations.RotateLeft(x0 + x3, 7); x2 ^= BitOperations.RotateLeft(x1 + x0, 9);
            x3 ^= BitOperations.RotateLeft(x2 + x1, 13); x0 ^= BitOperations.RotateLeft(x3 + x2, 18);
            x6 ^= BitOperations.RotateLeft(x5 + x4, 7); x7 ^= BitOperations.RotateLeft(x6 + x5, 9);
            x4 ^= BitOperations.RotateLeft(x7 + x6, 13); x5 ^= BitOperations.RotateLeft(x4 + x7, 18);
            x11 ^= BitOperations.RotateLeft(x10 + x9, 7); x8 ^= BitOperations.RotateLeft(x11 + x10, 9);
            x9 ^= BitOperations.RotateLeft(x8 + x11, 13); x10 ^= BitOperations.RotateLeft(x9 + x8, 18);
            x12 ^= BitOperations.RotateLeft(x15 + x14, 7); x13 ^= BitOperations.RotateLeft(x12 + x15, 9);
            x14 ^= BitOperations.RotateLeft(x13 + x12, 13); x15 ^= BitOperations.RotateLeft(x14 + x13, 18);
        }
        s[0] += x0; s[1] += x1; s[2] += x2; s[3] += x3; s[4] += x4; s[5] += x5; s[6] += x6; s[7] += x7;
        s[8] += x8; s[9] += x9; s[10] += x10; s[11] += x11; s[12] += x12; s[13] += x13; s[14] += x14; s[15] += x15;
    }
}
