using System.Diagnostics;
using System.Security.Cryptography;

namespace BasedAI.Network.Protocols;

/// <summary>
/// <c>/ipfs/ping/1.0.0</c>: the dialer sends 32 random bytes, the listener echoes them, repeatedly on one stream.
/// </summary>
public static class PingProtocol
{
    /// <summary>The protocol id.</summary>
    public const string Id = "/ipfs/ping/1.0.0";
    /// <summary>Payload size.</summary>
    public const int PayloadSize = 32;

    /// <summary>Serves pings until the dialer closes the stream.</summary>
    public static async Task HandleAsync(Libp2pStream stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] payload = new byte[PayloadSize];
        while (true)
        {
            int read = await stream.ReadAtLeastAsync(payload, PayloadSize, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
            if (read < PayloadSize)
            {
                return;
            }
            await stream.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Pings the remote once over a new stream and returns the round-trip time.</summary>
    public static async Task<TimeSpan> PingAsync(this ISession session, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        TimeSpan[] rtts = await session.PingAsync(1, cancellationToken).ConfigureAwait(false);
        return rtts[0];
    }

    /// <summary>Pings the remote <paramref name="count"/> times over one stream; returns each round-trip time.</summary>
    public static async Task<TimeSpan[]> PingAsync(this ISession session, int count, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        // Lazy negotiation: the proposal and the first payload leave together.
        await using Libp2pStream stream = await session.OpenStreamLazyAsync(Id, cancellationToken).ConfigureAwait(false);
        var rtts = new TimeSpan[count];
        byte[] payload = new byte[PayloadSize];
        byte[] echo = new byte[PayloadSize];
        for (int i = 0; i < count; i++)
        {
            RandomNumberGenerator.Fill(payload);
            long started = Stopwatch.GetTimestamp();
            await stream.WriteAsync(payload, cancellationToken).ConfigureAwait(false);
            await stream.ReadExactlyAsync(echo, cancellationToken).ConfigureAwait(false);
            rtts[i] = Stopwatch.GetElapsedTime(started);
            if (!echo.AsSpan().SequenceEqual(payload))
            {
                throw new ProtocolViolationException("ping: the remote echoed different bytes.");
            }
        }
        return rtts;
    }
}
