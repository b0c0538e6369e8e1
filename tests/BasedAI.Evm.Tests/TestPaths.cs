namespace BasedAI.Evm.Tests;

/// <summary>Locates the repository root and the shared fixtures next to it.</summary>
internal static class TestPaths
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string EthereumTests => Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "conformance", "ethereum-tests"));

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
