using System.Diagnostics;
using System.Reflection;
using BasedAI.Inference.Formats;
using BasedAI.Inference.Generation;
using BasedAI.Inference.Model;

namespace BasedAI.Node.Tests;

/// <summary>Runs the built <c>basedai</c> as a separate process and finds the repository's files.</summary>
internal static class Cli
{
    public static readonly string Root = FindRoot();

    public static readonly string Configuration = typeof(Cli).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public static string Executable => Path.Combine(Root, "host", "BasedAI.Host", "bin", Configuration, "net10.0", "basedai.dll");

    public static string Model => Path.GetFullPath(Path.Combine(Root, "..", "shared", "models", "stories260K", "stories260K.bin"));

    public static string CheatingPlugin => Path.Combine(Root, "artifacts", "test-plugins", Configuration, "BasedAI.TestPlugins.CheatingZkLlm");

    private static readonly Lazy<LoadedModel> Loaded = new(() => ModelLoader.Load(Model));

    public static LoadedModel Stories => Loaded.Value;

    /// <summary>The plaintext engine's greedy answer, in process.</summary>
    public static int[] Greedy(string prompt, int tokens)
    {
        using var generator = new Generator(Stories.Model, Stories.Tokenizer, new InferenceOptions { Threads = 1 });
        return generator.Generate(prompt, new GenerationOptions { MaxNewTokens = tokens }).Where(t => !t.IsPrompt && t.Id >= 0).Select(t => t.Id).ToArray();
    }

    public static async Task<(int ExitCode, string Out, string Error)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.ArgumentList.Add(Executable);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["BASEDAI_DEVNET"] = Path.Combine(Path.GetTempPath(), "basedai-no-default-devnet");
        using var process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"basedai {string.Join(' ', arguments)} did not finish within 3 minutes");
        }
        return (process.ExitCode, await output, await error);
    }

    private static string FindRoot()
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
