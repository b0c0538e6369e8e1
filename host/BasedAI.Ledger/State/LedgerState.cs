using System.Buffers.Binary;
using BasedAI.Crypto;
using BasedAI.Ledger.Codec;
using BasedAI.Ledger.Yuma;

namespace BasedAI.Ledger.State;

/// <summary>
/// Typed view of the key-value state. Keys are a one-byte prefix then fixed-width big-endian fields:
/// 0x00 globals, 0x01 account, 0x02 Pepecoin balance, 0x10 Brain, 0x20 neuron (brain, uid), 0x21 UID by (brain, computekey),
/// 0x22 weights row, 0x23 bonds row, 0x30 stake pool (brain, computekey), 0x33 computekey owner, 0x40 proposal.
/// </summary>
public sealed class LedgerState(IStateAccess access)
{
    private const byte Global = 0x00, Account = 0x01, Pepe = 0x02, Brain = 0x10, Neuron = 0x20, UidIndex = 0x21,
        WeightsRow = 0x22, BondsRow = 0x23, Pool = 0x30, ComputekeyOwner = 0x33, Proposal = 0x40;

    /// <summary>The underlying key-value access.</summary>
    public IStateAccess Access { get; } = access;

    // ---- globals -----------------------------------------------------------------------------------------------------------

    /// <summary>The chain parameters written at genesis.</summary>
    public ChainParameters Parameters
    {
        get
        {
            byte[] bytes = Access.Read(GlobalKey("params")) ?? throw new InvalidOperationException("The state has no chain parameters (not initialized by a genesis).");
            var reader = new LedgerReader(bytes, "chain parameters");
            ChainParameters parameters = ChainParameters.Decode(ref reader);
            reader.End();
            return parameters;
        }
        set
        {
            var writer = new LedgerWriter(256);
            value.Encode(writer);
            Access.Write(GlobalKey("params"), writer.ToArray());
        }
    }

    /// <summary>All BASED in existence (balances + stake + pending emission), rao.</summary>
    public ulong TotalIssuance { get => GetU64(GlobalKey("issuance")); set => SetU64(GlobalKey("issuance"), value); }

    /// <summary>Total stake on all Brains, rao.</summary>
    public ulong TotalStake { get => GetU64(GlobalKey("total_stake")); set => SetU64(GlobalKey("total_stake"), value); }

    /// <summary>Brains ever acquired by burn (sets the burn price).</summary>
    public ulong BrainsBurned { get => GetU64(GlobalKey("brains_burned")); set => SetU64(GlobalKey("brains_burned"), value); }

    /// <summary>Active Brains.</summary>
    public ulong BrainCount { get => GetU64(GlobalKey("brain_count")); set => SetU64(GlobalKey("brain_count"), value); }

    /// <summary>Next proposal number.</summary>
    public uint NextProposal { get => (uint)GetU64(GlobalKey("next_proposal")); set => SetU64(GlobalKey("next_proposal"), value); }

    /// <summary>Ids of active Brains, ascending.</summary>
    public IReadOnlyList<ushort> BrainIds
    {
        get
        {
            byte[]? bytes = Access.Read(GlobalKey("brain_ids"));
            if (bytes is null)
            {
                return [];
            }
            var ids = new ushort[bytes.Length / 2];
            for (int i = 0; i < ids.Length; i++)
            {
                ids[i] = BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(i * 2));
            }
            return ids;
        }
        set
        {
            var bytes = new byte[value.Count * 2];
            for (int i = 0; i < value.Count; i++)
            {
                BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(i * 2), value[i]);
            }
            Access.Write(GlobalKey("brain_ids"), bytes.Length == 0 ? null : bytes);
        }
    }

    /// <summary>The chain's name, fixed at genesis.</summary>
    public string ChainName
    {
        get => Access.Read(GlobalKey("chain_name")) is { } bytes ? System.Text.Encoding.UTF8.GetString(bytes) : "";
        set => Access.Write(GlobalKey("chain_name"), System.Text.Encoding.UTF8.GetBytes(value));
    }

    /// <summary>Ids of open proposals.</summary>
    public IReadOnlyList<uint> OpenProposals
    {
        get
        {
            byte[]? bytes = Access.Read(GlobalKey("open_proposals"));
            if (bytes is null)
            {
                return [];
            }
            var ids = new uint[bytes.Length / 4];
            for (int i = 0; i < ids.Length; i++)
            {
                ids[i] = BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(i * 4));
            }
            return ids;
        }
        set
        {
            var bytes = new byte[value.Count * 4];
            for (int i = 0; i < value.Count; i++)
            {
                BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(i * 4), value[i]);
            }
            Access.Write(GlobalKey("open_proposals"), bytes.Length == 0 ? null : bytes);
        }
    }

    // ---- accounts ----------------------------------------------------------------------------------------------------------

    /// <summary>Balance and nonce of an account (zero when it never existed).</summary>
    public AccountRecord GetAccount(EthereumAddress address)
    {
        byte[]? bytes = Access.Read(AddressKey(Account, address));
        return bytes is null ? default : new AccountRecord(BinaryPrimitives.ReadUInt64BigEndian(bytes), BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(8)));
    }

    /// <summary>Writes an account (an empty account with nonce 0 is deleted).</summary>
    public void SetAccount(EthereumAddress address, AccountRecord account)
    {
        if (account.Balance == 0 && account.Nonce == 0)
        {
            Access.Write(AddressKey(Account, address), null);
            return;
        }
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, account.Balance);
        BinaryPrimitives.WriteUInt64BigEndian(bytes.AsSpan(8), account.Nonce);
        Access.Write(AddressKey(Account, address), bytes);
    }

    /// <summary>All accounts with a balance or nonce.</summary>
    public IEnumerable<(EthereumAddress Address, AccountRecord Account)> Accounts() =>
        Access.Scan([Account]).Select(e => (new EthereumAddress(e.Key.AsSpan(1)),
            new AccountRecord(BinaryPrimitives.ReadUInt64BigEndian(e.Value), BinaryPrimitives.ReadUInt64BigEndian(e.Value.AsSpan(8)))));

    /// <summary>Pepecoin held in the dev bridge ledger.</summary>
    public ulong GetPepecoin(EthereumAddress address) => GetU64(AddressKey(Pepe, address));

    /// <summary>Sets a Pepecoin balance.</summary>
    public void SetPepecoin(EthereumAddress address, ulong amount) => SetU64(AddressKey(Pepe, address), amount);

    // ---- brains ------------------------------------------------------------------------------------------------------------

    /// <summary>A Brain, or null when the id is free.</summary>
    public BrainRecord? GetBrain(ushort id) => Access.Read(BrainKey(id)) is { } bytes ? BrainRecord.Decode(bytes) : null;

    /// <summary>Writes a Brain (null deletes it).</summary>
    public void SetBrain(ushort id, BrainRecord? brain) => Access.Write(BrainKey(id), brain?.Encode());

    /// <summary>Active Brains in id order.</summary>
    public IEnumerable<BrainRecord> Brains() => BrainIds.Select(id => GetBrain(id)!);

    /// <summary>A UID's record.</summary>
    public NeuronRecord? GetNeuron(ushort brain, ushort uid) => Access.Read(BrainUidKey(Neuron, brain, uid)) is { } bytes ? NeuronRecord.Decode(bytes) : null;

    /// <summary>Writes a UID's record.</summary>
    public void SetNeuron(ushort brain, ushort uid, NeuronRecord? neuron) => Access.Write(BrainUidKey(Neuron, brain, uid), neuron?.Encode());

    /// <summary>The UID of a computekey on a Brain, or null.</summary>
    public ushort? GetUid(ushort brain, EthereumAddress computekey) =>
        Access.Read(BrainAddressKey(UidIndex, brain, computekey)) is { } bytes ? BinaryPrimitives.ReadUInt16BigEndian(bytes) : null;

    /// <summary>Sets (or clears) the UID of a computekey on a Brain.</summary>
    public void SetUid(ushort brain, EthereumAddress computekey, ushort? uid)
    {
        byte[]? bytes = null;
        if (uid is { } value)
        {
            bytes = new byte[2];
            BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        }
        Access.Write(BrainAddressKey(UidIndex, brain, computekey), bytes);
    }

    /// <summary>A stored weights row.</summary>
    public WeightEntry[] GetWeights(ushort brain, ushort uid) => DecodeRow(Access.Read(BrainUidKey(WeightsRow, brain, uid)));

    /// <summary>Stores a weights row (empty deletes).</summary>
    public void SetWeights(ushort brain, ushort uid, WeightEntry[] row) => Access.Write(BrainUidKey(WeightsRow, brain, uid), EncodeRow(row));

    /// <summary>A stored bonds row.</summary>
    public WeightEntry[] GetBonds(ushort brain, ushort uid) => DecodeRow(Access.Read(BrainUidKey(BondsRow, brain, uid)));

    /// <summary>Stores a bonds row (empty deletes).</summary>
    public void SetBonds(ushort brain, ushort uid, WeightEntry[] row) => Access.Write(BrainUidKey(BondsRow, brain, uid), EncodeRow(row));

    // ---- stake -------------------------------------------------------------------------------------------------------------

    /// <summary>The stake pool of a computekey on a Brain, or null.</summary>
    public StakePool? GetPool(ushort brain, EthereumAddress computekey) =>
        Access.Read(BrainAddressKey(Pool, brain, computekey)) is { } bytes ? StakePool.Decode(bytes) : null;

    /// <summary>Writes a pool (null deletes).</summary>
    public void SetPool(ushort brain, EthereumAddress computekey, StakePool? pool) => Access.Write(BrainAddressKey(Pool, brain, computekey), pool?.Encode());

    /// <summary>Every pool (for queries).</summary>
    public IEnumerable<(ushort Brain, EthereumAddress Computekey, StakePool Pool)> Pools() =>
        Access.Scan([Pool]).Select(e => (BinaryPrimitives.ReadUInt16BigEndian(e.Key.AsSpan(1)), new EthereumAddress(e.Key.AsSpan(3)), StakePool.Decode(e.Value)));

    /// <summary>The personalkey that owns a computekey, or null when it never registered.</summary>
    public EthereumAddress? GetComputekeyOwner(EthereumAddress computekey) =>
        Access.Read(AddressKey(ComputekeyOwner, computekey)) is { } bytes ? new EthereumAddress(bytes) : null;

    /// <summary>Records the owner of a computekey.</summary>
    public void SetComputekeyOwner(EthereumAddress computekey, EthereumAddress owner) => Access.Write(AddressKey(ComputekeyOwner, computekey), owner.Bytes.ToArray());

    // ---- governance --------------------------------------------------------------------------------------------------------

    /// <summary>A proposal, or null.</summary>
    public ProposalRecord? GetProposal(uint id) => Access.Read(ProposalKey(id)) is { } bytes ? ProposalRecord.Decode(bytes) : null;

    /// <summary>Writes a proposal.</summary>
    public void SetProposal(ProposalRecord proposal)
    {
        ArgumentNullException.ThrowIfNull(proposal);
        Access.Write(ProposalKey(proposal.Id), proposal.Encode());
    }

    /// <summary>Every proposal in id order.</summary>
    public IEnumerable<ProposalRecord> Proposals() => Access.Scan([Proposal]).Select(e => ProposalRecord.Decode(e.Value));

    // ---- encoding helpers --------------------------------------------------------------------------------------------------

    private ulong GetU64(byte[] key) => Access.Read(key) is { } bytes ? BinaryPrimitives.ReadUInt64BigEndian(bytes) : 0;

    private void SetU64(byte[] key, ulong value)
    {
        if (value == 0)
        {
            Access.Write(key, null);
            return;
        }
        var bytes = new byte[8];
        BinaryPrimitives.WriteUInt64BigEndian(bytes, value);
        Access.Write(key, bytes);
    }

    private static byte[] GlobalKey(string name)
    {
        var key = new byte[1 + name.Length];
        key[0] = Global;
        System.Text.Encoding.ASCII.GetBytes(name, key.AsSpan(1));
        return key;
    }

    private static byte[] AddressKey(byte prefix, EthereumAddress address)
    {
        var key = new byte[21];
        key[0] = prefix;
        address.Bytes.CopyTo(key.AsSpan(1));
        return key;
    }

    private static byte[] BrainKey(ushort id)
    {
        var key = new byte[3];
        key[0] = Brain;
        BinaryPrimitives.WriteUInt16BigEndian(key.AsSpan(1), id);
        return key;
    }

    private static byte[] BrainUidKey(byte prefix, ushort brain, ushort uid)
    {
        var key = new byte[5];
        key[0] = prefix;
        BinaryPrimitives.WriteUInt16BigEndian(key.AsSpan(1), brain);
        BinaryPrimitives.WriteUInt16BigEndian(key.AsSpan(3), uid);
        return key;
    }

    private static byte[] BrainAddressKey(byte prefix, ushort brain, EthereumAddress address)
    {
        var key = new byte[23];
        key[0] = prefix;
        BinaryPrimitives.WriteUInt16BigEndian(key.AsSpan(1), brain);
        address.Bytes.CopyTo(key.AsSpan(3));
        return key;
    }

    private static byte[] ProposalKey(uint id)
    {
        var key = new byte[5];
        key[0] = Proposal;
        BinaryPrimitives.WriteUInt32BigEndian(key.AsSpan(1), id);
        return key;
    }

    private static byte[]? EncodeRow(WeightEntry[] row)
    {
        if (row.Length == 0)
        {
            return null;
        }
        var bytes = new byte[row.Length * 4];
        for (int i = 0; i < row.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(i * 4), row[i].Uid);
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(i * 4 + 2), row[i].Value);
        }
        return bytes;
    }

    private static WeightEntry[] DecodeRow(byte[]? bytes)
    {
        if (bytes is null)
        {
            return [];
        }
        var row = new WeightEntry[bytes.Length / 4];
        for (int i = 0; i < row.Length; i++)
        {
            row[i] = new WeightEntry(BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(i * 4)), BinaryPrimitives.ReadUInt16BigEndian(bytes.AsSpan(i * 4 + 2)));
        }
        return row;
    }
}
