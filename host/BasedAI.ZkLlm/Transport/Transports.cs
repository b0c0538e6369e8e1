namespace BasedAI.ZkLlm.Transport;

/// <summary>
/// How a client reaches a miner: one request, one response, opaque bytes both ways. The same shape as a libp2p
/// request-response protocol (<c>/basedai/brainport/1.0.0</c>), which the network issue puts behind this interface.
/// </summary>
public interface IZkLlmTransport
{
    /// <summary>Sends <paramref name="request"/> and returns the response.</summary>
    Task<ReadOnlyMemory<byte>> ExchangeAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken = default);
}

/// <summary>Answers requests (the miner's side of a transport).</summary>
public interface IZkLlmHandler
{
    /// <summary>Handles one request; never throws for bad input (the response says what was wrong).</summary>
    Task<ReadOnlyMemory<byte>> HandleAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken = default);
}

/// <summary>Client and miner in one process: requests are copied, so the two roles share no memory.</summary>
public sealed class InProcessTransport(IZkLlmHandler handler) : IZkLlmTransport
{
    private readonly IZkLlmHandler _handler = handler ?? throw new ArgumentNullException(nameof(handler));

    /// <summary>Bytes sent to the handler.</summary>
    public long BytesSent { get; private set; }

    /// <summary>Bytes received from the handler.</summary>
    public long BytesReceived { get; private set; }

    /// <inheritdoc />
    public async Task<ReadOnlyMemory<byte>> ExchangeAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken = default)
    {
        BytesSent += request.Length;
        ReadOnlyMemory<byte> response = await _handler.HandleAsync(request.ToArray(), cancellationToken).ConfigureAwait(false);
        BytesReceived += response.Length;
        return response.ToArray();
    }
}

/// <summary>Records every request and response that passes (what a miner receives, and what it answers).</summary>
public sealed class CapturingTransport(IZkLlmTransport inner) : IZkLlmTransport
{
    private readonly IZkLlmTransport _inner = inner ?? throw new ArgumentNullException(nameof(inner));
    private readonly List<byte[]> _requests = [];
    private readonly List<byte[]> _responses = [];

    /// <summary>Every request, in order.</summary>
    public IReadOnlyList<byte[]> Requests => _requests;

    /// <summary>Every response, in order.</summary>
    public IReadOnlyList<byte[]> Responses => _responses;

    /// <inheritdoc />
    public async Task<ReadOnlyMemory<byte>> ExchangeAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken = default)
    {
        _requests.Add(request.ToArray());
        ReadOnlyMemory<byte> response = await _inner.ExchangeAsync(request, cancellationToken).ConfigureAwait(false);
        _responses.Add(response.ToArray());
        return response;
    }
}
