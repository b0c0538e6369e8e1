using System.Buffers.Binary;

namespace BasedAI.Network.Noise;

/// <summary>
/// The Noise transport channel: every frame is a 2-byte big-endian length and a ChaChaPoly ciphertext of at most 65535 bytes
/// (65519 bytes of plaintext). Writes are buffered until <see cref="FlushAsync(CancellationToken)"/> so a Yamux header and its
/// data share one frame; reads decrypt in place in the receive buffer. One reader and one writer may run concurrently.
/// </summary>
internal sealed class NoiseSecureStream : Stream
{
    public const int MaxFrameLength = 65535;
    public const int MaxPlaintextLength = MaxFrameLength - NoiseCipherState.TagSize;
    private const int ReceiveBufferSize = 4 * (MaxFrameLength + 2);
    private const int SendBufferFrames = 4;

    private readonly Stream _inner;
    private readonly NoiseCipherState _send;
    private readonly NoiseCipherState _receive;

    private readonly byte[] _receiveBuffer = new byte[ReceiveBufferSize];
    private int _rawStart;
    private int _rawEnd;
    private int _plainStart;
    private int _plainEnd;

    private readonly byte[] _pending = new byte[MaxPlaintextLength];
    private int _pendingLength;
    private readonly byte[] _sendBuffer = new byte[SendBufferFrames * (MaxFrameLength + 2)];
    private int _sendLength;
    private int _disposed;

    public NoiseSecureStream(Stream inner, NoiseCipherState send, NoiseCipherState receive)
    {
        _inner = inner;
        _send = send;
        _receive = receive;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length == 0)
        {
            return 0;
        }
        while (_plainStart == _plainEnd)
        {
            if (!await EnsureRawAsync(2, cancellationToken).ConfigureAwait(false))
            {
                return 0;
            }
            int length = BinaryPrimitives.ReadUInt16BigEndian(_receiveBuffer.AsSpan(_rawStart));
            if (length < NoiseCipherState.TagSize)
            {
                throw new ProtocolViolationException($"Noise: a transport frame of {length} bytes is shorter than its authentication tag.");
            }
            if (!await EnsureRawAsync(2 + length, cancellationToken).ConfigureAwait(false))
            {
                throw new EndOfStreamException("Noise: the connection closed inside a transport frame.");
            }
            int start = _rawStart + 2;
            Span<byte> frame = _receiveBuffer.AsSpan(start, length);
            if (!_receive.Decrypt([], frame, frame))
            {
                throw new ProtocolViolationException("Noise: a transport frame fails authentication.");
            }
            _plainStart = start;
            _plainEnd = start + length - NoiseCipherState.TagSize;
            _rawStart = start + length;
        }
        int n = Math.Min(buffer.Length, _plainEnd - _plainStart);
        _receiveBuffer.AsSpan(_plainStart, n).CopyTo(buffer.Span);
        _plainStart += n;
        return n;
    }

    /// <summary>Ensures <paramref name="count"/> undecrypted bytes sit at <c>_rawStart</c>; false at a clean end of stream.</summary>
    private async ValueTask<bool> EnsureRawAsync(int count, CancellationToken cancellationToken)
    {
        while (_rawEnd - _rawStart < count)
        {
            if (_rawStart + count > _receiveBuffer.Length)
            {
                // Only called with no plaintext pending, so the raw region can move to the front.
                int pending = _rawEnd - _rawStart;
                Buffer.BlockCopy(_receiveBuffer, _rawStart, _receiveBuffer, 0, pending);
                _rawStart = 0;
                _rawEnd = pending;
                _plainStart = _plainEnd = 0;
            }
            int n = await _inner.ReadAsync(_receiveBuffer.AsMemory(_rawEnd), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                if (_rawEnd == _rawStart)
                {
                    return false;
                }
                throw new EndOfStreamException("Noise: the connection closed inside a transport frame.");
            }
            _rawEnd += n;
        }
        return true;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (buffer.Length > 0)
        {
            if (_pendingLength == 0 && buffer.Length >= MaxPlaintextLength)
            {
                // Whole frames skip the staging copy.
                await SealAsync(buffer.Span[..MaxPlaintextLength], cancellationToken).ConfigureAwait(false);
                buffer = buffer[MaxPlaintextLength..];
                continue;
            }
            int n = Math.Min(buffer.Length, MaxPlaintextLength - _pendingLength);
            buffer.Span[..n].CopyTo(_pending.AsSpan(_pendingLength));
            _pendingLength += n;
            buffer = buffer[n..];
            if (_pendingLength == MaxPlaintextLength)
            {
                await SealPendingAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_pendingLength > 0)
        {
            await SealPendingAsync(cancellationToken).ConfigureAwait(false);
        }
        if (_sendLength > 0)
        {
            await SendAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private ValueTask SealPendingAsync(CancellationToken cancellationToken)
    {
        int length = _pendingLength;
        _pendingLength = 0;
        return SealAsync(_pending.AsSpan(0, length), cancellationToken);
    }

    private ValueTask SealAsync(ReadOnlySpan<byte> plaintext, CancellationToken cancellationToken)
    {
        int frameLength = plaintext.Length + NoiseCipherState.TagSize;
        BinaryPrimitives.WriteUInt16BigEndian(_sendBuffer.AsSpan(_sendLength), (ushort)frameLength);
        _send.Encrypt([], plaintext, _sendBuffer.AsSpan(_sendLength + 2, frameLength));
        _sendLength += 2 + frameLength;
        return _sendBuffer.Length - _sendLength < MaxFrameLength + 2 ? SendAsync(cancellationToken) : ValueTask.CompletedTask;
    }

    private async ValueTask SendAsync(CancellationToken cancellationToken)
    {
        int length = _sendLength;
        _sendLength = 0;
        await _inner.WriteAsync(_sendBuffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

    public override void Flush() => FlushAsync().GetAwaiter().GetResult();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _inner.Dispose();
            _send.Dispose();
            _receive.Dispose();
        }
        base.Dispose(disposing);
    }
}
