namespace BasedAI.Network.Yamux;

/// <summary>Yamux multiplexer settings and per-connection stream limits.</summary>
public sealed class YamuxOptions
{
    /// <summary>The window every stream starts with (fixed by the spec at 256 KiB).</summary>
    public const int DefaultWindow = 256 * 1024;

    /// <summary>Largest receive window a stream grows to when its reader keeps up (auto-tuning, as go and js do). Default 16 MiB.</summary>
    public int MaxStreamWindow { get; set; } = 16 * 1024 * 1024;

    /// <summary>Streams the remote may have open on one connection at once; more are reset. Default 256.</summary>
    public int MaxInboundStreams { get; set; } = 256;

    /// <summary>Streams this side may have open on one connection at once. Default 1024.</summary>
    public int MaxOutboundStreams { get; set; } = 1024;

    /// <summary>Largest data frame written (a stream's write is split into frames of at most this size). Default 128 KiB.</summary>
    public int MaxDataFrameLength { get; set; } = 128 * 1024;

    /// <summary>Interval of keep-alive pings; a ping unanswered for this long closes the connection. Null disables. Default 30 s.</summary>
    public TimeSpan? KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long a write to the connection may stay blocked (the remote stopped reading) before the connection is closed. Default 30 s.
    /// </summary>
    public TimeSpan WriteStallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a stream closed locally waits for the remote's close before it is reset. Default 10 s.</summary>
    public TimeSpan StreamLinger { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Control frames (ping answers, resets) that may wait to be written before the remote is cut off. Default 1024.</summary>
    public int MaxPendingControlFrames { get; set; } = 1024;

    internal void Validate()
    {
        if (MaxStreamWindow < DefaultWindow)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxStreamWindow), MaxStreamWindow, $"The maximum stream window must be at least {DefaultWindow}.");
        }
        if (MaxInboundStreams < 1 || MaxOutboundStreams < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxInboundStreams), "Stream limits must be positive.");
        }
        if (MaxDataFrameLength < 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDataFrameLength), MaxDataFrameLength, "Data frames must allow at least 1024 bytes.");
        }
    }
}
