using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace BasedAI.Crypto;

/// <summary>
/// Keccak-256 as Ethereum uses it (original Keccak padding 0x01, not SHA3's 0x06).
/// Allocation-free: one-shot over spans, or incremental through the <see cref="Keccak256"/> struct.
/// </summary>
public struct Keccak256
{
    /// <summary>Digest size in bytes.</summary>
    public const int HashSize = 32;

    private const int RateBytes = 136; // 1088-bit rate for a 256-bit capacity-512 sponge.
    private const int RateLanes = RateBytes / 8;

    private State25 _state;
    private Buffer136 _pending;
    private int _pendingLength;

    [InlineArray(25)]
    private struct State25 { private ulong _element; }

    [InlineArray(RateBytes)]
    private struct Buffer136 { private byte _element; }

    /// <summary>Hashes <paramref name="data"/> into <paramref name="destination"/> (32 bytes).</summary>
    public static void Hash(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        var hasher = new Keccak256();
        hasher.Append(data);
        hasher.Finish(destination);
    }

    /// <summary>Hashes <paramref name="data"/> and returns a new 32-byte array.</summary>
    public static byte[] Hash(ReadOnlySpan<byte> data)
    {
        var digest = new byte[HashSize];
        Hash(data, digest);
        return digest;
    }

    /// <summary>Absorbs more input.</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        Span<ulong> state = _state;
        if (_pendingLength > 0)
        {
            int take = Math.Min(RateBytes - _pendingLength, data.Length);
            data[..take].CopyTo(((Span<byte>)_pending)[_pendingLength..]);
            _pendingLength += take;
            data = data[take..];
            if (_pendingLength < RateBytes)
            {
                return;
            }
            AbsorbBlock(state, _pending);
            _pendingLength = 0;
        }

        while (data.Length >= RateBytes)
        {
            AbsorbBlock(state, data[..RateBytes]);
            data = data[RateBytes..];
        }

        data.CopyTo(_pending);
        _pendingLength = data.Length;
    }

    /// <summary>Pads, permutes and writes the 32-byte digest. The instance must not be reused afterwards.</summary>
    public void Finish(Span<byte> destination)
    {
        if (destination.Length < HashSize)
        {
            throw new ArgumentException("Destination must hold 32 bytes.", nameof(destination));
        }

        Span<byte> block = _pending;
        block[_pendingLength..].Clear();
        block[_pendingLength] ^= 0x01;
        block[RateBytes - 1] ^= 0x80;
        Span<ulong> state = _state;
        AbsorbBlock(state, block);
        for (int i = 0; i < HashSize / 8; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(destination.Slice(i * 8, 8), state[i]);
        }
    }

    private static void AbsorbBlock(Span<ulong> state, ReadOnlySpan<byte> block)
    {
        for (int i = 0; i < RateLanes; i++)
        {
            state[i] ^= BinaryPrimitives.ReadUInt64LittleEndian(block.Slice(i * 8, 8));
        }
        KeccakF1600.Permute(state);
    }
}

/// <summary>The Keccak-f[1600] permutation, with lanes held in locals so the JIT keeps them in registers.</summary>
internal static class KeccakF1600
{
    private static ReadOnlySpan<ulong> RoundConstants =>
    [
        0x0000000000000001UL, 0x0000000000008082UL, 0x800000000000808aUL, 0x8000000080008000UL,
        0x000000000000808bUL, 0x0000000080000001UL, 0x8000000080008081UL, 0x8000000000008009UL,
        0x000000000000008aUL, 0x0000000000000088UL, 0x0000000080008009UL, 0x000000008000000aUL,
        0x000000008000808bUL, 0x800000000000008bUL, 0x8000000000008089UL, 0x8000000000008003UL,
        0x8000000000008002UL, 0x8000000000000080UL, 0x000000000000800aUL, 0x800000008000000aUL,
        0x8000000080008081UL, 0x8000000000008080UL, 0x0000000080000001UL, 0x8000000080008008UL,
    ];

    public static void Permute(Span<ulong> a)
    {
        if (a.Length < 25)
        {
            throw new ArgumentException("Keccak state has 25 lanes.", nameof(a));
        }

        ulong a00 = a[0], a01 = a[1], a02 = a[2], a03 = a[3], a04 = a[4];
        ulong a05 = a[5], a06 = a[6], a07 = a[7], a08 = a[8], a09 = a[9];
        ulong a10 = a[10], a11 = a[11], a12 = a[12], a13 = a[13], a14 = a[14];
        ulong a15 = a[15], a16 = a[16], a17 = a[17], a18 = a[18], a19 = a[19];
        ulong a20 = a[20], a21 = a[21], a22 = a[22], a23 = a[23], a24 = a[24];

        ReadOnlySpan<ulong> rc = RoundConstants;
        for (int round = 0; round < 24; round++)
        {
            // θ
            ulong c0 = a00 ^ a05 ^ a10 ^ a15 ^ a20;
            ulong c1 = a01 ^ a06 ^ a11 ^ a16 ^ a21;
            ulong c2 = a02 ^ a07 ^ a12 ^ a17 ^ a22;
            ulong c3 = a03 ^ a08 ^ a13 ^ a18 ^ a23;
            ulong c4 = a04 ^ a09 ^ a14 ^ a19 ^ a24;
            ulong d0 = c4 ^ ulong.RotateLeft(c1, 1);
            ulong d1 = c0 ^ ulong.RotateLeft(c2, 1);
            ulong d2 = c1 ^ ulong.RotateLeft(c3, 1);
            ulong d3 = c2 ^ ulong.RotateLeft(c4, 1);
            ulong d4 = c3 ^ ulong.RotateLeft(c0, 1);

            // ρ and π: b[y][2x+3y] = rot(a[x][y] ^ d[x], r[x][y])
            ulong b00 = a00 ^ d0;
            ulong b10 = ulong.RotateLeft(a01 ^ d1, 1);
            ulong b20 = ulong.RotateLeft(a02 ^ d2, 62);
            ulong b05 = ulong.RotateLeft(a03 ^ d3, 28);
            ulong b15 = ulong.RotateLeft(a04 ^ d4, 27);
            ulong b16 = ulong.RotateLeft(a05 ^ d0, 36);
            ulong b01 = ulong.RotateLeft(a06 ^ d1, 44);
            ulong b11 = ulong.RotateLeft(a07 ^ d2, 6);
            ulong b21 = ulong.RotateLeft(a08 ^ d3, 55);
            ulong b06 = ulong.RotateLeft(a09 ^ d4, 20);
            ulong b07 = ulong.RotateLeft(a10 ^ d0, 3);
            ulong b17 = ulong.RotateLeft(a11 ^ d1, 10);
            ulong b02 = ulong.RotateLeft(a12 ^ d2, 43);
            ulong b12 = ulong.RotateLeft(a13 ^ d3, 25);
            ulong b22 = ulong.RotateLeft(a14 ^ d4, 39);
            ulong b23 = ulong.RotateLeft(a15 ^ d0, 41);
            ulong b08 = ulong.RotateLeft(a16 ^ d1, 45);
            ulong b18 = ulong.RotateLeft(a17 ^ d2, 15);
            ulong b03 = ulong.RotateLeft(a18 ^ d3, 21);
            ulong b13 = ulong.RotateLeft(a19 ^ d4, 8);
            ulong b14 = ulong.RotateLeft(a20 ^ d0, 18);
            ulong b24 = ulong.RotateLeft(a21 ^ d1, 2);
            ulong b09 = ulong.RotateLeft(a22 ^ d2, 61);
            ulong b19 = ulong.RotateLeft(a23 ^ d3, 56);
            ulong b04 = ulong.RotateLeft(a24 ^ d4, 14);

            // χ and ι
            a00 = b00 ^ (~b01 & b02) ^ rc[round];
            a01 = b01 ^ (~b02 & b03);
            a02 = b02 ^ (~b03 & b04);
            a03 = b03 ^ (~b04 & b00);
            a04 = b04 ^ (~b00 & b01);
            a05 = b05 ^ (~b06 & b07);
            a06 = b06 ^ (~b07 & b08);
            a07 = b07 ^ (~b08 & b09);
            a08 = b08 ^ (~b09 & b05);
            a09 = b09 ^ (~b05 & b06);
            a10 = b10 ^ (~b11 & b12);
            a11 = b11 ^ (~b12 & b13);
            a12 = b12 ^ (~b13 & b14);
            a13 = b13 ^ (~b14 & b10);
            a14 = b14 ^ (~b10 & b11);
            a15 = b15 ^ (~b16 & b17);
            a16 = b16 ^ (~b17 & b18);
            a17 = b17 ^ (~b18 & b19);
            a18 = b18 ^ (~b19 & b15);
            a19 = b19 ^ (~b15 & b16);
            a20 = b20 ^ (~b21 & b22);
            a21 = b21 ^ (~b22 & b23);
            a22 = b22 ^ (~b23 & b24);
            a23 = b23 ^ (~b24 & b20);
            a24 = b24 ^ (~b20 & b21);
        }

        a[0] = a00; a[1] = a01; a[2] = a02; a[3] = a03; a[4] = a04;
        a[5] = a05; a[6] = a06; a[7] = a07; a[8] = a08; a[9] = a09;
        a[10] = a10; a[11] = a11; a[12] = a12; a[13] = a13; a[14] = a14;
        a[15] = a15; a[16] = a16; a[17] = a17; a[18] = a18; a[19] = a19;
        a[20] = a20; a[21] = a21; a[22] = a22; a[23] = a23; a[24] = a24;
    }
}
