using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace BasedAI.Fhe.Hashing;

/// <summary>
/// BLAKE2b (RFC 7693) with an explicit parameter block, and the BLAKE2Xb extendable-output construction built on it.
/// SEAL hashes encryption parameters into parms_id with BLAKE2b-256 and expands PRNG seeds with BLAKE2Xb.
/// </summary>
internal struct Blake2b
{
    public const int BlockBytes = 128;
    public const int OutBytes = 64;

    private static readonly ulong[] Iv =
    [
        0x6a09e667f3bcc908UL, 0xbb67ae8584caa73bUL, 0x3c6ef372fe94f82bUL, 0xa54ff53a5f1d36f1UL,
        0x510e527fade682d1UL, 0x9b05688c2b3e6c1fUL, 0x1f83d9abfb41bd6bUL, 0x5be0cd19137e2179UL,
    ];

    private static readonly byte[] Sigma =
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

    private State _h;
    private Block _buffer;
    private ulong _t0;
    private ulong _t1;
    private int _bufferLength;
    private int _digestLength;

    /// <summary>Starts a hash from the first three parameter-block words (the rest — salt, personalization — stay zero).</summary>
    public static Blake2b Create(ulong param0, ulong param1, ulong param2, int digestLength)
    {
        var state = default(Blake2b);
        state._digestLength = digestLength;
        for (int i = 0; i < 8; i++)
        {
            state._h[i] = Iv[i];
        }

        state._h[0] ^= param0;
        state._h[1] ^= param1;
        state._h[2] ^= param2;
        return state;
    }

    /// <summary>Starts a plain (sequential-mode) BLAKE2b hash with the given digest length and optional key.</summary>
    public static Blake2b Create(int digestLength, ReadOnlySpan<byte> key = default)
    {
        if (digestLength is < 1 or > OutBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(digestLength));
        }

        if (key.Length > OutBytes)
        {
            throw new ArgumentException("a BLAKE2b key is at most 64 bytes", nameof(key));
        }

        var state = Create((ulong)(uint)digestLength | ((ulong)(uint)key.Length << 8) | (1UL << 16) | (1UL << 24), 0, 0, digestLength);
        state.AbsorbKey(key);
        return state;
    }

    /// <summary>One-shot BLAKE2b.</summary>
    public static void Hash(ReadOnlySpan<byte> input, Span<byte> output, ReadOnlySpan<byte> key = default)
    {
        var state = Create(output.Length, key);
        state.Update(input);
        state.Final(output);
    }

    /// <summary>One-shot BLAKE2Xb (the reference construction SEAL embeds) with output length up to 2^32 − 2 bytes.</summary>
    public static void HashXof(ReadOnlySpan<byte> input, Span<byte> output, ReadOnlySpan<byte> key)
    {
        if (output.Length == 0 || (uint)output.Length >= uint.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(output));
        }

        if (key.Length > OutBytes)
        {
            throw new ArgumentException("a BLAKE2Xb key is at most 64 bytes", nameof(key));
        }

        ulong xofLength = (ulong)(uint)output.Length;
        // Root: digest 64, key length, fanout 1, depth 1, leaf 0; node offset 0, xof length; node depth 0, inner 0.
        var root = Create(OutBytes | ((ulong)key.Length << 8) | (1UL << 16) | (1UL << 24), xofLength << 32, 0, OutBytes);
        root.AbsorbKey(key);
        root.Update(input);
        Span<byte> rootHash = stackalloc byte[OutBytes];
        root.Final(rootHash);
        int blocks = (output.Length + OutBytes - 1) / OutBytes;
        for (int i = 0; i < blocks; i++)
        {
            int blockSize = Math.Min(OutBytes, output.Length - (i * OutBytes));
            // Output node i: digest blockSize, key 0, fanout 0, depth 0, leaf 64; node offset i, xof length; inner 64.
            var node = Create((ulong)(uint)blockSize | (64UL << 32), (ulong)(uint)i | (xofLength << 32), 64UL << 8, blockSize);
            node.Update(rootHash);
            node.Final(output.Slice(i * OutBytes, blockSize));
        }

        CryptographicOperations.ZeroMemory(rootHash);
    }

    public void Update(ReadOnlySpan<byte> input)
    {
        while (input.Length > 0)
        {
            if (_bufferLength == BlockBytes)
            {
                // Only compress a full buffer once more input follows: the last block is compressed by Final.
                IncrementCounter(BlockBytes);
                Compress(ref this, _buffer, last: false);
                _bufferLength = 0;
            }

            int take = Math.Min(BlockBytes - _bufferLength, input.Length);
            Span<byte> buffer = _buffer;
            input[..take].CopyTo(buffer[_bufferLength..]);
            _bufferLength += take;
            input = input[take..];
        }
    }

    public void Final(Span<byte> output)
    {
        IncrementCounter((ulong)_bufferLength);
        Span<byte> buffer = _buffer;
        buffer[_bufferLength..].Clear();
        Compress(ref this, _buffer, last: true);
        Span<byte> full = stackalloc byte[OutBytes];
        for (int i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(full[(8 * i)..], _h[i]);
        }

        full[..Math.Min(_digestLength, output.Length)].CopyTo(output);
        CryptographicOperations.ZeroMemory(full);
        CryptographicOperations.ZeroMemory(buffer);
    }

    private void AbsorbKey(ReadOnlySpan<byte> key)
    {
        if (key.Length == 0)
        {
            return;
        }

        Span<byte> block = stackalloc byte[BlockBytes];
        block.Clear();
        key.CopyTo(block);
        Update(block);
        CryptographicOperations.ZeroMemory(block);
    }

    private void IncrementCounter(ulong bytes)
    {
        _t0 += bytes;
        if (_t0 < bytes)
        {
            _t1++;
        }
    }

    private static void Compress(ref Blake2b s, ReadOnlySpan<byte> block, bool last)
    {
        Span<ulong> m = stackalloc ulong[16];
        for (int i = 0; i < 16; i++)
        {
            m[i] = BinaryPrimitives.ReadUInt64LittleEndian(block[(8 * i)..]);
        }

        ulong v0 = s._h[0], v1 = s._h[1], v2 = s._h[2], v3 = s._h[3];
        ulong v4 = s._h[4], v5 = s._h[5], v6 = s._h[6], v7 = s._h[7];
        ulong v8 = Iv[0], v9 = Iv[1], v10 = Iv[2], v11 = Iv[3];
        ulong v12 = Iv[4] ^ s._t0, v13 = Iv[5] ^ s._t1;
        ulong v14 = last ? ~Iv[6] : Iv[6];
        ulong v15 = Iv[7];
        ReadOnlySpan<byte> sigma = Sigma;
        for (int round = 0; round < 12; round++)
        {
            ReadOnlySpan<byte> p = sigma.Slice((round % 10) * 16, 16);
            G(ref v0, ref v4, ref v8, ref v12, m[p[0]], m[p[1]]);
            G(ref v1, ref v5, ref v9, ref v13, m[p[2]], m[p[3]]);
            G(ref v2, ref v6, ref v10, ref v14, m[p[4]], m[p[5]]);
            G(ref v3, ref v7, ref v11, ref v15, m[p[6]], m[p[7]]);
            G(ref v0, ref v5, ref v10, ref v15, m[p[8]], m[p[9]]);
            G(ref v1, ref v6, ref v11, ref v12, m[p[10]], m[p[11]]);
            G(ref v2, ref v7, ref v8, ref v13, m[p[12]], m[p[13]]);
            G(ref v3, ref v4, ref v9, ref v14, m[p[14]], m[p[15]]);
        }

        s._h[0] ^= v0 ^ v8;
        s._h[1] ^= v1 ^ v9;
        s._h[2] ^= v2 ^ v10;
        s._h[3] ^= v3 ^ v11;
        s._h[4] ^= v4 ^ v12;
        s._h[5] ^= v5 ^ v13;
        s._h[6] ^= v6 ^ v14;
        s._h[7] ^= v7 ^ v15;
        m.Clear();
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void G(ref ulong a, ref ulong b, ref ulong c, ref ulong d, ulong x, ulong y)
    {
        a = a + b + x;
        d = BitOperations.RotateRight(d ^ a, 32);
        c += d;
        b = BitOperations.RotateRight(b ^ c, 24);
        a = a + b + y;
        d = BitOperations.RotateRight(d ^ a, 16);
        c += d;
        b = BitOperations.RotateRight(b ^ c, 63);
    }

    [InlineArray(8)]
    private struct State
    {
        private ulong _element;
    }

    [InlineArray(BlockBytes)]
    private struct Block
    {
        private byte _element;
    }
}
