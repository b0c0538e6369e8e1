using BasedAI.Ledger.Chain;
using BasedAI.Ledger.Codec;

namespace BasedAI.Protocols.Chain;

/// <summary>What a host says about its chain: the genesis it follows and its head.</summary>
/// <param name="Genesis">Hash of block 0.</param>
/// <param name="Height">Head height.</param>
/// <param name="HeadHash">Head hash.</param>
public sealed record ChainStatus(Hash32 Genesis, ulong Height, Hash32 HeadHash);

/// <summary>
/// The messages of <c>/basedai/sync/1.0.0</c>, version 1. Request: <c>u8 version ‖ u8 kind</c>, then for kind 2
/// <c>u64 from ‖ u32 max count</c>. Kind 1 (status) answers <c>u8 version ‖ hash genesis ‖ u64 head ‖ hash head hash</c>;
/// kind 2 (blocks) answers <c>u8 version ‖ u32 count ‖ (bytes block)*</c>, consecutive blocks from <c>from</c>, fewer when
/// the responder's head or the size limit comes first.
/// </summary>
public static class ChainSyncMessages
{
    /// <summary>Encoding version.</summary>
    public const byte CurrentVersion = 1;

    /// <summary>Request kind: status.</summary>
    public const byte StatusKind = 1;

    /// <summary>Request kind: blocks.</summary>
    public const byte BlocksKind = 2;

    /// <summary>Most blocks one request may ask for.</summary>
    public const uint MaxBlocksPerRequest = 1024;

    /// <summary>A status request.</summary>
    public static byte[] StatusRequest() => [CurrentVersion, StatusKind];

    /// <summary>A request for up to <paramref name="count"/> blocks from height <paramref name="from"/>.</summary>
    public static byte[] BlocksRequest(ulong from, uint count)
    {
        var writer = new LedgerWriter(16);
        writer.U8(CurrentVersion);
        writer.U8(BlocksKind);
        writer.U64(from);
        writer.U32(count);
        return writer.ToArray();
    }

    /// <summary>Decodes a request: (kind, from, count); throws <see cref="FormatException"/> naming the problem.</summary>
    public static (byte Kind, ulong From, uint Count) DecodeRequest(ReadOnlySpan<byte> bytes)
    {
        var reader = new LedgerReader(bytes, "sync request");
        byte version = reader.U8("version");
        if (version != CurrentVersion)
        {
            throw reader.Error($"version {version} is not supported (expected {CurrentVersion})");
        }
        byte kind = reader.U8("kind");
        switch (kind)
        {
            case StatusKind:
                reader.End();
                return (kind, 0, 0);
            case BlocksKind:
                ulong from = reader.U64("from");
                uint count = reader.U32("count");
                reader.End();
                if (count == 0 || count > MaxBlocksPerRequest)
                {
                    throw reader.Error($"count {count} is not 1 to {MaxBlocksPerRequest}");
                }
                return (kind, from, count);
            default:
                throw reader.Error($"kind {kind} is not defined");
        }
    }

    /// <summary>Encodes a status answer.</summary>
    public static byte[] EncodeStatus(ChainStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var writer = new LedgerWriter(80);
        writer.U8(CurrentVersion);
        writer.Hash(status.Genesis);
        writer.U64(status.Height);
        writer.Hash(status.HeadHash);
        return writer.ToArray();
    }

    /// <summary>Decodes a status answer.</summary>
    public static ChainStatus DecodeStatus(ReadOnlySpan<byte> bytes)
    {
        var reader = new LedgerReader(bytes, "sync status");
        byte version = reader.U8("version");
        if (version != CurrentVersion)
        {
            throw reader.Error($"version {version} is not supported (expected {CurrentVersion})");
        }
        var status = new ChainStatus(reader.Hash("genesis"), reader.U64("height"), reader.Hash("head hash"));
        reader.End();
        return status;
    }

    /// <summary>Encodes encoded blocks as a blocks answer.</summary>
    public static byte[] EncodeBlocks(IReadOnlyList<byte[]> blocks)
    {
        ArgumentNullException.ThrowIfNull(blocks);
        var writer = new LedgerWriter(8 + blocks.Sum(b => b.Length + 4));
        writer.U8(CurrentVersion);
        writer.U32((uint)blocks.Count);
        foreach (byte[] block in blocks)
        {
            writer.Bytes(block);
        }
        return writer.ToArray();
    }

    /// <summary>Decodes a blocks answer into blocks (each fully decoded and bounds-checked).</summary>
    public static IReadOnlyList<Block> DecodeBlocks(ReadOnlySpan<byte> bytes)
    {
        var reader = new LedgerReader(bytes, "sync blocks");
        byte version = reader.U8("version");
        if (version != CurrentVersion)
        {
            throw reader.Error($"version {version} is not supported (expected {CurrentVersion})");
        }
        uint count = reader.U32("count");
        if (count > MaxBlocksPerRequest)
        {
            throw reader.Error($"count {count} exceeds {MaxBlocksPerRequest}");
        }
        var blocks = new List<Block>((int)count);
        for (int i = 0; i < count; i++)
        {
            blocks.Add(Block.Decode(reader.Bytes("block", Block.MaxSize)));
        }
        reader.End();
        return blocks;
    }
}
