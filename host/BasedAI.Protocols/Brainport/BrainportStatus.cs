namespace BasedAI.Protocols.Brainport;

/// <summary>The outcome of a brainport call. Every status but <see cref="Unreachable"/> comes countersigned by the responder.</summary>
public enum BrainportStatus : byte
{
    /// <summary>Served; the body is the task's answer.</summary>
    Ok = 0,

    /// <summary>The request could not be decoded (truncated, oversized, unknown version).</summary>
    BadRequest = 1,

    /// <summary>The signature does not recover the sender's computekey over <c>nonce.sender.receiver.uuid.body_hash</c>.</summary>
    BadSignature = 2,

    /// <summary>The nonce is not above the last one seen from this sender, or outside the accepted time window (a replay).</summary>
    StaleNonce = 3,

    /// <summary>The request names another computekey as its receiver.</summary>
    WrongReceiver = 4,

    /// <summary>The responder does not serve the requested Brain (or the Brain does not exist).</summary>
    UnknownBrain = 5,

    /// <summary>The responder is not (or no longer) registered on the Brain, or the caller must be and is not.</summary>
    NotRegistered = 6,

    /// <summary>The responder refuses this caller.</summary>
    Blacklisted = 7,

    /// <summary>Too many requests in flight; try another node or later.</summary>
    Overloaded = 8,

    /// <summary>The work did not finish before the request's deadline (or no answer arrived in time).</summary>
    Timeout = 9,

    /// <summary>The Brain's task has no compute task of that name.</summary>
    UnknownTask = 10,

    /// <summary>The task failed on this input; the body says why.</summary>
    TaskFailed = 11,

    /// <summary>The Brain's task is not loaded or not healthy on the responder.</summary>
    Unavailable = 12,

    /// <summary>Client side only: no connection, the stream was reset, or the answer was not a valid countersigned response.</summary>
    Unreachable = 13,
}
