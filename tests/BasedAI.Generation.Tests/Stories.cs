using BasedAI.Inference.Formats;
using BasedAI.Inference.Generation;
using BasedAI.Inference.Model;

namespace BasedAI.Generation.Tests;

/// <summary>The shared stories260K model (../shared/models beside the repository) and its plaintext greedy answers.</summary>
internal static class Stories
{
    private static readonly Lazy<LoadedModel> Loaded = new(() => ModelLoader.Load(Path.Combine(Root(), "..", "shared", "models", "stories260K", "stories260K.bin")));

    public static LoadedModel Model => Loaded.Value;

    public static int[] Greedy(string prompt, int tokens)
    {
        using var generator = new Generator(Model.Model, Model.Tokenizer, new InferenceOptions { Threads = 1 });
        return generator.Generate(prompt, new GenerationOptions { MaxNewTokens = tokens }).Where(t => !t.IsPrompt && t.Id >= 0).Select(t => t.Id).ToArray();
    }

    private static string Root()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "BasedAI.Host.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("BasedAI.Host.sln not found");
    }
}

/// <summary>A transport that fails after a number of messages, like a miner that dies mid-generation.</summary>
internal sealed class DyingTransport(IMinerTransport inner, int messages) : IMinerTransport
{
    private int _left = messages;

    public Task<ReadOnlyMemory<byte>> SendAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken) =>
        Interlocked.Decrement(ref _left) < 0 ? throw new IOException("connection reset by peer") : inner.SendAsync(request, cancellationToken);
}
