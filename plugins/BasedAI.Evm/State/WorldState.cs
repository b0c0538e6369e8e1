using BasedAI.Evm.Numerics;
using BasedAI.Evm.Primitives;
using BasedAI.Evm.Rlp;
using BasedAI.Evm.Trie;

namespace BasedAI.Evm.State;

/// <summary>An account's storage slot, used as a key for warm slots and transient storage.</summary>
internal readonly record struct StorageCell(Address Address, UInt256 Key);

/// <summary>
/// The Ethereum world state: accounts, code and storage, with a journal so a call frame's changes can be reverted, the
/// per-transaction sets of EIP-2929 (warm addresses and slots), EIP-1153 (transient storage) and EIP-6780 (contracts created
/// in this transaction), and the secure Merkle Patricia Tries the state root is computed from.
/// Call <see cref="FinalizeTransaction"/> after every transaction; <see cref="StateRoot"/> folds changes into the tries.
/// </summary>
public sealed class WorldState
{
    private readonly Dictionary<Address, Account> _accounts;
    private readonly List<JournalEntry> _journal = [];
    private readonly HashSet<Address> _warmAddresses = [];
    private readonly HashSet<StorageCell> _warmSlots = [];
    private readonly Dictionary<StorageCell, UInt256> _transient = [];
    private readonly HashSet<Address> _createdInTransaction = [];
    private readonly HashSet<Address> _selfDestructed = [];
    private readonly HashSet<Address> _pendingTrieUpdates;
    private SecureTrie _stateTrie;

    /// <summary>Creates an empty state.</summary>
    public WorldState()
    {
        _accounts = [];
        _pendingTrieUpdates = [];
        _stateTrie = SecureTrie.Empty;
    }

    private WorldState(WorldState source)
    {
        if (source._journal.Count != 0)
        {
            throw new InvalidOperationException("Cannot copy a state in the middle of a transaction.");
        }
        _accounts = new Dictionary<Address, Account>(source._accounts.Count);
        foreach (var (address, account) in source._accounts)
        {
            _accounts[address] = account.Clone();
        }
        _pendingTrieUpdates = [.. source._pendingTrieUpdates];
        _stateTrie = source._stateTrie;
    }

    /// <summary>A deep copy (tries are persistent and shared). Only between transactions.</summary>
    public WorldState Clone() => new(this);

    // ------------------------------------------------------------------ reads

    /// <summary>True when the account exists (even if empty).</summary>
    public bool Exists(Address address) => _accounts.ContainsKey(address);

    /// <summary>True when the account does not exist or is empty (EIP-161 "dead").</summary>
    public bool IsDead(Address address) => !_accounts.TryGetValue(address, out Account? account) || account.IsEmpty;

    /// <summary>The balance (zero when absent).</summary>
    public UInt256 GetBalance(Address address) => _accounts.TryGetValue(address, out Account? account) ? account.Balance : default;

    /// <summary>The nonce (zero when absent).</summary>
    public ulong GetNonce(Address address) => _accounts.TryGetValue(address, out Account? account) ? account.Nonce : 0;

    /// <summary>The code (empty when absent).</summary>
    public byte[] GetCode(Address address) => _accounts.TryGetValue(address, out Account? account) ? account.Code : [];

    /// <summary>The code hash: keccak of the code, or zero for an absent account.</summary>
    public Hash256 GetCodeHash(Address address) => _accounts.TryGetValue(address, out Account? account) ? account.CodeHash : Hash256.Zero;

    /// <summary>The current value of a storage slot (zero when unset).</summary>
    public UInt256 GetStorage(Address address, in UInt256 key) =>
        _accounts.TryGetValue(address, out Account? account) && account.Storage.TryGetValue(key, out UInt256 value) ? value : default;

    /// <summary>The addresses of all accounts, in no particular order.</summary>
    public IEnumerable<Address> Addresses => _accounts.Keys;

    /// <summary>The non-zero storage slots of an account.</summary>
    public IEnumerable<KeyValuePair<UInt256, UInt256>> GetStorageEntries(Address address) =>
        _accounts.TryGetValue(address, out Account? account)
            ? account.Storage.Where(entry => !entry.Value.IsZero).ToList()
            : [];

    internal bool TryGetAccount(Address address, out Account account)
    {
        bool found = _accounts.TryGetValue(address, out Account? value);
        account = value!;
        return found;
    }

    // ------------------------------------------------------------------ direct setup (genesis, test pre-state)

    /// <summary>Creates or replaces an account outside any transaction (genesis allocations, test pre-states).</summary>
    public void SetAccount(Address address, ulong nonce, in UInt256 balance, byte[] code, IEnumerable<KeyValuePair<UInt256, UInt256>>? storage = null)
    {
        var account = new Account
        {
            Nonce = nonce,
            Balance = balance,
            Code = code,
            CodeHash = code.Length == 0 ? Hash256.EmptyKeccak : Hash256.Keccak(code),
            DirtySlots = [],
        };
        if (storage is not null)
        {
            foreach (var (key, value) in storage)
            {
                if (!value.IsZero)
                {
                    account.Storage[key] = value;
                    account.DirtySlots.Add(key);
                }
            }
        }
        _accounts[address] = account;
        _pendingTrieUpdates.Add(address);
    }

    /// <summary>Adds to a balance outside any transaction (block rewards, faucets), creating the account if needed.</summary>
    public void AddBalanceDirect(Address address, in UInt256 amount)
    {
        if (!_accounts.TryGetValue(address, out Account? account))
        {
            account = new Account();
            _accounts[address] = account;
        }
        account.Balance += amount;
        _pendingTrieUpdates.Add(address);
    }

    // ------------------------------------------------------------------ journaled mutations

    internal int Snapshot() => _journal.Count;

    internal void Revert(int snapshot)
    {
        for (int i = _journal.Count - 1; i >= snapshot; i--)
        {
            JournalEntry entry = _journal[i];
            switch (entry.Kind)
            {
                case JournalKind.Created:
                    _accounts.Remove(entry.Address);
                    break;
                case JournalKind.Balance:
                    _accounts[entry.Address].Balance = entry.Value;
                    break;
                case JournalKind.Nonce:
                    _accounts[entry.Address].Nonce = entry.Value.U0;
                    break;
                case JournalKind.Code:
                    Account coded = _accounts[entry.Address];
                    coded.Code = (byte[])entry.Object!;
                    coded.CodeHash = coded.Code.Length == 0 ? Hash256.EmptyKeccak : Hash256.Keccak(coded.Code);
                    break;
                case JournalKind.Storage:
                    Account stored = _accounts[entry.Address];
                    if (entry.Flag)
                    {
                        stored.Storage[entry.Key] = entry.Value;
                    }
                    else
                    {
                        stored.Storage.Remove(entry.Key);
                    }
                    break;
                case JournalKind.SelfDestruct:
                    _accounts[entry.Address].Balance = entry.Value;
                    if (!entry.Flag)
                    {
                        _selfDestructed.Remove(entry.Address);
                    }
                    break;
                case JournalKind.NewContract:
                    _createdInTransaction.Remove(entry.Address);
                    break;
                case JournalKind.WarmAddress:
                    _warmAddresses.Remove(entry.Address);
                    break;
                case JournalKind.WarmSlot:
                    _warmSlots.Remove(new StorageCell(entry.Address, entry.Key));
                    break;
                case JournalKind.Transient:
                    _transient[new StorageCell(entry.Address, entry.Key)] = entry.Value;
                    break;
                case JournalKind.Touch:
                    break;
            }
        }
        _journal.RemoveRange(snapshot, _journal.Count - snapshot);
    }

    /// <summary>Returns the account, creating an empty one (journaled) when absent.</summary>
    internal Account GetOrCreate(Address address)
    {
        if (!_accounts.TryGetValue(address, out Account? account))
        {
            account = new Account();
            _accounts[address] = account;
            _journal.Add(new JournalEntry(JournalKind.Created, address));
        }
        return account;
    }

    internal void AddBalance(Address address, in UInt256 amount)
    {
        Account account = GetOrCreate(address);
        if (amount.IsZero)
        {
            // EIP-161: a zero-value credit still touches the account so an empty one is cleared.
            _journal.Add(new JournalEntry(JournalKind.Touch, address));
            return;
        }
        _journal.Add(new JournalEntry(JournalKind.Balance, address) { Value = account.Balance });
        account.Balance += amount;
    }

    internal void SubtractBalance(Address address, in UInt256 amount)
    {
        if (amount.IsZero)
        {
            return;
        }
        Account account = GetOrCreate(address);
        _journal.Add(new JournalEntry(JournalKind.Balance, address) { Value = account.Balance });
        account.Balance -= amount;
    }

    internal void SetNonce(Address address, ulong nonce)
    {
        Account account = GetOrCreate(address);
        _journal.Add(new JournalEntry(JournalKind.Nonce, address) { Value = new UInt256(account.Nonce) });
        account.Nonce = nonce;
    }

    internal void SetCode(Address address, byte[] code)
    {
        Account account = GetOrCreate(address);
        _journal.Add(new JournalEntry(JournalKind.Code, address) { Object = account.Code });
        account.Code = code;
        account.CodeHash = code.Length == 0 ? Hash256.EmptyKeccak : Hash256.Keccak(code);
    }

    internal void SetStorage(Account account, Address address, in UInt256 key, in UInt256 value, in UInt256 current)
    {
        bool had = account.Storage.ContainsKey(key);
        _journal.Add(new JournalEntry(JournalKind.Storage, address) { Key = key, Value = current, Flag = had });
        account.Originals ??= [];
        account.Originals.TryAdd(key, current);
        account.Storage[key] = value;
    }

    internal void Touch(Address address)
    {
        GetOrCreate(address);
        _journal.Add(new JournalEntry(JournalKind.Touch, address));
    }

    /// <summary>Marks an account created (as a contract) in this transaction, for EIP-6780.</summary>
    internal void MarkCreatedInTransaction(Address address)
    {
        if (_createdInTransaction.Add(address))
        {
            _journal.Add(new JournalEntry(JournalKind.NewContract, address));
        }
    }

    internal bool IsCreatedInTransaction(Address address) => _createdInTransaction.Contains(address);

    /// <summary>Destroys an account at the end of the transaction, zeroing its balance now (EIP-6780: only same-transaction contracts).</summary>
    internal void SelfDestruct(Address address)
    {
        Account account = GetOrCreate(address);
        bool already = !_selfDestructed.Add(address);
        _journal.Add(new JournalEntry(JournalKind.SelfDestruct, address) { Value = account.Balance, Flag = already });
        account.Balance = default;
    }

    /// <summary>Warms an address; returns true when it was cold.</summary>
    internal bool WarmAddress(Address address)
    {
        if (!_warmAddresses.Add(address))
        {
            return false;
        }
        _journal.Add(new JournalEntry(JournalKind.WarmAddress, address));
        return true;
    }

    internal bool IsWarm(Address address) => _warmAddresses.Contains(address);

    /// <summary>Warms a storage slot; returns true when it was cold.</summary>
    internal bool WarmSlot(Address address, in UInt256 key)
    {
        if (!_warmSlots.Add(new StorageCell(address, key)))
        {
            return false;
        }
        _journal.Add(new JournalEntry(JournalKind.WarmSlot, address) { Key = key });
        return true;
    }

    internal UInt256 GetTransient(Address address, in UInt256 key) =>
        _transient.TryGetValue(new StorageCell(address, key), out UInt256 value) ? value : default;

    internal void SetTransient(Address address, in UInt256 key, in UInt256 value)
    {
        var cell = new StorageCell(address, key);
        _transient.TryGetValue(cell, out UInt256 previous);
        _journal.Add(new JournalEntry(JournalKind.Transient, address) { Key = key, Value = previous });
        _transient[cell] = value;
    }

    // ------------------------------------------------------------------ transaction and block boundaries

    /// <summary>
    /// Ends a transaction: destroys self-destructed accounts, deletes touched empty accounts (EIP-161), settles storage,
    /// and clears the journal and the per-transaction sets.
    /// </summary>
    public void FinalizeTransaction()
    {
        foreach (JournalEntry entry in _journal)
        {
            if (entry.Kind is JournalKind.WarmAddress or JournalKind.WarmSlot or JournalKind.Transient)
            {
                continue;
            }
            Address address = entry.Address;
            _pendingTrieUpdates.Add(address);
            if (entry.Kind == JournalKind.Storage && _accounts.TryGetValue(address, out Account? written))
            {
                (written.DirtySlots ??= []).Add(entry.Key);
            }
        }
        foreach (Address address in _selfDestructed)
        {
            _accounts.Remove(address);
        }
        foreach (JournalEntry entry in _journal)
        {
            if (entry.Kind is JournalKind.WarmAddress or JournalKind.WarmSlot or JournalKind.Transient)
            {
                continue;
            }
            if (_accounts.TryGetValue(entry.Address, out Account? account))
            {
                account.Originals = null;
                if (account.IsEmpty)
                {
                    _accounts.Remove(entry.Address);
                }
            }
        }
        _journal.Clear();
        _warmAddresses.Clear();
        _warmSlots.Clear();
        _transient.Clear();
        _createdInTransaction.Clear();
        _selfDestructed.Clear();
    }

    /// <summary>Undoes everything the running transaction did (eth_call, gas estimation) and clears the per-transaction sets.</summary>
    public void DiscardTransaction()
    {
        foreach (JournalEntry entry in _journal)
        {
            if (entry.Kind == JournalKind.Storage && _accounts.TryGetValue(entry.Address, out Account? account))
            {
                account.Originals = null;
            }
        }
        Revert(0);
        _warmAddresses.Clear();
        _warmSlots.Clear();
        _transient.Clear();
        _createdInTransaction.Clear();
        _selfDestructed.Clear();
    }

    /// <summary>The state root: folds pending changes into the storage and state tries and returns the root hash.</summary>
    public Hash256 StateRoot
    {
        get
        {
            if (_journal.Count != 0)
            {
                throw new InvalidOperationException("Finalize the transaction before computing the state root.");
            }
            Span<byte> address = stackalloc byte[Address.Size];
            Span<byte> slot = stackalloc byte[32];
            foreach (Address changed in _pendingTrieUpdates)
            {
                changed.CopyTo(address);
                if (!_accounts.TryGetValue(changed, out Account? account))
                {
                    _stateTrie = _stateTrie.Delete(address);
                    continue;
                }
                if (account.DirtySlots is { Count: > 0 })
                {
                    SecureTrie storage = account.StorageTrie;
                    foreach (UInt256 key in account.DirtySlots)
                    {
                        key.WriteBigEndian(slot);
                        if (account.Storage.TryGetValue(key, out UInt256 value) && !value.IsZero)
                        {
                            storage = storage.Put(slot, RlpWriter.EncodeBytes(value.ToMinimalBigEndian()));
                        }
                        else
                        {
                            account.Storage.Remove(key);
                            storage = storage.Delete(slot);
                        }
                    }
                    account.StorageTrie = storage;
                }
                account.DirtySlots = null;
                _stateTrie = _stateTrie.Put(address, EncodeAccount(account));
            }
            _pendingTrieUpdates.Clear();
            return _stateTrie.RootHash;
        }
    }

    /// <summary>The storage root of an account (empty-trie root when absent). Folds pending changes first.</summary>
    public Hash256 GetStorageRoot(Address address)
    {
        _ = StateRoot;
        return _accounts.TryGetValue(address, out Account? account) ? account.StorageTrie.RootHash : Hash256.EmptyTrieRoot;
    }

    private static byte[] EncodeAccount(Account account) =>
        new RlpWriter(110)
            .StartList()
            .WriteUInt64(account.Nonce)
            .WriteUInt256(account.Balance)
            .WriteHash(account.StorageTrie.RootHash)
            .WriteHash(account.CodeHash)
            .EndList()
            .ToArray();

    private enum JournalKind : byte
    {
        Created,
        Balance,
        Nonce,
        Code,
        Storage,
        Touch,
        SelfDestruct,
        NewContract,
        WarmAddress,
        WarmSlot,
        Transient,
    }

    private struct JournalEntry(JournalKind kind, Address address)
    {
        public readonly JournalKind Kind = kind;
        public readonly Address Address = address;
        public UInt256 Key;
        public UInt256 Value;
        public object? Object;
        public bool Flag;
    }
}
