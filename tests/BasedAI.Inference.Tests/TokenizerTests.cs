using System.Text;
using BasedAI.Inference.Tokenizers;

namespace BasedAI.Inference.Tests;

public class TokenizerTests
{
    private static readonly Lazy<ITokenizer> Gpt2 = new(() => TokenizerLoader.Load(Path.Combine(Fixtures.FakeGpt2, "tokenizer.json")));

    public static (string[] Inputs, int[][] Ids) Gpt2Cases()
    {
        string inputs = File.ReadAllText(Path.Combine(Fixtures.TokenizerTests, "ggml-vocab-gpt-2.gguf.inp"), Encoding.UTF8);
        string[] texts = inputs.Split("\n__ggml_vocab_test__\n");
        string[] lines = File.ReadAllLines(Path.Combine(Fixtures.TokenizerTests, "ggml-vocab-gpt-2.gguf.out"));
        // The input file ends with a separator, so the last split part is empty.
        Assert.Equal("", texts[^1]);
        texts = texts[..^1];
        Assert.Equal(46, texts.Length);
        Assert.Equal(46, lines.Length);
        return (texts, lines.Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray()).ToArray());
    }

    [Fact]
    public void Gpt2_all_46_reference_strings_encode_to_their_ids_and_decode_back()
    {
        (string[] texts, int[][] ids) = Gpt2Cases();
        for (int i = 0; i < texts.Length; i++)
        {
            IReadOnlyList<int> encoded = Gpt2.Value.Encode(texts[i], addBos: false);
            Assert.True(ids[i].SequenceEqual(encoded), $"case {i} {texts[i]}: expected [{string.Join(' ', ids[i])}] got [{string.Join(' ', encoded)}]");
            Assert.Equal(texts[i], Gpt2.Value.Decode(encoded));
        }
    }

    [Fact]
    public void Gpt2_vocab_json_and_merges_txt_tokenize_like_tokenizer_json()
    {
        var classic = ByteLevelBpeTokenizer.FromVocabAndMerges(Path.Combine(Fixtures.FakeGpt2, "vocab.json"), Path.Combine(Fixtures.FakeGpt2, "merges.txt"));
        foreach (string text in Gpt2Cases().Inputs)
        {
            Assert.Equal(Gpt2.Value.Encode(text, false), classic.Encode(text, false));
        }
    }

    [Fact]
    public void Gpt2_special_token_in_text_is_one_token()
    {
        Assert.Equal([15496, 50256, 15496], Gpt2.Value.Encode("Hello<|endoftext|>Hello", false));
        Assert.Equal("Hello<|endoftext|>Hello", Gpt2.Value.Decode([15496, 50256, 15496]));
    }

    [Fact]
    public void Llama2_sentencepiece_model_encodes_the_reference_sentence()
    {
        var tokenizer = SentencePieceTokenizer.FromSentencePieceModel(Fixtures.Llama2TokenizerModel);
        Assert.Equal(32000, tokenizer.VocabSize);
        IReadOnlyList<int> ids = tokenizer.Encode("I believe the meaning of life is", addBos: true);
        Assert.Equal([1, 306, 4658, 278, 6593, 310, 2834, 338], ids);
        Assert.Equal("I believe the meaning of life is", tokenizer.Decode(ids));
    }

    [Fact]
    public void Llama2_byte_fallback_round_trips_text_outside_the_vocabulary()
    {
        var tokenizer = SentencePieceTokenizer.FromSentencePieceModel(Fixtures.Llama2TokenizerModel);
        const string text = "Emoji 🦙 and 𝄞 and newline\n end";
        IReadOnlyList<int> ids = tokenizer.Encode(text, addBos: true);
        Assert.Contains(ids, id => tokenizer.Kinds[id] == PieceKind.Byte);
        Assert.Equal(text, tokenizer.Decode(ids));
    }

    [Fact]
    public void Llama2C_tokenizer_matches_its_sentencepiece_semantics_through_tokenizer_json()
    {
        var original = SentencePieceTokenizer.FromLlama2C(Fixtures.Stories260KTokenizer, 512);
        string path = Path.Combine(Fixtures.TempDirectory(), "tokenizer.json");
        using (var stream = File.Create(path))
        using (var json = new System.Text.Json.Utf8JsonWriter(stream))
        {
            original.WriteTokenizerJson(json);
        }
        ITokenizer reloaded = TokenizerLoader.Load(path);
        string[] texts = ["Once upon a time, there was a little girl named Lily.", "", " leading space", "Tom's dog\n\"Hi!\" 42 ümlaut ☃", "a  b   c"];
        foreach (string text in texts)
        {
            Assert.Equal(original.Encode(text, true), reloaded.Encode(text, true));
            Assert.Equal(text, reloaded.Decode(reloaded.Encode(text, true)));
        }
    }

    [Fact]
    public void Streaming_decoder_holds_back_incomplete_utf8()
    {
        var tokenizer = SentencePieceTokenizer.FromLlama2C(Fixtures.Stories260KTokenizer, 512);
        IReadOnlyList<int> ids = tokenizer.Encode("snow ☃ man", addBos: true);
        var decoder = new StreamingDecoder(tokenizer);
        var pieces = ids.Select(decoder.Push).ToList();
        Assert.DoesNotContain(pieces, p => p.Contains('\uFFFD', StringComparison.Ordinal));
        Assert.Equal("snow ☃ man", string.Concat(pieces) + decoder.Flush());
    }

    [Theory]
    [InlineData("{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}", "WordPiece")]
    [InlineData("{\"model\": {\"type\": \"BPE\"}}", "vocab")]
    [InlineData("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": [\"a b\"]}, \"pre_tokenizer\": {\"type\": \"ByteLevel\"}}", "byte")]
    [InlineData("not json", "JSON")]
    [InlineData("{\"model\": {\"type\": \"BPE\", \"vocab\": {}}, \"pre_tokenizer\": {\"type\": \"Sequence\", \"pretokenizers\": [{\"type\": \"Split\"}, {\"type\": \"ByteLevel\"}]}}", "Split")]
    public void Malformed_tokenizer_json_gives_a_clear_error(string content, string mention)
    {
        string path = Path.Combine(Fixtures.TempDirectory(), "tokenizer.json");
        File.WriteAllText(path, content);
        var error = Assert.Throws<InvalidDataException>(() => TokenizerLoader.Load(path));
        Assert.Contains(mention, error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Truncated_llama2c_tokenizer_and_sentencepiece_model_are_rejected()
    {
        string dir = Fixtures.TempDirectory();
        byte[] tok = File.ReadAllBytes(Fixtures.Stories260KTokenizer);
        string truncated = Path.Combine(dir, "tok.bin");
        File.WriteAllBytes(truncated, tok[..(tok.Length / 2)]);
        Assert.Throws<InvalidDataException>(() => SentencePieceTokenizer.FromLlama2C(truncated, 512));
        byte[] model = File.ReadAllBytes(Fixtures.Llama2TokenizerModel);
        string cut = Path.Combine(dir, "cut.model");
        File.WriteAllBytes(cut, model[..1001]);
        Assert.Throws<InvalidDataException>(() => SentencePieceTokenizer.FromSentencePieceModel(cut));
    }

    [Fact]
    public void Sentencepiece_reader_survives_random_corruption_with_clear_errors()
    {
        byte[] original = File.ReadAllBytes(Fixtures.Llama2TokenizerModel)[..4096];
        var random = new Random(1234);
        for (int i = 0; i < 200; i++)
        {
            byte[] mutated = (byte[])original.Clone();
            for (int k = 0; k < 4; k++)
            {
                mutated[random.Next(mutated.Length)] = (byte)random.Next(256);
            }
            string path = Path.Combine(Path.GetTempPath(), $"basedai-sp-fuzz-{Environment.ProcessId}.model");
            File.WriteAllBytes(path, mutated);
            try
            {
                SentencePieceTokenizer.FromSentencePieceModel(path);
            }
            catch (InvalidDataException)
            {
            }
        }
    }
}
