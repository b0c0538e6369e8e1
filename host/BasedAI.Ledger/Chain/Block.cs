using BasedAI.Crypto;
using BasedAI.Ledger.Codec;

namespace BasedAI.Ledger.Chain;

/// <summary>
/// A block header, encoding version 1:
/// <c>u8 version ‖ u64 height ‖ hash32 parent ‖ hash32 state root ‖ hash32 extrinsics root ‖ u64 timestamp (ms) ‖ address author ‖ bytes seal</c>.
/// The block hash is Keccak-256 of everything before the seal, so the seal (the consensus engine's signature) signs the hash.
/// </summary>
public sealed record BlockHeader
{
    /// <summary>Encoding version.</summary>
    public const byte CurrentVersion = 1;

    /// <summary>Largest seal in bytes.</summary>
    public const int MaxSealSize = 1024;

    /// <summary>Height (genesis is 0).</summary>
    public required ulong Height { get; init; }

    /// <summary>Hash of the parent (zero for genesis).</summary>
    public required Hash32 ParentHash { get; init; }

    /// <summary>Root of the state after this block.</summary>
    public required Hash32 StateRoot { get; init; }

    /// <summary>Merkle root of the block's extrinsics.</summary>
    public required Hash32 ExtrinsicsRoot { get; init; }

    /// <summary>Unix time in milliseconds.</summary>
    public required ulong Timestamp { get; init; }

    /// <summary>Who produced the block; fees go to this account.</summary>
    public required EthereumAddress Author { get; init; }

    /// <summary>Consensus proof (the dev authority's signature over <see cref="Hash"/>); empty for genesis.</summary>
    public byte[] Seal { get; init; } = [];

    /// <summary>Keccak-256 of the unsealed header.</summary>
    public Hash32 Hash => Hash32.Keccak(EncodeUnsealed());

    /// <summary>The header without its seal.</summary>
    public byte[] EncodeUnsealed()
    {
        var writer = new LedgerWriter(160);
        WriteUnsealed(writer);
        return writer.ToArray();
    }

    /// <summary>Writes the full header.</summary>
    public void Encode(LedgerWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        WriteUnsealed(writer);
        writer.Bytes(Seal);
    }

    private void WriteUnsealed(LedgerWriter writer)
    {
        writer.U8(CurrentVersion);
        writer.U64(Height);
        writer.Hash(ParentHash);
        writer.Hash(StateRoot);
        writer.Hash(ExtrinsicsRoot);
        writer.U64(Timestamp);
        writer.Address(Author);
    }

    /// <summary>Reads a header.</summary>
    public static BlockHeader Decode(ref LedgerReader reader)
    {
        byte version = reader.U8("header version");
        if (version != CurrentVersion)
        {
            throw reader.Error($"header version {version} is not supported (expected {CurrentVersion})");
        }
        return new BlockHeader
        {
            Height = reader.U64("height"),
            ParentHash = reader.Hash("parent hash"),
            StateRoot = reader.Hash("state root"),
            ExtrinsicsRoot = reader.Hash("extrinsics root"),
            Timestamp = reader.U64("timestamp"),
            Author = reader.Address("author"),
            Seal = reader.Bytes("seal", MaxSealSize).ToArray(),
        };
    }

    /// <inheritdoc />
    public bool Equals(BlockHeader? other) => other is not null && Hash == other.Hash && Seal.AsSpan().SequenceEqual(other.Seal);

    /// <inheritdoc />
    public override int GetHashCode() => Hash.GetHashCode();
}

/// <summary>A header and its extrinsics. Encoding: header ‖ u32 count ‖ (u32 length ‖ extrinsic)*.</summary>
public sealed class Block
{
    /// <summary>Most extrinsics in one block.</summary>
    public const int MaxExtrinsics = 10_000;

    /// <summary>Largest encoded block in bytes.</summary>
    public const int MaxSize = 16 * 1024 * 1024;

    /// <summary>Creates a block.</summary>
    public Block(BlockHeader header, IReadOnlyList<Extrinsic> extrinsics)
    {
        Header = header;
        Extrinsics = extrinsics;
    }

    /// <summary>The header.</summary>
    public BlockHeader Header { get; }

    /// <summary>The extrinsics, in execution order.</summary>
    public IReadOnlyList<Extrinsic> Extrinsics { get; }

    /// <summary>The block hash (the header's).</summary>
    public Hash32 Hash => Header.Hash;

    /// <summary>Merkle root over the transaction hashes (RFC 6962 leaves of the encodings).</summary>
    public static Hash32 ComputeExtrinsicsRoot(IReadOnlyList<Extrinsic> extrinsics) =>
        MerkleTree.Root(extrinsics.Select(e => MerkleTree.Leaf(e.Encoded)).ToArray());

    /// <summary>The canonical encoding.</summary>
    public byte[] Encode()
    {
        var writer = new LedgerWriter(256 + Extrinsics.Sum(e => e.Encoded.Length + 4));
        Header.Encode(writer);
        writer.U32((uint)Extrinsics.Count);
        foreach (Extrinsic extrinsic in Extrinsics)
        {
            writer.Bytes(extrinsic.Encoded);
        }
        return writer.ToArray();
    }

    /// <summary>Decodes a block; throws <see cref="FormatException"/> naming the problem (and the extrinsic index) when malformed.</summary>
    public static Block Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxSize)
        {
            throw new FormatException($"block: {bytes.Length} bytes exceeds the limit of {MaxSize}");
        }
        var reader = new LedgerReader(bytes, "block");
        BlockHeader header = BlockHeader.Decode(ref reader);
        int count = reader.Length("extrinsic count", MaxExtrinsics);
        var extrinsics = new Extrinsic[count];
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<byte> encoded = reader.Bytes($"extrinsic {i}", Extrinsic.MaxSize);
            try
            {
                extrinsics[i] = Extrinsic.Decode(encoded);
            }
            catch (FormatException e)
            {
                throw new FormatException($"block: extrinsic {i}: {e.Message}", e);
            }
        }
        reader.End();
        return new Block(header, extrinsics);
    }
}

/// <summary>
/// Who may seal blocks and how a seal is checked: the consensus boundary. The dev chain uses one authority key; a networked
/// chain plugs in an engine with several authorities (or another rule) without touching the state machine.
/// </summary>
public interface ISealEngine
{
    /// <summary>The account fees of sealed blocks go to.</summary>
    EthereumAddress Author { get; }

    /// <summary>True when this node can seal (holds an authority key).</summary>
    bool CanSeal { get; }

    /// <summary>Returns the header with its seal.</summary>
    BlockHeader Seal(BlockHeader header);

    /// <summary>Returns null when the header's seal is valid for its author, else the reason.</summary>
    string? Verify(BlockHeader header);
}

/// <summary>A single authority: blocks are valid when signed by its key (the dev chain).</summary>
public sealed class SingleAuthoritySeal : ISealEngine
{
    private readonly byte[]? _privateKey;

    /// <summary>An engine that can seal, holding the authority key.</summary>
    public SingleAuthoritySeal(ReadOnlySpan<byte> privateKey)
    {
        _privateKey = privateKey.ToArray();
        Author = EthereumAddress.FromPrivateKey(privateKey);
    }

    /// <summary>An engine that only verifies blocks of <paramref name="authority"/>.</summary>
    public SingleAuthoritySeal(EthereumAddress authority) => Author = authority;

    /// <inheritdoc />
    public EthereumAddress Author { get; }

    /// <inheritdoc />
    public bool CanSeal => _privateKey is not null;

    /// <inheritdoc />
    public BlockHeader Seal(BlockHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        if (_privateKey is null)
        {
            throw new InvalidOperationException("This node holds no authority key and cannot seal blocks.");
        }
        return header with { Seal = Secp256k1.SignRecoverable(header.Hash.ToArray(), _privateKey) };
    }

    /// <inheritdoc />
    public string? Verify(BlockHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        if (header.Author != Author)
        {
            return $"author {header.Author} is not the authority {Author}";
        }
        if (header.Seal.Length != 65 || !Secp256k1.TryRecover(header.Hash.ToArray(), header.Seal, out byte[] publicKey))
        {
            return "seal is not a 65-byte recoverable signature";
        }
        return EthereumAddress.FromPublicKey(publicKey) == Author ? null : "seal is not signed by the authority";
    }
}
