using System.CommandLine;
using System.Text.Json;
using BasedAI.Host.Commands;

namespace BasedAI.Evm.Tests;

/// <summary><c>basedai evm statetest</c>, run in process.</summary>
[Collection("console")]
public sealed class StateTestCommandTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "basedevm-cli-" + Guid.NewGuid().ToString("N"));
    private static string Examples => Path.Combine(TestPaths.EthereumTests, "GeneralStateTests", "stExample");

    public StateTestCommandTests() => Directory.CreateDirectory(_directory);

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static async Task<(int Code, string Out, string Error)> RunAsync(params string[] args)
    {
        var root = new RootCommand("basedai");
        root.Subcommands.Add(EvmCommands.Create());
        TextWriter stdout = Console.Out, stderr = Console.Error;
        using var output = new StringWriter();
        using var error = new StringWriter();
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            int code = await root.Parse(["evm", "statetest", .. args]).InvokeAsync();
            return (code, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }

    [Fact]
    public async Task Passing_directory_prints_each_case_and_a_summary_and_exits_zero()
    {
        var (code, output, _) = await RunAsync(Examples);
        Assert.Equal(0, code);
        string[] lines = output.Trim().Split('\n');
        Assert.All(lines[..^1], line => Assert.StartsWith("PASS ", line, StringComparison.Ordinal));
        Assert.Matches(@"^Cancun: (\d+) passed, 0 failed, \1 cases in \d+ files", lines[^1]);
    }

    [Fact]
    public async Task A_wrong_expectation_fails_with_the_reason_and_exit_code_one()
    {
        string file = Path.Combine(_directory, "add11.json");
        string text = await File.ReadAllTextAsync(Path.Combine(Examples, "add11.json"));
        await File.WriteAllTextAsync(file, text.Replace("0xe8010ce590f401c9d61fef8ab05bea9bcec24281b795e5868809bc4e515aa530", "0x" + new string('1', 64), StringComparison.Ordinal));
        var (code, output, _) = await RunAsync(file, "--failures-only");
        Assert.Equal(1, code);
        Assert.Contains("FAIL", output, StringComparison.Ordinal);
        Assert.Contains("state root 0xe8010ce590f401c9d61fef8ab05bea9bcec24281b795e5868809bc4e515aa530 != expected", output, StringComparison.Ordinal);
        Assert.Contains("0 passed, 1 failed", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_output_is_one_object_per_case_then_a_summary()
    {
        var (code, output, _) = await RunAsync(Path.Combine(Examples, "add11.json"), "--json");
        Assert.Equal(0, code);
        string[] lines = output.Trim().Split('\n');
        using JsonDocument first = JsonDocument.Parse(lines[0]);
        Assert.True(first.RootElement.GetProperty("pass").GetBoolean());
        Assert.Equal("Cancun", first.RootElement.GetProperty("fork").GetString());
        using JsonDocument summary = JsonDocument.Parse(lines[^1]);
        Assert.Equal(1, summary.RootElement.GetProperty("passed").GetInt32());
        Assert.Equal(0, summary.RootElement.GetProperty("failed").GetInt32());
    }

    [Fact]
    public async Task Bad_input_gets_a_clear_error_and_a_non_zero_exit_code()
    {
        var (missing, _, missingError) = await RunAsync(Path.Combine(_directory, "nope.json"));
        Assert.Equal(3, missing);
        Assert.Contains("No state test file or directory", missingError, StringComparison.Ordinal);

        var (fork, _, forkError) = await RunAsync(Examples, "--fork", "Prague");
        Assert.Equal(2, fork);
        Assert.Contains("Unsupported fork 'Prague'", forkError, StringComparison.Ordinal);

        string malformed = Path.Combine(_directory, "broken.json");
        await File.WriteAllTextAsync(malformed, "{ \"x\": ");
        var (broken, brokenOutput, _) = await RunAsync(malformed);
        Assert.Equal(1, broken);
        Assert.Contains("malformed JSON", brokenOutput, StringComparison.Ordinal);

        string incomplete = Path.Combine(_directory, "incomplete.json");
        await File.WriteAllTextAsync(incomplete, "{ \"t\": { \"post\": { \"Cancun\": [] } } }");
        var (partial, partialOutput, _) = await RunAsync(incomplete);
        Assert.Equal(1, partial);
        Assert.Contains("missing 'env'", partialOutput, StringComparison.Ordinal);
    }
}
