using System.Diagnostics;
using System.Text;

namespace BasedAI.Inference.Tests;

/// <summary>Runs the real <c>basedai</c> executable (built beside the tests) and checks stdout bytes and exit codes.</summary>
public class CliTests
{
    private static async Task<(int ExitCode, byte[] Stdout, string Stderr)> Basedai(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "basedai.dll"));
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["HF_HUB_OFFLINE"] = "0";
        using Process process = Process.Start(start)!;
        using var stdout = new MemoryStream();
        Task copy = process.StandardOutput.BaseStream.CopyToAsync(stdout);
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        await copy;
        return (process.ExitCode, stdout.ToArray(), await stderr);
    }

    [Fact]
    public async Task Run_prints_exactly_the_llama2c_reference_text()
    {
        var (code, stdout, stderr) = await Basedai("model", "run", Fixtures.Stories260K, "--tokenizer", Fixtures.Stories260KTokenizer, "-n", "200", "--threads", "1");
        Assert.True(code == 0, stderr);
        Assert.Equal(File.ReadAllBytes(Fixtures.Stories260KExpected), stdout);
    }

    [Fact]
    public async Task Run_with_prompt_sampling_and_converted_model_matches_run_c()
    {
        string dir = Fixtures.TempDirectory();
        var (convert, _, convertError) = await Basedai("model", "convert", Fixtures.Stories260K, "-o", dir);
        Assert.True(convert == 0, convertError);
        // run.c -t 0.8 -p 0.9 -s 42 -n 150 -i "Once upon a time" (Data/llama2c-stories260K-runs.json): its -n counts positions from BOS.
        int newTokens = 150 - Fixtures.Stories.Tokenizer.Encode("Once upon a time", true).Count + 1;
        var (code, stdout, stderr) = await Basedai("model", "run", dir, "-i", "Once upon a time", "-t", "0.8", "-p", "0.9", "-s", "42", "-n", $"{newTokens}");
        Assert.True(code == 0, stderr);
        string expected = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures.RepositoryRoot, "tests", "BasedAI.Inference.Tests", "Data", "llama2c-stories260K-runs.json")))
            .RootElement[3].GetProperty("expected").GetString()!;
        Assert.Equal(expected, Encoding.UTF8.GetString(stdout));

        // And back to llama2.c files, which run.c would read: same greedy text as the original checkpoint.
        string back = Path.Combine(dir, "llama2c");
        (code, _, stderr) = await Basedai("model", "convert", dir, "-o", back);
        Assert.True(code == 0, stderr);
        (code, stdout, stderr) = await Basedai("model", "run", Path.Combine(back, "model.bin"), "-n", "200");
        Assert.True(code == 0, stderr);
        Assert.Equal(File.ReadAllBytes(Fixtures.Stories260KExpected), stdout);
        foreach (string prompt in new[] { "The little dog", "Tom and Lily were friends. One day" })
        {
            (code, stdout, _) = await Basedai("model", "tokenize", Path.Combine(back, "tokenizer.bin"), prompt);
            Assert.Equal(0, code);
            Assert.Equal(string.Join(' ', Fixtures.Stories.Tokenizer.Encode(prompt, true)) + "\n", Encoding.UTF8.GetString(stdout));
        }
    }

    [Fact]
    public async Task Tokenize_prints_ids_with_and_without_bos()
    {
        var (code, stdout, _) = await Basedai("model", "tokenize", Fixtures.Llama2TokenizerModel, "I believe the meaning of life is");
        Assert.Equal(0, code);
        Assert.Equal("1 306 4658 278 6593 310 2834 338\n", Encoding.UTF8.GetString(stdout));
        (code, stdout, _) = await Basedai("model", "tokenize", Fixtures.FakeGpt2, "Hello world", "--no-bos");
        Assert.Equal(0, code);
        Assert.Equal("15496 995\n", Encoding.UTF8.GetString(stdout));
        (code, stdout, _) = await Basedai("model", "tokenize", Fixtures.Stories260K, "Once", "--no-bos");
        Assert.Equal(0, code);
        Assert.Equal(string.Join(' ', Fixtures.Stories.Tokenizer.Encode("Once", false)) + "\n", Encoding.UTF8.GetString(stdout));
    }

    [Fact]
    public async Task Inspect_lists_config_and_tensors()
    {
        var (code, stdout, _) = await Basedai("model", "inspect", Fixtures.FakeGpt2);
        Assert.Equal(0, code);
        string text = Encoding.UTF8.GetString(stdout);
        Assert.Contains("architecture:      Gpt2", text, StringComparison.Ordinal);
        Assert.Contains("layers.0.attn.q.weight\t[2, 2]", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pull_downloads_from_the_hub_and_run_uses_the_cache_offline()
    {
        await using FakeHub hub = await FakeHub.StartAsync("basedai/fake-gpt2", Directory.GetFiles(Fixtures.FakeGpt2).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes));
        string cache = Fixtures.TempDirectory();
        var (code, stdout, stderr) = await Basedai("model", "pull", "basedai/fake-gpt2", "--endpoint", hub.Endpoint, "--cache-dir", cache);
        Assert.True(code == 0, stderr);
        Assert.EndsWith(Path.Combine("models--basedai--fake-gpt2", "snapshots", FakeHub.Commit) + "\n", Encoding.UTF8.GetString(stdout), StringComparison.Ordinal);
        Assert.Contains("model.safetensors", stderr, StringComparison.Ordinal);
        (code, stdout, stderr) = await Basedai("model", "run", "basedai/fake-gpt2", "--cache-dir", cache, "--offline", "-i", "Hello", "-n", "3");
        Assert.True(code == 0, stderr);
        Assert.StartsWith("Hello", Encoding.UTF8.GetString(stdout), StringComparison.Ordinal);
        (code, _, stderr) = await Basedai("model", "pull", "basedai/missing", "--endpoint", hub.Endpoint, "--cache-dir", cache);
        Assert.Equal(3, code);
        Assert.Contains("does not exist", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bad_input_gives_a_clear_error_and_exit_code()
    {
        string dir = Fixtures.TempDirectory();
        string broken = Path.Combine(dir, "broken.bin");
        await File.WriteAllBytesAsync(broken, (await File.ReadAllBytesAsync(Fixtures.Stories260K))[..5000]);
        var (code, stdout, stderr) = await Basedai("model", "run", broken, "--tokenizer", Fixtures.Stories260KTokenizer);
        Assert.Equal(2, code);
        Assert.Empty(stdout);
        Assert.Contains("implies", stderr, StringComparison.Ordinal);
        (code, _, stderr) = await Basedai("model", "run", Path.Combine(dir, "absent"));
        Assert.Equal(3, code);
        Assert.Contains("no model at", stderr, StringComparison.Ordinal);
        (code, _, _) = await Basedai("model", "run", Fixtures.Stories260K, "-t", "-1");
        Assert.Equal(2, code);
    }
}
