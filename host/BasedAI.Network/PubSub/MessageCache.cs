namespace BasedAI.Network.PubSub;

/// <summary>Sliding window of recent messages: answers IWANT for <c>history</c> heartbeats and advertises the last <c>gossip</c> ones.</summary>
internal sealed class MessageCache
{
    private readonly int _gossip;
    private readonly List<List<(string Id, string Topic)>> _windows;
    private readonly Dictionary<string, (PubSubMessage Message, Dictionary<PeerId, int> Sent)> _messages = new(StringComparer.Ordinal);

    public MessageCache(int gossip, int history)
    {
        _gossip = gossip;
        _windows = [];
        for (int i = 0; i < history; i++)
        {
            _windows.Add([]);
        }
    }

    public void Put(string id, PubSubMessage message)
    {
        if (_messages.TryAdd(id, (message, [])))
        {
            _windows[0].Add((id, message.Topic));
        }
    }

    /// <summary>The message for an IWANT from <paramref name="peer"/>, unless it was already sent to it <paramref name="maxTransmissions"/> times.</summary>
    public PubSubMessage? GetForPeer(string id, PeerId peer, int maxTransmissions)
    {
        if (!_messages.TryGetValue(id, out var entry))
        {
            return null;
        }
        entry.Sent.TryGetValue(peer, out int count);
        if (count >= maxTransmissions)
        {
            return null;
        }
        entry.Sent[peer] = count + 1;
        return entry.Message;
    }

    public List<string> GossipIds(string topic)
    {
        var ids = new List<string>();
        for (int i = 0; i < _gossip && i < _windows.Count; i++)
        {
            foreach ((string id, string t) in _windows[i])
            {
                if (t == topic)
                {
                    ids.Add(id);
                }
            }
        }
        return ids;
    }

    public void Shift()
    {
        List<(string Id, string Topic)> oldest = _windows[^1];
        foreach ((string id, _) in oldest)
        {
            _messages.Remove(id);
        }
        _windows.RemoveAt(_windows.Count - 1);
        oldest.Clear();
        _windows.Insert(0, oldest);
    }
}

/// <summary>Message ids seen recently, each remembered for a fixed time.</summary>
internal sealed class SeenCache
{
    private readonly TimeSpan _ttl;
    private readonly Dictionary<string, long> _expiry = new(StringComparer.Ordinal);
    private readonly Queue<(string Id, long Expiry)> _order = new();

    public SeenCache(TimeSpan ttl) => _ttl = ttl;

    /// <summary>Adds <paramref name="id"/>; false if it was already seen.</summary>
    public bool Add(string id, long now)
    {
        Prune(now);
        long expiry = now + (long)(_ttl.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        if (!_expiry.TryAdd(id, expiry))
        {
            return false;
        }
        _order.Enqueue((id, expiry));
        return true;
    }

    public bool Contains(string id) => _expiry.ContainsKey(id);

    public void Prune(long now)
    {
        while (_order.TryPeek(out var head) && head.Expiry <= now)
        {
            _order.Dequeue();
            _expiry.Remove(head.Id);
        }
    }
}
