namespace BasedAI.Ledger.Codec;

/// <summary>
/// Ordered binary Merkle tree with RFC 6962 structure over Keccak-256: leaf = H(0x00 ‖ data), node = H(0x01 ‖ left ‖ right),
/// an n-leaf tree splits at the largest power of two below n, and the empty tree is H(""). Used for extrinsics roots.
/// </summary>
public static class MerkleTree
{
    /// <summary>Root of the empty tree: Keccak-256 of no bytes.</summary>
    public static Hash32 EmptyRoot { get; } = Hash32.Keccak([]);

    /// <summary>The leaf hash of one item.</summary>
    public static Hash32 Leaf(ReadOnlySpan<byte> data)
    {
        byte[] buffer = new byte[data.Length + 1];
        data.CopyTo(buffer.AsSpan(1));
        return Hash32.Keccak(buffer);
    }

    /// <summary>The parent of two nodes.</summary>
    public static Hash32 Node(Hash32 left, Hash32 right)
    {
        Span<byte> buffer = stackalloc byte[1 + 2 * Hash32.Size];
        buffer[0] = 1;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[(1 + Hash32.Size)..]);
        return Hash32.Keccak(buffer);
    }

    /// <summary>Root over leaf hashes in order.</summary>
    public static Hash32 Root(IReadOnlyList<Hash32> leaves)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        return leaves.Count == 0 ? EmptyRoot : Root(leaves, 0, leaves.Count);
    }

    private static Hash32 Root(IReadOnlyList<Hash32> leaves, int start, int count)
    {
        if (count == 1)
        {
            return leaves[start];
        }
        int split = 1;
        while (split * 2 < count)
        {
            split *= 2;
        }
        return Node(Root(leaves, start, split), Root(leaves, start + split, count - split));
    }
}
