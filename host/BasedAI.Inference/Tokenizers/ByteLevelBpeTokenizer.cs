using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace BasedAI.Inference.Tokenizers;

/// <summary>
/// GPT-2's byte-level BPE: special (added) tokens are split out first, the rest is pre-tokenized with GPT-2's pattern
/// (<c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>, implemented as a scanner over
/// code points), each piece's UTF-8 bytes are mapped to printable characters and merged by rank.
/// </summary>
public sealed class ByteLevelBpeTokenizer : ITokenizer
{
    private static readonly char[] ByteToChar = BuildByteToChar();
    private static readonly Dictionary<char, byte> CharToByte = ByteToChar.Select((c, b) => (c, b)).ToDictionary(p => p.c, p => (byte)p.b);
    private static readonly string[] Contractions = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"];

    private readonly Dictionary<string, int> _vocab;
    private readonly string[] _tokens;
    private readonly Dictionary<(int, int), int> _mergeRanks;
    private readonly (string Content, int Id)[] _specialTokens;
    private readonly HashSet<int> _specialIds;
    private readonly int[] _byteIds = new int[256];
    private readonly Dictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private readonly Lock _cacheLock = new();

    /// <summary>Builds a tokenizer from a vocabulary (byte-mapped strings → ids), merges in rank order, and added tokens.</summary>
    public ByteLevelBpeTokenizer(IReadOnlyDictionary<string, int> vocab, IEnumerable<(string Left, string Right)> merges,
        IEnumerable<(string Content, int Id)> addedTokens, int bosTokenId = -1, int eosTokenId = -1)
    {
        ArgumentNullException.ThrowIfNull(vocab);
        ArgumentNullException.ThrowIfNull(merges);
        ArgumentNullException.ThrowIfNull(addedTokens);
        _vocab = new Dictionary<string, int>(vocab, StringComparer.Ordinal);
        _specialTokens = addedTokens.OrderByDescending(t => t.Content.Length).ToArray();
        foreach ((string content, int id) in _specialTokens)
        {
            _vocab[content] = id;
        }
        int size = _vocab.Count == 0 ? 0 : _vocab.Values.Max() + 1;
        _tokens = new string[size];
        foreach ((string token, int id) in _vocab)
        {
            if (id < 0)
            {
                throw new InvalidDataException($"tokenizer: token '{token}' has a negative id {id}");
            }
            _tokens[id] = token;
        }
        _specialIds = _specialTokens.Select(t => t.Id).ToHashSet();
        for (int b = 0; b < 256; b++)
        {
            if (!_vocab.TryGetValue(ByteToChar[b].ToString(), out _byteIds[b]))
            {
                throw new InvalidDataException($"tokenizer: the vocabulary lacks the byte-level token for byte 0x{b:X2}");
            }
        }
        _mergeRanks = [];
        int rank = 0;
        foreach ((string left, string right) in merges)
        {
            if (!_vocab.TryGetValue(left, out int l) || !_vocab.TryGetValue(right, out int r) || !_vocab.ContainsKey(left + right))
            {
                throw new InvalidDataException($"tokenizer: merge #{rank} '{left} {right}' uses a token missing from the vocabulary");
            }
            _mergeRanks.TryAdd((l, r), rank++);
        }
        VocabSize = size;
        BosTokenId = bosTokenId;
        EosTokenId = eosTokenId;
    }

    /// <inheritdoc />
    public int VocabSize { get; }

    /// <inheritdoc />
    public int BosTokenId { get; }

    /// <inheritdoc />
    public int EosTokenId { get; }

    /// <summary>Loads GPT-2's <c>vocab.json</c> and <c>merges.txt</c>; <c>&lt;|endoftext|&gt;</c> becomes the special BOS/EOS token when present.</summary>
    public static ByteLevelBpeTokenizer FromVocabAndMerges(string vocabPath, string mergesPath)
    {
        Dictionary<string, int> vocab;
        try
        {
            vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(File.ReadAllText(vocabPath))
                ?? throw new InvalidDataException($"{vocabPath}: empty vocabulary");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{vocabPath}: not a JSON object of token → id ({e.Message})", e);
        }
        var merges = new List<(string, string)>();
        foreach (string line in File.ReadLines(mergesPath))
        {
            if (line.StartsWith("#version", StringComparison.Ordinal) || line.Length == 0)
            {
                continue;
            }
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0 || space == line.Length - 1)
            {
                throw new InvalidDataException($"{mergesPath}: malformed merge line '{line}'");
            }
            merges.Add((line[..space], line[(space + 1)..]));
        }
        const string EndOfText = "<|endoftext|>";
        bool hasEot = vocab.TryGetValue(EndOfText, out int eot);
        return new ByteLevelBpeTokenizer(vocab, merges, hasEot ? [(EndOfText, eot)] : [], hasEot ? eot : -1, hasEot ? eot : -1);
    }

    /// <summary>The vocabulary, byte-mapped strings → ids.</summary>
    public IReadOnlyDictionary<string, int> Vocabulary => _vocab;

    /// <inheritdoc />
    public string TokenText(int token) => (uint)token < (uint)_tokens.Length ? _tokens[token] ?? "" : throw new ArgumentOutOfRangeException(nameof(token));

    /// <inheritdoc />
    public IReadOnlyList<int> Encode(string text, bool addBos)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        if (addBos && BosTokenId >= 0)
        {
            ids.Add(BosTokenId);
        }
        int start = 0;
        while (start < text.Length)
        {
            (int at, string content, int id) = FindSpecial(text, start);
            EncodeOrdinary(text.AsSpan(start, at - start), ids);
            if (at == text.Length)
            {
                break;
            }
            ids.Add(id);
            start = at + content.Length;
        }
        return ids;
    }

    private (int At, string Content, int Id) FindSpecial(string text, int start)
    {
        (int At, string Content, int Id) best = (text.Length, "", -1);
        foreach ((string content, int id) in _specialTokens)
        {
            int at = text.IndexOf(content, start, StringComparison.Ordinal);
            if (at >= 0 && at < best.At)
            {
                best = (at, content, id);
            }
        }
        return best;
    }

    private void EncodeOrdinary(ReadOnlySpan<char> text, List<int> ids)
    {
        int i = 0;
        while (i < text.Length)
        {
            int end = NextPreToken(text, i);
            string piece = text[i..end].ToString();
            int[]? cached;
            lock (_cacheLock)
            {
                _cache.TryGetValue(piece, out cached);
            }
            if (cached == null)
            {
                cached = Bpe(piece);
                lock (_cacheLock)
                {
                    if (_cache.Count > 100_000)
                    {
                        _cache.Clear();
                    }
                    _cache[piece] = cached;
                }
            }
            ids.AddRange(cached);
            i = end;
        }
    }

    private int[] Bpe(string piece)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(piece);
        var symbols = new List<int>(bytes.Length);
        foreach (byte b in bytes)
        {
            symbols.Add(_byteIds[b]);
        }
        while (symbols.Count > 1)
        {
            int bestRank = int.MaxValue;
            (int, int) bestPair = default;
            for (int k = 0; k + 1 < symbols.Count; k++)
            {
                if (_mergeRanks.TryGetValue((symbols[k], symbols[k + 1]), out int rank) && rank < bestRank)
                {
                    bestRank = rank;
                    bestPair = (symbols[k], symbols[k + 1]);
                }
            }
            if (bestRank == int.MaxValue)
            {
                break;
            }
            int merged = _vocab[_tokens[bestPair.Item1] + _tokens[bestPair.Item2]];
            var next = new List<int>(symbols.Count);
            for (int k = 0; k < symbols.Count; k++)
            {
                if (k + 1 < symbols.Count && symbols[k] == bestPair.Item1 && symbols[k + 1] == bestPair.Item2)
                {
                    next.Add(merged);
                    k++;
                }
                else
                {
                    next.Add(symbols[k]);
                }
            }
            symbols = next;
        }
        return [.. symbols];
    }

    /// <summary>End (exclusive) of the GPT-2 pre-token that starts at <paramref name="i"/>.</summary>
    private static int NextPreToken(ReadOnlySpan<char> s, int i)
    {
        if (s[i] == '\'')
        {
            foreach (string c in Contractions)
            {
                if (s[i..].StartsWith(c, StringComparison.Ordinal))
                {
                    return i + c.Length;
                }
            }
        }
        int j = i;
        if (s[j] == ' ' && j + 1 < s.Length)
        {
            CharClass next = Classify(s, j + 1);
            if (next != CharClass.Space)
            {
                return RunEnd(s, j + 1, next);
            }
        }
        CharClass first = Classify(s, j);
        if (first != CharClass.Space)
        {
            return RunEnd(s, j, first);
        }
        int end = RunEnd(s, j, CharClass.Space);
        if (end == s.Length)
        {
            return end;
        }
        // \s+(?!\S): leave the last whitespace character for the next token, unless the run is a single character.
        int lastStart = end - RuneLength(s, end - 1, backwards: true);
        return lastStart > j ? lastStart : end;
    }

    private enum CharClass { Letter, Number, Space, Other }

    private static CharClass Classify(ReadOnlySpan<char> s, int i)
    {
        Rune.DecodeFromUtf16(s[i..], out Rune rune, out _);
        if (Rune.IsWhiteSpace(rune))
        {
            return CharClass.Space;
        }
        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => CharClass.Letter,
            UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => CharClass.Number,
            _ => CharClass.Other,
        };
    }

    private static int RunEnd(ReadOnlySpan<char> s, int i, CharClass cls)
    {
        while (i < s.Length && Classify(s, i) == cls)
        {
            i += RuneLength(s, i, backwards: false);
        }
        return i;
    }

    private static int RuneLength(ReadOnlySpan<char> s, int i, bool backwards) =>
        backwards ? (i > 0 && char.IsLowSurrogate(s[i]) && char.IsHighSurrogate(s[i - 1]) ? 2 : 1)
                  : (i + 1 < s.Length && char.IsHighSurrogate(s[i]) && char.IsLowSurrogate(s[i + 1]) ? 2 : 1);

    /// <inheritdoc />
    public void AppendBytes(int previous, int token, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        string text = TokenText(token);
        if (_specialIds.Contains(token))
        {
            int n = Encoding.UTF8.GetByteCount(text);
            Encoding.UTF8.GetBytes(text, output.GetSpan(n));
            output.Advance(n);
            return;
        }
        Span<byte> span = output.GetSpan(text.Length);
        for (int k = 0; k < text.Length; k++)
        {
            span[k] = CharToByte.TryGetValue(text[k], out byte b) ? b : (byte)'?';
        }
        output.Advance(text.Length);
    }

    /// <summary>GPT-2's reversible map from bytes to printable characters (printable Latin-1 maps to itself, the rest to U+0100…).</summary>
    private static char[] BuildByteToChar()
    {
        var map = new char[256];
        int extra = 0;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            map[b] = printable ? (char)b : (char)(256 + extra++);
        }
        return map;
    }
}
