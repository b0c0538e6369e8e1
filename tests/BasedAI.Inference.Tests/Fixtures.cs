using System.Text;
using BasedAI.Inference.Formats;
using BasedAI.Inference.Generation;
using BasedAI.Inference.Model;
using BasedAI.Inference.Tokenizers;

namespace BasedAI.Inference.Tests;

/// <summary>Paths of the shared fixtures (../shared/models from the repository root) and helpers over them.</summary>
internal static class Fixtures
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Models => Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "models"));
    public static string Stories260K => Path.Combine(Models, "stories260K", "stories260K.bin");
    public static string Stories260KTokenizer => Path.Combine(Models, "stories260K", "tok512.bin");
    public static string Stories260KExpected => Path.Combine(Models, "stories260K", "expected-greedy-200.txt");
    public static string FakeGpt2 => Path.Combine(Models, "fake_gpt2");
    public static string Llama2TokenizerModel => Path.Combine(Models, "llama2-tokenizer.model");
    public static string TokenizerTests => Path.Combine(Models, "tokenizer-tests");

    private static readonly Lazy<LoadedModel> LazyStories = new(() => ModelLoader.Load(Stories260K, Stories260KTokenizer));

    /// <summary>stories260K loaded once (tests never mutate it).</summary>
    public static LoadedModel Stories => LazyStories.Value;

    public static string TempDirectory()
    {
        string path = Path.Combine(Path.GetTempPath(), "basedai-inference-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Runs a generation and concatenates everything it streams (prompt included), like <c>basedai model run</c>.</summary>
    public static string GenerateText(LoadedModel loaded, string prompt, GenerationOptions options, InferenceOptions? inference = null)
    {
        using var generator = new Generator(loaded.Model, loaded.Tokenizer, inference ?? new InferenceOptions { Threads = 1 });
        var text = new StringBuilder();
        foreach (GeneratedToken token in generator.Generate(prompt, options))
        {
            text.Append(token.Text);
        }
        return text.ToString();
    }

    private static string FindRoot()
    {
        for (string? dir = AppContext.BaseDirectory; dir != null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "BasedAI.Host.sln")))
            {
                return dir;
            }
        }
        throw new InvalidOperationException("cannot find the repository root (BasedAI.Host.sln) above " + AppContext.BaseDirectory);
    }
}
