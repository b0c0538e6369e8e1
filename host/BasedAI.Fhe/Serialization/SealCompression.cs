namespace BasedAI.Fhe;

/// <summary>Compression of a serialized SEAL object (SEAL's <c>compr_mode_type</c>, stored in byte 5 of the header).</summary>
public enum SealCompression : byte
{
    /// <summary>No compression.</summary>
    None = 0,

    /// <summary>zlib (RFC 1950) stream after the header.</summary>
    Zlib = 1,

    /// <summary>Zstandard (RFC 8878) frame after the header.</summary>
    Zstd = 2,
}
