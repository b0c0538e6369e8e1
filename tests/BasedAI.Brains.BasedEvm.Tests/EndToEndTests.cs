using BasedAI.Evm.Tests;
using Xunit.Abstractions;

namespace BasedAI.Brains.BasedEvm.Tests;

/// <summary>
/// The Ethereum tool chain against the plugin: tests/interop/evm/e2e.mjs compiles Solidity with solc-js, deploys and calls it
/// with ethers on BasedEVM's JSON-RPC and on an in-process Hardhat 2.x node, and requires identical receipts (status, gas
/// used, events), storage, call results and revert reasons.
/// </summary>
public class EndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Solidity_contracts_behave_exactly_as_on_hardhat()
    {
        await using TemplateHarness node = await TemplateHarness.StartAsync();
        var (exitCode, stdout, stderr) = await NodeScript.RunAsync("e2e.mjs", TimeSpan.FromMinutes(4),
            "--rpc", node.Endpoint.ToString(), "--key", "0x" + Convert.ToHexStringLower(TemplateHarness.Key));
        output.WriteLine(stdout);
        output.WriteLine(stderr);
        Assert.True(exitCode == 0, $"e2e.mjs exited with {exitCode}:\n{stdout}\n{stderr}");
    }
}
