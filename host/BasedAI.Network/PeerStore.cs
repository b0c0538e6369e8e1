using System.Collections.Concurrent;
using BasedAI.Network.Identity;

namespace BasedAI.Network;

/// <summary>What is known about one remote peer.</summary>
public sealed record PeerRecord(PeerId PeerId, IReadOnlyList<Multiaddr> Addresses, IReadOnlyList<string> Protocols, PublicKey? PublicKey, string? AgentVersion);

/// <summary>Addresses, protocols and keys learned about peers (from dials and identify), bounded in size.</summary>
public sealed class PeerStore
{
    private readonly ConcurrentDictionary<PeerId, PeerRecord> _peers = new();
    private readonly int _capacity;

    /// <summary>Creates a store holding at most <paramref name="capacity"/> peers.</summary>
    public PeerStore(int capacity = 10_000) => _capacity = capacity;

    /// <summary>Number of peers known.</summary>
    public int Count => _peers.Count;

    /// <summary>The record of <paramref name="peerId"/>, or null.</summary>
    public PeerRecord? Get(PeerId peerId) => _peers.TryGetValue(peerId, out PeerRecord? record) ? record : null;

    /// <summary>Adds addresses for a peer (keeps at most 32).</summary>
    public void AddAddresses(PeerId peerId, IEnumerable<Multiaddr> addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        Update(peerId, r => r with { Addresses = r.Addresses.Concat(addresses.Select(a => a.WithoutPeerId())).Distinct().Take(32).ToArray() });
    }

    /// <summary>Replaces what identify told about a peer.</summary>
    public void SetIdentify(PeerId peerId, Protocols.IdentifyInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        Update(peerId, r => r with
        {
            Protocols = info.Protocols,
            PublicKey = info.PublicKey ?? r.PublicKey,
            AgentVersion = info.AgentVersion,
            Addresses = info.ListenAddresses.Select(a => a.WithoutPeerId()).Concat(r.Addresses).Distinct().Take(32).ToArray(),
        });
    }

    /// <summary>Forgets a peer.</summary>
    public bool Remove(PeerId peerId) => _peers.TryRemove(peerId, out _);

    private void Update(PeerId peerId, Func<PeerRecord, PeerRecord> change)
    {
        if (!_peers.ContainsKey(peerId) && _peers.Count >= _capacity)
        {
            return;
        }
        _peers.AddOrUpdate(peerId, id => change(new PeerRecord(id, [], [], id.PublicKey, null)), (_, r) => change(r));
    }
}
