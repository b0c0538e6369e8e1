using BasedAI.Crypto;
using BasedAI.Ledger.Chain;
using BasedAI.Ledger.Codec;
using BasedAI.Ledger.Runtime;
using BasedAI.Ledger.State;
using BasedAI.Ledger.Storage;

namespace BasedAI.Ledger.Node;

/// <summary>When the dev producer seals blocks.</summary>
public enum BlockProduction
{
    /// <summary>Every <see cref="LedgerNodeOptions.BlockTime"/>, empty or not (10 s by default).</summary>
    Interval,

    /// <summary>As soon as extrinsics are pending.</summary>
    Instant,

    /// <summary>Only when asked (<c>dev_produceBlock</c>), for tests.</summary>
    Manual,

    /// <summary>Never: this node holds no authority key and takes blocks from the network (<see cref="LedgerNode.Import"/>).</summary>
    Follow,
}

/// <summary>How a node runs.</summary>
public sealed record LedgerNodeOptions
{
    /// <summary>Folder holding <c>ledger.db</c>.</summary>
    public required string DataDirectory { get; init; }

    /// <summary>Genesis used when the database is new.</summary>
    public required GenesisConfig Genesis { get; init; }

    /// <summary>Key of the dev authority (seals blocks); ignored when <see cref="SealEngine"/> is set.</summary>
    public byte[]? AuthorityKey { get; init; }

    /// <summary>
    /// The consensus engine; null means a <see cref="SingleAuthoritySeal"/> over <see cref="AuthorityKey"/>. A follower passes
    /// a verify-only engine (<c>new SingleAuthoritySeal(authorityAddress)</c>).
    /// </summary>
    public ISealEngine? SealEngine { get; init; }

    /// <summary>Production mode.</summary>
    public BlockProduction Production { get; init; } = BlockProduction.Interval;

    /// <summary>Block time for <see cref="BlockProduction.Interval"/>.</summary>
    public TimeSpan BlockTime { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Loopback port of the JSON-RPC server (0 = any free port); null runs no server.</summary>
    public int? RpcPort { get; init; } = 9944;
}

/// <summary>The dev chain's well-known keys: a published mnemonic, so they are for development only.</summary>
public static class DevGenesis
{
    /// <summary>The dev mnemonic (the one Hardhat and Anvil publish).</summary>
    public const string Mnemonic = "test test test test test test test test test test test junk";

    /// <summary>Derivation path of dev account <paramref name="index"/>.</summary>
    public static string AccountPath(int index) => $"m/44'/60'/0'/0/{index}";

    /// <summary>Private key of dev account <paramref name="index"/> (0 to 3 are endowed; 100 is the authority).</summary>
    public static byte[] AccountKey(int index) => WalletStore.DerivePrivateKey(Mnemonic, "", AccountPath(index));

    /// <summary>
    /// The dev genesis: accounts 0 to 3 hold 1,000,000 BASED and 1,000,000 Pepecoin each, account 100 seals, plus any extra
    /// endowments. The timestamp is fixed so that every dev node computes the same genesis hash.
    /// </summary>
    public static (GenesisConfig Genesis, byte[] AuthorityKey) Create(IEnumerable<(EthereumAddress, ulong, ulong)>? extra = null, ChainParameters? parameters = null)
    {
        byte[] authority = AccountKey(100);
        var endowments = Enumerable.Range(0, 4)
            .Select(i => (EthereumAddress.FromPrivateKey(AccountKey(i)), 1_000_000 * Units.RaoPerBased, 1_000_000 * Units.UnitsPerPepecoin))
            .Concat(extra ?? [])
            .ToArray();
        return (new GenesisConfig
        {
            ChainName = "basedai-dev",
            Timestamp = 1_704_067_200_000, // 2024-01-01T00:00:00Z
            Authority = EthereumAddress.FromPrivateKey(authority),
            Endowments = endowments,
            Parameters = parameters ?? new ChainParameters(),
        }, authority);
    }
}

/// <summary>
/// A dev node: the chain in SQLite, a mempool, a block producer, and (optionally) the JSON-RPC server on 127.0.0.1.
/// Every operation takes one lock, so RPC queries always see a committed block.
/// </summary>
public sealed class LedgerNode : IAsyncDisposable
{
    private readonly object _sync = new();
    private readonly LedgerChain _chain;
    private readonly Mempool _pool = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _wake = new(0);
    private Task? _producer;
    private RpcServer? _rpc;

    private LedgerNode(LedgerNodeOptions options, LedgerChain chain)
    {
        Options = options;
        _chain = chain;
    }

    /// <summary>The options the node runs with.</summary>
    public LedgerNodeOptions Options { get; }

    /// <summary>The JSON-RPC address, when a server runs.</summary>
    public Uri? RpcEndpoint => _rpc?.Endpoint;

    /// <summary>Raised after each committed block, produced or imported (on the producer's or the importer's thread).</summary>
    public event Action<CommittedBlock>? BlockCommitted;

    /// <summary>Raised after <see cref="Submit"/> queued an extrinsic (so a network layer can relay it).</summary>
    public event Action<Extrinsic>? ExtrinsicAccepted;

    /// <summary>Opens the database (creating the genesis or reopening at the last committed block), starts production and RPC.</summary>
    public static async Task<LedgerNode> StartAsync(LedgerNodeOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(options.DataDirectory);
        LedgerDatabase database = LedgerDatabase.Open(Path.Combine(options.DataDirectory, "ledger.db"));
        LedgerChain chain;
        try
        {
            ISealEngine seal = options.SealEngine
                ?? (options.AuthorityKey is { } key ? new SingleAuthoritySeal(key) : throw new ArgumentException("give an AuthorityKey or a SealEngine", nameof(options)));
            chain = LedgerChain.Open(database, options.Genesis, seal);
        }
        catch
        {
            database.Dispose();
            throw;
        }
        var node = new LedgerNode(options, chain);
        if (options.RpcPort is { } port)
        {
            node._rpc = await RpcServer.StartAsync(node, port, cancellationToken);
        }
        if (options.Production is BlockProduction.Interval or BlockProduction.Instant)
        {
            node._producer = Task.Run(node.ProduceLoopAsync, CancellationToken.None);
        }
        return node;
    }

    /// <summary>Runs <paramref name="read"/> against the committed chain under the node's lock.</summary>
    public T Read<T>(Func<LedgerChain, T> read)
    {
        ArgumentNullException.ThrowIfNull(read);
        lock (_sync)
        {
            return read(_chain);
        }
    }

    /// <summary>Number of pending extrinsics.</summary>
    public int PendingCount
    {
        get
        {
            lock (_sync)
            {
                return _pool.Count;
            }
        }
    }

    /// <summary>True when a transaction is waiting in the pool.</summary>
    public bool IsPending(Hash32 hash)
    {
        lock (_sync)
        {
            return _pool.Contains(hash);
        }
    }

    /// <summary>
    /// Checks an encoded extrinsic against the head state and queues it. Throws <see cref="FormatException"/> for malformed
    /// bytes and <see cref="BlockRejectedException"/> with the reason when it can never be included (chain, signature,
    /// replay, fee, balance).
    /// </summary>
    public Hash32 Submit(ReadOnlySpan<byte> encoded)
    {
        Extrinsic extrinsic = Extrinsic.Decode(encoded);
        if (extrinsic.VerifySignature() is { } signatureError)
        {
            throw new BlockRejectedException(signatureError);
        }
        lock (_sync)
        {
            if (_chain.Database.GetTransaction(extrinsic.Hash) is { } location)
            {
                throw new BlockRejectedException($"extrinsic {extrinsic.Hash} is already included in block {location.Height}");
            }
            LedgerState state = _chain.State;
            if (extrinsic.Genesis != _chain.GenesisHash)
            {
                throw new BlockRejectedException($"extrinsic is for another chain (genesis {extrinsic.Genesis}, this chain is {_chain.GenesisHash})");
            }
            AccountRecord account = state.GetAccount(extrinsic.Sender);
            if (extrinsic.Nonce < account.Nonce)
            {
                throw new BlockRejectedException($"nonce {extrinsic.Nonce} was already used (the account's next nonce is {account.Nonce}): a replay");
            }
            if (extrinsic.Nonce > account.Nonce + 1_000)
            {
                throw new BlockRejectedException($"nonce {extrinsic.Nonce} is too far ahead of the account's next nonce {account.Nonce}");
            }
            ulong minimum = state.Parameters.MinimumFee(extrinsic.Call, extrinsic.Encoded.Length);
            if (extrinsic.Fee < minimum)
            {
                throw new BlockRejectedException($"fee {extrinsic.Fee} rao is below the minimum {minimum} rao for this extrinsic");
            }
            if (account.Balance < extrinsic.Fee)
            {
                throw new BlockRejectedException($"balance {account.Balance} rao cannot pay the fee {extrinsic.Fee} rao");
            }
            try
            {
                _pool.Add(extrinsic);
            }
            catch (InvalidOperationException e)
            {
                throw new BlockRejectedException(e.Message, e);
            }
            _chain.MarkSignatureVerified(extrinsic.Hash);
        }
        if (Options.Production == BlockProduction.Instant)
        {
            _wake.Release();
        }
        ExtrinsicAccepted?.Invoke(extrinsic);
        return extrinsic.Hash;
    }

    /// <summary>
    /// Checks a sealed block from elsewhere against the head and commits it (<see cref="LedgerChain.Import"/>), then drops the
    /// extrinsics it used from the pool. Throws <see cref="BlockRejectedException"/> naming the problem; the chain is unchanged then.
    /// </summary>
    public CommittedBlock Import(Block block)
    {
        ArgumentNullException.ThrowIfNull(block);
        CommittedBlock committed;
        lock (_sync)
        {
            committed = _chain.Import(block);
            _pool.Prune(_chain.State);
        }
        BlockCommitted?.Invoke(committed);
        return committed;
    }

    /// <summary>Seals a block now from the pending extrinsics.</summary>
    public CommittedBlock ProduceBlock()
    {
        CommittedBlock committed;
        lock (_sync)
        {
            if (!_chain.SealEngine.CanSeal)
            {
                throw new InvalidOperationException("this node holds no authority key: it follows the network and cannot seal blocks");
            }
            List<Extrinsic> candidates = _pool.Candidates(_chain.State);
            committed = _chain.Produce(candidates, (ulong)DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            foreach ((Extrinsic extrinsic, _) in committed.Dropped)
            {
                // Only drop what can never become valid; a future nonce may still fit after a gap fills.
                if (extrinsic.Nonce <= _chain.State.GetAccount(extrinsic.Sender).Nonce)
                {
                    _pool.Remove(extrinsic);
                }
            }
            _pool.Prune(_chain.State);
        }
        BlockCommitted?.Invoke(committed);
        return committed;
    }

    private async Task ProduceLoopAsync()
    {
        CancellationToken token = _stop.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                if (Options.Production == BlockProduction.Interval)
                {
                    await Task.Delay(Options.BlockTime, token);
                    ProduceBlock();
                }
                else
                {
                    await _wake.WaitAsync(token);
                    // Gather what arrives within a moment into one block.
                    await Task.Delay(TimeSpan.FromMilliseconds(5), token);
                    while (_wake.CurrentCount > 0)
                    {
                        await _wake.WaitAsync(token);
                    }
                    if (PendingCount > 0)
                    {
                        ProduceBlock();
                    }
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    /// <summary>Stops production and the RPC server and closes the database.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_producer is not null)
        {
            await _producer;
        }
        if (_rpc is not null)
        {
            await _rpc.DisposeAsync();
        }
        lock (_sync)
        {
            _chain.Dispose();
        }
        _stop.Dispose();
        _wake.Dispose();
    }
}
