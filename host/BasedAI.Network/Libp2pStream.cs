namespace BasedAI.Network;

/// <summary>
/// A multiplexed libp2p stream for one protocol, as a duplex <see cref="Stream"/>. <see cref="CloseWriteAsync"/> half-closes
/// (the remote reads end of stream, this side can still read); <see cref="Reset"/> aborts both directions; disposing closes
/// the write side and stops reading.
/// </summary>
public abstract class Libp2pStream : Stream
{
    /// <summary>The negotiated protocol id.</summary>
    public string Protocol { get; internal set; } = string.Empty;

    /// <summary>The connection the stream belongs to.</summary>
    public abstract ISession Session { get; }

    /// <summary>The remote peer.</summary>
    public PeerId RemotePeer => Session.RemotePeer;

    /// <summary>True for streams the remote opened.</summary>
    public abstract bool IsInbound { get; }

    /// <summary>Half-closes the stream: no more writes; the remote reads end of stream after the data already written.</summary>
    public abstract ValueTask CloseWriteAsync(CancellationToken cancellationToken = default);

    /// <summary>Aborts the stream in both directions; the remote sees a reset.</summary>
    public abstract void Reset();

    /// <inheritdoc />
    public abstract override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

    /// <inheritdoc />
    public abstract override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default);

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => false;

    /// <inheritdoc />
    public override bool CanWrite => true;

    /// <inheritdoc />
    public override long Length => throw new NotSupportedException();

    /// <inheritdoc />
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
