using System.Text.Json;

namespace BasedAI.Inference.Tokenizers;

/// <summary>Finds and loads a tokenizer from a file or a model directory.</summary>
public static class TokenizerLoader
{
    private static readonly string[] PipelineParts = ["normalizer", "pre_tokenizer", "decoder"];

    /// <summary>
    /// Loads <c>tokenizer.json</c> (Hugging Face), a SentencePiece <c>.model</c>, a llama2.c <c>.bin</c>, or from a
    /// directory the first of <c>tokenizer.json</c>, <c>tokenizer.model</c>, <c>vocab.json</c> + <c>merges.txt</c>.
    /// <paramref name="vocabSize"/> bounds a llama2.c tokenizer (0: read to the end).
    /// </summary>
    public static ITokenizer Load(string path, int vocabSize = 0)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            string json = Path.Combine(path, "tokenizer.json"), model = Path.Combine(path, "tokenizer.model");
            string vocab = Path.Combine(path, "vocab.json"), merges = Path.Combine(path, "merges.txt");
            if (File.Exists(json))
            {
                return FromTokenizerJson(json);
            }
            if (File.Exists(model))
            {
                return SentencePieceTokenizer.FromSentencePieceModel(model);
            }
            if (File.Exists(vocab) && File.Exists(merges))
            {
                return ByteLevelBpeTokenizer.FromVocabAndMerges(vocab, merges);
            }
            throw new FileNotFoundException($"no tokenizer in {path} (looked for tokenizer.json, tokenizer.model, vocab.json + merges.txt)");
        }
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"tokenizer not found: {path}", path);
        }
        return Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".json" => FromTokenizerJson(path),
            ".model" => SentencePieceTokenizer.FromSentencePieceModel(path),
            ".bin" => SentencePieceTokenizer.FromLlama2C(path, vocabSize),
            _ => throw new InvalidDataException($"{path}: unknown tokenizer format (expected tokenizer.json, a SentencePiece .model or a llama2.c .bin)"),
        };
    }

    /// <summary>Loads a Hugging Face <c>tokenizer.json</c> with a BPE model: byte-level (GPT-2) or SentencePiece-style with byte fallback (Llama).</summary>
    public static ITokenizer FromTokenizerJson(string path)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON ({e.Message})", e);
        }
        using (document)
        {
            try
            {
                return Parse(document.RootElement);
            }
            catch (Exception e) when (e is InvalidDataException or InvalidOperationException or KeyNotFoundException or FormatException)
            {
                throw new InvalidDataException($"{path}: {e.Message}", e);
            }
        }
    }

    private static ITokenizer Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out JsonElement model) || model.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException("tokenizer.json has no \"model\" object");
        }
        string type = model.TryGetProperty("type", out JsonElement t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "";
        if (type != "BPE")
        {
            throw new InvalidDataException($"tokenizer model type '{type}' is not supported (only BPE)");
        }
        if (!model.TryGetProperty("vocab", out JsonElement vocabElement) || vocabElement.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException("tokenizer.json model has no \"vocab\" object");
        }
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (JsonProperty entry in vocabElement.EnumerateObject())
        {
            vocab[entry.Name] = entry.Value.ValueKind == JsonValueKind.Number && entry.Value.TryGetInt32(out int id) && id >= 0 ? id :
                throw new InvalidDataException($"vocab entry '{entry.Name}' has no valid id");
        }
        var merges = new List<(string, string)>();
        if (model.TryGetProperty("merges", out JsonElement mergesElement) && mergesElement.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement merge in mergesElement.EnumerateArray())
            {
                if (merge.ValueKind == JsonValueKind.String)
                {
                    string text = merge.GetString()!;
                    int space = text.IndexOf(' ', StringComparison.Ordinal);
                    merges.Add(space > 0 ? (text[..space], text[(space + 1)..]) : throw new InvalidDataException($"malformed merge '{text}'"));
                }
                else if (merge.ValueKind == JsonValueKind.Array && merge.GetArrayLength() == 2)
                {
                    merges.Add((merge[0].GetString()!, merge[1].GetString()!));
                }
                else
                {
                    throw new InvalidDataException($"malformed merge {merge}");
                }
            }
        }
        var added = new List<(string Content, int Id, bool Special)>();
        if (root.TryGetProperty("added_tokens", out JsonElement addedElement) && addedElement.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement token in addedElement.EnumerateArray())
            {
                added.Add((token.GetProperty("content").GetString()!, token.GetProperty("id").GetInt32(),
                    token.TryGetProperty("special", out JsonElement s) && s.ValueKind == JsonValueKind.True));
            }
        }
        bool byteFallback = model.TryGetProperty("byte_fallback", out JsonElement bf) && bf.ValueKind == JsonValueKind.True;
        // The pipeline's shape is read from its components, never from the vocabulary (which may hold any string).
        // Whitespace is dropped so that pretty-printed and compact files read the same.
        string json = string.Concat(string.Concat(PipelineParts.Select(name => root.TryGetProperty(name, out JsonElement part) ? part.GetRawText() : ""))
            .Where(c => !char.IsWhiteSpace(c)));
        bool byteLevel = json.Contains("\"ByteLevel\"", StringComparison.Ordinal);
        if (byteLevel && !byteFallback)
        {
            if (json.Contains("\"Split\"", StringComparison.Ordinal))
            {
                throw new InvalidDataException("byte-level BPE with a custom Split pre-tokenizer (e.g. Llama 3, tiktoken patterns) is not supported; only GPT-2's pattern is");
            }
            int eot = added.Where(a => a.Content == "<|endoftext|>").Select(a => a.Id).DefaultIfEmpty(-1).First();
            return new ByteLevelBpeTokenizer(vocab, merges, added.Select(a => (a.Content, a.Id)), eot, eot);
        }
        if (!byteFallback && !json.Contains(SentencePieceTokenizer.SpaceMarker, StringComparison.Ordinal))
        {
            throw new InvalidDataException("tokenizer.json is neither byte-level BPE (GPT-2) nor SentencePiece-style BPE (Llama)");
        }
        foreach ((string content, int id, _) in added)
        {
            vocab[content] = id;
        }
        int size = vocab.Values.Max() + 1;
        var pieces = new string[size];
        foreach ((string piece, int id) in vocab)
        {
            pieces[id] = piece;
        }
        for (int i = 0; i < size; i++)
        {
            pieces[i] ??= $"<unused{i}>";
        }
        var kinds = Enumerable.Repeat(PieceKind.Normal, size).ToArray();
        foreach ((_, int id, bool special) in added.Where(a => a.Special))
        {
            kinds[id] = PieceKind.Control;
        }
        string? unk = model.TryGetProperty("unk_token", out JsonElement u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
        int unkId = unk != null && vocab.TryGetValue(unk, out int ui) ? ui : -1;
        if (unkId >= 0)
        {
            kinds[unkId] = PieceKind.Unknown;
        }
        int bos = vocab.GetValueOrDefault("<s>", -1), eos = vocab.GetValueOrDefault("</s>", -1);
        // The Llama converter writes either a Prepend("▁") normalizer or a Metaspace pre-tokenizer that adds the prefix.
        bool dummyPrefix = json.Contains("\"Prepend\"", StringComparison.Ordinal) ||
            (json.Contains("\"Metaspace\"", StringComparison.Ordinal) && !json.Contains("\"prepend_scheme\":\"never\"", StringComparison.Ordinal));
        return new SentencePieceTokenizer(pieces, new float[size], kinds, unkId, bos, eos, dummyPrefix, merges);
    }
}
