using BasedAI.Evm.Numerics;
using BasedAI.Evm.Primitives;
using BasedAI.Evm.Trie;

namespace BasedAI.Evm.State;

/// <summary>A live account inside <see cref="WorldState"/>: nonce, balance, code and storage, plus its cached storage trie.</summary>
internal sealed class Account
{
    public ulong Nonce;
    public UInt256 Balance;
    public byte[] Code = [];
    public Hash256 CodeHash = Hash256.EmptyKeccak;

    /// <summary>Current storage (within the running transaction); zero values may be present until commit.</summary>
    public Dictionary<UInt256, UInt256> Storage = [];

    /// <summary>Values at the start of the running transaction for slots written during it (EIP-2200 "original value").</summary>
    public Dictionary<UInt256, UInt256>? Originals;

    /// <summary>The storage trie as of the last commit.</summary>
    public SecureTrie StorageTrie = SecureTrie.Empty;

    /// <summary>Slots changed since the last commit.</summary>
    public HashSet<UInt256>? DirtySlots;

    /// <summary>Empty per EIP-161: no nonce, no balance, no code.</summary>
    public bool IsEmpty => Nonce == 0 && Balance.IsZero && Code.Length == 0;

    /// <summary>True when any slot is non-zero (the dictionary holds every live slot; zeros only until commit).</summary>
    public bool HasStorage
    {
        get
        {
            foreach (UInt256 value in Storage.Values)
            {
                if (!value.IsZero)
                {
                    return true;
                }
            }
            return false;
        }
    }

    public UInt256 GetOriginal(in UInt256 key)
    {
        if (Originals is not null && Originals.TryGetValue(key, out UInt256 original))
        {
            return original;
        }
        return Storage.TryGetValue(key, out UInt256 current) ? current : default;
    }

    public Account Clone() => new()
    {
        Nonce = Nonce,
        Balance = Balance,
        Code = Code,
        CodeHash = CodeHash,
        Storage = new Dictionary<UInt256, UInt256>(Storage),
        StorageTrie = StorageTrie,
        DirtySlots = DirtySlots is null ? null : [.. DirtySlots],
    };
}
