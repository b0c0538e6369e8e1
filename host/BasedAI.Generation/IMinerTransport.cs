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
public sealed class InProcessTransport : IMinerTransport
{
    private readonly Func<ReadOnlyMemory<byte>, CancellationToken, Task<ReadOnlyMemory<byte>>> _handle;

    /// <summary>Calls the plaintext task's miner role.</summary>
    public InProcessTransport(PlainMinerRole miner)
    {
        ArgumentNullException.ThrowIfNull(miner);
        _handle = (request, _) => Task.FromResult<ReadOnlyMemory<byte>>(miner.Handle(request.Span));
    }

    /// <summary>Calls the encrypted task's miner role (<see cref="EncryptedTask.CreateMiner"/>).</summary>
    public InProcessTransport(BasedAI.ZkLlm.Transport.IZkLlmHandler miner)
    {
        ArgumentNullException.ThrowIfNull(miner);
        _handle = miner.HandleAsync;
    }

    /// <summary>Bytes sent so far.</summary>
    public long BytesSent { get; private set; }

    /// <summary>Bytes received so far.</summary>
    public long BytesReceived { get; private set; }

    /// <inheritdoc />
    public async Task<ReadOnlyMemory<byte>> SendAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        ReadOnlyMemory<byte> answer = await _handle(request, cancellationToken).ConfigureAwait(false);
        BytesSent += request.Length;
        BytesReceived += answer.Length;
        return answer;
    }
}
