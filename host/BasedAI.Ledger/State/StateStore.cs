using System.Buffers.Binary;
using BasedAI.Crypto;
using BasedAI.Ledger.Codec;

namespace BasedAI.Ledger.State;

/// <summary>Compares byte arrays by content (ordinal), for dictionary keys and sorting.</summary>
public sealed class ByteArrayComparer : IEqualityComparer<byte[]>, IComparer<byte[]>
{
    /// <summary>The shared instance.</summary>
    public static ByteArrayComparer Instance { get; } = new();

    /// <inheritdoc />
    public bool Equals(byte[]? x, byte[]? y) => ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y));

    /// <inheritdoc />
    public int GetHashCode(byte[] obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var hash = new HashCode();
        hash.AddBytes(obj);
        return hash.ToHashCode();
    }

    /// <inheritdoc />
    public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
}

/// <summary>Read and write access to key-value state.</summary>
public interface IStateAccess
{
    /// <summary>The value of a key, or null.</summary>
    byte[]? Read(byte[] key);

    /// <summary>Sets a key; null deletes it.</summary>
    void Write(byte[] key, byte[]? value);

    /// <summary>All entries whose key starts with <paramref name="prefix"/>, in key order (for queries, not consensus hot paths).</summary>
    IEnumerable<KeyValuePair<byte[], byte[]>> Scan(byte[] prefix);
}

/// <summary>
/// The committed state: every key-value entry in memory, with a state root kept up to date incrementally.
/// <para>
/// State root (version 1): entries are placed in 65,536 buckets by the first two bytes of Keccak(key). A bucket's leaf is
/// Keccak(0x02 ‖ (u32 key length ‖ key ‖ u32 value length ‖ value) for each entry in ascending key order), or zero when empty.
/// The root is a complete binary tree over the buckets in index order, where node(L, R) = zero when both are zero and
/// Keccak(0x01 ‖ L ‖ R) otherwise. An empty state has the zero root. A block touching k keys rehashes k buckets and 16k nodes.
/// </para>
/// </summary>
public sealed class StateStore
{
    private const int BucketBits = 16;
    private const int BucketCount = 1 << BucketBits;

    private readonly Dictionary<byte[], byte[]> _entries = new(ByteArrayComparer.Instance);
    private readonly SortedSet<byte[]>?[] _buckets = new SortedSet<byte[]>?[BucketCount];
    private readonly Hash32[] _tree = new Hash32[2 * BucketCount];
    private readonly HashSet<int> _dirty = [];

    /// <summary>Number of entries.</summary>
    public int Count => _entries.Count;

    /// <summary>All entries (unordered).</summary>
    public IReadOnlyDictionary<byte[], byte[]> Entries => _entries;

    /// <summary>The value of a key, or null.</summary>
    public byte[]? Get(byte[] key) => _entries.GetValueOrDefault(key);

    /// <summary>Entries under a prefix, in key order.</summary>
    public IEnumerable<KeyValuePair<byte[], byte[]>> Scan(byte[] prefix) =>
        _entries.Where(e => e.Key.AsSpan().StartsWith(prefix)).OrderBy(e => e.Key, ByteArrayComparer.Instance);

    /// <summary>Applies changes (null value = delete) and returns the previous values, so the caller can revert.</summary>
    public List<KeyValuePair<byte[], byte[]?>> Apply(IEnumerable<KeyValuePair<byte[], byte[]?>> changes)
    {
        ArgumentNullException.ThrowIfNull(changes);
        var previous = new List<KeyValuePair<byte[], byte[]?>>();
        foreach ((byte[] key, byte[]? value) in changes)
        {
            previous.Add(new(key, _entries.GetValueOrDefault(key)));
            int bucket = BucketOf(key);
            if (value is null)
            {
                if (_entries.Remove(key))
                {
                    _buckets[bucket]!.Remove(key);
                    _dirty.Add(bucket);
                }
            }
            else
            {
                if (!_entries.ContainsKey(key))
                {
                    (_buckets[bucket] ??= new SortedSet<byte[]>(ByteArrayComparer.Instance)).Add(key);
                }
                _entries[key] = value;
                _dirty.Add(bucket);
            }
        }
        return previous;
    }

    /// <summary>The state root, rehashing only buckets changed since the last call.</summary>
    public Hash32 Root
    {
        get
        {
            if (_dirty.Count > 0)
            {
                var parents = new HashSet<int>();
                foreach (int bucket in _dirty)
                {
                    _tree[BucketCount + bucket] = HashBucket(bucket);
                    parents.Add((BucketCount + bucket) >> 1);
                }
                _dirty.Clear();
                while (parents.Count > 0)
                {
                    var next = new HashSet<int>();
                    foreach (int node in parents)
                    {
                        Hash32 left = _tree[2 * node], right = _tree[2 * node + 1];
                        _tree[node] = left == Hash32.Zero && right == Hash32.Zero ? Hash32.Zero : MerkleNode(left, right);
                        if (node > 1)
                        {
                            next.Add(node >> 1);
                        }
                    }
                    parents = next;
                }
            }
            return _tree[1];
        }
    }

    private Hash32 HashBucket(int bucket)
    {
        SortedSet<byte[]>? keys = _buckets[bucket];
        if (keys is null || keys.Count == 0)
        {
            return Hash32.Zero;
        }
        var writer = new LedgerWriter(256);
        writer.U8(2);
        foreach (byte[] key in keys)
        {
            writer.Bytes(key);
            writer.Bytes(_entries[key]);
        }
        return Hash32.Keccak(writer.WrittenSpan);
    }

    private static Hash32 MerkleNode(Hash32 left, Hash32 right)
    {
        Span<byte> buffer = stackalloc byte[65];
        buffer[0] = 1;
        left.CopyTo(buffer[1..]);
        right.CopyTo(buffer[33..]);
        return Hash32.Keccak(buffer);
    }

    private static int BucketOf(byte[] key)
    {
        Span<byte> digest = stackalloc byte[32];
        Keccak256.Hash(key, digest);
        return BinaryPrimitives.ReadUInt16BigEndian(digest);
    }
}

/// <summary>
/// Pending writes on top of a <see cref="StateStore"/> during block execution, with checkpoints so a failed extrinsic's writes
/// roll back while its fee and nonce stay charged.
/// </summary>
public sealed class StateOverlay : IStateAccess
{
    private readonly StateStore _base;
    private readonly Dictionary<byte[], byte[]?> _changes = new(ByteArrayComparer.Instance);
    private readonly List<(byte[] Key, bool HadChange, byte[]? Previous)> _journal = [];

    /// <summary>Starts an empty overlay over <paramref name="store"/>.</summary>
    public StateOverlay(StateStore store) => _base = store;

    /// <summary>The writes so far (null = delete).</summary>
    public IReadOnlyDictionary<byte[], byte[]?> Changes => _changes;

    /// <inheritdoc />
    public byte[]? Read(byte[] key) => _changes.TryGetValue(key, out byte[]? value) ? value : _base.Get(key);

    /// <inheritdoc />
    public void Write(byte[] key, byte[]? value)
    {
        ArgumentNullException.ThrowIfNull(key);
        bool had = _changes.TryGetValue(key, out byte[]? previous);
        _journal.Add((key, had, previous));
        _changes[key] = value;
    }

    /// <inheritdoc />
    public IEnumerable<KeyValuePair<byte[], byte[]>> Scan(byte[] prefix)
    {
        var merged = new SortedDictionary<byte[], byte[]>(ByteArrayComparer.Instance);
        foreach ((byte[] key, byte[] value) in _base.Scan(prefix))
        {
            merged[key] = value;
        }
        foreach ((byte[] key, byte[]? value) in _changes)
        {
            if (key.AsSpan().StartsWith(prefix))
            {
                if (value is null)
                {
                    merged.Remove(key);
                }
                else
                {
                    merged[key] = value;
                }
            }
        }
        return merged;
    }

    /// <summary>Marks a point to roll back to.</summary>
    public int Checkpoint() => _journal.Count;

    /// <summary>Undoes every write after <paramref name="checkpoint"/>.</summary>
    public void Rollback(int checkpoint)
    {
        for (int i = _journal.Count - 1; i >= checkpoint; i--)
        {
            (byte[] key, bool had, byte[]? previous) = _journal[i];
            if (had)
            {
                _changes[key] = previous;
            }
            else
            {
                _changes.Remove(key);
            }
        }
        _journal.RemoveRange(checkpoint, _journal.Count - checkpoint);
    }
}
