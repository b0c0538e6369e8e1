namespace BasedAI.Host.Commands;

/// <summary>Process exit codes shared by every command, so scripts can tell failures apart.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;
    /// <summary>The command ran but its operation failed (a peer refused, a check did not pass).</summary>
    public const int Failure = 1;
    /// <summary>The input was malformed or inconsistent (bad file, manifest, ciphertext, transaction, arguments).</summary>
    public const int InvalidInput = 2;
    /// <summary>A resource the command needs is missing or unreachable (file not found, peer not reachable, timeout).</summary>
    public const int Unavailable = 3;
    /// <summary>The command was cancelled (Ctrl+C).</summary>
    public const int Cancelled = 130;
}
