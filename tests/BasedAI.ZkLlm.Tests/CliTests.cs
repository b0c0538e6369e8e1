using System.Diagnostics;
using BasedAI.Inference.Generation;

namespace BasedAI.ZkLlm.Tests;

/// <summary>`basedai squeeze` and `basedai prompt --local` end to end, run as child processes of the built CLI.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("basedai-zkllm-cli-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string Path(string name) => System.IO.Path.Combine(_directory, name);

    [Theory]
    [InlineData("squeeze")]
    [InlineData("prompt")]
    public void Commands_HaveHelp(string command)
    {
        var (code, stdout, _) = Run(command, "--help");
        Assert.Equal(0, code);
        Assert.Contains("Description:", stdout, StringComparison.Ordinal);
        Assert.Contains(command == "prompt" ? "--local" : "--calibration", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Squeeze_ThenPromptTheSqueezedModel_AndBadInputGetsClearErrorsAndExitCodes()
    {
        string calibration = Path("calibration.txt");
        File.WriteAllText(calibration, string.Join("\n\n", File.ReadAllText(Fixtures.CalibrationText).Split("\n\n").Take(6)));
        string output = Path("squeezed");
        var (code, stdout, stderr) = Run("squeeze", Fixtures.Stories260K, "--calibration", calibration, "--held-out", Fixtures.HeldOutText, "--encrypted-tokens", "0", "-o", output);
        Assert.True(code == 0, stderr);
        Assert.Contains("| HE operations / token |", stdout, StringComparison.Ordinal);
        Assert.Contains("compiling plans", stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(System.IO.Path.Combine(output, "plan.json")));

        (code, stdout, stderr) = Run("prompt", "--local", "--model", output, "--mode", "plain", "-n", "6", "Once upon a time");
        Assert.True(code == 0, stderr);
        Assert.StartsWith("Once upon a time", stdout, StringComparison.Ordinal);
        Assert.Contains("s/token", stderr, StringComparison.Ordinal);
        Assert.Contains("[token 5]", stderr, StringComparison.Ordinal);

        // A corrupted plan in the squeezed directory.
        File.WriteAllText(System.IO.Path.Combine(output, "plan.json"), File.ReadAllText(System.IO.Path.Combine(output, "plan.json")).Replace("\"stages\"", "\"stagez\"", StringComparison.Ordinal));
        (code, _, stderr) = Run("prompt", "--local", "--model", output, "--mode", "plain", "Hi");
        Assert.Equal(2, code);
        Assert.Contains("plan", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);

        (code, _, stderr) = Run("squeeze", Fixtures.Stories260K, "--calibration", Path("missing.txt"), "-o", Path("x"));
        Assert.Equal(3, code);
        Assert.Contains("missing.txt", stderr, StringComparison.Ordinal);
        (code, _, stderr) = Run("squeeze", Fixtures.Stories260K, "--calibration", calibration, "--encrypted-tokens", "1", "-o", Path("x"));
        Assert.NotEqual(0, code);
        Assert.Contains("--encrypted-tokens must be 0 or at least 2", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Prompt_Hybrid_PrintsTheEnginesGreedyAnswer_AndBadInputGetsClearErrorsAndExitCodes()
    {
        using var engine = new Generator(Fixtures.Stories.Model, Fixtures.Stories.Tokenizer);
        string expected = string.Concat(engine.Generate("Once upon a time", new GenerationOptions { MaxNewTokens = 4, Sampling = new SamplingOptions { Temperature = 0 } }).Select(t => t.Text));
        var (code, stdout, stderr) = Run("prompt", "--local", "--model", Fixtures.Stories260K, "--mode", "hybrid", "-n", "4", "Once upon a time");
        Assert.True(code == 0, stderr);
        Assert.Equal(expected, stdout.TrimEnd('\n'));
        Assert.Contains("128-bit", stderr, StringComparison.Ordinal);
        Assert.Contains("miner compute", stderr, StringComparison.Ordinal);

        (code, _, stderr) = Run("prompt", "--model", Fixtures.Stories260K, "Hi");
        Assert.Equal(2, code);
        Assert.Contains("--local", stderr, StringComparison.Ordinal);
        (code, _, stderr) = Run("prompt", "--local", "--model", Fixtures.Stories260K, "--mode", "full", "Hi");
        Assert.Equal(2, code);
        Assert.Contains("full mode needs a squeezed model directory", stderr, StringComparison.Ordinal);
        (code, _, stderr) = Run("prompt", "--local", "--model", Path("nothing.bin"), "Hi");
        Assert.Equal(3, code);
        Assert.Contains("nothing.bin", stderr, StringComparison.Ordinal);
        (code, _, _) = Run("prompt", "--local", "--model", Fixtures.Stories260K, "--mode", "secret", "Hi");
        Assert.NotEqual(0, code);
    }

    private static (int Code, string Output, string Error) Run(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(System.IO.Path.Combine(AppContext.BaseDirectory, "basedai.dll"));
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output, error.Result);
    }
}
