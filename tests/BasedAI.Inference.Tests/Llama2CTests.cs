using BasedAI.Inference.Formats;
using BasedAI.Inference.Generation;
using BasedAI.Inference.Model;

namespace BasedAI.Inference.Tests;

public class Llama2CTests
{
    [Fact]
    public void Stories260K_greedy_200_steps_from_bos_matches_llama2c_byte_for_byte()
    {
        string expected = File.ReadAllText(Fixtures.Stories260KExpected);
        string text = Fixtures.GenerateText(Fixtures.Stories, "", new GenerationOptions { MaxNewTokens = 200 });
        Assert.Equal(expected, text);
    }

    [Fact]
    public void Stories260K_config_is_read_from_the_header()
    {
        TransformerConfig c = Fixtures.Stories.Model.Config;
        Assert.Equal((64, 172, 5, 8, 4, 512, 512), (c.HiddenSize, c.IntermediateSize, c.LayerCount, c.HeadCount, c.KeyValueHeadCount, c.VocabSize, c.MaxSequenceLength));
        Assert.True(c.TieWordEmbeddings);
    }
}

public class Llama2CReferenceRunTests
{
    public sealed record Run(string Prompt, int Steps, float Temperature, float TopP, ulong Seed, string Expected);

    public static TheoryData<int> Cases() => new(Enumerable.Range(0, LoadRuns().Count));

    private static List<Run> LoadRuns() => System.Text.Json.JsonSerializer.Deserialize<List<Run>>(
        File.ReadAllText(Path.Combine(Fixtures.RepositoryRoot, "tests", "BasedAI.Inference.Tests", "Data", "llama2c-stories260K-runs.json")),
        JsonOptions)!;

    private static readonly System.Text.Json.JsonSerializerOptions JsonOptions = new() { PropertyNameCaseInsensitive = true };

    /// <summary>
    /// Outputs of llama2.c's run.c (built locally with -O3 -march=native) on stories260K: greedy with prompts, and sampled
    /// with temperature/top-p/seed, which must match because the sampler reproduces llama2.c's random generator.
    /// llama2.c's <c>-n steps</c> counts positions from BOS, so new tokens = steps − prompt tokens + 1.
    /// </summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_llama2c_run_c_output(int index)
    {
        Run run = LoadRuns()[index];
        LoadedModel loaded = Fixtures.Stories;
        int promptTokens = loaded.Tokenizer.Encode(run.Prompt, addBos: true).Count;
        var options = new GenerationOptions
        {
            MaxNewTokens = run.Steps - promptTokens + 1,
            Sampling = new SamplingOptions { Temperature = run.Temperature, TopP = run.TopP, Seed = run.Seed },
        };
        Assert.Equal(run.Expected, Fixtures.GenerateText(loaded, run.Prompt, options));
    }
}
