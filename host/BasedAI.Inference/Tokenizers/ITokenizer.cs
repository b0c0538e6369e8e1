using System.Buffers;
using System.Text;

namespace BasedAI.Inference.Tokenizers;

/// <summary>Turns text into token ids and back.</summary>
public interface ITokenizer
{
    /// <summary>Number of token ids.</summary>
    int VocabSize { get; }

    /// <summary>Beginning-of-sequence id, or -1 when the tokenizer has none.</summary>
    int BosTokenId { get; }

    /// <summary>End-of-sequence id, or -1.</summary>
    int EosTokenId { get; }

    /// <summary>Encodes <paramref name="text"/>, with the BOS token first when <paramref name="addBos"/> and the tokenizer has one.</summary>
    IReadOnlyList<int> Encode(string text, bool addBos);

    /// <summary>
    /// Appends the bytes that <paramref name="token"/> contributes to decoded text when it follows
    /// <paramref name="previous"/> (-1 at the start). Bytes may be a partial UTF-8 sequence.
    /// </summary>
    void AppendBytes(int previous, int token, IBufferWriter<byte> output);

    /// <summary>The token's vocabulary entry as stored (e.g. <c>▁the</c>, <c>Ġthe</c>, <c>&lt;0x0A&gt;</c>).</summary>
    string TokenText(int token);
}

/// <summary>Decoding helpers shared by every tokenizer.</summary>
public static class TokenizerExtensions
{
    /// <summary>Decodes ids to text (invalid UTF-8 becomes U+FFFD).</summary>
    public static string Decode(this ITokenizer tokenizer, IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new ArrayBufferWriter<byte>();
        int previous = -1;
        foreach (int id in ids)
        {
            tokenizer.AppendBytes(previous, id, bytes);
            previous = id;
        }
        return Encoding.UTF8.GetString(bytes.WrittenSpan);
    }
}

/// <summary>
/// Decodes a stream of tokens into text as it arrives, holding back the bytes of an incomplete UTF-8 sequence until
/// the token that completes it.
/// </summary>
public sealed class StreamingDecoder
{
    private readonly ITokenizer _tokenizer;
    private readonly ArrayBufferWriter<byte> _pending = new();
    private int _previous = -1;

    /// <summary>Decodes tokens of <paramref name="tokenizer"/>.</summary>
    public StreamingDecoder(ITokenizer tokenizer) => _tokenizer = tokenizer;

    /// <summary>Adds a token; returns the text that is now complete (possibly empty).</summary>
    public string Push(int token)
    {
        _tokenizer.AppendBytes(_previous, token, _pending);
        _previous = token;
        ReadOnlySpan<byte> bytes = _pending.WrittenSpan;
        int complete = CompleteLength(bytes);
        string text = Encoding.UTF8.GetString(bytes[..complete]);
        byte[] rest = bytes[complete..].ToArray();
        _pending.Clear();
        _pending.Write(rest);
        return text;
    }

    /// <summary>Whatever is held back, decoded with replacement characters.</summary>
    public string Flush()
    {
        string text = Encoding.UTF8.GetString(_pending.WrittenSpan);
        _pending.Clear();
        return text;
    }

    private static int CompleteLength(ReadOnlySpan<byte> bytes)
    {
        // Look back at most 3 bytes for the lead byte of a sequence that is still missing continuation bytes.
        for (int back = 1; back <= Math.Min(3, bytes.Length); back++)
        {
            byte b = bytes[^back];
            if ((b & 0xC0) == 0x80)
            {
                continue;
            }
            int need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            return need > back ? bytes.Length - back : bytes.Length;
        }
        return bytes.Length;
    }
}
