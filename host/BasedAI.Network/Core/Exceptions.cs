namespace BasedAI.Network;

/// <summary>Base class of the errors this libp2p stack raises for protocol-level failures.</summary>
public class Libp2pException : Exception
{
    /// <summary>Creates the exception.</summary>
    public Libp2pException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public Libp2pException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public Libp2pException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>The remote does not speak any of the protocols proposed (multistream-select answered <c>na</c>).</summary>
public sealed class ProtocolNotSupportedException : Libp2pException
{
    /// <summary>Creates the exception.</summary>
    public ProtocolNotSupportedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ProtocolNotSupportedException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public ProtocolNotSupportedException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>A security handshake failed (bad signature, wrong peer id, malformed payload, decryption failure).</summary>
public sealed class HandshakeException : Libp2pException
{
    /// <summary>Creates the exception.</summary>
    public HandshakeException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public HandshakeException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public HandshakeException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>A peer broke the wire protocol (bad frame, window exceeded, invalid state); the stream or connection is closed.</summary>
public sealed class ProtocolViolationException : Libp2pException
{
    /// <summary>Creates the exception.</summary>
    public ProtocolViolationException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ProtocolViolationException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public ProtocolViolationException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>A message exceeded a configured size limit; the stream is closed.</summary>
public sealed class MessageTooLargeException : Libp2pException
{
    /// <summary>Creates the exception.</summary>
    public MessageTooLargeException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public MessageTooLargeException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public MessageTooLargeException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>The remote reset the stream (or the connection closed under it).</summary>
public sealed class StreamResetException : Libp2pException
{
    /// <summary>Creates the exception.</summary>
    public StreamResetException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public StreamResetException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public StreamResetException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>A resource limit refused the operation (connections, streams, pending dials).</summary>
public sealed class ResourceLimitExceededException : Libp2pException
{
    /// <summary>Creates the exception.</summary>
    public ResourceLimitExceededException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ResourceLimitExceededException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with a message and cause.</summary>
    public ResourceLimitExceededException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
