using System.Diagnostics;

namespace BasedAI.Network.PubSub;

/// <summary>
/// Gossipsub v1.1 peer scoring (the parts this router tracks): P1 time in mesh, P2 first message deliveries,
/// P4 invalid messages, P5 application score, P6 IP colocation and P7 behaviour penalty, with periodic decay.
/// Not thread-safe: the router calls it under its lock.
/// </summary>
internal sealed class PeerScore
{
    private sealed class TopicStats
    {
        public bool InMesh;
        public long GraftedAt;
        public double FirstDeliveries;
        public double InvalidDeliveries;
    }

    private sealed class PeerStats
    {
        public bool Connected;
        public long DisconnectedAt;
        public string? Ip;
        public double BehaviourPenalty;
        public readonly Dictionary<string, TopicStats> Topics = new(StringComparer.Ordinal);
    }

    private readonly PeerScoreOptions _options;
    private readonly Dictionary<PeerId, PeerStats> _peers = [];
    private readonly Dictionary<string, HashSet<PeerId>> _peersByIp = new(StringComparer.Ordinal);

    public PeerScore(PeerScoreOptions options) => _options = options;

    public void AddPeer(PeerId peer, string? ip)
    {
        if (!_peers.TryGetValue(peer, out PeerStats? stats))
        {
            stats = new PeerStats();
            _peers[peer] = stats;
        }
        stats.Connected = true;
        stats.Ip = ip;
        if (ip is not null)
        {
            if (!_peersByIp.TryGetValue(ip, out HashSet<PeerId>? set))
            {
                _peersByIp[ip] = set = [];
            }
            set.Add(peer);
        }
    }

    public void RemovePeer(PeerId peer)
    {
        if (!_peers.TryGetValue(peer, out PeerStats? stats))
        {
            return;
        }
        if (stats.Ip is not null && _peersByIp.TryGetValue(stats.Ip, out HashSet<PeerId>? set))
        {
            set.Remove(peer);
            if (set.Count == 0)
            {
                _peersByIp.Remove(stats.Ip);
            }
        }
        // Forget a peer without penalties at once; keep a penalised one so reconnecting does not wash its score.
        if (Score(peer) >= 0)
        {
            _peers.Remove(peer);
            return;
        }
        stats.Connected = false;
        stats.DisconnectedAt = Stopwatch.GetTimestamp();
        foreach (TopicStats topic in stats.Topics.Values)
        {
            topic.InMesh = false;
        }
    }

    public void Graft(PeerId peer, string topic)
    {
        TopicStats stats = Topic(peer, topic);
        stats.InMesh = true;
        stats.GraftedAt = Stopwatch.GetTimestamp();
    }

    public void Prune(PeerId peer, string topic)
    {
        if (_peers.TryGetValue(peer, out PeerStats? stats) && stats.Topics.TryGetValue(topic, out TopicStats? t))
        {
            t.InMesh = false;
        }
    }

    public void FirstDelivery(PeerId peer, string topic)
    {
        TopicStats stats = Topic(peer, topic);
        stats.FirstDeliveries = Math.Min(stats.FirstDeliveries + 1, _options.FirstMessageDeliveriesCap);
    }

    public void InvalidMessage(PeerId peer, string topic) => Topic(peer, topic).InvalidDeliveries += 1;

    public void AddPenalty(PeerId peer, double count)
    {
        if (_peers.TryGetValue(peer, out PeerStats? stats))
        {
            stats.BehaviourPenalty += count;
        }
    }

    public double Score(PeerId peer)
    {
        if (!_peers.TryGetValue(peer, out PeerStats? stats))
        {
            return _options.AppSpecificScore is { } app ? app(peer) * _options.AppSpecificWeight : 0;
        }
        double score = 0;
        long now = Stopwatch.GetTimestamp();
        foreach (TopicStats topic in stats.Topics.Values)
        {
            if (topic.InMesh)
            {
                double quanta = Stopwatch.GetElapsedTime(topic.GraftedAt, now) / _options.TimeInMeshQuantum;
                score += Math.Min(quanta, _options.TimeInMeshCap) * _options.TimeInMeshWeight;
            }
            score += topic.FirstDeliveries * _options.FirstMessageDeliveriesWeight;
            score += topic.InvalidDeliveries * topic.InvalidDeliveries * _options.InvalidMessageDeliveriesWeight;
        }
        if (_options.AppSpecificScore is { } appScore)
        {
            score += appScore(peer) * _options.AppSpecificWeight;
        }
        if (stats.Ip is not null && _peersByIp.TryGetValue(stats.Ip, out HashSet<PeerId>? colocated)
            && !(_options.IpColocationIgnoresLoopback && IsLoopback(stats.Ip)))
        {
            int surplus = colocated.Count - _options.IpColocationFactorThreshold;
            if (surplus > 0)
            {
                score += (double)surplus * surplus * _options.IpColocationFactorWeight;
            }
        }
        double excess = stats.BehaviourPenalty - _options.BehaviourPenaltyThreshold;
        if (excess > 0)
        {
            score += excess * excess * _options.BehaviourPenaltyWeight;
        }
        return score;
    }

    /// <summary>Decays counters (called once per heartbeat) and forgets disconnected peers past the retention time.</summary>
    public void Decay()
    {
        var forget = new List<PeerId>();
        foreach ((PeerId peer, PeerStats stats) in _peers)
        {
            if (!stats.Connected && Stopwatch.GetElapsedTime(stats.DisconnectedAt) > _options.RetainScore)
            {
                forget.Add(peer);
                continue;
            }
            foreach (TopicStats topic in stats.Topics.Values)
            {
                topic.FirstDeliveries = DecayValue(topic.FirstDeliveries, _options.FirstMessageDeliveriesDecay);
                topic.InvalidDeliveries = DecayValue(topic.InvalidDeliveries, _options.InvalidMessageDeliveriesDecay);
            }
            stats.BehaviourPenalty = DecayValue(stats.BehaviourPenalty, _options.BehaviourPenaltyDecay);
        }
        foreach (PeerId peer in forget)
        {
            _peers.Remove(peer);
        }
    }

    private double DecayValue(double value, double decay)
    {
        value *= decay;
        return value < _options.DecayToZero ? 0 : value;
    }

    private TopicStats Topic(PeerId peer, string topic)
    {
        if (!_peers.TryGetValue(peer, out PeerStats? stats))
        {
            stats = new PeerStats { Connected = true };
            _peers[peer] = stats;
        }
        if (!stats.Topics.TryGetValue(topic, out TopicStats? t))
        {
            stats.Topics[topic] = t = new TopicStats();
        }
        return t;
    }

    private static bool IsLoopback(string ip) => System.Net.IPAddress.TryParse(ip, out System.Net.IPAddress? address) && System.Net.IPAddress.IsLoopback(address);
}
