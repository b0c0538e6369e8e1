using BasedAI.Crypto;
using BasedAI.Ledger.Codec;
using BasedAI.Ledger.Runtime;
using BasedAI.Ledger.State;
using BasedAI.Ledger.Storage;

namespace BasedAI.Ledger.Chain;

/// <summary>A block that was committed, with the outcome of each extrinsic.</summary>
/// <param name="Block">The block.</param>
/// <param name="Receipts">One receipt per extrinsic, in order.</param>
/// <param name="Dropped">Candidates the producer left out, with the reason (empty for imports).</param>
public sealed record CommittedBlock(Block Block, IReadOnlyList<Receipt> Receipts, IReadOnlyList<(Extrinsic Extrinsic, string Reason)> Dropped);

/// <summary>
/// The chain: genesis, head, committed state, and the two ways a block enters it: <see cref="Produce"/> (seal a new block
/// from candidate extrinsics) and <see cref="Import"/> (check and apply a sealed block from elsewhere). Not thread-safe:
/// callers serialize access (the node holds one lock).
/// </summary>
public sealed class LedgerChain : IDisposable
{
    private readonly LedgerDatabase _database;
    private readonly StateStore _store = new();
    private readonly HashSet<Hash32> _verifiedSignatures = [];

    private LedgerChain(LedgerDatabase database, ISealEngine seal)
    {
        _database = database;
        SealEngine = seal;
    }

    /// <summary>Hash of block 0; every extrinsic names it.</summary>
    public Hash32 GenesisHash { get; private set; }

    /// <summary>The last committed header.</summary>
    public BlockHeader Head { get; private set; } = null!;

    /// <summary>The consensus engine.</summary>
    public ISealEngine SealEngine { get; }

    /// <summary>The database.</summary>
    public LedgerDatabase Database => _database;

    /// <summary>Root of the committed state.</summary>
    public Hash32 StateRoot => _store.Root;

    /// <summary>Read-only typed view of the committed state.</summary>
    public LedgerState State => new(new ReadOnlyStateAccess(_store));

    /// <summary>
    /// Opens a chain: an empty database gets the genesis of <paramref name="genesis"/>; an existing one reopens at its last
    /// committed block after checking that the stored state hashes to that block's state root.
    /// </summary>
    public static LedgerChain Open(LedgerDatabase database, GenesisConfig genesis, ISealEngine seal)
    {
        ArgumentNullException.ThrowIfNull(database);
        ArgumentNullException.ThrowIfNull(genesis);
        ArgumentNullException.ThrowIfNull(seal);
        var chain = new LedgerChain(database, seal);
        if (database.HeadHeight is { } head)
        {
            chain.Reopen(head);
        }
        else
        {
            chain.CreateGenesis(genesis);
        }
        return chain;
    }

    private void CreateGenesis(GenesisConfig config)
    {
        var overlay = new StateOverlay(_store);
        LedgerRuntime.InitializeGenesis(new LedgerState(overlay), config);
        _store.Apply(overlay.Changes);
        var header = new BlockHeader
        {
            Height = 0,
            ParentHash = Hash32.Zero,
            StateRoot = _store.Root,
            ExtrinsicsRoot = MerkleTree.EmptyRoot,
            Timestamp = config.Timestamp,
            Author = config.Authority,
        };
        var block = new Block(header, []);
        _database.CommitBlock(0, header.Hash, block.Encode(), overlay.Changes, []);
        GenesisHash = header.Hash;
        Head = header;
    }

    private void Reopen(ulong head)
    {
        _store.Apply(_database.LoadState().Select(e => new KeyValuePair<byte[], byte[]?>(e.Key, e.Value)));
        Head = GetBlock(head)?.Header ?? throw new InvalidDataException($"The database names block {head} as its head but does not hold it.");
        GenesisHash = GetBlock(0)?.Hash ?? throw new InvalidDataException("The database holds no genesis block.");
        if (_store.Root != Head.StateRoot)
        {
            throw new InvalidDataException($"The stored state hashes to {_store.Root}, but head block {head} says {Head.StateRoot}: the database is corrupt.");
        }
    }

    /// <summary>The block at <paramref name="height"/>, or null.</summary>
    public Block? GetBlock(ulong height) => _database.GetBlock(height) is { } bytes ? Block.Decode(bytes) : null;

    /// <summary>Remembers that a transaction's signature was checked (by the mempool), so block execution skips it.</summary>
    public void MarkSignatureVerified(Hash32 transaction)
    {
        if (_verifiedSignatures.Count > 100_000)
        {
            _verifiedSignatures.Clear();
        }
        _verifiedSignatures.Add(transaction);
    }

    /// <summary>
    /// Builds, executes, seals and commits the next block from <paramref name="candidates"/> (in order; those not valid at
    /// their turn are dropped with a reason).
    /// </summary>
    public CommittedBlock Produce(IEnumerable<Extrinsic> candidates, ulong timestamp)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ulong height = Head.Height + 1;
        timestamp = Math.Max(timestamp, Head.Timestamp + 1);
        var overlay = new StateOverlay(_store);
        var state = new LedgerState(overlay);
        LedgerRuntime.InitializeBlock(state, height);
        var included = new List<Extrinsic>();
        var receipts = new List<Receipt>();
        var dropped = new List<(Extrinsic, string)>();
        int size = 0;
        foreach (Extrinsic extrinsic in candidates)
        {
            if (included.Count >= Block.MaxExtrinsics || size + extrinsic.Encoded.Length + 4 > Block.MaxSize - 4096)
            {
                break;
            }
            if (LedgerRuntime.CheckValidity(state, GenesisHash, extrinsic, _verifiedSignatures.Contains(extrinsic.Hash)) is { } reason)
            {
                dropped.Add((extrinsic, reason));
                continue;
            }
            receipts.Add(LedgerRuntime.Apply(overlay, state, GenesisHash, height, SealEngine.Author, extrinsic));
            included.Add(extrinsic);
            size += extrinsic.Encoded.Length + 4;
        }
        List<KeyValuePair<byte[], byte[]?>> previous = _store.Apply(overlay.Changes);
        try
        {
            BlockHeader header = SealEngine.Seal(new BlockHeader
            {
                Height = height,
                ParentHash = Head.Hash,
                StateRoot = _store.Root,
                ExtrinsicsRoot = Block.ComputeExtrinsicsRoot(included),
                Timestamp = timestamp,
                Author = SealEngine.Author,
            });
            var block = new Block(header, included);
            _database.CommitBlock(height, header.Hash, block.Encode(), overlay.Changes, receipts);
            Head = header;
            ForgetVerified(included);
            return new CommittedBlock(block, receipts, dropped);
        }
        catch
        {
            _store.Apply(previous);
            throw;
        }
    }

    /// <summary>
    /// Checks a sealed block against the head (parent, height, time, seal, extrinsics root, every extrinsic's validity, state
    /// root) and commits it. Throws <see cref="BlockRejectedException"/> naming the first problem; the chain is unchanged then.
    /// </summary>
    public CommittedBlock Import(Block block, bool checkClock = true)
    {
        ArgumentNullException.ThrowIfNull(block);
        BlockHeader header = block.Header;
        if (header.Height != Head.Height + 1)
        {
            throw new BlockRejectedException($"block {header.Hash}: height {header.Height} does not follow the head {Head.Height}");
        }
        if (header.ParentHash != Head.Hash)
        {
            throw new BlockRejectedException($"block {header.Height}: parent {header.ParentHash} is not the head {Head.Hash}");
        }
        if (header.Timestamp <= Head.Timestamp)
        {
            throw new BlockRejectedException($"block {header.Height}: timestamp {header.Timestamp} is not after the parent's {Head.Timestamp}");
        }
        if (checkClock && header.Timestamp > (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + 30_000)
        {
            throw new BlockRejectedException($"block {header.Height}: timestamp {header.Timestamp} is more than 30 s in the future");
        }
        if (SealEngine.Verify(header) is { } sealError)
        {
            throw new BlockRejectedException($"block {header.Height}: {sealError}");
        }
        if (Block.ComputeExtrinsicsRoot(block.Extrinsics) != header.ExtrinsicsRoot)
        {
            throw new BlockRejectedException($"block {header.Height}: the extrinsics do not hash to the header's extrinsics root");
        }
        VerifySignatures(block);

        var overlay = new StateOverlay(_store);
        var state = new LedgerState(overlay);
        LedgerRuntime.InitializeBlock(state, header.Height);
        var receipts = new List<Receipt>(block.Extrinsics.Count);
        for (int i = 0; i < block.Extrinsics.Count; i++)
        {
            Extrinsic extrinsic = block.Extrinsics[i];
            if (LedgerRuntime.CheckValidity(state, GenesisHash, extrinsic, signatureChecked: true) is { } reason)
            {
                throw new BlockRejectedException($"block {header.Height}: extrinsic {i} ({extrinsic.Hash}) is invalid: {reason}");
            }
            receipts.Add(LedgerRuntime.Apply(overlay, state, GenesisHash, header.Height, header.Author, extrinsic));
        }
        List<KeyValuePair<byte[], byte[]?>> previous = _store.Apply(overlay.Changes);
        try
        {
            if (_store.Root != header.StateRoot)
            {
                throw new BlockRejectedException($"block {header.Height}: executing it gives state root {_store.Root}, the header says {header.StateRoot}");
            }
            _database.CommitBlock(header.Height, header.Hash, block.Encode(), overlay.Changes, receipts);
        }
        catch
        {
            _store.Apply(previous);
            throw;
        }
        Head = header;
        ForgetVerified(block.Extrinsics);
        return new CommittedBlock(block, receipts, []);
    }

    private void VerifySignatures(Block block)
    {
        var errors = new string?[block.Extrinsics.Count];
        Parallel.For(0, block.Extrinsics.Count, i =>
        {
            Extrinsic extrinsic = block.Extrinsics[i];
            bool known;
            lock (_verifiedSignatures)
            {
                known = _verifiedSignatures.Contains(extrinsic.Hash);
            }
            errors[i] = known ? null : extrinsic.VerifySignature();
        });
        for (int i = 0; i < errors.Length; i++)
        {
            if (errors[i] is { } error)
            {
                throw new BlockRejectedException($"block {block.Header.Height}: extrinsic {i} ({block.Extrinsics[i].Hash}): {error}");
            }
        }
    }

    private void ForgetVerified(IEnumerable<Extrinsic> extrinsics)
    {
        foreach (Extrinsic extrinsic in extrinsics)
        {
            _verifiedSignatures.Remove(extrinsic.Hash);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _database.Dispose();

    private sealed class ReadOnlyStateAccess(StateStore store) : IStateAccess
    {
        public byte[]? Read(byte[] key) => store.Get(key);

        public void Write(byte[] key, byte[]? value) => throw new InvalidOperationException("The committed state is read-only; changes go through blocks.");

        public IEnumerable<KeyValuePair<byte[], byte[]>> Scan(byte[] prefix) => store.Scan(prefix);
    }
}
