using System.Text.Json;
using BasedAI.Inference.Formats;
using BasedAI.Inference.Generation;
using BasedAI.Inference.Model;
using BasedAI.Inference.Tensors;
using BasedAI.Inference.Tokenizers;

namespace BasedAI.Inference.Tests;

public class ModelTests
{
    /// <summary>Writes a Hugging Face GPT-2 directory with seeded random weights in the original Conv1D layout.</summary>
    internal static string WriteRandomGpt2(int hidden = 48, int heads = 4, int layers = 2, int vocab = 300, int positions = 64, int seed = 7)
    {
        string dir = Fixtures.TempDirectory();
        var random = new Random(seed);
        float[] Values(int count, float scale) => Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() * 2) - 1) * scale).ToArray();
        var tensors = new List<Tensor>
        {
            new("transformer.wte.weight", [vocab, hidden], Values(vocab * hidden, 0.5f)),
            new("transformer.wpe.weight", [positions, hidden], Values(positions * hidden, 0.2f)),
            new("transformer.ln_f.weight", [hidden], Values(hidden, 1f)),
            new("transformer.ln_f.bias", [hidden], Values(hidden, 0.1f)),
        };
        for (int l = 0; l < layers; l++)
        {
            string p = $"transformer.h.{l}.";
            tensors.Add(new(p + "ln_1.weight", [hidden], Values(hidden, 1f)));
            tensors.Add(new(p + "ln_1.bias", [hidden], Values(hidden, 0.1f)));
            tensors.Add(new(p + "attn.c_attn.weight", [hidden, 3 * hidden], Values(3 * hidden * hidden, 0.3f)));
            tensors.Add(new(p + "attn.c_attn.bias", [3 * hidden], Values(3 * hidden, 0.1f)));
            tensors.Add(new(p + "attn.c_proj.weight", [hidden, hidden], Values(hidden * hidden, 0.2f)));
            tensors.Add(new(p + "attn.c_proj.bias", [hidden], Values(hidden, 0.1f)));
            tensors.Add(new(p + "ln_2.weight", [hidden], Values(hidden, 1f)));
            tensors.Add(new(p + "ln_2.bias", [hidden], Values(hidden, 0.1f)));
            tensors.Add(new(p + "mlp.c_fc.weight", [hidden, 4 * hidden], Values(4 * hidden * hidden, 0.2f)));
            tensors.Add(new(p + "mlp.c_fc.bias", [4 * hidden], Values(4 * hidden, 0.1f)));
            tensors.Add(new(p + "mlp.c_proj.weight", [4 * hidden, hidden], Values(4 * hidden * hidden, 0.1f)));
            tensors.Add(new(p + "mlp.c_proj.bias", [hidden], Values(hidden, 0.1f)));
        }
        SafeTensorFile.Write(Path.Combine(dir, "model.safetensors"), tensors);
        File.WriteAllText(Path.Combine(dir, "config.json"), JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["model_type"] = "gpt2", ["n_embd"] = hidden, ["n_head"] = heads, ["n_layer"] = layers, ["vocab_size"] = vocab,
            ["n_positions"] = positions, ["n_inner"] = null, ["layer_norm_epsilon"] = 1e-5, ["activation_function"] = "gelu_new",
        }));
        return dir;
    }

    private static float[] EngineLogits(TransformerModel model, int[] tokens, int threads = 1, int prefillChunk = 64)
    {
        using InferenceSession session = model.CreateSession(new InferenceOptions { Threads = threads, PrefillChunk = prefillChunk });
        var logits = new float[tokens.Length * model.Config.VocabSize];
        session.Forward(tokens, logits);
        return logits;
    }

    private static void AssertClose(double[][] expected, float[] actual, double tolerance)
    {
        int vocab = expected[0].Length;
        for (int t = 0; t < expected.Length; t++)
        {
            double scale = Math.Max(1, expected[t].Max(Math.Abs));
            for (int v = 0; v < vocab; v++)
            {
                double error = Math.Abs(expected[t][v] - actual[(t * vocab) + v]);
                Assert.True(error <= tolerance * scale, $"position {t} token {v}: reference {expected[t][v]}, engine {actual[(t * vocab) + v]}");
            }
        }
    }

    [Fact]
    public void Fake_gpt2_loads_from_hugging_face_files_and_matches_the_double_precision_reference()
    {
        LoadedModel loaded = ModelLoader.Load(Fixtures.FakeGpt2);
        Assert.Equal(ModelArchitecture.Gpt2, loaded.Model.Config.Architecture);
        Assert.Equal(50257, loaded.Tokenizer.VocabSize);
        int[] tokens = [.. loaded.Tokenizer.Encode("Hello world, this is a test of the fake GPT-2.", false)];
        AssertClose(ReferenceTransformer.Gpt2(Fixtures.FakeGpt2, tokens), EngineLogits(loaded.Model, tokens), 1e-5);
        string text = Fixtures.GenerateText(loaded, "Hello", new GenerationOptions { MaxNewTokens = 8 });
        Assert.StartsWith("Hello", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(48, 4)]  // head width 12: scalar attention tails
    [InlineData(64, 2)]  // head width 32: vectorised attention blocks
    [InlineData(80, 5)]  // head width 16
    public void Multi_head_multi_layer_gpt2_matches_the_reference_with_batched_prefill_and_threads(int hidden, int heads)
    {
        string dir = WriteRandomGpt2(hidden, heads);
        TransformerModel model = HuggingFaceModel.Load(dir);
        int[] tokens = Enumerable.Range(0, 40).Select(i => (i * 37) % 300).ToArray();
        double[][] reference = ReferenceTransformer.Gpt2(dir, tokens);
        AssertClose(reference, EngineLogits(model, tokens), 2e-5);
        AssertClose(reference, EngineLogits(model, tokens, threads: 2, prefillChunk: 7), 2e-5);
        AssertClose(reference, EngineLogits(model, tokens, threads: 1, prefillChunk: 1), 2e-5);
    }

    [Fact]
    public void Stories260K_logits_match_the_double_precision_llama2c_reference()
    {
        int[] tokens = [.. Fixtures.Stories.Tokenizer.Encode("Once upon a time, a little cat sat on a mat.", true)];
        double[][] reference = ReferenceTransformer.Llama2C(Fixtures.Stories260K, tokens);
        AssertClose(reference, EngineLogits(Fixtures.Stories.Model, tokens), 1e-4);
        AssertClose(reference, EngineLogits(Fixtures.Stories.Model, tokens, threads: 2, prefillChunk: 5), 1e-4);
    }

    [Fact]
    public void Converted_hugging_face_layout_gives_identical_logits_and_the_expected_greedy_text()
    {
        string dir = Fixtures.TempDirectory();
        var tokenizer = (SentencePieceTokenizer)Fixtures.Stories.Tokenizer;
        HuggingFaceModel.SaveLlama(Fixtures.Stories.Model, tokenizer, dir);
        LoadedModel converted = ModelLoader.Load(dir);
        Assert.Equal("huggingface", converted.Format);
        int[] tokens = [.. tokenizer.Encode("The little dog ran", true)];
        Assert.Equal(EngineLogits(Fixtures.Stories.Model, tokens), EngineLogits(converted.Model, tokens));
        string text = Fixtures.GenerateText(converted, "", new GenerationOptions { MaxNewTokens = 200 });
        Assert.Equal(File.ReadAllText(Fixtures.Stories260KExpected), text);

        string roundTrip = Path.Combine(dir, "roundtrip.bin");
        Llama2CCheckpoint.Save(converted.Model, roundTrip);
        Assert.Equal(File.ReadAllBytes(Fixtures.Stories260K).Length, new FileInfo(roundTrip).Length);
        Assert.Equal(EngineLogits(Fixtures.Stories.Model, tokens), EngineLogits(Llama2CCheckpoint.Load(roundTrip), tokens));
    }

    [Fact]
    public void Int8_weights_keep_the_predictions_of_float32()
    {
        LoadedModel quantized = ModelLoader.Load(Fixtures.Stories260K, Fixtures.Stories260KTokenizer);
        quantized.Model.QuantizeInt8();
        Assert.True(quantized.Model.IsQuantized);
        Assert.DoesNotContain("layers.0.attn.q.weight", quantized.Model.Tensors.Keys);
        float[] original = Fixtures.Stories.Model.Blocks[0].Query.Weight!.Data, restored = quantized.Model.Blocks[0].Query.Dequantize().Data;
        float maxError = original.Zip(restored, (a, b) => Math.Abs(a - b)).Max(), maxWeight = original.Max(Math.Abs);
        Assert.True(maxError <= maxWeight / 127f, $"dequantized error {maxError} exceeds half a step of {maxWeight / 127f}");
        int[] tokens = [.. Fixtures.Stories.Tokenizer.Encode("Once upon a time, there was a little girl named Lily. She loved to play outside in the park.", true)];
        float[] exact = EngineLogits(Fixtures.Stories.Model, tokens), approx = EngineLogits(quantized.Model, tokens);
        int vocab = Fixtures.Stories.Model.Config.VocabSize, agree = 0;
        for (int t = 0; t < tokens.Length; t++)
        {
            agree += Sampler.ArgMax(exact.AsSpan(t * vocab, vocab)) == Sampler.ArgMax(approx.AsSpan(t * vocab, vocab)) ? 1 : 0;
        }
        Assert.True(agree >= tokens.Length * 0.9, $"top-1 agreement {agree}/{tokens.Length}");
    }

    [Fact]
    public void Kv_cache_steps_equal_one_batched_prefill()
    {
        TransformerModel model = Fixtures.Stories.Model;
        int[] tokens = [.. Fixtures.Stories.Tokenizer.Encode("Lily saw a big red ball in the park", true)];
        float[] batched = EngineLogits(model, tokens);
        using InferenceSession session = model.CreateSession(new InferenceOptions { Threads = 1 });
        int vocab = model.Config.VocabSize;
        for (int t = 0; t < tokens.Length; t++)
        {
            float[] step = session.Forward(tokens.AsSpan(t, 1)).ToArray();
            float[] expected = batched.AsSpan(t * vocab, vocab).ToArray();
            for (int v = 0; v < vocab; v++)
            {
                Assert.Equal(expected[v], step[v], 1e-4f);
            }
        }
        Assert.Equal(tokens.Length, session.Position);
        session.Rewind(2);
        Assert.Equal(2, session.Position);
    }

    [Fact]
    public void Context_overflow_and_bad_token_ids_are_rejected()
    {
        using InferenceSession session = Fixtures.Stories.Model.CreateSession(new InferenceOptions { Threads = 1, MaxSequenceLength = 4 });
        Assert.Throws<ArgumentOutOfRangeException>(() => session.Forward([600]));
        session.Forward([1, 2, 3, 4]);
        Assert.Throws<InvalidOperationException>(() => session.Forward([5]));
    }
}
