using System.Text.Json;
using BasedAI.Evm.StateTests;
using Xunit.Abstractions;

namespace BasedAI.Evm.Tests;

/// <summary>
/// Differential fuzzing against @ethereumjs/vm: random, structured and mutated programs (fixed seeds, bounded count) are run by
/// ethereumjs (tests/interop/evm/fuzz.mjs) and by BasedEVM; post-state root, logs, gas used and return data must agree.
/// CI runs a bounded number of cases; set BASEDEVM_FUZZ_CASES to run more per seed.
/// </summary>
public class DifferentialFuzzTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(20241024, 400)]
    [InlineData(4844, 400)]
    public async Task BasedEvm_agrees_with_ethereumjs(int seed, int count)
    {
        if (int.TryParse(Environment.GetEnvironmentVariable("BASEDEVM_FUZZ_CASES"), out int configured) && configured > 0)
        {
            count = configured;
        }
        string file = Path.Combine(Path.GetTempPath(), $"basedevm-fuzz-{seed}-{Environment.ProcessId}.json");
        try
        {
            var (exitCode, stdout, stderr) = await NodeScript.RunAsync("fuzz.mjs", TimeSpan.FromMinutes(3),
                "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture), "--count", count.ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", file);
            Assert.True(exitCode == 0, $"fuzz.mjs failed ({exitCode}): {stderr}");
            output.WriteLine(stdout.Trim());

            using JsonDocument document = JsonDocument.Parse(await File.ReadAllBytesAsync(file));
            var mismatches = new List<string>();
            int compared = 0;
            foreach (var (name, entry, execution) in StateTestRunner.ExecuteFile(document))
            {
                compared++;
                JsonElement oracle = entry.GetProperty("_ethereumjs");
                string expectedRoot = entry.GetProperty("hash").GetString()!;
                string expectedLogs = entry.GetProperty("logs").GetString()!;
                long expectedGas = Convert.ToInt64(oracle.GetProperty("gasUsed").GetString(), 16);
                string expectedReturn = oracle.GetProperty("returnData").GetString()!;
                if (execution.Result is null)
                {
                    mismatches.Add($"{name}: rejected ({execution.Rejection}) but ethereumjs executed it");
                    continue;
                }
                string returnData = "0x" + Convert.ToHexStringLower(execution.Result.Output);
                if (execution.Root.ToString() != expectedRoot || execution.LogsHash.ToString() != expectedLogs
                    || execution.Result.GasUsed != expectedGas || returnData != expectedReturn)
                {
                    mismatches.Add($"{name}: root {execution.Root} vs {expectedRoot}, logs {execution.LogsHash} vs {expectedLogs}, " +
                        $"gas {execution.Result.GasUsed} vs {expectedGas}, return {returnData} vs {expectedReturn} " +
                        $"(ours {execution.Result.Reason}, ethereumjs {oracle.GetProperty("error")})");
                }
            }
            output.WriteLine($"{compared} cases compared, {mismatches.Count} mismatches");
            Assert.True(compared >= count * 9 / 10, $"only {compared} of {count} cases were generated");
            Assert.True(mismatches.Count == 0, string.Join("\n", mismatches.Take(10)));
        }
        finally
        {
            File.Delete(file);
        }
    }
}
