using BasedAI.Crypto;
using BasedAI.Protocols.Brainport;

namespace BasedAI.Protocols.Tests;

public class NonceTrackerTests
{
    private sealed class ManualClock(DateTimeOffset start) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = start;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static readonly EthereumAddress Alice = EthereumAddress.FromPrivateKey(Secp256k1.CreatePrivateKey());
    private static readonly EthereumAddress Bob = EthereumAddress.FromPrivateKey(Secp256k1.CreatePrivateKey());

    private static ulong Micros(DateTimeOffset time) => (ulong)((time.UtcTicks - DateTime.UnixEpoch.Ticks) / 10);

    [Fact]
    public void Nonces_must_strictly_increase_per_sender()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch.AddYears(56));
        var tracker = new NonceTracker(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(5), clock);
        clock.Now += TimeSpan.FromSeconds(1);
        ulong now = Micros(clock.Now);
        Assert.True(tracker.TryAccept(Alice, now, out _));
        Assert.False(tracker.TryAccept(Alice, now, out string? replay));
        Assert.Contains("replay", replay);
        Assert.False(tracker.TryAccept(Alice, now - 1, out _));
        Assert.True(tracker.TryAccept(Alice, now + 1, out _));
        Assert.True(tracker.TryAccept(Bob, now, out _)); // other senders have their own sequence
    }

    [Fact]
    public void Old_future_and_pre_restart_nonces_are_refused()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch.AddYears(56));
        DateTimeOffset before = clock.Now - TimeSpan.FromSeconds(2);
        var tracker = new NonceTracker(TimeSpan.FromSeconds(60), TimeSpan.FromSeconds(5), clock);
        Assert.False(tracker.TryAccept(Alice, Micros(before), out string? restart));
        Assert.Contains("predates this node's start", restart);
        clock.Now += TimeSpan.FromMinutes(5);
        Assert.False(tracker.TryAccept(Alice, Micros(clock.Now - TimeSpan.FromSeconds(61)), out string? old));
        Assert.Contains("window", old);
        Assert.False(tracker.TryAccept(Alice, Micros(clock.Now + TimeSpan.FromSeconds(6)), out string? future));
        Assert.Contains("ahead", future);
        Assert.True(tracker.TryAccept(Alice, Micros(clock.Now + TimeSpan.FromSeconds(4)), out _));
        Assert.False(tracker.TryAccept(Alice, ulong.MaxValue, out _));
    }

    [Fact]
    public void Senders_outside_the_window_are_forgotten_so_memory_stays_bounded()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch.AddYears(56));
        var tracker = new NonceTracker(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1), clock, pruneAbove: 100);
        clock.Now += TimeSpan.FromSeconds(1);
        for (int i = 0; i < 100; i++)
        {
            Assert.True(tracker.TryAccept(EthereumAddress.FromPrivateKey(Secp256k1.CreatePrivateKey()), Micros(clock.Now), out _));
        }
        clock.Now += TimeSpan.FromSeconds(30);
        Assert.True(tracker.TryAccept(Alice, Micros(clock.Now), out _));
        Assert.Equal(1, tracker.Count);
    }

    [Fact]
    public void A_nonce_source_never_repeats_even_within_one_clock_tick()
    {
        var clock = new ManualClock(DateTimeOffset.UnixEpoch.AddYears(56));
        var source = new NonceSource(clock);
        ulong[] nonces = Enumerable.Range(0, 1000).Select(_ => source.Next()).ToArray();
        Assert.Equal(nonces.Length, nonces.Distinct().Count());
        Assert.Equal(nonces.Order(), nonces);
        Assert.True(nonces[0] >= Micros(clock.Now));
    }
}
