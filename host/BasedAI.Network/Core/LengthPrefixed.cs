using System.Buffers;

namespace BasedAI.Network.Core;

/// <summary>Varint-length-prefixed messages on a stream (identify, pubsub RPC, request-response), with a size limit.</summary>
public static class LengthPrefixed
{
    /// <summary>Writes one message (varint length, then the bytes) and flushes.</summary>
    public static async ValueTask WriteAsync(Stream stream, ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        int total = Varint.SizeOf((ulong)message.Length) + message.Length;
        byte[] buffer = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            int offset = Varint.Write(buffer, (ulong)message.Length);
            message.Span.CopyTo(buffer.AsSpan(offset));
            await stream.WriteAsync(buffer.AsMemory(0, total), cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Reads one message of at most <paramref name="maxLength"/> bytes. Returns null at a clean end of stream before a message;
    /// throws <see cref="MessageTooLargeException"/> for a larger declared length (before reading the body) and
    /// <see cref="EndOfStreamException"/> when the stream ends inside a message.
    /// </summary>
    public static async ValueTask<byte[]?> ReadAsync(Stream stream, int maxLength, string what, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ulong? length = await Varint.ReadAsync(stream, what, cancellationToken).ConfigureAwait(false);
        if (length is null)
        {
            return null;
        }
        if (length > (ulong)maxLength)
        {
            throw new MessageTooLargeException($"{what} message of {length} bytes exceeds the {maxLength}-byte limit.");
        }
        byte[] message = new byte[(int)length];
        await stream.ReadExactlyAsync(message, cancellationToken).ConfigureAwait(false);
        return message;
    }
}
