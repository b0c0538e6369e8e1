using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace BasedAI.Inference.Tokenizers;

/// <summary>Role of a SentencePiece vocabulary entry (values as in <c>sentencepiece_model.proto</c>).</summary>
public enum PieceKind
{
    /// <summary>An ordinary piece.</summary>
    Normal = 1,
    /// <summary>The unknown token.</summary>
    Unknown = 2,
    /// <summary>A control token (BOS, EOS, …): decodes to nothing.</summary>
    Control = 3,
    /// <summary>A user-defined piece.</summary>
    UserDefined = 4,
    /// <summary>An unused piece.</summary>
    Unused = 5,
    /// <summary>A byte-fallback piece <c>&lt;0xHH&gt;</c>.</summary>
    Byte = 6,
}

/// <summary>
/// Llama's SentencePiece-style BPE with byte fallback: spaces become <c>▁</c> and a <c>▁</c> is prepended, each code
/// point becomes its piece (or its UTF-8 bytes as <c>&lt;0xHH&gt;</c> pieces), then the adjacent pair whose merge has
/// the best priority is merged until none applies. Priority is the merged piece's score (SentencePiece models,
/// llama2.c <c>tokenizer.bin</c>, exactly as llama2.c's <c>encode</c>) or the merge's rank (Hugging Face <c>tokenizer.json</c>).
/// </summary>
public sealed class SentencePieceTokenizer : ITokenizer
{
    /// <summary>The visible space marker, U+2581.</summary>
    public const char SpaceMarker = '\u2581';

    private readonly string[] _pieces;
    private readonly float[] _scores;
    private readonly PieceKind[] _kinds;
    private readonly Dictionary<string, int> _lookup;
    private readonly int[] _byteIds = new int[256];
    private readonly Dictionary<(int, int), int>? _mergeRanks;

    /// <summary>
    /// Builds a tokenizer from pieces (with <c>▁</c> for spaces), their scores and kinds. When <paramref name="merges"/>
    /// is given, merges are ranked by their order there and the scores are derived from those ranks.
    /// </summary>
    public SentencePieceTokenizer(IReadOnlyList<string> pieces, IReadOnlyList<float> scores, IReadOnlyList<PieceKind> kinds,
        int unknownId, int bosTokenId, int eosTokenId, bool addDummyPrefix = true, IEnumerable<(string Left, string Right)>? merges = null)
    {
        ArgumentNullException.ThrowIfNull(pieces);
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentNullException.ThrowIfNull(kinds);
        if (pieces.Count == 0 || scores.Count != pieces.Count || kinds.Count != pieces.Count)
        {
            throw new InvalidDataException($"tokenizer: {pieces.Count} pieces, {scores.Count} scores and {kinds.Count} kinds must be equal and non-zero");
        }
        _pieces = [.. pieces];
        _scores = [.. scores];
        _kinds = [.. kinds];
        _lookup = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < _pieces.Length; i++)
        {
            _lookup.TryAdd(_pieces[i], i);
        }
        Array.Fill(_byteIds, -1);
        for (int i = 0; i < _pieces.Length; i++)
        {
            if (TryParseBytePiece(_pieces[i], out byte b))
            {
                _kinds[i] = PieceKind.Byte;
                _byteIds[b] = i;
            }
        }
        if (merges != null)
        {
            _mergeRanks = [];
            int rank = 0;
            foreach ((string left, string right) in merges)
            {
                if (!_lookup.TryGetValue(left, out int l) || !_lookup.TryGetValue(right, out int r) || !_lookup.ContainsKey(left + right))
                {
                    throw new InvalidDataException($"tokenizer: merge #{rank} '{left} {right}' uses a piece missing from the vocabulary");
                }
                _mergeRanks.TryAdd((l, r), rank++);
            }
            // Scores that order merges as the ranks do, so a llama2.c tokenizer.bin written from this one encodes alike.
            var ranked = new bool[_pieces.Length];
            foreach (((int l, int r), int mergeRank) in _mergeRanks.OrderBy(m => m.Value))
            {
                int merged = _lookup[_pieces[l] + _pieces[r]];
                if (!ranked[merged])
                {
                    ranked[merged] = true;
                    _scores[merged] = -mergeRank;
                }
            }
            for (int i = 0; i < _pieces.Length; i++)
            {
                if (!ranked[i])
                {
                    _scores[i] = -(rank + i);
                }
            }
        }
        UnknownId = unknownId;
        BosTokenId = bosTokenId;
        EosTokenId = eosTokenId;
        AddDummyPrefix = addDummyPrefix;
    }

    /// <inheritdoc />
    public int VocabSize => _pieces.Length;

    /// <inheritdoc />
    public int BosTokenId { get; }

    /// <inheritdoc />
    public int EosTokenId { get; }

    /// <summary>The unknown token's id (used when a byte has no fallback piece), or -1.</summary>
    public int UnknownId { get; }

    /// <summary>Whether a <c>▁</c> is prepended to non-empty text.</summary>
    public bool AddDummyPrefix { get; }

    /// <summary>Pieces by id.</summary>
    public IReadOnlyList<string> Pieces => _pieces;

    /// <summary>Scores by id.</summary>
    public IReadOnlyList<float> Scores => _scores;

    /// <summary>Kinds by id.</summary>
    public IReadOnlyList<PieceKind> Kinds => _kinds;

    /// <inheritdoc />
    public string TokenText(int token) => (uint)token < (uint)_pieces.Length ? _pieces[token] : throw new ArgumentOutOfRangeException(nameof(token));

    /// <inheritdoc />
    public IReadOnlyList<int> Encode(string text, bool addBos)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>();
        if (addBos && BosTokenId >= 0)
        {
            ids.Add(BosTokenId);
        }
        if (text.Length == 0)
        {
            return ids;
        }
        string normalized = (AddDummyPrefix ? SpaceMarker.ToString() : "") + text.Replace(' ', SpaceMarker);
        var symbols = new List<int>(normalized.Length);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (Rune rune in normalized.EnumerateRunes())
        {
            if (_lookup.TryGetValue(rune.ToString(), out int id))
            {
                symbols.Add(id);
                continue;
            }
            int n = rune.EncodeToUtf8(utf8);
            for (int k = 0; k < n; k++)
            {
                int byteId = _byteIds[utf8[k]];
                symbols.Add(byteId >= 0 ? byteId : UnknownId >= 0 ? UnknownId :
                    throw new InvalidDataException($"tokenizer: no piece for U+{rune.Value:X4} and no byte fallback or unknown token"));
            }
        }
        MergePairs(symbols);
        ids.AddRange(symbols);
        return ids;
    }

    private void MergePairs(List<int> symbols)
    {
        while (true)
        {
            float bestPriority = float.NegativeInfinity;
            int bestIndex = -1, bestId = -1;
            for (int k = 0; k + 1 < symbols.Count; k++)
            {
                int merged;
                float priority;
                if (_mergeRanks != null)
                {
                    if (!_mergeRanks.TryGetValue((symbols[k], symbols[k + 1]), out int rank))
                    {
                        continue;
                    }
                    merged = _lookup[_pieces[symbols[k]] + _pieces[symbols[k + 1]]];
                    priority = -rank;
                }
                else
                {
                    if (!_lookup.TryGetValue(_pieces[symbols[k]] + _pieces[symbols[k + 1]], out merged))
                    {
                        continue;
                    }
                    priority = _scores[merged];
                }
                if (priority > bestPriority)
                {
                    bestPriority = priority;
                    bestIndex = k;
                    bestId = merged;
                }
            }
            if (bestIndex < 0)
            {
                return;
            }
            symbols[bestIndex] = bestId;
            symbols.RemoveAt(bestIndex + 1);
        }
    }

    /// <inheritdoc />
    public void AppendBytes(int previous, int token, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(output);
        if ((uint)token >= (uint)_pieces.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(token), token, $"token id outside the vocabulary of {_pieces.Length}");
        }
        switch (_kinds[token])
        {
            case PieceKind.Control:
                return;
            case PieceKind.Byte:
                output.GetSpan(1)[0] = TryParseBytePiece(_pieces[token], out byte b) ? b : (byte)'?';
                output.Advance(1);
                return;
        }
        string text = _pieces[token].Replace(SpaceMarker, ' ');
        // Like SentencePiece (and llama2.c after BOS), the dummy-prefix space of the first piece is not part of the text.
        if (text.StartsWith(' ') && (previous < 0 || previous == BosTokenId))
        {
            text = text[1..];
        }
        int n = Encoding.UTF8.GetByteCount(text);
        Encoding.UTF8.GetBytes(text, output.GetSpan(n));
        output.Advance(n);
    }

    private static bool TryParseBytePiece(string piece, out byte value)
    {
        value = 0;
        return piece.Length == 6 && piece.StartsWith("<0x", StringComparison.Ordinal) && piece[5] == '>' &&
            byte.TryParse(piece.AsSpan(3, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>
    /// Loads llama2.c's <c>tokenizer.bin</c>: int32 max piece length, then per piece float32 score, int32 length and
    /// bytes (spaces instead of <c>▁</c>). Ids 0/1/2 are unknown/BOS/EOS as in llama2.c. Reads <paramref name="vocabSize"/>
    /// pieces, or to the end of the file when it is 0.
    /// </summary>
    public static SentencePieceTokenizer FromLlama2C(string path, int vocabSize = 0)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"tokenizer not found: {path}", path);
        }
        byte[] data = File.ReadAllBytes(path);
        var pieces = new List<string>();
        var scores = new List<float>();
        if (data.Length < 4)
        {
            throw new InvalidDataException($"{path}: too short for a llama2.c tokenizer");
        }
        int maxLength = BitConverter.ToInt32(data, 0);
        int offset = 4;
        while (offset < data.Length && (vocabSize == 0 || pieces.Count < vocabSize))
        {
            if (offset + 8 > data.Length)
            {
                throw new InvalidDataException($"{path}: truncated in the header of piece {pieces.Count}");
            }
            float score = BitConverter.ToSingle(data, offset);
            int length = BitConverter.ToInt32(data, offset + 4);
            offset += 8;
            if (length < 0 || length > maxLength || offset + length > data.Length)
            {
                throw new InvalidDataException($"{path}: piece {pieces.Count} has invalid length {length} (max {maxLength}, {data.Length - offset} bytes left)");
            }
            pieces.Add(Encoding.UTF8.GetString(data, offset, length).Replace(' ', SpaceMarker));
            scores.Add(score);
            offset += length;
        }
        if (vocabSize != 0 && pieces.Count < vocabSize)
        {
            throw new InvalidDataException($"{path}: holds {pieces.Count} pieces, the model needs {vocabSize}");
        }
        if (pieces.Count < 3)
        {
            throw new InvalidDataException($"{path}: a llama2.c tokenizer needs at least the 3 special pieces");
        }
        var kinds = Enumerable.Repeat(PieceKind.Normal, pieces.Count).ToArray();
        kinds[0] = PieceKind.Unknown;
        kinds[1] = PieceKind.Control;
        kinds[2] = PieceKind.Control;
        pieces[1] = "<s>";
        pieces[2] = "</s>";
        return new SentencePieceTokenizer(pieces, scores, kinds, 0, 1, 2);
    }

    /// <summary>Writes llama2.c's <c>tokenizer.bin</c> (inverse of <see cref="FromLlama2C"/>).</summary>
    public void SaveLlama2C(string path)
    {
        using var writer = new BinaryWriter(File.Create(path));
        byte[][] encoded = _pieces.Select((p, i) => Encoding.UTF8.GetBytes(
            i == BosTokenId ? "\n<s>\n" : i == EosTokenId ? "\n</s>\n" : p.Replace(SpaceMarker, ' '))).ToArray();
        writer.Write(encoded.Max(e => e.Length));
        for (int i = 0; i < encoded.Length; i++)
        {
            writer.Write(_scores[i]);
            writer.Write(encoded[i].Length);
            writer.Write(encoded[i]);
        }
    }

    /// <summary>Loads a SentencePiece <c>.model</c> file (protobuf <c>ModelProto</c>); only BPE models are accepted.</summary>
    public static SentencePieceTokenizer FromSentencePieceModel(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"tokenizer not found: {path}", path);
        }
        try
        {
            return SentencePieceModelReader.Read(File.ReadAllBytes(path));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// The Hugging Face <c>tokenizer.json</c> of this tokenizer: a BPE model with byte fallback, merges ranked by the
    /// merged piece's score (so rank order reproduces score order), and SentencePiece-style normalizer and decoder.
    /// </summary>
    public void WriteTokenizerJson(Utf8JsonWriter json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var merges = new List<(string Left, string Right, float Score, int Id)>();
        for (int id = 0; id < _pieces.Length; id++)
        {
            if (_kinds[id] != PieceKind.Normal && _kinds[id] != PieceKind.UserDefined)
            {
                continue;
            }
            string piece = _pieces[id];
            for (int split = 1; split < piece.Length; split++)
            {
                if (char.IsLowSurrogate(piece[split]))
                {
                    continue;
                }
                string left = piece[..split], right = piece[split..];
                if (_lookup.ContainsKey(left) && _lookup.ContainsKey(right))
                {
                    merges.Add((left, right, _scores[id], id));
                }
            }
        }
        merges.Sort((a, b) => a.Score != b.Score ? b.Score.CompareTo(a.Score) : a.Id != b.Id ? a.Id.CompareTo(b.Id) : string.CompareOrdinal(a.Left, b.Left));
        json.WriteStartObject();
        json.WriteString("version", "1.0");
        json.WriteNull("truncation");
        json.WriteNull("padding");
        json.WriteStartArray("added_tokens");
        for (int id = 0; id < _pieces.Length; id++)
        {
            if (_kinds[id] is PieceKind.Control or PieceKind.Unknown)
            {
                json.WriteStartObject();
                json.WriteNumber("id", id);
                json.WriteString("content", _pieces[id]);
                json.WriteBoolean("single_word", false);
                json.WriteBoolean("lstrip", false);
                json.WriteBoolean("rstrip", false);
                json.WriteBoolean("normalized", false);
                json.WriteBoolean("special", true);
                json.WriteEndObject();
            }
        }
        json.WriteEndArray();
        json.WriteStartObject("normalizer");
        json.WriteString("type", "Sequence");
        json.WriteStartArray("normalizers");
        if (AddDummyPrefix)
        {
            json.WriteStartObject();
            json.WriteString("type", "Prepend");
            json.WriteString("prepend", SpaceMarker.ToString());
            json.WriteEndObject();
        }
        json.WriteStartObject();
        json.WriteString("type", "Replace");
        json.WriteStartObject("pattern");
        json.WriteString("String", " ");
        json.WriteEndObject();
        json.WriteString("content", SpaceMarker.ToString());
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteNull("pre_tokenizer");
        json.WriteNull("post_processor");
        json.WriteStartObject("decoder");
        json.WriteString("type", "Sequence");
        json.WriteStartArray("decoders");
        json.WriteStartObject();
        json.WriteString("type", "Replace");
        json.WriteStartObject("pattern");
        json.WriteString("String", SpaceMarker.ToString());
        json.WriteEndObject();
        json.WriteString("content", " ");
        json.WriteEndObject();
        json.WriteStartObject();
        json.WriteString("type", "ByteFallback");
        json.WriteEndObject();
        json.WriteStartObject();
        json.WriteString("type", "Fuse");
        json.WriteEndObject();
        json.WriteStartObject();
        json.WriteString("type", "Strip");
        json.WriteString("content", " ");
        json.WriteNumber("start", 1);
        json.WriteNumber("stop", 0);
        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteStartObject("model");
        json.WriteString("type", "BPE");
        json.WriteNull("dropout");
        if (UnknownId >= 0)
        {
            json.WriteString("unk_token", _pieces[UnknownId]);
        }
        else
        {
            json.WriteNull("unk_token");
        }
        json.WriteNull("continuing_subword_prefix");
        json.WriteNull("end_of_word_suffix");
        json.WriteBoolean("fuse_unk", true);
        json.WriteBoolean("byte_fallback", true);
        json.WriteStartObject("vocab");
        for (int id = 0; id < _pieces.Length; id++)
        {
            json.WriteNumber(_pieces[id], id);
        }
        json.WriteEndObject();
        json.WriteStartArray("merges");
        foreach ((string left, string right, _, _) in merges)
        {
            json.WriteStringValue(left + " " + right);
        }
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
