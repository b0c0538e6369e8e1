using BasedAI.Crypto;
using BasedAI.Evm.Primitives;
using BasedAI.Evm.Rlp;

namespace BasedAI.Evm.Trie;

/// <summary>
/// An in-memory Merkle Patricia Trie (Ethereum Yellow Paper, appendix D). Immutable and persistent: every update returns
/// a new trie sharing untouched nodes, so snapshots are free and node encodings/hashes are computed once and cached.
/// Keys are raw bytes; use <see cref="SecureTrie"/> for the keccak-keyed form Ethereum stores state in.
/// An empty value deletes the key, as in Ethereum clients.
/// </summary>
public sealed class PatriciaTrie
{
    private readonly TrieNode? _root;

    /// <summary>The empty trie.</summary>
    public static PatriciaTrie Empty { get; } = new(null);

    private PatriciaTrie(TrieNode? root)
    {
        _root = root;
    }

    /// <summary>True when the trie holds no key.</summary>
    public bool IsEmpty => _root is null;

    /// <summary>The root hash: keccak of the root node's encoding (keccak(0x80) when empty).</summary>
    public Hash256 RootHash => _root is null ? Hash256.EmptyTrieRoot : Hash256.Keccak(_root.Encoding);

    /// <summary>Returns a trie with <paramref name="key"/> set to <paramref name="value"/>, or removed when the value is empty.</summary>
    public PatriciaTrie Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return Delete(key);
        }
        byte[] path = ToNibbles(key);
        return new PatriciaTrie(Insert(_root, path, value.ToArray()));
    }

    /// <summary>Returns a trie without <paramref name="key"/>.</summary>
    public PatriciaTrie Delete(ReadOnlySpan<byte> key)
    {
        TrieNode? root = Remove(_root, ToNibbles(key));
        return ReferenceEquals(root, _root) ? this : new PatriciaTrie(root);
    }

    /// <summary>The value of <paramref name="key"/>, or null when absent.</summary>
    public byte[]? Get(ReadOnlySpan<byte> key)
    {
        ReadOnlySpan<byte> path = ToNibbles(key);
        TrieNode? node = _root;
        while (node is not null)
        {
            switch (node)
            {
                case LeafNode leaf:
                    return path.SequenceEqual(leaf.Path) ? leaf.Value : null;
                case ExtensionNode extension:
                    if (!path.StartsWith(extension.Path))
                    {
                        return null;
                    }
                    path = path[extension.Path.Length..];
                    node = extension.Child;
                    break;
                case BranchNode branch:
                    if (path.IsEmpty)
                    {
                        return branch.Value;
                    }
                    node = branch.Children[path[0]];
                    path = path[1..];
                    break;
            }
        }
        return null;
    }

    /// <summary>All entries in ascending key order.</summary>
    public IEnumerable<KeyValuePair<byte[], byte[]>> Entries()
    {
        var results = new List<KeyValuePair<byte[], byte[]>>();
        Collect(_root, [], results);
        return results;
    }

    private static void Collect(TrieNode? node, List<byte> prefix, List<KeyValuePair<byte[], byte[]>> results)
    {
        switch (node)
        {
            case null:
                return;
            case LeafNode leaf:
                results.Add(new(FromNibbles([.. prefix, .. leaf.Path]), leaf.Value));
                return;
            case ExtensionNode extension:
                prefix.AddRange(extension.Path);
                Collect(extension.Child, prefix, results);
                prefix.RemoveRange(prefix.Count - extension.Path.Length, extension.Path.Length);
                return;
            case BranchNode branch:
                if (branch.Value is not null)
                {
                    results.Add(new(FromNibbles([.. prefix]), branch.Value));
                }
                for (int i = 0; i < 16; i++)
                {
                    if (branch.Children[i] is not null)
                    {
                        prefix.Add((byte)i);
                        Collect(branch.Children[i], prefix, results);
                        prefix.RemoveAt(prefix.Count - 1);
                    }
                }
                return;
        }
    }

    private static TrieNode Insert(TrieNode? node, ReadOnlySpan<byte> path, byte[] value)
    {
        switch (node)
        {
            case null:
                return new LeafNode(path.ToArray(), value);

            case LeafNode leaf:
            {
                int common = CommonPrefix(leaf.Path, path);
                if (common == leaf.Path.Length && common == path.Length)
                {
                    return new LeafNode(leaf.Path, value);
                }
                var children = new TrieNode?[16];
                byte[]? branchValue = null;
                PlaceRemainder(leaf.Path.AsSpan(common), leaf.Value, children, ref branchValue);
                PlaceRemainder(path[common..], value, children, ref branchValue);
                TrieNode branch = new BranchNode(children, branchValue);
                return common == 0 ? branch : new ExtensionNode(path[..common].ToArray(), branch);
            }

            case ExtensionNode extension:
            {
                int common = CommonPrefix(extension.Path, path);
                if (common == extension.Path.Length)
                {
                    return new ExtensionNode(extension.Path, Insert(extension.Child, path[common..], value));
                }
                var children = new TrieNode?[16];
                byte[]? branchValue = null;
                int remaining = extension.Path.Length - common;
                children[extension.Path[common]] = remaining == 1
                    ? extension.Child
                    : new ExtensionNode(extension.Path[(common + 1)..], extension.Child);
                PlaceRemainder(path[common..], value, children, ref branchValue);
                TrieNode branch = new BranchNode(children, branchValue);
                return common == 0 ? branch : new ExtensionNode(path[..common].ToArray(), branch);
            }

            case BranchNode branch:
            {
                var children = (TrieNode?[])branch.Children.Clone();
                if (path.IsEmpty)
                {
                    return new BranchNode(children, value);
                }
                children[path[0]] = Insert(children[path[0]], path[1..], value);
                return new BranchNode(children, branch.Value);
            }

            default:
                throw new InvalidOperationException("Unknown trie node.");
        }
    }

    private static void PlaceRemainder(ReadOnlySpan<byte> remainder, byte[] value, TrieNode?[] children, ref byte[]? branchValue)
    {
        if (remainder.IsEmpty)
        {
            branchValue = value;
        }
        else
        {
            children[remainder[0]] = new LeafNode(remainder[1..].ToArray(), value);
        }
    }

    private static TrieNode? Remove(TrieNode? node, ReadOnlySpan<byte> path)
    {
        switch (node)
        {
            case null:
                return null;

            case LeafNode leaf:
                return path.SequenceEqual(leaf.Path) ? null : leaf;

            case ExtensionNode extension:
            {
                if (!path.StartsWith(extension.Path))
                {
                    return extension;
                }
                TrieNode? child = Remove(extension.Child, path[extension.Path.Length..]);
                if (ReferenceEquals(child, extension.Child))
                {
                    return extension;
                }
                return Prepend(extension.Path, child);
            }

            case BranchNode branch:
            {
                var children = (TrieNode?[])branch.Children.Clone();
                byte[]? value = branch.Value;
                if (path.IsEmpty)
                {
                    if (value is null)
                    {
                        return branch;
                    }
                    value = null;
                }
                else
                {
                    TrieNode? child = Remove(children[path[0]], path[1..]);
                    if (ReferenceEquals(child, children[path[0]]))
                    {
                        return branch;
                    }
                    children[path[0]] = child;
                }
                return Normalize(children, value);
            }

            default:
                throw new InvalidOperationException("Unknown trie node.");
        }
    }

    /// <summary>Collapses a branch left with fewer than two entries.</summary>
    private static TrieNode? Normalize(TrieNode?[] children, byte[]? value)
    {
        int count = 0, only = -1;
        for (int i = 0; i < 16; i++)
        {
            if (children[i] is not null)
            {
                count++;
                only = i;
            }
        }
        if (count == 0)
        {
            return value is null ? null : new LeafNode([], value);
        }
        if (count == 1 && value is null)
        {
            return Prepend([(byte)only], children[only]);
        }
        return new BranchNode(children, value);
    }

    /// <summary>Puts <paramref name="prefix"/> in front of a node, merging paths where the node has one.</summary>
    private static TrieNode? Prepend(byte[] prefix, TrieNode? node) => node switch
    {
        null => null,
        LeafNode leaf => new LeafNode([.. prefix, .. leaf.Path], leaf.Value),
        ExtensionNode extension => new ExtensionNode([.. prefix, .. extension.Path], extension.Child),
        _ => new ExtensionNode(prefix, node),
    };

    private static int CommonPrefix(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b) => a.CommonPrefixLength(b);

    private static byte[] ToNibbles(ReadOnlySpan<byte> key)
    {
        var nibbles = new byte[key.Length * 2];
        for (int i = 0; i < key.Length; i++)
        {
            nibbles[2 * i] = (byte)(key[i] >> 4);
            nibbles[2 * i + 1] = (byte)(key[i] & 0x0F);
        }
        return nibbles;
    }

    private static byte[] FromNibbles(ReadOnlySpan<byte> nibbles)
    {
        var key = new byte[nibbles.Length / 2];
        for (int i = 0; i < key.Length; i++)
        {
            key[i] = (byte)((nibbles[2 * i] << 4) | nibbles[2 * i + 1]);
        }
        return key;
    }

    // ------------------------------------------------------------------ nodes

    private abstract class TrieNode
    {
        private byte[]? _encoding;
        private byte[]? _reference;

        /// <summary>The node's RLP encoding.</summary>
        public byte[] Encoding => _encoding ??= Encode();

        /// <summary>How a parent refers to this node: the encoding itself when shorter than 32 bytes, else RLP(keccak(encoding)).</summary>
        public byte[] Reference
        {
            get
            {
                if (_reference is null)
                {
                    byte[] encoding = Encoding;
                    if (encoding.Length < 32)
                    {
                        _reference = encoding;
                    }
                    else
                    {
                        var reference = new byte[33];
                        reference[0] = 0xa0;
                        Keccak256.Hash(encoding, reference.AsSpan(1));
                        _reference = reference;
                    }
                }
                return _reference;
            }
        }

        protected abstract byte[] Encode();

        /// <summary>Hex-prefix encoding of a nibble path (Yellow Paper appendix C).</summary>
        protected static byte[] HexPrefix(ReadOnlySpan<byte> path, bool isLeaf)
        {
            bool odd = path.Length % 2 == 1;
            var encoded = new byte[path.Length / 2 + 1];
            int flag = (isLeaf ? 2 : 0) + (odd ? 1 : 0);
            int index = 0;
            if (odd)
            {
                encoded[0] = (byte)((flag << 4) | path[0]);
                index = 1;
            }
            else
            {
                encoded[0] = (byte)(flag << 4);
            }
            for (int i = 1; index < path.Length; i++, index += 2)
            {
                encoded[i] = (byte)((path[index] << 4) | path[index + 1]);
            }
            return encoded;
        }
    }

    private sealed class LeafNode(byte[] path, byte[] value) : TrieNode
    {
        public byte[] Path { get; } = path;
        public byte[] Value { get; } = value;

        protected override byte[] Encode() =>
            new RlpWriter(Value.Length + 48).StartList().WriteBytes(HexPrefix(Path, isLeaf: true)).WriteBytes(Value).EndList().ToArray();
    }

    private sealed class ExtensionNode(byte[] path, TrieNode child) : TrieNode
    {
        public byte[] Path { get; } = path;
        public TrieNode Child { get; } = child;

        protected override byte[] Encode() =>
            new RlpWriter(80).StartList().WriteBytes(HexPrefix(Path, isLeaf: false)).WriteEncoded(Child.Reference).EndList().ToArray();
    }

    private sealed class BranchNode(TrieNode?[] children, byte[]? value) : TrieNode
    {
        public TrieNode?[] Children { get; } = children;
        public byte[]? Value { get; } = value;

        protected override byte[] Encode()
        {
            var writer = new RlpWriter(600).StartList();
            foreach (TrieNode? child in Children)
            {
                if (child is null)
                {
                    writer.WriteBytes([]);
                }
                else
                {
                    writer.WriteEncoded(child.Reference);
                }
            }
            writer.WriteBytes(Value ?? []);
            return writer.EndList().ToArray();
        }
    }
}

/// <summary>The "secure" trie Ethereum keeps state and storage in: every key is replaced by its Keccak-256 hash.</summary>
public sealed class SecureTrie
{
    private readonly PatriciaTrie _trie;

    /// <summary>The empty secure trie.</summary>
    public static SecureTrie Empty { get; } = new(PatriciaTrie.Empty);

    private SecureTrie(PatriciaTrie trie)
    {
        _trie = trie;
    }

    /// <summary>The root hash.</summary>
    public Hash256 RootHash => _trie.RootHash;

    /// <summary>Returns a trie with keccak(<paramref name="key"/>) set to <paramref name="value"/> (removed when empty).</summary>
    public SecureTrie Put(ReadOnlySpan<byte> key, ReadOnlySpan<byte> value)
    {
        Span<byte> hashed = stackalloc byte[32];
        Keccak256.Hash(key, hashed);
        return new SecureTrie(_trie.Put(hashed, value));
    }

    /// <summary>Returns a trie without keccak(<paramref name="key"/>).</summary>
    public SecureTrie Delete(ReadOnlySpan<byte> key)
    {
        Span<byte> hashed = stackalloc byte[32];
        Keccak256.Hash(key, hashed);
        return new SecureTrie(_trie.Delete(hashed));
    }

    /// <summary>The value stored under keccak(<paramref name="key"/>), or null.</summary>
    public byte[]? Get(ReadOnlySpan<byte> key)
    {
        Span<byte> hashed = stackalloc byte[32];
        Keccak256.Hash(key, hashed);
        return _trie.Get(hashed);
    }
}
