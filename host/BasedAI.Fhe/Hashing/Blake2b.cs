using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
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

    private const ulong Iv0 = 0x6a09e667f3bcc908UL;
    private const ulong Iv1 = 0xbb67ae8584caa73bUL;
    private const ulong Iv2 = 0x3c6ef372fe94f82bUL;
    private const ulong Iv3 = 0xa54ff53a5f1d36f1UL;
    private const ulong Iv4 = 0x510e527fade682d1UL;
    private const ulong Iv5 = 0x9b05688c2b3e6c1fUL;
    private const ulong Iv6 = 0x1f83d9abfb41bd6bUL;
    private const ulong Iv7 = 0x5be0cd19137e2179UL;

    private static readonly ulong[] Iv = [Iv0, Iv1, Iv2, Iv3, Iv4, Iv5, Iv6, Iv7];

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
        // Each output node hashes the 64-byte root hash alone: one final compression of a zero-padded block.
        Span<byte> block = stackalloc byte[BlockBytes];
        block.Clear();
        rootHash.CopyTo(block);
        Span<byte> node = stackalloc byte[OutBytes];
        for (int i = 0; i < blocks; i++)
        {
            int blockSize = Math.Min(OutBytes, output.Length - (i * OutBytes));
            // Output node i: digest blockSize, key 0, fanout 0, depth 0, leaf 64; node offset i, xof length; inner 64.
            var state = Create((ulong)(uint)blockSize | (64UL << 32), (ulong)(uint)i | (xofLength << 32), 64UL << 8, blockSize);
            state._t0 = OutBytes;
            Compress(ref state, block, last: true);
            if (blockSize == OutBytes)
            {
                state.WriteState(output.Slice(i * OutBytes, OutBytes));
            }
            else
            {
                state.WriteState(node);
                node[..blockSize].CopyTo(output.Slice(i * OutBytes, blockSize));
            }
        }

        CryptographicOperations.ZeroMemory(block);
        CryptographicOperations.ZeroMemory(node);
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
        WriteState(full);
        full[..Math.Min(_digestLength, output.Length)].CopyTo(output);
        CryptographicOperations.ZeroMemory(full);
        CryptographicOperations.ZeroMemory(buffer);
    }

    private readonly void WriteState(Span<byte> destination)
    {
        for (int i = 0; i < 8; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination[(8 * i)..], _h[i]);
        }
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

    /// <summary>The compression function with the twelve rounds unrolled (message schedule as constants).</summary>
    private static void Compress(ref Blake2b s, ReadOnlySpan<byte> block, bool last)
    {
        if (Avx2.IsSupported)
        {
            CompressVector(ref s, block, last);
            return;
        }

        ulong m0 = BinaryPrimitives.ReadUInt64LittleEndian(block), m1 = BinaryPrimitives.ReadUInt64LittleEndian(block[8..]);
        ulong m2 = BinaryPrimitives.ReadUInt64LittleEndian(block[16..]), m3 = BinaryPrimitives.ReadUInt64LittleEndian(block[24..]);
        ulong m4 = BinaryPrimitives.ReadUInt64LittleEndian(block[32..]), m5 = BinaryPrimitives.ReadUInt64LittleEndian(block[40..]);
        ulong m6 = BinaryPrimitives.ReadUInt64LittleEndian(block[48..]), m7 = BinaryPrimitives.ReadUInt64LittleEndian(block[56..]);
        ulong m8 = BinaryPrimitives.ReadUInt64LittleEndian(block[64..]), m9 = BinaryPrimitives.ReadUInt64LittleEndian(block[72..]);
        ulong m10 = BinaryPrimitives.ReadUInt64LittleEndian(block[80..]), m11 = BinaryPrimitives.ReadUInt64LittleEndian(block[88..]);
        ulong m12 = BinaryPrimitives.ReadUInt64LittleEndian(block[96..]), m13 = BinaryPrimitives.ReadUInt64LittleEndian(block[104..]);
        ulong m14 = BinaryPrimitives.ReadUInt64LittleEndian(block[112..]), m15 = BinaryPrimitives.ReadUInt64LittleEndian(block[120..]);
        ulong v0 = s._h[0], v1 = s._h[1], v2 = s._h[2], v3 = s._h[3];
        ulong v4 = s._h[4], v5 = s._h[5], v6 = s._h[6], v7 = s._h[7];
        ulong v8 = Iv0, v9 = Iv1, v10 = Iv2, v11 = Iv3;
        ulong v12 = Iv4 ^ s._t0, v13 = Iv5 ^ s._t1;
        ulong v14 = last ? ~Iv6 : Iv6;
        ulong v15 = Iv7;
        G(ref v0, ref v4, ref v8, ref v12, m0, m1);
        G(ref v1, ref v5, ref v9, ref v13, m2, m3);
        G(ref v2, ref v6, ref v10, ref v14, m4, m5);
        G(ref v3, ref v7, ref v11, ref v15, m6, m7);
        G(ref v0, ref v5, ref v10, ref v15, m8, m9);
        G(ref v1, ref v6, ref v11, ref v12, m10, m11);
        G(ref v2, ref v7, ref v8, ref v13, m12, m13);
        G(ref v3, ref v4, ref v9, ref v14, m14, m15);
        G(ref v0, ref v4, ref v8, ref v12, m14, m10);
        G(ref v1, ref v5, ref v9, ref v13, m4, m8);
        G(ref v2, ref v6, ref v10, ref v14, m9, m15);
        G(ref v3, ref v7, ref v11, ref v15, m13, m6);
        G(ref v0, ref v5, ref v10, ref v15, m1, m12);
        G(ref v1, ref v6, ref v11, ref v12, m0, m2);
        G(ref v2, ref v7, ref v8, ref v13, m11, m7);
        G(ref v3, ref v4, ref v9, ref v14, m5, m3);
        G(ref v0, ref v4, ref v8, ref v12, m11, m8);
        G(ref v1, ref v5, ref v9, ref v13, m12, m0);
        G(ref v2, ref v6, ref v10, ref v14, m5, m2);
        G(ref v3, ref v7, ref v11, ref v15, m15, m13);
        G(ref v0, ref v5, ref v10, ref v15, m10, m14);
        G(ref v1, ref v6, ref v11, ref v12, m3, m6);
        G(ref v2, ref v7, ref v8, ref v13, m7, m1);
        G(ref v3, ref v4, ref v9, ref v14, m9, m4);
        G(ref v0, ref v4, ref v8, ref v12, m7, m9);
        G(ref v1, ref v5, ref v9, ref v13, m3, m1);
        G(ref v2, ref v6, ref v10, ref v14, m13, m12);
        G(ref v3, ref v7, ref v11, ref v15, m11, m14);
        G(ref v0, ref v5, ref v10, ref v15, m2, m6);
        G(ref v1, ref v6, ref v11, ref v12, m5, m10);
        G(ref v2, ref v7, ref v8, ref v13, m4, m0);
        G(ref v3, ref v4, ref v9, ref v14, m15, m8);
        G(ref v0, ref v4, ref v8, ref v12, m9, m0);
        G(ref v1, ref v5, ref v9, ref v13, m5, m7);
        G(ref v2, ref v6, ref v10, ref v14, m2, m4);
        G(ref v3, ref v7, ref v11, ref v15, m10, m15);
        G(ref v0, ref v5, ref v10, ref v15, m14, m1);
        G(ref v1, ref v6, ref v11, ref v12, m11, m12);
        G(ref v2, ref v7, ref v8, ref v13, m6, m8);
        G(ref v3, ref v4, ref v9, ref v14, m3, m13);
        G(ref v0, ref v4, ref v8, ref v12, m2, m12);
        G(ref v1, ref v5, ref v9, ref v13, m6, m10);
        G(ref v2, ref v6, ref v10, ref v14, m0, m11);
        G(ref v3, ref v7, ref v11, ref v15, m8, m3);
        G(ref v0, ref v5, ref v10, ref v15, m4, m13);
        G(ref v1, ref v6, ref v11, ref v12, m7, m5);
        G(ref v2, ref v7, ref v8, ref v13, m15, m14);
        G(ref v3, ref v4, ref v9, ref v14, m1, m9);
        G(ref v0, ref v4, ref v8, ref v12, m12, m5);
        G(ref v1, ref v5, ref v9, ref v13, m1, m15);
        G(ref v2, ref v6, ref v10, ref v14, m14, m13);
        G(ref v3, ref v7, ref v11, ref v15, m4, m10);
        G(ref v0, ref v5, ref v10, ref v15, m0, m7);
        G(ref v1, ref v6, ref v11, ref v12, m6, m3);
        G(ref v2, ref v7, ref v8, ref v13, m9, m2);
        G(ref v3, ref v4, ref v9, ref v14, m8, m11);
        G(ref v0, ref v4, ref v8, ref v12, m13, m11);
        G(ref v1, ref v5, ref v9, ref v13, m7, m14);
        G(ref v2, ref v6, ref v10, ref v14, m12, m1);
        G(ref v3, ref v7, ref v11, ref v15, m3, m9);
        G(ref v0, ref v5, ref v10, ref v15, m5, m0);
        G(ref v1, ref v6, ref v11, ref v12, m15, m4);
        G(ref v2, ref v7, ref v8, ref v13, m8, m6);
        G(ref v3, ref v4, ref v9, ref v14, m2, m10);
        G(ref v0, ref v4, ref v8, ref v12, m6, m15);
        G(ref v1, ref v5, ref v9, ref v13, m14, m9);
        G(ref v2, ref v6, ref v10, ref v14, m11, m3);
        G(ref v3, ref v7, ref v11, ref v15, m0, m8);
        G(ref v0, ref v5, ref v10, ref v15, m12, m2);
        G(ref v1, ref v6, ref v11, ref v12, m13, m7);
        G(ref v2, ref v7, ref v8, ref v13, m1, m4);
        G(ref v3, ref v4, ref v9, ref v14, m10, m5);
        G(ref v0, ref v4, ref v8, ref v12, m10, m2);
        G(ref v1, ref v5, ref v9, ref v13, m8, m4);
        G(ref v2, ref v6, ref v10, ref v14, m7, m6);
        G(ref v3, ref v7, ref v11, ref v15, m1, m5);
        G(ref v0, ref v5, ref v10, ref v15, m15, m11);
        G(ref v1, ref v6, ref v11, ref v12, m9, m14);
        G(ref v2, ref v7, ref v8, ref v13, m3, m12);
        G(ref v3, ref v4, ref v9, ref v14, m13, m0);
        G(ref v0, ref v4, ref v8, ref v12, m0, m1);
        G(ref v1, ref v5, ref v9, ref v13, m2, m3);
        G(ref v2, ref v6, ref v10, ref v14, m4, m5);
        G(ref v3, ref v7, ref v11, ref v15, m6, m7);
        G(ref v0, ref v5, ref v10, ref v15, m8, m9);
        G(ref v1, ref v6, ref v11, ref v12, m10, m11);
        G(ref v2, ref v7, ref v8, ref v13, m12, m13);
        G(ref v3, ref v4, ref v9, ref v14, m14, m15);
        G(ref v0, ref v4, ref v8, ref v12, m14, m10);
        G(ref v1, ref v5, ref v9, ref v13, m4, m8);
        G(ref v2, ref v6, ref v10, ref v14, m9, m15);
        G(ref v3, ref v7, ref v11, ref v15, m13, m6);
        G(ref v0, ref v5, ref v10, ref v15, m1, m12);
        G(ref v1, ref v6, ref v11, ref v12, m0, m2);
        G(ref v2, ref v7, ref v8, ref v13, m11, m7);
        G(ref v3, ref v4, ref v9, ref v14, m5, m3);
        s._h[0] ^= v0 ^ v8;
        s._h[1] ^= v1 ^ v9;
        s._h[2] ^= v2 ^ v10;
        s._h[3] ^= v3 ^ v11;
        s._h[4] ^= v4 ^ v12;
        s._h[5] ^= v5 ^ v13;
        s._h[6] ^= v6 ^ v14;
        s._h[7] ^= v7 ^ v15;
    }

    /// <summary>
    /// The compression function with the four columns (then diagonals) of the state in AVX2 lanes: rows of four words,
    /// diagonalized by lane permutations between the two half-rounds; byte shuffles implement the 16- and 24-bit rotations.
    /// </summary>
    private static void CompressVector(ref Blake2b s, ReadOnlySpan<byte> block, bool last)
    {
        ulong m0 = BinaryPrimitives.ReadUInt64LittleEndian(block), m1 = BinaryPrimitives.ReadUInt64LittleEndian(block[8..]);
        ulong m2 = BinaryPrimitives.ReadUInt64LittleEndian(block[16..]), m3 = BinaryPrimitives.ReadUInt64LittleEndian(block[24..]);
        ulong m4 = BinaryPrimitives.ReadUInt64LittleEndian(block[32..]), m5 = BinaryPrimitives.ReadUInt64LittleEndian(block[40..]);
        ulong m6 = BinaryPrimitives.ReadUInt64LittleEndian(block[48..]), m7 = BinaryPrimitives.ReadUInt64LittleEndian(block[56..]);
        ulong m8 = BinaryPrimitives.ReadUInt64LittleEndian(block[64..]), m9 = BinaryPrimitives.ReadUInt64LittleEndian(block[72..]);
        ulong m10 = BinaryPrimitives.ReadUInt64LittleEndian(block[80..]), m11 = BinaryPrimitives.ReadUInt64LittleEndian(block[88..]);
        ulong m12 = BinaryPrimitives.ReadUInt64LittleEndian(block[96..]), m13 = BinaryPrimitives.ReadUInt64LittleEndian(block[104..]);
        ulong m14 = BinaryPrimitives.ReadUInt64LittleEndian(block[112..]), m15 = BinaryPrimitives.ReadUInt64LittleEndian(block[120..]);
        var h0 = Vector256.Create(s._h[0], s._h[1], s._h[2], s._h[3]);
        var h1 = Vector256.Create(s._h[4], s._h[5], s._h[6], s._h[7]);
        var row1 = h0;
        var row2 = h1;
        var row3 = Vector256.Create(Iv0, Iv1, Iv2, Iv3);
        var row4 = Vector256.Create(Iv4 ^ s._t0, Iv5 ^ s._t1, last ? ~Iv6 : Iv6, Iv7);
        var rotate16 = Vector256.Create((byte)2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9, 2, 3, 4, 5, 6, 7, 0, 1, 10, 11, 12, 13, 14, 15, 8, 9);
        var rotate24 = Vector256.Create((byte)3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10, 3, 4, 5, 6, 7, 0, 1, 2, 11, 12, 13, 14, 15, 8, 9, 10);
        Round(ref row1, ref row2, ref row3, ref row4, Vector256.Create(m0, m2, m4, m6), Vector256.Create(m1, m3, m5, m7), Vector256.Create(m8, m10, m12, m14), Vector256.Create(m9, m11, m13, m15), rotate16, rotate24);
        Round(ref row1, ref row2, ref row3, ref row4, Vector256.Create(m14, m4, m9, m13), Vector256.Create(m10, m8, m15, m6), Vector256.Create(m1, m0, m11, m5), Vector256.Create(m12, m2, m7, m3), rotate16, rotate24);
        Round(ref row1, ref row2, ref row3, ref row4, Vector256.Create(m11, m12, m5, m15), Vector256.Create(m8, m0, m2, m13), Vector256.Create(m10, m3, m7, m9), Vector256.Create(m14, m6, m1, m4), rotate16, rotate24);
        Round(ref row1, ref row2, ref row3, ref row4, Vector256.Create(m7, m3, m13, m11), Vector256.Create(m9, m1, m12, m14), Vector256.Create(m2, m5, m4, m15), Vector256.Create(m6, m10, m0, m8), rotate16, rotate24);
        Round(ref row1, ref row2, ref row3, ref row4, Vector256.Create(m9, m5, m2, m10), Vector256.Create(m0, m7, m4, m15), Vector256.Create(m14, m11, m6, m3), Vector256.Create(m1, m12, m8, m13), rotate16, rotate24);
        Round(ref row1, ref row2, ref row3, ref row4, Vector256.Create(m2, m6, m0, m8), Vector256.Create(m12, m10, m11, m3), Vector256.Create(m4, m7, m15, m1), Vector256.Create(m13, m5, m14, m9), rotate16, rotate24);
        Round(ref row1, ref row2, ref row3, ref row4, Vector256.Create(m12, m1, m14, m4), Vector256.Create(m5, m15, m13, m10), Vector256.Create(m0, m6, m9, m8), Vector256.Create(m7, m3, m2, m11), rotate16, rotate24);
        Round(ref row1, ref row2, ref row3, ref row4, Vector256.Create(m13, m7, m12, m3), Vector256.Create(m11, m14, m1, m9), Vector256.Create(m5, m15, m8, m2), Vector256.Create(m0, m4, m6, m10), rotate16, rotate24);
        Round(ref row1, ref row2, ref row3, ref row4, Vector256.Create(m6, m14, m11, m0), Vector256.Create(m15, m9, m3, m8), Vector256.Create(m12, m13, m1, m10), Vector256.Create(m2, m7, m4, m5), rotate16, rotate24);
        Round(ref row1, ref row2, ref row3, ref row4, Vector256.Create(m10, m8, m7, m1), Vector256.Create(m2, m4, m6, m5), Vector256.Create(m15, m9, m3, m13), Vector256.Create(m11, m14, m12, m0), rotate16, rotate24);
        Round(ref row1, ref row2, ref row3, ref row4, Vector256.Create(m0, m2, m4, m6), Vector256.Create(m1, m3, m5, m7), Vector256.Create(m8, m10, m12, m14), Vector256.Create(m9, m11, m13, m15), rotate16, rotate24);
        Round(ref row1, ref row2, ref row3, ref row4, Vector256.Create(m14, m4, m9, m13), Vector256.Create(m10, m8, m15, m6), Vector256.Create(m1, m0, m11, m5), Vector256.Create(m12, m2, m7, m3), rotate16, rotate24);
        h0 ^= row1 ^ row3;
        h1 ^= row2 ^ row4;
        s._h[0] = h0.GetElement(0);
        s._h[1] = h0.GetElement(1);
        s._h[2] = h0.GetElement(2);
        s._h[3] = h0.GetElement(3);
        s._h[4] = h1.GetElement(0);
        s._h[5] = h1.GetElement(1);
        s._h[6] = h1.GetElement(2);
        s._h[7] = h1.GetElement(3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round(
        ref Vector256<ulong> row1, ref Vector256<ulong> row2, ref Vector256<ulong> row3, ref Vector256<ulong> row4,
        Vector256<ulong> a, Vector256<ulong> b, Vector256<ulong> c, Vector256<ulong> d, Vector256<byte> rotate16, Vector256<byte> rotate24)
    {
        HalfRound(ref row1, ref row2, ref row3, ref row4, a, b, rotate16, rotate24);
        // Diagonalize: lane i of rows 2, 3, 4 moves by 1, 2, 3 so the diagonals line up as columns.
        row2 = Avx2.Permute4x64(row2, 0b00_11_10_01);
        row3 = Avx2.Permute4x64(row3, 0b01_00_11_10);
        row4 = Avx2.Permute4x64(row4, 0b10_01_00_11);
        HalfRound(ref row1, ref row2, ref row3, ref row4, c, d, rotate16, rotate24);
        row2 = Avx2.Permute4x64(row2, 0b10_01_00_11);
        row3 = Avx2.Permute4x64(row3, 0b01_00_11_10);
        row4 = Avx2.Permute4x64(row4, 0b00_11_10_01);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void HalfRound(
        ref Vector256<ulong> row1, ref Vector256<ulong> row2, ref Vector256<ulong> row3, ref Vector256<ulong> row4,
        Vector256<ulong> x, Vector256<ulong> y, Vector256<byte> rotate16, Vector256<byte> rotate24)
    {
        row1 += row2 + x;
        row4 = Avx2.Shuffle((row4 ^ row1).AsUInt32(), 0b10_11_00_01).AsUInt64();
        row3 += row4;
        row2 = Avx2.Shuffle((row2 ^ row3).AsByte(), rotate24).AsUInt64();
        row1 += row2 + y;
        row4 = Avx2.Shuffle((row4 ^ row1).AsByte(), rotate16).AsUInt64();
        row3 += row4;
        var t = row2 ^ row3;
        row2 = Avx2.ShiftRightLogical(t, 63) | (t + t);
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
