using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO.Pipelines;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace BasedAI.Network.Yamux;

/// <summary>
/// A Yamux session over a secured connection. One reader task decodes frames; writers share the connection under a lock and
/// skip the flush when another writer is queued behind them, so concurrent streams coalesce into fewer Noise frames and
/// system calls. Control frames the reader must answer (pings, resets) go through a bounded queue so the reader never blocks
/// on a peer that does not read. Any protocol violation sends go-away and closes the connection with the reason logged.
/// </summary>
internal sealed partial class YamuxSession : IAsyncDisposable
{
    public const string ProtocolId = "/yamux/1.0.0";

    private readonly Stream _transport;
    private readonly bool _isClient;
    private readonly ILogger _logger;
    private readonly Action<YamuxStream> _onInboundStream;
    private readonly ConcurrentDictionary<uint, YamuxStream> _streams = new();
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly byte[] _writeHeader = new byte[YamuxHeader.Size];
    private readonly Channel<YamuxHeader> _control = Channel.CreateUnbounded<YamuxHeader>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<uint, (long Started, TaskCompletionSource<TimeSpan> Completion)> _pings = new();
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource<string> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly string _name;

    private uint _nextStreamId;
    private uint _nextPingId;
    private int _inboundCount;
    private int _outboundCount;
    private int _pendingControl;
    private int _writersWaiting;
    private long _writeStartedAt;
    private long _roundTripTicks;
    private volatile bool _remoteGoAway;
    private volatile bool _localGoAway;
    private int _closeStarted;
    private Task? _readLoop;
    private Task? _controlLoop;
    private Task? _keepAliveLoop;

    public YamuxSession(Stream transport, bool isClient, YamuxOptions options, ILogger logger, Action<YamuxStream> onInboundStream, string name)
    {
        options.Validate();
        _transport = transport;
        _isClient = isClient;
        Options = options;
        _logger = logger;
        _onInboundStream = onInboundStream;
        _name = name;
        _nextStreamId = isClient ? 1u : 2u;
    }

    public YamuxOptions Options { get; }

    /// <summary>The libp2p session this multiplexer belongs to.</summary>
    public ISession? Owner { get; set; }

    /// <summary>Round-trip time measured by the last answered ping (zero until one is).</summary>
    public TimeSpan RoundTripTime => TimeSpan.FromTicks(Interlocked.Read(ref _roundTripTicks));

    /// <summary>Completes with the reason once the session is closed.</summary>
    public Task<string> Closed => _closed.Task;

    public bool IsClosed => Volatile.Read(ref _closeStarted) != 0;

    public int StreamCount => _streams.Count;

    public void Start()
    {
        _readLoop = Task.Run(ReadLoopAsync);
        _controlLoop = Task.Run(ControlLoopAsync);
        _keepAliveLoop = Task.Run(KeepAliveLoopAsync);
    }

    // ---------------- opening streams and pings ----------------

    public YamuxStream OpenStream()
    {
        if (IsClosed || _remoteGoAway || _localGoAway)
        {
            throw new IOException($"Yamux session {_name} is closed or going away; no new streams.");
        }
        if (Interlocked.Increment(ref _outboundCount) > Options.MaxOutboundStreams)
        {
            Interlocked.Decrement(ref _outboundCount);
            throw new ResourceLimitExceededException($"Yamux: {Options.MaxOutboundStreams} outbound streams are already open on {_name}.");
        }
        uint id = Interlocked.Add(ref _nextStreamId, 2) - 2;
        var stream = new YamuxStream(this, id, inbound: false);
        _streams[id] = stream;
        if (IsClosed)
        {
            Remove(stream);
            throw new IOException($"Yamux session {_name} is closed; no new streams.");
        }
        return stream;
    }

    public async Task<TimeSpan> PingAsync(CancellationToken cancellationToken)
    {
        uint id = Interlocked.Increment(ref _nextPingId);
        var completion = new TaskCompletionSource<TimeSpan>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pings[id] = (Stopwatch.GetTimestamp(), completion);
        try
        {
            EnqueueControl(new YamuxHeader(YamuxFrameType.Ping, YamuxFlags.Syn, 0, id));
            return await completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _pings.TryRemove(id, out _);
        }
    }

    // ---------------- writing ----------------

    internal async ValueTask SendDataAsync(YamuxStream stream, ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        await AcquireWriteLockAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            YamuxFlags flags = stream.TakeOpenFlags();
            await WriteFrameLockedAsync(new YamuxHeader(YamuxFrameType.Data, flags, stream.Id, (uint)data.Length), data).ConfigureAwait(false);
        }
        finally
        {
            await ReleaseWriteLockAsync().ConfigureAwait(false);
        }
    }

    internal async ValueTask SendWindowUpdateAsync(YamuxStream stream, uint delta, YamuxFlags flags, CancellationToken cancellationToken)
    {
        await AcquireWriteLockAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            flags |= stream.TakeOpenFlags();
            await WriteFrameLockedAsync(new YamuxHeader(YamuxFrameType.WindowUpdate, flags, stream.Id, delta), default).ConfigureAwait(false);
        }
        finally
        {
            await ReleaseWriteLockAsync().ConfigureAwait(false);
        }
    }

    internal void SendReset(YamuxStream stream)
    {
        // A stream the remote never heard of needs no reset.
        if (stream.OpenFlagsPending && !stream.IsInbound)
        {
            return;
        }
        EnqueueControl(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Rst, stream.Id, 0), stream);
    }

    private void EnqueueControl(YamuxHeader header, YamuxStream? stream = null)
    {
        if (IsClosed)
        {
            return;
        }
        if (Interlocked.Increment(ref _pendingControl) > Options.MaxPendingControlFrames)
        {
            _ = CutOffAsync($"the remote provoked more than {Options.MaxPendingControlFrames} unsent control frames (it is not reading)");
            return;
        }
        if (stream is not null && stream.IsInbound && stream.OpenFlagsPending)
        {
            // Fold the pending ACK into the reset; the control loop writes it without the stream.
            header = header with { Flags = header.Flags | YamuxFlags.Ack };
        }
        _control.Writer.TryWrite(header);
    }

    private async Task ControlLoopAsync()
    {
        try
        {
            while (await _control.Reader.WaitToReadAsync(_closing.Token).ConfigureAwait(false))
            {
                await AcquireWriteLockAsync(_closing.Token).ConfigureAwait(false);
                try
                {
                    while (_control.Reader.TryRead(out YamuxHeader header))
                    {
                        Interlocked.Decrement(ref _pendingControl);
                        await WriteFrameLockedAsync(header, default).ConfigureAwait(false);
                    }
                }
                finally
                {
                    await ReleaseWriteLockAsync().ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Closing.
        }
    }

    private async ValueTask AcquireWriteLockAsync(CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _writersWaiting);
        try
        {
            await _writeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // A writer that gave up may have been the one expected to flush; make sure someone does.
            Interlocked.Decrement(ref _writersWaiting);
            _ = FlushSoonAsync();
            throw;
        }
        Interlocked.Decrement(ref _writersWaiting);
        if (IsClosed)
        {
            _writeLock.Release();
            throw new IOException($"Yamux session {_name} is closed.");
        }
    }

    private async ValueTask ReleaseWriteLockAsync()
    {
        try
        {
            // Leave the flush to the writer queued behind us, so concurrent frames share Noise frames and system calls.
            if (Volatile.Read(ref _writersWaiting) == 0 && !IsClosed)
            {
                await TimedAsync(_transport.FlushAsync()).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            _ = CloseAsync($"write failed: {e.Message}", YamuxGoAwayCode.InternalError, sendGoAway: false);
            throw new IOException($"Yamux session {_name}: write failed.", e);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async Task FlushSoonAsync()
    {
        try
        {
            await _writeLock.WaitAsync(_closing.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        try
        {
            if (!IsClosed)
            {
                await TimedAsync(_transport.FlushAsync()).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            _ = CloseAsync($"write failed: {e.Message}", YamuxGoAwayCode.InternalError, sendGoAway: false);
        }
        finally
        {
            _writeLock.Release();
        }
    }

    private async ValueTask WriteFrameLockedAsync(YamuxHeader header, ReadOnlyMemory<byte> data)
    {
        header.Write(_writeHeader);
        try
        {
            await TimedAsync(_transport.WriteAsync(_writeHeader)).ConfigureAwait(false);
            if (!data.IsEmpty)
            {
                await TimedAsync(_transport.WriteAsync(data)).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            _ = CloseAsync($"write failed: {e.Message}", YamuxGoAwayCode.InternalError, sendGoAway: false);
            throw new IOException($"Yamux session {_name}: write failed.", e);
        }
    }

    /// <summary>Marks a transport write in progress so the keep-alive loop can cut off a peer that stopped reading.</summary>
    private async ValueTask TimedAsync(ValueTask write)
    {
        if (write.IsCompletedSuccessfully)
        {
            return;
        }
        Volatile.Write(ref _writeStartedAt, Stopwatch.GetTimestamp());
        try
        {
            await write.ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _writeStartedAt, 0);
        }
    }

    private ValueTask TimedAsync(Task write) => TimedAsync(new ValueTask(write));

    // ---------------- reading ----------------

    private async Task ReadLoopAsync()
    {
        byte[] headerBuffer = new byte[YamuxHeader.Size];
        string reason = "the remote closed the connection";
        try
        {
            while (true)
            {
                int read = await _transport.ReadAtLeastAsync(headerBuffer, YamuxHeader.Size, throwOnEndOfStream: false, _closing.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }
                if (read < YamuxHeader.Size)
                {
                    throw new EndOfStreamException("Yamux: the connection closed inside a frame header.");
                }
                YamuxHeader header = YamuxHeader.Read(headerBuffer);
                switch (header.Type)
                {
                    case YamuxFrameType.Data:
                        await HandleDataAsync(header).ConfigureAwait(false);
                        break;
                    case YamuxFrameType.WindowUpdate:
                        HandleWindowUpdate(header);
                        break;
                    case YamuxFrameType.Ping:
                        HandlePing(header);
                        break;
                    case YamuxFrameType.GoAway:
                        HandleGoAway(header);
                        break;
                }
            }
        }
        catch (ProtocolViolationException e)
        {
            reason = e.Message;
            LogProtocolViolation(_logger, _name, e.Message);
            await CloseAsync(reason, YamuxGoAwayCode.ProtocolError, sendGoAway: true).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException or System.Net.Sockets.SocketException)
        {
            reason = IsClosed ? "closed locally" : $"connection lost: {e.Message}";
        }
        finally
        {
            await CloseAsync(reason, YamuxGoAwayCode.Normal, sendGoAway: false).ConfigureAwait(false);
            // The read loop owns the streams' receive pipes, so it is the one to fail them (after closing, so none is added later).
            foreach (YamuxStream stream in _streams.Values)
            {
                stream.OnRemoteReset($"The connection closed: {reason}");
            }
        }
    }

    private async ValueTask HandleDataAsync(YamuxHeader header)
    {
        if (header.StreamId == 0)
        {
            throw new ProtocolViolationException("Yamux: data frame on stream 0.");
        }
        if (header.Length > (uint)Options.MaxStreamWindow)
        {
            throw new ProtocolViolationException($"Yamux: data frame of {header.Length} bytes exceeds the largest window ({Options.MaxStreamWindow}).");
        }
        YamuxStream? stream = (header.Flags & YamuxFlags.Syn) != 0 ? AcceptInbound(header.StreamId) : Find(header.StreamId);
        if (stream is null || stream.ReadAbandoned)
        {
            if (stream is not null)
            {
                stream.ReserveReceive(header.Length);
            }
            await DiscardAsync(header.Length).ConfigureAwait(false);
        }
        else
        {
            stream.ReserveReceive(header.Length);
            PipeWriter writer = stream.ReceiveWriter;
            int remaining = (int)header.Length;
            while (remaining > 0)
            {
                Memory<byte> memory = writer.GetMemory(Math.Min(remaining, 64 * 1024));
                int n = await _transport.ReadAsync(memory[..Math.Min(remaining, memory.Length)], _closing.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    throw new EndOfStreamException("Yamux: the connection closed inside a data frame.");
                }
                writer.Advance(n);
                remaining -= n;
            }
            await writer.FlushAsync().ConfigureAwait(false);
        }
        if (stream is not null)
        {
            ApplyFlags(stream, header.Flags);
        }
    }

    private async ValueTask DiscardAsync(uint length)
    {
        byte[] scratch = new byte[Math.Min(length, 16 * 1024)];
        long remaining = length;
        while (remaining > 0)
        {
            int n = await _transport.ReadAsync(scratch.AsMemory(0, (int)Math.Min(remaining, scratch.Length)), _closing.Token).ConfigureAwait(false);
            if (n == 0)
            {
                throw new EndOfStreamException("Yamux: the connection closed inside a data frame.");
            }
            remaining -= n;
        }
    }

    private void HandleWindowUpdate(YamuxHeader header)
    {
        if (header.StreamId == 0)
        {
            throw new ProtocolViolationException("Yamux: window update on stream 0.");
        }
        YamuxStream? stream = (header.Flags & YamuxFlags.Syn) != 0 ? AcceptInbound(header.StreamId) : Find(header.StreamId);
        if (stream is null)
        {
            return;
        }
        if (header.Length > 0)
        {
            stream.AddSendWindow(header.Length);
        }
        ApplyFlags(stream, header.Flags);
    }

    private static void ApplyFlags(YamuxStream stream, YamuxFlags flags)
    {
        if ((flags & YamuxFlags.Rst) != 0)
        {
            stream.OnRemoteReset($"The remote reset stream {stream.Id}.");
        }
        else if ((flags & YamuxFlags.Fin) != 0)
        {
            stream.OnRemoteClose();
        }
    }

    private YamuxStream? Find(uint id) => _streams.TryGetValue(id, out YamuxStream? stream) ? stream : null;

    private YamuxStream? AcceptInbound(uint id)
    {
        // Clients (dialers) open odd ids, servers even ones.
        bool remoteIsClient = !_isClient;
        if ((id % 2 == 1) != remoteIsClient)
        {
            throw new ProtocolViolationException($"Yamux: the remote opened stream {id}, whose parity belongs to this side.");
        }
        if (_streams.ContainsKey(id))
        {
            throw new ProtocolViolationException($"Yamux: the remote opened stream {id} twice.");
        }
        if (_localGoAway || IsClosed)
        {
            EnqueueControl(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Rst, id, 0));
            return null;
        }
        if (Volatile.Read(ref _inboundCount) >= Options.MaxInboundStreams)
        {
            LogStreamRefused(_logger, _name, id, Options.MaxInboundStreams);
            EnqueueControl(new YamuxHeader(YamuxFrameType.WindowUpdate, YamuxFlags.Rst, id, 0));
            return null;
        }
        Interlocked.Increment(ref _inboundCount);
        var stream = new YamuxStream(this, id, inbound: true);
        _streams[id] = stream;
        _onInboundStream(stream);
        return stream;
    }

    private void HandlePing(YamuxHeader header)
    {
        if ((header.Flags & YamuxFlags.Syn) != 0)
        {
            EnqueueControl(new YamuxHeader(YamuxFrameType.Ping, YamuxFlags.Ack, 0, header.Length));
        }
        else if ((header.Flags & YamuxFlags.Ack) != 0 && _pings.TryRemove(header.Length, out var ping))
        {
            TimeSpan rtt = Stopwatch.GetElapsedTime(ping.Started);
            Interlocked.Exchange(ref _roundTripTicks, Math.Max(1, rtt.Ticks));
            ping.Completion.TrySetResult(rtt);
        }
    }

    private void HandleGoAway(YamuxHeader header)
    {
        _remoteGoAway = true;
        if (header.Length != (uint)YamuxGoAwayCode.Normal)
        {
            LogRemoteGoAway(_logger, _name, header.Length);
        }
    }

    // ---------------- stream bookkeeping ----------------

    internal void Remove(YamuxStream stream)
    {
        if (_streams.TryRemove(new KeyValuePair<uint, YamuxStream>(stream.Id, stream)) && stream.MarkRemoved())
        {
            if (stream.IsInbound)
            {
                Interlocked.Decrement(ref _inboundCount);
            }
            else
            {
                Interlocked.Decrement(ref _outboundCount);
            }
        }
    }

    internal void ScheduleLinger(YamuxStream stream)
    {
        _ = LingerAsync(stream);
    }

    private async Task LingerAsync(YamuxStream stream)
    {
        try
        {
            await Task.Delay(Options.StreamLinger, _closing.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        if (_streams.TryGetValue(stream.Id, out YamuxStream? current) && ReferenceEquals(current, stream))
        {
            stream.Reset();
        }
    }

    // ---------------- keep-alive and closing ----------------

    private async Task KeepAliveLoopAsync()
    {
        TimeSpan interval = Options.KeepAliveInterval ?? TimeSpan.Zero;
        TimeSpan tick = interval > TimeSpan.Zero ? TimeSpan.FromTicks(Math.Min(interval.Ticks, Options.WriteStallTimeout.Ticks) / 2) : Options.WriteStallTimeout / 2;
        tick = TimeSpan.FromTicks(Math.Max(tick.Ticks, TimeSpan.FromMilliseconds(50).Ticks));
        long lastPing = Stopwatch.GetTimestamp();
        Task<TimeSpan>? pending = null;
        try
        {
            // Measure the round trip at once: the receive-window tuning needs it.
            pending = PingAsync(_closing.Token);
            while (!IsClosed)
            {
                await Task.Delay(tick, _closing.Token).ConfigureAwait(false);
                long started = Volatile.Read(ref _writeStartedAt);
                if (started != 0 && Stopwatch.GetElapsedTime(started) > Options.WriteStallTimeout)
                {
                    await CutOffAsync($"the remote stopped reading (a write stalled for over {Options.WriteStallTimeout.TotalSeconds:0.#} s)").ConfigureAwait(false);
                    return;
                }
                if (interval <= TimeSpan.Zero || Stopwatch.GetElapsedTime(lastPing) < interval)
                {
                    continue;
                }
                if (pending is { IsCompleted: false })
                {
                    await CutOffAsync($"keep-alive ping unanswered for {interval.TotalSeconds:0.#} s").ConfigureAwait(false);
                    return;
                }
                lastPing = Stopwatch.GetTimestamp();
                pending = PingAsync(_closing.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // Closing.
        }
        finally
        {
            if (pending is not null)
            {
                _ = pending.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
            }
        }
    }

    private Task CutOffAsync(string reason)
    {
        if (!IsClosed)
        {
            LogCutOff(_logger, _name, reason);
        }
        return CloseAsync(reason, YamuxGoAwayCode.Normal, sendGoAway: false);
    }

    /// <summary>Closes the session: optionally sends go-away, closes the transport and resets every stream.</summary>
    public async Task CloseAsync(string reason, YamuxGoAwayCode code = YamuxGoAwayCode.Normal, bool sendGoAway = true)
    {
        if (Interlocked.Exchange(ref _closeStarted, 1) != 0)
        {
            await _closed.Task.ConfigureAwait(false);
            return;
        }
        _localGoAway = true;
        if (sendGoAway)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(1));
                await _writeLock.WaitAsync(timeout.Token).ConfigureAwait(false);
                try
                {
                    new YamuxHeader(YamuxFrameType.GoAway, YamuxFlags.None, 0, (uint)code).Write(_writeHeader);
                    await _transport.WriteAsync(_writeHeader, timeout.Token).ConfigureAwait(false);
                    await _transport.FlushAsync(timeout.Token).ConfigureAwait(false);
                }
                finally
                {
                    _writeLock.Release();
                }
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
            {
                // Best effort: the peer may already be gone.
            }
        }
        await _closing.CancelAsync().ConfigureAwait(false);
        _control.Writer.TryComplete();
        await _transport.DisposeAsync().ConfigureAwait(false);
        foreach (var ping in _pings.Values)
        {
            ping.Completion.TrySetException(new IOException($"Yamux session {_name} closed: {reason}"));
        }
        _closed.TrySetResult(reason);
    }

    public async ValueTask DisposeAsync()
    {
        await CloseAsync("disposed").ConfigureAwait(false);
        if (_readLoop is not null)
        {
            await _readLoop.ConfigureAwait(false);
        }
        _closing.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Closing connection {Name}: protocol violation: {Reason}")]
    private static partial void LogProtocolViolation(ILogger logger, string name, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Closing connection {Name}: {Reason}")]
    private static partial void LogCutOff(ILogger logger, string name, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Connection {Name}: reset inbound stream {StreamId}: the limit of {Limit} open inbound streams is reached")]
    private static partial void LogStreamRefused(ILogger logger, string name, uint streamId, int limit);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Connection {Name}: the remote sent go-away with error code {Code}")]
    private static partial void LogRemoteGoAway(ILogger logger, string name, uint code);
}
