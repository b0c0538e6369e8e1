using System.Buffers;
using System.Text;
using BasedAI.Network.Core;

namespace BasedAI.Network.Multistream;

/// <summary>
/// multistream-select 1.0: each message is a varint length, UTF-8 text and a trailing newline. The dialer sends the header and its
/// first proposal together; the listener answers with the header and then echoes a supported proposal or answers <c>na</c>.
/// </summary>
public static class MultistreamSelect
{
    /// <summary>The protocol id and header line.</summary>
    public const string ProtocolId = "/multistream/1.0.0";
    /// <summary>The refusal answer.</summary>
    public const string NotAvailable = "na";
    /// <summary>Longest message accepted, newline included (as go and js).</summary>
    public const int MaxMessageLength = 1024;
    private static readonly byte[] HeaderBytes = Encoding.UTF8.GetBytes(ProtocolId);

    /// <summary>Proposals a listener answers before it gives up on a dialer.</summary>
    public const int MaxProposals = 32;

    /// <summary>
    /// Dialer side: proposes <paramref name="protocols"/> in order and returns the first the listener accepts.
    /// Throws <see cref="ProtocolNotSupportedException"/> when every proposal is refused.
    /// </summary>
    public static async Task<string> SelectAsync(Stream stream, IReadOnlyList<string> protocols, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(protocols);
        if (protocols.Count == 0)
        {
            throw new ArgumentException("At least one protocol must be proposed.", nameof(protocols));
        }
        await WriteMessagesAsync(stream, [ProtocolId, protocols[0]], cancellationToken).ConfigureAwait(false);
        string header = await ReadMessageAsync(stream, cancellationToken).ConfigureAwait(false)
            ?? throw new ProtocolViolationException("multistream-select: the stream ended before the listener's header.");
        if (header != ProtocolId)
        {
            throw new ProtocolViolationException($"multistream-select: expected header '{ProtocolId}', got '{Printable(header)}'.");
        }
        for (int i = 0; i < protocols.Count; i++)
        {
            if (i > 0)
            {
                await WriteMessagesAsync(stream, [protocols[i]], cancellationToken).ConfigureAwait(false);
            }
            string answer = await ReadMessageAsync(stream, cancellationToken).ConfigureAwait(false)
                ?? throw new ProtocolViolationException("multistream-select: the stream ended before the listener answered.");
            if (answer == protocols[i])
            {
                return answer;
            }
            if (answer != NotAvailable)
            {
                throw new ProtocolViolationException($"multistream-select: proposed '{protocols[i]}', listener answered '{Printable(answer)}'.");
            }
        }
        throw new ProtocolNotSupportedException($"The remote supports none of: {string.Join(", ", protocols)}.");
    }

    /// <summary>
    /// Lazy dialer side, first half: writes the header and the single proposal without waiting, so the caller can send data at once.
    /// Complete with <see cref="CompleteLazySelectAsync"/> before the first read.
    /// </summary>
    public static ValueTask StartLazySelectAsync(Stream stream, string protocol, CancellationToken cancellationToken) =>
        WriteMessagesAsync(stream, [ProtocolId, protocol], cancellationToken);

    /// <summary>Lazy dialer side, second half: reads the listener's header and answer.</summary>
    public static async Task CompleteLazySelectAsync(Stream stream, string protocol, CancellationToken cancellationToken)
    {
        string? header = await ReadMessageAsync(stream, cancellationToken).ConfigureAwait(false);
        if (header != ProtocolId)
        {
            throw new ProtocolViolationException($"multistream-select: expected header '{ProtocolId}', got '{Printable(header ?? "<end of stream>")}'.");
        }
        string? answer = await ReadMessageAsync(stream, cancellationToken).ConfigureAwait(false);
        if (answer == NotAvailable)
        {
            throw new ProtocolNotSupportedException($"The remote does not support {protocol}.");
        }
        if (answer != protocol)
        {
            throw new ProtocolViolationException($"multistream-select: proposed '{protocol}', listener answered '{Printable(answer ?? "<end of stream>")}'.");
        }
    }

    /// <summary>
    /// Listener side: answers the dialer's proposals until one satisfies <paramref name="isSupported"/>, answering <c>ls</c>
    /// with <paramref name="listProtocols"/>. Throws <see cref="ProtocolViolationException"/> for malformed messages or too many
    /// proposals, and <see cref="EndOfStreamException"/> if the dialer leaves.
    /// </summary>
    public static async Task<string> ListenAsync(Stream stream, Func<string, bool> isSupported, Func<IEnumerable<string>> listProtocols, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(isSupported);
        ArgumentNullException.ThrowIfNull(listProtocols);
        string header = await ReadMessageAsync(stream, cancellationToken).ConfigureAwait(false)
            ?? throw new EndOfStreamException("multistream-select: the dialer left before sending the header.");
        if (header != ProtocolId)
        {
            throw new ProtocolViolationException($"multistream-select: expected header '{ProtocolId}', got '{Printable(header)}'.");
        }
        bool headerSent = false;
        for (int i = 0; i < MaxProposals; i++)
        {
            string proposal = await ReadMessageAsync(stream, cancellationToken).ConfigureAwait(false)
                ?? throw new EndOfStreamException("multistream-select: the dialer left during negotiation.");
            bool accepted = proposal != "ls" && isSupported(proposal);
            byte[] answer = proposal == "ls" ? EncodeList(listProtocols()) : Encoding.UTF8.GetBytes(accepted ? proposal : NotAvailable);
            // The header goes out with the first answer: one packet instead of two.
            byte[][] messages = headerSent ? [answer] : [HeaderBytes, answer];
            await WriteMessagesAsync(stream, messages, cancellationToken).ConfigureAwait(false);
            headerSent = true;
            if (accepted)
            {
                return proposal;
            }
        }
        throw new ProtocolViolationException($"multistream-select: the dialer made more than {MaxProposals} proposals.");
    }

    private static byte[] EncodeList(IEnumerable<string> protocols)
    {
        // ls answers one message holding a length-prefixed line per protocol.
        var buffer = new ArrayBufferWriter<byte>(256);
        foreach (string protocol in protocols)
        {
            byte[] line = Encoding.UTF8.GetBytes(protocol + "\n");
            Varint.Write(buffer, (ulong)line.Length);
            buffer.Write(line);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes text messages in one write and flushes.</summary>
    internal static ValueTask WriteMessagesAsync(Stream stream, IReadOnlyList<string> messages, CancellationToken cancellationToken) =>
        WriteMessagesAsync(stream, messages.Select(m => Encoding.UTF8.GetBytes(m)).ToArray(), cancellationToken);

    /// <summary>Writes messages (each gets its length prefix and newline) in one write and flushes.</summary>
    internal static async ValueTask WriteMessagesAsync(Stream stream, IReadOnlyList<byte[]> messages, CancellationToken cancellationToken)
    {
        int total = 0;
        foreach (byte[] message in messages)
        {
            int length = message.Length + 1;
            if (length > MaxMessageLength)
            {
                throw new ArgumentException($"A multistream-select message is longer than {MaxMessageLength} bytes.", nameof(messages));
            }
            total += Varint.SizeOf((ulong)length) + length;
        }
        byte[] buffer = new byte[total];
        int offset = 0;
        foreach (byte[] message in messages)
        {
            offset += Varint.Write(buffer.AsSpan(offset), (ulong)message.Length + 1);
            message.CopyTo(buffer, offset);
            offset += message.Length;
            buffer[offset++] = (byte)'\n';
        }
        await stream.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one message without its newline; null at a clean end of stream.</summary>
    internal static async ValueTask<string?> ReadMessageAsync(Stream stream, CancellationToken cancellationToken)
    {
        ulong? length;
        try
        {
            length = await Varint.ReadAsync(stream, "multistream-select message", cancellationToken).ConfigureAwait(false);
        }
        catch (FormatException e)
        {
            throw new ProtocolViolationException($"multistream-select: {e.Message}", e);
        }
        if (length is null)
        {
            return null;
        }
        if (length == 0 || length > MaxMessageLength)
        {
            throw new ProtocolViolationException($"multistream-select: message length {length} is outside 1..{MaxMessageLength}.");
        }
        byte[] message = new byte[(int)length];
        await stream.ReadExactlyAsync(message, cancellationToken).ConfigureAwait(false);
        if (message[^1] != (byte)'\n')
        {
            throw new ProtocolViolationException("multistream-select: message does not end with a newline.");
        }
        try
        {
            return ProtobufReader.StrictUtf8.GetString(message, 0, message.Length - 1);
        }
        catch (DecoderFallbackException)
        {
            throw new ProtocolViolationException("multistream-select: message is not valid UTF-8.");
        }
    }

    private static string Printable(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, 64));
        foreach (char c in text.AsSpan(0, Math.Min(text.Length, 64)))
        {
            builder.Append(char.IsControl(c) ? '?' : c);
        }
        return text.Length > 64 ? builder.Append('…').ToString() : builder.ToString();
    }
}
