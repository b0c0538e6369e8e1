namespace BasedAI.Generation;

/// <summary>
/// Carries one task message from a client to the miner it talks to and returns the miner's answer: an in-process call in
/// tests and tools, a signed brainport call over libp2p on the network. A transport is bound to one miner, because the
/// miner keeps the session's KV cache between messages.
/// </summary>
public interface IMinerTransport
{
    /// <summary>Sends <paramref name="request"/> and returns the answer; throws when the miner cannot be reached or refuses.</summary>
    Task<ReadOnlyMemory<byte>> SendAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken);
}

/// <summary>A transport that calls a miner role in the same process (tools, tests, the in-process baseline of benchmarks).</summary>
public sealed class InProcessTransport(PlainMinerRole miner) : IMinerTransport
{
    private readonly PlainMinerRole _miner = miner ?? throw new ArgumentNullException(nameof(miner));

    /// <summary>Bytes sent so far.</summary>
    public long BytesSent { get; private set; }

    /// <summary>Bytes received so far.</summary>
    public long BytesReceived { get; private set; }

    /// <inheritdoc />
    public Task<ReadOnlyMemory<byte>> SendAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        byte[] answer = _miner.Handle(request.Span);
        BytesSent += request.Length;
        BytesReceived += answer.Length;
        return Task.FromResult<ReadOnlyMemory<byte>>(answer);
    }
}
