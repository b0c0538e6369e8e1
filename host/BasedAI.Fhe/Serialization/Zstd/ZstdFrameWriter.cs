using System.Buffers.Binary;

namespace BasedAI.Fhe.Serialization.Zstd;

/// <summary>
/// Writes Zstandard frames (RFC 8878) made of raw blocks: valid zstd that every decoder (SEAL's included) accepts,
/// without entropy coding. Key and ciphertext words are close to uniformly random, so real compression gains little.
/// </summary>
internal static class ZstdFrameWriter
{
    private const uint FrameMagic = 0xFD2FB528;
    private const int MaxBlockSize = 128 * 1024;

    public static byte[] Compress(ReadOnlySpan<byte> data)
    {
        int blocks = Math.Max(1, (data.Length + MaxBlockSize - 1) / MaxBlockSize);
        byte[] output = new byte[4 + 1 + 8 + (3 * blocks) + data.Length];
        var span = output.AsSpan();
        BinaryPrimitives.WriteUInt32LittleEndian(span, FrameMagic);
        // Frame header descriptor: content size field 8 bytes (flag 3), single segment (no window descriptor), no checksum.
        span[4] = (3 << 6) | (1 << 5);
        BinaryPrimitives.WriteUInt64LittleEndian(span[5..], (ulong)data.Length);
        int position = 13;
        int offset = 0;
        for (int b = 0; b < blocks; b++)
        {
            int size = Math.Min(MaxBlockSize, data.Length - offset);
            bool last = b == blocks - 1;
            // Block header: last flag (bit 0), type raw (bits 1-2 = 0), size (bits 3-23).
            uint header = (last ? 1u : 0u) | ((uint)size << 3);
            span[position] = (byte)header;
            span[position + 1] = (byte)(header >> 8);
            span[position + 2] = (byte)(header >> 16);
            position += 3;
            data.Slice(offset, size).CopyTo(span[position..]);
            position += size;
            offset += size;
        }

        return output;
    }
}
