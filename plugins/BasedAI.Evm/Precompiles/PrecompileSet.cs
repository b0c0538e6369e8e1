using System.Numerics;
using System.Security.Cryptography;
using BasedAI.Crypto;
using BasedAI.Evm.Execution;
using BasedAI.Evm.Primitives;
using BasedAI.Evm.Precompiles.Bn254;
using Org.BouncyCastle.Crypto.Digests;

namespace BasedAI.Evm.Precompiles;

/// <summary>
/// The Cancun precompiled contracts at addresses 0x01..0x0a: ecrecover, SHA-256, RIPEMD-160, identity, modexp (EIP-2565),
/// BN254 add/mul/pairing (EIP-196/197, EIP-1108 prices), BLAKE2 F (EIP-152) and the KZG point evaluation (EIP-4844).
/// Gas is computed first; a run returns false when the input is invalid (the call then fails and consumes its gas).
/// </summary>
public static class PrecompileSet
{
    /// <summary>The highest precompile address in Cancun.</summary>
    public const int Count = 10;

    /// <summary>Addresses 0x01..0x0a, warm from the start of every transaction (EIP-2929).</summary>
    public static IReadOnlyList<Address> Addresses { get; } = Enumerable.Range(1, Count).Select(i => Address.FromNumber((byte)i)).ToArray();

    /// <summary>The precompile number of an address, or 0.</summary>
    public static int Number(Address address)
    {
        int number = address.LowNumber;
        return number <= Count ? number : 0;
    }

    /// <summary>Gas a precompile charges for <paramref name="input"/>.</summary>
    public static long GasCost(int number, ReadOnlySpan<byte> input) => number switch
    {
        1 => 3000,
        2 => 60 + 12 * Words(input.Length),
        3 => 600 + 120 * Words(input.Length),
        4 => 15 + 3 * Words(input.Length),
        5 => ModExp.GasCost(input),
        6 => 150,
        7 => 6000,
        8 => 45000 + 34000L * (input.Length / 192),
        9 => input.Length == 213 ? System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(input) : 0,
        10 => PointEvaluation.GasCost,
        _ => throw new ArgumentOutOfRangeException(nameof(number)),
    };

    /// <summary>Runs a precompile; false when the input is invalid.</summary>
    public static bool TryRun(int number, ReadOnlySpan<byte> input, out byte[] output)
    {
        switch (number)
        {
            case 1:
                output = EcRecover(input);
                return true;
            case 2:
                output = SHA256.HashData(input);
                return true;
            case 3:
                output = Ripemd160(input);
                return true;
            case 4:
                output = input.ToArray();
                return true;
            case 5:
                return ModExp.TryRun(input, out output);
            case 6:
                return Bn254Precompiles.TryAdd(input, out output);
            case 7:
                return Bn254Precompiles.TryMultiply(input, out output);
            case 8:
                return Bn254Precompiles.TryPairing(input, out output);
            case 9:
                return Blake2F.TryRun(input, out output);
            case 10:
                return PointEvaluation.TryRun(input, out output);
            default:
                throw new ArgumentOutOfRangeException(nameof(number));
        }
    }

    private static long Words(int length) => (length + 31L) / 32;

    /// <summary>Input right-padded (or truncated) to <paramref name="length"/> bytes.</summary>
    internal static byte[] Padded(ReadOnlySpan<byte> input, int length)
    {
        var padded = new byte[length];
        input[..Math.Min(length, input.Length)].CopyTo(padded);
        return padded;
    }

    private static byte[] EcRecover(ReadOnlySpan<byte> input)
    {
        byte[] data = Padded(input, 128);
        ReadOnlySpan<byte> v = data.AsSpan(32, 32);
        // v must be exactly 27 or 28 as a 32-byte word; r and s range checks happen in TryRecover.
        if (v[..31].IndexOfAnyExcept((byte)0) >= 0 || (v[31] != 27 && v[31] != 28))
        {
            return [];
        }
        Span<byte> signature = stackalloc byte[65];
        data.AsSpan(64, 64).CopyTo(signature);
        signature[64] = (byte)(v[31] - 27);
        if (!Secp256k1.TryRecover(data.AsSpan(0, 32), signature, out byte[] publicKey))
        {
            return [];
        }
        var output = new byte[32];
        Span<byte> hash = stackalloc byte[32];
        Keccak256.Hash(publicKey.AsSpan(1), hash);
        hash[12..].CopyTo(output.AsSpan(12));
        return output;
    }

    private static byte[] Ripemd160(ReadOnlySpan<byte> input)
    {
        var digest = new RipeMD160Digest();
        digest.BlockUpdate(input.ToArray(), 0, input.Length);
        var output = new byte[32];
        digest.DoFinal(output, 12);
        return output;
    }
}

/// <summary>MODEXP (EIP-198) with EIP-2565 pricing.</summary>
internal static class ModExp
{
    public static long GasCost(ReadOnlySpan<byte> input)
    {
        byte[] header = PrecompileSet.Padded(input, 96);
        BigInteger baseLength = new(header.AsSpan(0, 32), isUnsigned: true, isBigEndian: true);
        BigInteger exponentLength = new(header.AsSpan(32, 32), isUnsigned: true, isBigEndian: true);
        BigInteger modulusLength = new(header.AsSpan(64, 32), isUnsigned: true, isBigEndian: true);

        BigInteger words = (BigInteger.Max(baseLength, modulusLength) + 7) / 8;
        BigInteger complexity = words * words;

        // The first (up to) 32 bytes of the exponent decide the iteration count.
        BigInteger exponentHead = BigInteger.Zero;
        if (baseLength < int.MaxValue)
        {
            int headLength = (int)BigInteger.Min(exponentLength, 32);
            exponentHead = new BigInteger(Slice(input, 96 + (long)baseLength, headLength), isUnsigned: true, isBigEndian: true);
        }
        long headBits = exponentHead.IsZero ? 0 : (long)exponentHead.GetBitLength() - 1;
        BigInteger iterations = exponentLength <= 32
            ? headBits
            : 8 * (exponentLength - 32) + headBits;
        iterations = BigInteger.Max(iterations, 1);

        BigInteger gas = BigInteger.Max(200, complexity * iterations / 3);
        return gas > long.MaxValue ? long.MaxValue : (long)gas;
    }

    /// <summary>Lengths past 1 GiB cost more than 10^15 gas; they are refused rather than allocated.</summary>
    private const int MaxLength = 1 << 30;

    public static bool TryRun(ReadOnlySpan<byte> input, out byte[] output)
    {
        output = [];
        byte[] header = PrecompileSet.Padded(input, 96);
        var modulusBytes = new BigInteger(header.AsSpan(64, 32), isUnsigned: true, isBigEndian: true);
        if (modulusBytes.IsZero)
        {
            // Nothing to compute; with a zero base length too the exponent length can be anything at 200 gas.
            return true;
        }
        var baseBytes = new BigInteger(header.AsSpan(0, 32), isUnsigned: true, isBigEndian: true);
        var exponentBytes = new BigInteger(header.AsSpan(32, 32), isUnsigned: true, isBigEndian: true);
        if (baseBytes > MaxLength || exponentBytes > MaxLength || modulusBytes > MaxLength)
        {
            return false;
        }
        int baseLength = (int)baseBytes, exponentLength = (int)exponentBytes, modulusLength = (int)modulusBytes;
        var b = new BigInteger(Slice(input, 96, baseLength), isUnsigned: true, isBigEndian: true);
        var e = new BigInteger(Slice(input, 96L + baseLength, exponentLength), isUnsigned: true, isBigEndian: true);
        var m = new BigInteger(Slice(input, 96L + baseLength + exponentLength, modulusLength), isUnsigned: true, isBigEndian: true);
        output = new byte[modulusLength];
        if (m.IsZero)
        {
            return true;
        }
        BigInteger result = BigInteger.ModPow(b, e, m);
        int size = result.GetByteCount(isUnsigned: true);
        result.TryWriteBytes(output.AsSpan(modulusLength - size), out _, isUnsigned: true, isBigEndian: true);
        return true;
    }

    /// <summary>input[offset .. offset + length), zero-padded past the end.</summary>
    private static byte[] Slice(ReadOnlySpan<byte> input, long offset, int length)
    {
        var slice = new byte[length];
        if (offset < input.Length)
        {
            ReadOnlySpan<byte> available = input[(int)offset..];
            available[..Math.Min(length, available.Length)].CopyTo(slice);
        }
        return slice;
    }
}

/// <summary>The BLAKE2b compression function F (EIP-152).</summary>
internal static class Blake2F
{
    private static readonly ulong[] IV =
    [
        0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1,
        0x510e527fade682d1, 0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
    ];

    public static bool TryRun(ReadOnlySpan<byte> input, out byte[] output)
    {
        output = [];
        if (input.Length != 213 || input[212] > 1)
        {
            return false;
        }
        uint rounds = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(input);
        Span<ulong> h = stackalloc ulong[8];
        Span<ulong> m = stackalloc ulong[16];
        for (int i = 0; i < 8; i++)
        {
            h[i] = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(input[(4 + 8 * i)..]);
        }
        for (int i = 0; i < 16; i++)
        {
            m[i] = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(input[(68 + 8 * i)..]);
        }
        ulong t0 = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(input[196..]);
        ulong t1 = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(input[204..]);
        Compress(h, m, t0, t1, input[212] == 1, rounds);
        output = new byte[64];
        for (int i = 0; i < 8; i++)
        {
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(output.AsSpan(8 * i), h[i]);
        }
        return true;
    }

    /// <summary>The F function with the working vector in locals (rounds can reach 2^32 − 1, so this loop is hot).</summary>
    internal static void Compress(Span<ulong> h, ReadOnlySpan<ulong> m, ulong t0, ulong t1, bool final, uint rounds)
    {
        ulong v0 = h[0], v1 = h[1], v2 = h[2], v3 = h[3], v4 = h[4], v5 = h[5], v6 = h[6], v7 = h[7];
        ulong v8 = IV[0], v9 = IV[1], v10 = IV[2], v11 = IV[3];
        ulong v12 = IV[4] ^ t0, v13 = IV[5] ^ t1, v14 = final ? ~IV[6] : IV[6], v15 = IV[7];
        ReadOnlySpan<byte> sigma = SigmaFlat;
        for (uint round = 0; round < rounds; round++)
        {
            ReadOnlySpan<byte> s = sigma.Slice((int)(round % 10) * 16, 16);
            G(ref v0, ref v4, ref v8, ref v12, m[s[0]], m[s[1]]);
            G(ref v1, ref v5, ref v9, ref v13, m[s[2]], m[s[3]]);
            G(ref v2, ref v6, ref v10, ref v14, m[s[4]], m[s[5]]);
            G(ref v3, ref v7, ref v11, ref v15, m[s[6]], m[s[7]]);
            G(ref v0, ref v5, ref v10, ref v15, m[s[8]], m[s[9]]);
            G(ref v1, ref v6, ref v11, ref v12, m[s[10]], m[s[11]]);
            G(ref v2, ref v7, ref v8, ref v13, m[s[12]], m[s[13]]);
            G(ref v3, ref v4, ref v9, ref v14, m[s[14]], m[s[15]]);
        }
        h[0] ^= v0 ^ v8;
        h[1] ^= v1 ^ v9;
        h[2] ^= v2 ^ v10;
        h[3] ^= v3 ^ v11;
        h[4] ^= v4 ^ v12;
        h[5] ^= v5 ^ v13;
        h[6] ^= v6 ^ v14;
        h[7] ^= v7 ^ v15;
    }

    private static ReadOnlySpan<byte> SigmaFlat =>
    [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
        14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3,
        11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4,
        7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8,
        9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13,
        2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9,
        12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11,
        13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10,
        6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5,
        10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0,
    ];

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
    private static void G(ref ulong a, ref ulong b, ref ulong c, ref ulong d, ulong x, ulong y)
    {
        a = a + b + x;
        d = ulong.RotateRight(d ^ a, 32);
        c += d;
        b = ulong.RotateRight(b ^ c, 24);
        a = a + b + y;
        d = ulong.RotateRight(d ^ a, 16);
        c += d;
        b = ulong.RotateRight(b ^ c, 63);
    }
}
