using BasedAI.Crypto;
using BasedAI.Ledger.Chain;
using BasedAI.Ledger.Codec;
using BasedAI.Ledger.Runtime;
using BasedAI.Ledger.State;
using BasedAI.Ledger.Storage;

namespace BasedAI.Ledger.Tests;

/// <summary>An in-memory chain with deterministic keys for runtime tests.</summary>
internal sealed class TestChain : IDisposable
{
    public static readonly byte[] AuthorityKey = KeyOf(1000);

    public TestChain(ChainParameters? parameters = null, int accounts = 8, ulong based = 1_000_000 * Units.RaoPerBased, ulong pepecoin = 1_000_000 * Units.UnitsPerPepecoin)
    {
        Keys = Enumerable.Range(1, accounts).Select(KeyOf).ToArray();
        Genesis = new GenesisConfig
        {
            Authority = EthereumAddress.FromPrivateKey(AuthorityKey),
            Timestamp = 1_700_000_000_000,
            Endowments = Keys.Select(k => (EthereumAddress.FromPrivateKey(k), based, pepecoin)).ToArray(),
            Parameters = parameters ?? new ChainParameters(),
        };
        Chain = LedgerChain.Open(LedgerDatabase.OpenInMemory(), Genesis, new SingleAuthoritySeal(AuthorityKey));
    }

    public byte[][] Keys { get; }

    public GenesisConfig Genesis { get; }

    public LedgerChain Chain { get; }

    public LedgerState State => Chain.State;

    public static byte[] KeyOf(int index)
    {
        var key = new byte[32];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(key.AsSpan(28), index);
        key[0] = 0x42;
        return key;
    }

    public static EthereumAddress Address(byte[] key) => EthereumAddress.FromPrivateKey(key);

    public EthereumAddress Address(int account) => Address(Keys[account]);

    public Extrinsic Sign(byte[] key, ExtrinsicCall call, ulong? nonce = null, ulong? fee = null)
    {
        ulong n = nonce ?? State.GetAccount(Address(key)).Nonce;
        Extrinsic draft = Extrinsic.Sign(Chain.GenesisHash, n, 0, call, key);
        ulong minimum = State.Parameters.MinimumFee(call, draft.Encoded.Length);
        return Extrinsic.Sign(Chain.GenesisHash, n, fee ?? minimum, call, key);
    }

    public CommittedBlock Produce(params Extrinsic[] extrinsics) => Chain.Produce(extrinsics, Chain.Head.Timestamp + 10_000);

    /// <summary>Produces a block with one call and returns its receipt (throws when the extrinsic was dropped).</summary>
    public Receipt Submit(byte[] key, ExtrinsicCall call)
    {
        CommittedBlock block = Produce(Sign(key, call));
        return block.Dropped.Count > 0 ? throw new InvalidOperationException(block.Dropped[0].Reason) : block.Receipts.Single();
    }

    public void Succeed(byte[] key, ExtrinsicCall call)
    {
        Receipt receipt = Submit(key, call);
        Assert.True(receipt.Success, receipt.Error);
    }

    public string Fail(byte[] key, ExtrinsicCall call)
    {
        Receipt receipt = Submit(key, call);
        Assert.False(receipt.Success);
        return receipt.Error!;
    }

    public void AdvanceTo(ulong height)
    {
        while (Chain.Head.Height < height)
        {
            Produce();
        }
    }

    public MemorizeCall Memorize(ushort brain, byte[] personalkey, byte[] computekey, NodeRole role) =>
        new(brain, Address(computekey), role, Secp256k1.SignRecoverable(
            MemorizeCall.ProofMessage(Chain.GenesisHash, brain, Address(personalkey), Address(computekey)).ToArray(), computekey));

    /// <summary>Replays every committed block into a fresh in-memory chain and returns its state root.</summary>
    public Hash32 Replay()
    {
        using LedgerChain replay = LedgerChain.Open(LedgerDatabase.OpenInMemory(), Genesis, new SingleAuthoritySeal(Address(AuthorityKey)));
        for (ulong h = 1; h <= Chain.Head.Height; h++)
        {
            replay.Import(Chain.GetBlock(h)!, checkClock: false);
        }
        return replay.StateRoot;
    }

    public void Dispose() => Chain.Dispose();
}
