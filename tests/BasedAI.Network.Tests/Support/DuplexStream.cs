using System.IO.Pipelines;

namespace BasedAI.Network.Tests.Support;

/// <summary>An in-memory connected pair of streams (what one writes, the other reads).</summary>
public sealed class DuplexStream : Stream
{
    private readonly Stream _read;
    private readonly Stream _write;

    private DuplexStream(Stream read, Stream write)
    {
        _read = read;
        _write = write;
    }

    public static (DuplexStream A, DuplexStream B) CreatePair()
    {
        var ab = new Pipe();
        var ba = new Pipe();
        return (new DuplexStream(ba.Reader.AsStream(), ab.Writer.AsStream()), new DuplexStream(ab.Reader.AsStream(), ba.Writer.AsStream()));
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => _read.ReadAsync(buffer, cancellationToken);
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => _write.WriteAsync(buffer, cancellationToken);
    public override Task FlushAsync(CancellationToken cancellationToken) => _write.FlushAsync(cancellationToken);
    public override void Flush() => _write.Flush();
    public override int Read(byte[] buffer, int offset, int count) => _read.Read(buffer, offset, count);
    public override void Write(byte[] buffer, int offset, int count) => _write.Write(buffer, offset, count);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _read.Dispose();
            _write.Dispose();
        }
        base.Dispose(disposing);
    }
}
