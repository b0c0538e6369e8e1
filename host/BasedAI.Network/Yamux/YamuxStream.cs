using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;

namespace BasedAI.Network.Yamux;

/// <summary>
/// One Yamux stream. Received data sits in a pipe filled by the session's reader; the receive window is credited only as the
/// application consumes data (so a slow reader holds at most one window) and doubles, up to the maximum, when the reader
/// keeps up within four round trips. Writes wait for send window.
/// </summary>
internal sealed class YamuxStream : Libp2pStream
{
    private static readonly PipeOptions PipeOptions = new(pauseWriterThreshold: 0, resumeWriterThreshold: 0, minimumSegmentSize: 16 * 1024, useSynchronizationContext: false);

    private readonly YamuxSession _session;
    private readonly Pipe _pipe = new(PipeOptions);
    private readonly bool _inbound;

    // Receive side. _receiveCapacity is shared with the session reader; the rest belong to the application reader.
    private long _receiveCapacity = YamuxOptions.DefaultWindow;
    private int _receiveWindow = YamuxOptions.DefaultWindow;
    private int _unacknowledged;
    private long _epochStart = Stopwatch.GetTimestamp();

    // Send side.
    private long _sendWindow = YamuxOptions.DefaultWindow;
    private TaskCompletionSource _sendWindowSignal = NewSignal();

    // State. _openFlags is SYN (outbound) or ACK (inbound) until the first frame carries it; read under the session write lock.
    private YamuxFlags _openFlags;
    private volatile bool _localClosed;
    private volatile bool _remoteClosed;
    private volatile bool _reset;
    private volatile bool _localReset;
    private volatile bool _readAbandoned;
    private string? _resetReason;
    private int _removed;

    public YamuxStream(YamuxSession session, uint id, bool inbound)
    {
        _session = session;
        Id = id;
        _inbound = inbound;
        _openFlags = inbound ? YamuxFlags.Ack : YamuxFlags.Syn;
    }

    public uint Id { get; }

    public override ISession Session => _session.Owner ?? throw new InvalidOperationException("The stream's session is not attached to a connection.");

    public override bool IsInbound => _inbound;

    /// <summary>Runs before the first read (completes a lazy multistream-select negotiation).</summary>
    internal Func<CancellationToken, Task>? BeforeFirstRead { get; set; }

    internal bool IsReset => _reset;

    internal bool ReadAbandoned => _readAbandoned || _reset;

    internal PipeWriter ReceiveWriter => _pipe.Writer;

    /// <summary>Returns and clears the SYN/ACK flag the next frame must carry. Called under the session write lock.</summary>
    internal YamuxFlags TakeOpenFlags()
    {
        YamuxFlags flags = _openFlags;
        _openFlags = YamuxFlags.None;
        return flags;
    }

    internal bool OpenFlagsPending => _openFlags != YamuxFlags.None;

    // ---- called by the session reader ----

    /// <summary>Accounts for <paramref name="length"/> received bytes; throws if the remote exceeded the window it was given.</summary>
    internal void ReserveReceive(uint length)
    {
        long capacity = Interlocked.Add(ref _receiveCapacity, -(long)length);
        if (capacity < 0)
        {
            throw new ProtocolViolationException($"Yamux: stream {Id} received {length} bytes, more than its receive window allowed ({capacity + length} left).");
        }
    }

    internal void AddSendWindow(uint delta)
    {
        Interlocked.Add(ref _sendWindow, delta);
        Interlocked.Exchange(ref _sendWindowSignal, NewSignal()).TrySetResult();
    }

    internal void OnRemoteClose()
    {
        if (_remoteClosed)
        {
            return;
        }
        _remoteClosed = true;
        _pipe.Writer.Complete();
        RemoveIfDone();
    }

    /// <summary>Remote reset or connection loss; called only from the session reader, which owns the pipe writer.</summary>
    internal void OnRemoteReset(string reason)
    {
        _resetReason ??= reason;
        _reset = true;
        // Completed without an error so the reader still gets what arrived before the reset, then the reset.
        _pipe.Writer.Complete();
        Interlocked.Exchange(ref _sendWindowSignal, NewSignal()).TrySetResult();
        _session.Remove(this);
    }

    // ---- application side ----

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (BeforeFirstRead is { } before)
        {
            BeforeFirstRead = null;
            await before(cancellationToken).ConfigureAwait(false);
        }
        if (_openFlags == YamuxFlags.Syn && !_localClosed && !_reset)
        {
            // A stream that reads before writing still has to be announced.
            await _session.SendWindowUpdateAsync(this, 0, YamuxFlags.None, cancellationToken).ConfigureAwait(false);
        }
        if (_localReset)
        {
            throw new StreamResetException(_resetReason ?? $"Yamux stream {Id} was reset.");
        }
        if (buffer.Length == 0)
        {
            return 0;
        }
        if (_readAbandoned)
        {
            throw new ObjectDisposedException(nameof(YamuxStream), "The stream's read side was closed.");
        }
        ReadResult result = await _pipe.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (result.IsCanceled || _localReset)
        {
            throw new StreamResetException(_resetReason ?? $"Yamux stream {Id} was reset.");
        }
        ReadOnlySequence<byte> data = result.Buffer;
        if (data.IsEmpty && result.IsCompleted)
        {
            _pipe.Reader.AdvanceTo(data.End);
            if (_reset)
            {
                throw new StreamResetException(_resetReason ?? $"Yamux stream {Id} was reset.");
            }
            return 0;
        }
        int n = (int)Math.Min(buffer.Length, data.Length);
        data.Slice(0, n).CopyTo(buffer.Span);
        _pipe.Reader.AdvanceTo(data.GetPosition(n));
        await CreditAsync(n, cancellationToken).ConfigureAwait(false);
        return n;
    }

    private ValueTask CreditAsync(int consumed, CancellationToken cancellationToken)
    {
        _unacknowledged += consumed;
        if (_remoteClosed || _reset || _unacknowledged < _receiveWindow / 2)
        {
            return ValueTask.CompletedTask;
        }
        long now = Stopwatch.GetTimestamp();
        TimeSpan rtt = _session.RoundTripTime;
        int grown = _receiveWindow;
        if (rtt > TimeSpan.Zero && Stopwatch.GetElapsedTime(_epochStart, now) < rtt * 4)
        {
            grown = (int)Math.Min((long)_receiveWindow * 2, _session.Options.MaxStreamWindow);
        }
        uint delta = (uint)(_unacknowledged + (grown - _receiveWindow));
        _receiveWindow = grown;
        _unacknowledged = 0;
        _epochStart = now;
        Interlocked.Add(ref _receiveCapacity, delta);
        return _session.SendWindowUpdateAsync(this, delta, YamuxFlags.None, cancellationToken);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (buffer.Length > 0)
        {
            if (_reset)
            {
                throw new StreamResetException(_resetReason ?? $"Yamux stream {Id} was reset.");
            }
            if (_localClosed)
            {
                throw new InvalidOperationException($"Yamux stream {Id} is closed for writing.");
            }
            Task signal = Volatile.Read(ref _sendWindowSignal).Task;
            long window = Interlocked.Read(ref _sendWindow);
            if (window <= 0)
            {
                await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            int n = (int)Math.Min(Math.Min(window, buffer.Length), _session.Options.MaxDataFrameLength);
            Interlocked.Add(ref _sendWindow, -n);
            await _session.SendDataAsync(this, buffer[..n], cancellationToken).ConfigureAwait(false);
            buffer = buffer[n..];
        }
    }

    public override async ValueTask CloseWriteAsync(CancellationToken cancellationToken = default)
    {
        if (_localClosed || _reset)
        {
            return;
        }
        _localClosed = true;
        try
        {
            await _session.SendWindowUpdateAsync(this, 0, YamuxFlags.Fin, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            RemoveIfDone();
        }
    }

    public override void Reset()
    {
        if (_reset)
        {
            return;
        }
        _resetReason ??= $"Yamux stream {Id} was reset locally.";
        _localReset = true;
        _reset = true;
        _pipe.Reader.CancelPendingRead();
        Interlocked.Exchange(ref _sendWindowSignal, NewSignal()).TrySetResult();
        _session.SendReset(this);
        _session.Remove(this);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_localClosed && !_reset)
        {
            try
            {
                await CloseWriteAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or Libp2pException or InvalidOperationException or OperationCanceledException)
            {
                // The connection is gone; nothing left to close.
            }
        }
        AbandonRead();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            if (!_localClosed && !_reset)
            {
                _ = CloseWriteQuietlyAsync();
            }
            AbandonRead();
        }
        base.Dispose(disposing);
    }

    private async Task CloseWriteQuietlyAsync()
    {
        try
        {
            await CloseWriteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or Libp2pException or InvalidOperationException or OperationCanceledException)
        {
            // The connection is gone; nothing left to close.
        }
    }

    private void AbandonRead()
    {
        if (_readAbandoned)
        {
            return;
        }
        _readAbandoned = true;
        _pipe.Reader.Complete();
        if (!_remoteClosed && !_reset)
        {
            // Wait a little for the remote's close, then reset, so a peer that never closes cannot pin the stream.
            _session.ScheduleLinger(this);
        }
    }

    private void RemoveIfDone()
    {
        if (_localClosed && _remoteClosed)
        {
            _session.Remove(this);
        }
    }

    /// <summary>Marks the stream removed; true only the first time.</summary>
    internal bool MarkRemoved() => Interlocked.Exchange(ref _removed, 1) == 0;

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
