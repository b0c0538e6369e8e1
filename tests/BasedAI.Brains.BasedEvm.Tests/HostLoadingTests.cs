using System.Text;
using System.Text.Json;
using BasedAI.Abstractions;
using BasedAI.Plugins.Manifest;
using BasedAI.Plugins.Runtime;
using Microsoft.Extensions.Configuration;

namespace BasedAI.Brains.BasedEvm.Tests;

/// <summary>The built plugin folder, loaded by the host's plugin runtime into its own collectible load context.</summary>
public class HostLoadingTests
{
    /// <summary>The plugin's build output for the configuration these tests were built in.</summary>
    private static string PluginFolder()
    {
        string testOutput = AppContext.BaseDirectory; // …/tests/BasedAI.Brains.BasedEvm.Tests/bin/<Configuration>/net10.0/
        var output = new DirectoryInfo(testOutput.TrimEnd(Path.DirectorySeparatorChar));
        string configuration = output.Parent!.Name;
        string root = output.Parent!.Parent!.Parent!.Parent!.Parent!.FullName;
        return Path.Combine(root, "plugins", "BasedAI.Brains.BasedEvm", "bin", configuration, output.Name);
    }

    [Fact]
    public void Manifest_is_valid_against_the_host_schema()
    {
        string json = File.ReadAllText(Path.Combine(PluginFolder(), "brain.json"));
        Assert.Empty(PluginManifestReader.Validate(json));
        PluginManifest manifest = PluginManifestReader.ReadFromDirectory(PluginFolder());
        Assert.Equal("ai.based.evm", manifest.Id);
    }

    [Fact]
    public async Task Host_loads_serves_and_unloads_the_plugin_without_leaks()
    {
        string scratch = Path.Combine(Path.GetTempPath(), "basedevm-host-" + Guid.NewGuid().ToString("N"));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Plugins:ai.based.evm:Port"] = "0" }).Build();
        var options = new PluginRuntimeOptions { ShadowDirectory = Path.Combine(scratch, "shadow"), DataDirectory = Path.Combine(scratch, "data") };
        try
        {
            await using var runtime = new PluginRuntime(options, configuration: configuration);
            PluginStatus status = await runtime.LoadAsync(PluginFolder());
            Assert.Equal(BrainHealthStatus.Healthy, status.Health.Status);
            Assert.Contains("evm.jsonrpc", status.ComputeTasks);

            WorkResult result = await runtime.ExecuteAsync("ai.based.evm",
                new WorkItem("1", "evm.jsonrpc", Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_blockNumber\"}")));
            using JsonDocument response = JsonDocument.Parse(result.Payload);
            Assert.Equal("0x0", response.RootElement.GetProperty("result").GetString());

            UnloadReport report = await runtime.RemoveAsync("ai.based.evm");
            Assert.True(report.Unloaded, report.Describe());
            Assert.Empty(report.StopErrors);
        }
        finally
        {
            if (Directory.Exists(scratch))
            {
                Directory.Delete(scratch, recursive: true);
            }
        }
    }
}
