using BasedAI.Crypto;
using BasedAI.Ledger.Chain;
using BasedAI.Ledger.Codec;
using BasedAI.Ledger.State;

namespace BasedAI.Ledger.Node;

/// <summary>
/// Pending extrinsics by sender and nonce. Candidates for a block come sender by sender (in order of first arrival), each as
/// the run of consecutive nonces starting at the account's next nonce. Not thread-safe: the node serializes access.
/// </summary>
internal sealed class Mempool(int capacity = 50_000)
{
    private readonly Dictionary<EthereumAddress, SortedDictionary<ulong, Extrinsic>> _bySender = [];
    private readonly List<EthereumAddress> _senders = [];
    private readonly Dictionary<Hash32, Extrinsic> _byHash = [];

    public int Count => _byHash.Count;

    public bool Contains(Hash32 hash) => _byHash.ContainsKey(hash);

    /// <summary>Adds an extrinsic; a second one with the same sender and nonce replaces the first only with a higher fee.</summary>
    public void Add(Extrinsic extrinsic)
    {
        if (_byHash.ContainsKey(extrinsic.Hash))
        {
            throw new InvalidOperationException($"extrinsic {extrinsic.Hash} is already pending");
        }
        if (!_bySender.TryGetValue(extrinsic.Sender, out SortedDictionary<ulong, Extrinsic>? queue))
        {
            if (_byHash.Count >= capacity)
            {
                throw new InvalidOperationException($"the pool is full ({capacity} pending extrinsics); try again later");
            }
            queue = [];
            _bySender[extrinsic.Sender] = queue;
            _senders.Add(extrinsic.Sender);
        }
        if (queue.TryGetValue(extrinsic.Nonce, out Extrinsic? existing))
        {
            if (extrinsic.Fee <= existing.Fee)
            {
                throw new InvalidOperationException($"nonce {extrinsic.Nonce} of {extrinsic.Sender} is already pending ({existing.Hash}); a replacement needs a higher fee");
            }
            _byHash.Remove(existing.Hash);
        }
        else if (_byHash.Count >= capacity)
        {
            throw new InvalidOperationException($"the pool is full ({capacity} pending extrinsics); try again later");
        }
        queue[extrinsic.Nonce] = extrinsic;
        _byHash[extrinsic.Hash] = extrinsic;
    }

    /// <summary>Extrinsics that can run next against <paramref name="state"/>.</summary>
    public List<Extrinsic> Candidates(LedgerState state)
    {
        var result = new List<Extrinsic>();
        foreach (EthereumAddress sender in _senders)
        {
            SortedDictionary<ulong, Extrinsic> queue = _bySender[sender];
            ulong nonce = state.GetAccount(sender).Nonce;
            while (queue.TryGetValue(nonce, out Extrinsic? extrinsic))
            {
                result.Add(extrinsic);
                nonce++;
            }
        }
        return result;
    }

    /// <summary>Drops extrinsics that were included or whose nonce is now used.</summary>
    public void Prune(LedgerState state)
    {
        foreach (EthereumAddress sender in _senders.ToArray())
        {
            SortedDictionary<ulong, Extrinsic> queue = _bySender[sender];
            ulong next = state.GetAccount(sender).Nonce;
            foreach (ulong nonce in queue.Keys.Where(n => n < next).ToArray())
            {
                _byHash.Remove(queue[nonce].Hash);
                queue.Remove(nonce);
            }
            if (queue.Count == 0)
            {
                _bySender.Remove(sender);
                _senders.Remove(sender);
            }
        }
    }

    /// <summary>Removes one extrinsic (e.g. dropped by the producer as invalid).</summary>
    public void Remove(Extrinsic extrinsic)
    {
        if (_byHash.Remove(extrinsic.Hash) && _bySender.TryGetValue(extrinsic.Sender, out SortedDictionary<ulong, Extrinsic>? queue))
        {
            queue.Remove(extrinsic.Nonce);
            if (queue.Count == 0)
            {
                _bySender.Remove(extrinsic.Sender);
                _senders.Remove(extrinsic.Sender);
            }
        }
    }
}
