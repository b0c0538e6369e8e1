namespace BasedAI.Fhe;

/// <summary>Serialized SEAL data is malformed, truncated, of an unsupported version, or does not fit the context.</summary>
public class SealFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public SealFormatException()
    {
    }

    /// <summary>Creates the exception with a message naming what was wrong.</summary>
    public SealFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public SealFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// Operands do not belong together: different encryption parameters, different levels, or different scales.
/// The message names both sides.
/// </summary>
public class ParameterMismatchException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public ParameterMismatchException()
    {
    }

    /// <summary>Creates the exception with a message naming the mismatch.</summary>
    public ParameterMismatchException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public ParameterMismatchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The operation needs a lower level than exists: the coefficient-modulus chain is used up.</summary>
public class ModulusChainExhaustedException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public ModulusChainExhaustedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ModulusChainExhaustedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public ModulusChainExhaustedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A rotation or conjugation needs a Galois key that the evaluator was not given.</summary>
public class MissingGaloisKeyException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public MissingGaloisKeyException()
    {
    }

    /// <summary>Creates the exception with a message naming the missing step or Galois element.</summary>
    public MissingGaloisKeyException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public MissingGaloisKeyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The encryption parameters are below the requested security level (or otherwise unusable).</summary>
public class InsecureParametersException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public InsecureParametersException()
    {
    }

    /// <summary>Creates the exception with a message naming the bound that was exceeded.</summary>
    public InsecureParametersException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the underlying cause.</summary>
    public InsecureParametersException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
