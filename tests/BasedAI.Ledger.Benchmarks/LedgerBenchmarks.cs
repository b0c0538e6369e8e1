using BasedAI.Crypto;
using BasedAI.Ledger.Chain;
using BasedAI.Ledger.Node;
using BasedAI.Ledger.Runtime;
using BasedAI.Ledger.State;
using BasedAI.Ledger.Storage;
using BasedAI.Ledger.Yuma;
using BenchmarkDotNet.Attributes;

namespace BasedAI.Ledger.Benchmarks;

/// <summary>One epoch of a full Brain: 2,048 UIDs, 256 validators each weighting all 1,792 miners, bonds from a prior epoch.</summary>
[MemoryDiagnoser]
public class YumaEpochBenchmark
{
    private YumaEpochInput _input = null!;

    /// <summary>The epoch's input (after <see cref="Setup"/>).</summary>
    public YumaEpochInput Input => _input;

    [GlobalSetup]
    public void Setup()
    {
        const int n = 2048, validators = 256;
        var random = new Random(42);
        var weights = new WeightEntry[]?[n];
        for (int v = 0; v < validators; v++)
        {
            weights[v] = Enumerable.Range(validators, n - validators).Select(m => new WeightEntry((ushort)m, (ushort)random.Next(1, 65536))).ToArray();
        }
        var first = new YumaEpochInput
        {
            N = n,
            Stake = Enumerable.Range(0, n).Select(i => i < validators ? (ulong)random.Next(1, 1_000_000) * 1_000_000_000 : 0UL).ToArray(),
            Weights = weights,
            Bonds = new WeightEntry[]?[n],
            LastUpdate = Enumerable.Repeat(10UL, n).ToArray(),
            BlockAtRegistration = new ulong[n],
            ValidatorPermit = Enumerable.Range(0, n).Select(i => i < validators).ToArray(),
            CurrentBlock = 100,
            RaoEmission = 100 * 10_000_000_000UL,
        };
        YumaEpochResult warm = YumaEpoch.Run(first);
        _input = new YumaEpochInput
        {
            N = n, Stake = first.Stake, Weights = weights, Bonds = warm.Bonds, LastUpdate = first.LastUpdate,
            BlockAtRegistration = first.BlockAtRegistration, ValidatorPermit = warm.NewValidatorPermit, CurrentBlock = 200, RaoEmission = first.RaoEmission,
        };
    }

    [Benchmark(Description = "Yuma epoch, 2048 UIDs (256 validators x 1792 miners)")]
    public YumaEpochResult FullBrainEpoch() => YumaEpoch.Run(_input);
}

/// <summary>Importing a sealed block of 1,000 signed transfers (signature checks, execution, state root, SQLite commit).</summary>
[MemoryDiagnoser]
public class BlockImportBenchmark
{
    private GenesisConfig _genesis = null!;
    private EthereumAddress _authority;
    private Block _block = null!;
    private LedgerChain _chain = null!;

    [GlobalSetup]
    public void Setup()
    {
        byte[][] keys = Enumerable.Range(1, 100).Select(i =>
        {
            var key = new byte[32];
            key[0] = 7;
            key[31] = (byte)i;
            return key;
        }).ToArray();
        byte[] authorityKey = DevGenesis.AccountKey(100);
        _authority = EthereumAddress.FromPrivateKey(authorityKey);
        _genesis = new GenesisConfig
        {
            Authority = _authority,
            Timestamp = 1_700_000_000_000,
            Endowments = keys.Select(k => (EthereumAddress.FromPrivateKey(k), 1_000_000 * Units.RaoPerBased, 0UL)).ToArray(),
        };
        using LedgerChain producer = LedgerChain.Open(LedgerDatabase.OpenInMemory(), _genesis, new SingleAuthoritySeal(authorityKey));
        var transfers = new List<Extrinsic>();
        for (int i = 0; i < 1000; i++)
        {
            byte[] key = keys[i % keys.Length];
            var call = new TransferCall(EthereumAddress.FromPrivateKey(keys[(i + 1) % keys.Length]), 1_000 + (ulong)i);
            transfers.Add(Extrinsic.Sign(producer.GenesisHash, (ulong)(i / keys.Length), 2_000_000, call, key));
        }
        _block = producer.Produce(transfers, 1_700_000_010_000).Block;
        if (_block.Extrinsics.Count != 1000)
        {
            throw new InvalidOperationException($"the block holds {_block.Extrinsics.Count} transfers, not 1000");
        }
    }

    [IterationSetup]
    public void FreshChain() => _chain = LedgerChain.Open(LedgerDatabase.OpenInMemory(), _genesis, new SingleAuthoritySeal(_authority));

    [IterationCleanup]
    public void Close() => _chain.Dispose();

    [Benchmark(Description = "Import a block of 1000 transfers")]
    public CommittedBlock Import() => _chain.Import(_block, checkClock: false);
}
