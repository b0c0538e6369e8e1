using System.Diagnostics;

namespace BasedAI.Evm.Tests;

/// <summary>
/// Runs the Node.js scripts of tests/interop/evm (the ethereumjs and Hardhat oracles). Their packages are installed by
/// <c>npm ci</c> in that folder, which scripts/test.sh does before running the suites.
/// </summary>
internal static class NodeScript
{
    public static string Directory => Path.Combine(FindRoot(), "tests", "interop", "evm");

    /// <summary>Runs <c>node script args…</c> in the interop folder; returns exit code, stdout and stderr.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(string script, TimeSpan timeout, params string[] arguments)
    {
        if (!System.IO.Directory.Exists(Path.Combine(Directory, "node_modules")))
        {
            throw new InvalidOperationException($"Node packages are missing: run `npm ci` in {Directory} (scripts/test.sh does this).");
        }
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = Directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(script);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("node could not be started");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var cancellation = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancellation.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"node {script} did not finish within {timeout}.");
        }
        return (process.ExitCode, await output, await error);
    }

    private static string FindRoot()
    {
        string? directory = AppContext.BaseDirectory;
        while (directory is not null && !File.Exists(Path.Combine(directory, "BasedAI.Host.sln")))
        {
            directory = Path.GetDirectoryName(directory);
        }
        return directory ?? throw new InvalidOperationException("BasedAI.Host.sln not found above the test binaries.");
    }
}
