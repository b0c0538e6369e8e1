namespace BasedAI.Network.Protocols;

/// <summary><c>/echo/1.0.0</c>: writes back everything it reads, then closes (the js interop peer serves it too).</summary>
public sealed class EchoProtocol : IProtocol
{
    /// <summary>The protocol id.</summary>
    public const string ProtocolId = "/echo/1.0.0";

    /// <summary>Raised after each echoed stream with the remote and the byte count.</summary>
    public event Action<PeerId, long>? Echoed;

    /// <inheritdoc />
    public string Id => ProtocolId;

    /// <inheritdoc />
    public async Task HandleAsync(Libp2pStream stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await stream.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            total += n;
        }
        await stream.CloseWriteAsync(cancellationToken).ConfigureAwait(false);
        Echoed?.Invoke(stream.RemotePeer, total);
    }

    /// <summary>Sends <paramref name="data"/> to the remote's echo handler and returns the reply.</summary>
    public static async Task<byte[]> EchoAsync(ISession session, ReadOnlyMemory<byte> data, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        await using Libp2pStream stream = await session.OpenStreamAsync(ProtocolId, cancellationToken).ConfigureAwait(false);
        Task write = Task.Run(async () =>
        {
            await stream.WriteAsync(data, cancellationToken).ConfigureAwait(false);
            await stream.CloseWriteAsync(cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
        using var reply = new MemoryStream();
        await stream.CopyToAsync(reply, cancellationToken).ConfigureAwait(false);
        await write.ConfigureAwait(false);
        return reply.ToArray();
    }
}
