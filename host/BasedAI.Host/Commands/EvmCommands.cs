using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using BasedAI.Evm.StateTests;

namespace BasedAI.Host.Commands;

/// <summary><c>basedai evm …</c>: tools for the BasedEVM engine.</summary>
internal static class EvmCommands
{
    public static Command Create()
    {
        var evm = new Command("evm", "BasedEVM: the Cancun-rules Ethereum Virtual Machine behind the BasedEVM Brain template.");
        evm.Subcommands.Add(CreateStateTest());
        return evm;
    }

    private static Command CreateStateTest()
    {
        var path = new Argument<string>("path") { Description = "A GeneralStateTests JSON file, or a directory searched recursively for *.json." };
        var fork = new Option<string>("--fork") { Description = "The fork whose post entries to check (only Cancun is implemented).", DefaultValueFactory = _ => StateTestRunner.DefaultFork };
        var json = new Option<bool>("--json") { Description = "Print one JSON object per case and a JSON summary instead of text." };
        var failuresOnly = new Option<bool>("--failures-only") { Description = "Print only failing cases (the summary line is always printed)." };
        var command = new Command("statetest", "Run Ethereum GeneralStateTests: per-case pass/fail with the reason, then a summary; exits 1 if any case fails.")
        {
            path,
            fork,
            json,
            failuresOnly,
        };
        command.SetHandler((parseResult, cancellationToken) =>
            Task.FromResult(RunStateTests(parseResult.GetValue(path)!, parseResult.GetValue(fork)!, parseResult.GetValue(json), parseResult.GetValue(failuresOnly), cancellationToken)));
        return command;
    }

    private static int RunStateTests(string path, string fork, bool asJson, bool failuresOnly, CancellationToken cancellationToken)
    {
        if (!string.Equals(fork, StateTestRunner.DefaultFork, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Unsupported fork '{fork}': BasedEVM implements Cancun only.");
        }
        string[] files = Directory.Exists(path)
            ? Directory.GetFiles(path, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray()
            : File.Exists(path) ? [path] : throw new FileNotFoundException($"No state test file or directory at '{path}'.");

        var stopwatch = Stopwatch.StartNew();
        var perFile = new ConcurrentDictionary<string, IReadOnlyList<StateTestCaseResult>>();
        Parallel.ForEach(files, new ParallelOptions { CancellationToken = cancellationToken }, file => perFile[file] = StateTestRunner.RunFile(file, fork));

        int passed = 0, failed = 0;
        foreach (string file in files)
        {
            string display = Directory.Exists(path) ? Path.GetRelativePath(path, file) : file;
            foreach (StateTestCaseResult result in perFile[file])
            {
                if (result.Passed)
                {
                    passed++;
                }
                else
                {
                    failed++;
                }
                if (failuresOnly && result.Passed)
                {
                    continue;
                }
                if (asJson)
                {
                    Console.WriteLine(JsonSerializer.Serialize(new
                    {
                        file = display,
                        name = result.Name,
                        fork = result.Fork,
                        pass = result.Passed,
                        reason = result.Reason,
                        ms = Math.Round(result.Elapsed.TotalMilliseconds, 3),
                    }));
                }
                else
                {
                    Console.WriteLine(result.Passed
                        ? $"PASS {display} {result.Name} ({result.Elapsed.TotalMilliseconds:F1} ms)"
                        : $"FAIL {display} {result.Name}: {result.Reason}");
                }
            }
        }
        double seconds = stopwatch.Elapsed.TotalSeconds;
        if (asJson)
        {
            Console.WriteLine(JsonSerializer.Serialize(new { summary = true, fork, files = files.Length, passed, failed, seconds = Math.Round(seconds, 2) }));
        }
        else
        {
            Console.WriteLine($"{fork}: {passed} passed, {failed} failed, {passed + failed} cases in {files.Length} files ({seconds:F1} s)");
        }
        return failed == 0 ? ExitCodes.Success : ExitCodes.Failure;
    }
}
