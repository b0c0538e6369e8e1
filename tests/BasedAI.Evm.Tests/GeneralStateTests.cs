using System.Collections.Concurrent;
using BasedAI.Evm.StateTests;
using Xunit.Abstractions;

namespace BasedAI.Evm.Tests;

/// <summary>
/// Every Cancun case of the official GeneralStateTests shipped in ../shared (one theory row per folder, files run in parallel),
/// except <see cref="Excluded"/>.
/// </summary>
public class GeneralStateTests(ITestOutputHelper output)
{
    private static string Root => Path.Combine(TestPaths.EthereumTests, "GeneralStateTests");

    /// <summary>
    /// Files left out of this unit-test run, with the reason. They pass with <c>basedai evm statetest</c> (see the README).
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> Excluded = new Dictionary<string, string>
    {
        ["stTimeConsuming/CALLBlake2f_MaxRounds.json"] =
            "runs BLAKE2 F with 2^32 − 1 rounds (4.3 billion rounds, about three CPU-minutes here); too slow for CI, passes via the CLI",
    };

    public static TheoryData<string> Folders()
    {
        var data = new TheoryData<string>();
        foreach (string folder in Directory.EnumerateFiles(Root, "*.json", SearchOption.AllDirectories)
                     .Select(file => Path.GetRelativePath(Root, Path.GetDirectoryName(file)!))
                     .Distinct()
                     .Order(StringComparer.Ordinal))
        {
            data.Add(folder);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Folders))]
    public void Cancun_cases_pass(string folder)
    {
        string[] files = Directory.GetFiles(Path.Combine(Root, folder), "*.json", SearchOption.TopDirectoryOnly)
            .Where(file => !Excluded.ContainsKey(Path.GetRelativePath(Root, file).Replace('\\', '/')))
            .ToArray();
        var failures = new ConcurrentBag<StateTestCaseResult>();
        int cases = 0;
        Parallel.ForEach(files, file =>
        {
            foreach (StateTestCaseResult result in StateTestRunner.RunFile(file))
            {
                Interlocked.Increment(ref cases);
                if (!result.Passed)
                {
                    failures.Add(result);
                }
            }
        });
        foreach (StateTestCaseResult failure in failures.OrderBy(f => f.File, StringComparer.Ordinal).ThenBy(f => f.Name, StringComparer.Ordinal))
        {
            output.WriteLine($"FAIL {Path.GetFileName(failure.File)} {failure.Name}: {failure.Reason}");
        }
        Assert.True(cases > 0, $"no Cancun cases in {folder}");
        Assert.True(failures.IsEmpty, $"{failures.Count} of {cases} Cancun cases failed in {folder}:\n"
            + string.Join("\n", failures.Take(20).Select(f => $"{Path.GetFileName(f.File)} {f.Name}: {f.Reason}")));
    }
}
