using BasedAI.Crypto;

namespace BasedAI.Protocols.Brainport;

/// <summary>
/// Issues brainport nonces for one signing key: microseconds since the Unix epoch, and always above the last one issued,
/// so they strictly increase even when calls come faster than the clock ticks. Thread-safe.
/// </summary>
public sealed class NonceSource(TimeProvider? clock = null)
{
    private readonly TimeProvider _clock = clock ?? TimeProvider.System;
    private long _last;

    /// <summary>The next nonce.</summary>
    public ulong Next()
    {
        long now = NonceTracker.Microseconds(_clock);
        while (true)
        {
            long last = Volatile.Read(ref _last);
            long next = Math.Max(last + 1, now);
            if (Interlocked.CompareExchange(ref _last, next, last) == last)
            {
                return (ulong)next;
            }
        }
    }
}

/// <summary>
/// The responder's replay guard: a nonce is accepted only if it is above the last one accepted from the same sender, not older
/// than <see cref="Window"/>, not further than <see cref="FutureSkew"/> ahead of this clock, and not older than the moment the
/// tracker was created (so requests captured before a restart cannot be replayed after it). Memory stays bounded: senders
/// whose last nonce fell out of the window are forgotten, since the window alone refuses their old nonces. Thread-safe.
/// </summary>
public sealed class NonceTracker
{
    private readonly Dictionary<EthereumAddress, long> _last = [];
    private readonly TimeProvider _clock;
    private readonly long _startedAt;
    private readonly int _pruneAbove;

    /// <summary>Creates a tracker; nonces issued before now are refused.</summary>
    public NonceTracker(TimeSpan window, TimeSpan futureSkew, TimeProvider? clock = null, int pruneAbove = 10_000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(futureSkew, TimeSpan.Zero);
        Window = window;
        FutureSkew = futureSkew;
        _clock = clock ?? TimeProvider.System;
        _startedAt = Microseconds(_clock);
        _pruneAbove = pruneAbove;
    }

    /// <summary>How old a nonce may be.</summary>
    public TimeSpan Window { get; }

    /// <summary>How far ahead of this clock a nonce may be.</summary>
    public TimeSpan FutureSkew { get; }

    /// <summary>Senders remembered now.</summary>
    public int Count
    {
        get
        {
            lock (_last)
            {
                return _last.Count;
            }
        }
    }

    /// <summary>Accepts and records <paramref name="nonce"/>, or returns false with the reason.</summary>
    public bool TryAccept(EthereumAddress sender, ulong nonce, out string? reason)
    {
        long now = Microseconds(_clock);
        if (nonce > long.MaxValue || (long)nonce > now + (long)(FutureSkew.TotalMilliseconds * 1000))
        {
            reason = $"nonce {nonce} is more than {FutureSkew.TotalSeconds:0.###} s ahead of this node's clock";
            return false;
        }
        long value = (long)nonce;
        long oldest = Math.Max(_startedAt, now - (long)(Window.TotalMilliseconds * 1000));
        if (value <= oldest)
        {
            reason = value <= _startedAt && now - _startedAt < (long)(Window.TotalMilliseconds * 1000)
                ? $"nonce {nonce} predates this node's start (a request from before a restart)"
                : $"nonce {nonce} is older than the {Window.TotalSeconds:0.###} s window";
            return false;
        }
        lock (_last)
        {
            if (_last.TryGetValue(sender, out long last) && value <= last)
            {
                reason = $"nonce {nonce} is not above the last nonce {last} accepted from {sender} (a replay)";
                return false;
            }
            _last[sender] = value;
            if (_last.Count > _pruneAbove)
            {
                foreach (EthereumAddress stale in _last.Where(e => e.Value <= oldest).Select(e => e.Key).ToList())
                {
                    _last.Remove(stale);
                }
            }
        }
        reason = null;
        return true;
    }

    internal static long Microseconds(TimeProvider clock) => (clock.GetUtcNow().UtcTicks - DateTime.UnixEpoch.Ticks) / 10;
}
