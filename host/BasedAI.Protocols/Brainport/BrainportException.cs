namespace BasedAI.Protocols.Brainport;

/// <summary>A brainport call did not return <see cref="BrainportStatus.Ok"/>.</summary>
public sealed class BrainportException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BrainportException(BrainportStatus status, string message, Exception? innerException = null)
        : base(message, innerException) => Status = status;

    /// <summary>Creates the exception.</summary>
    public BrainportException() : this(BrainportStatus.Unreachable, "brainport call failed")
    {
    }

    /// <summary>Creates the exception.</summary>
    public BrainportException(string message) : this(BrainportStatus.Unreachable, message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public BrainportException(string message, Exception innerException) : this(BrainportStatus.Unreachable, message, innerException)
    {
    }

    /// <summary>Why the call failed.</summary>
    public BrainportStatus Status { get; }

    /// <summary>True when the responder itself answered with <see cref="Status"/> (a countersigned refusal).</summary>
    public bool FromResponder { get; init; }
}
