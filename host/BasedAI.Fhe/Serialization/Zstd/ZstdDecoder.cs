namespace BasedAI.Fhe.Serialization.Zstd;

/// <summary>Zstandard decoding (placeholder until the decoder lands).</summary>
internal static class ZstdDecoder
{
    public static byte[] Decompress(ReadOnlySpan<byte> input, long maxSize, string what) =>
        throw new SealFormatException($"{what}: zstd-compressed SEAL data cannot be read yet ({input.Length} bytes, limit {maxSize})");
}
