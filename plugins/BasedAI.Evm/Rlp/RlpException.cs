namespace BasedAI.Evm.Rlp;

/// <summary>Malformed or non-canonical RLP input; the message names what was wrong and where.</summary>
public sealed class RlpException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public RlpException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public RlpException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public RlpException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
