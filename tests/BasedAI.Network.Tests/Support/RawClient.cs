using System.Net;
using System.Net.Sockets;
using System.Text;
using BasedAI.Network.Core;
using BasedAI.Network.Identity;
using BasedAI.Network.Multistream;
using BasedAI.Network.Noise;
using BasedAI.Network.Transport;
using BasedAI.Network.Yamux;

namespace BasedAI.Network.Tests.Support;

/// <summary>
/// A hand-driven client for robustness tests: a real TCP + Noise connection (inlined Yamux negotiation), after which the test
/// writes raw Yamux frames, well-formed or not.
/// </summary>
internal sealed class RawClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _header = new byte[YamuxHeader.Size];

    private RawClient(Socket socket, Stream stream)
    {
        _socket = socket;
        Stream = stream;
    }

    /// <summary>The connection: the raw socket before <see cref="SecureAsync"/>, the Noise channel after.</summary>
    public Stream Stream { get; private set; }

    public static async Task<RawClient> ConnectTcpAsync(Multiaddr address)
    {
        address.TryGetTcpTarget(out string host, out int port, out _);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Parse(host), port));
        return new RawClient(socket, new BufferedReadStream(new NetworkStream(socket, ownsSocket: true)));
    }

    public static async Task<RawClient> ConnectSecureAsync(Multiaddr address, NodeIdentity? identity = null, NoiseFaults? faults = null)
    {
        RawClient client = await ConnectTcpAsync(address);
        await client.SecureAsync(address.PeerId, identity, faults);
        return client;
    }

    public async Task SecureAsync(PeerId? expected, NodeIdentity? identity = null, NoiseFaults? faults = null)
    {
        using NodeIdentity own = identity ?? NodeIdentity.Generate();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await MultistreamSelect.SelectAsync(Stream, [NoiseHandshake.ProtocolId], cts.Token);
        using var handshake = new NoiseHandshake(own, new X25519KeyPair(), [YamuxSession.ProtocolId], faults);
        NoiseResult result = await handshake.InitiateAsync(Stream, expected, cts.Token);
        Stream = new NoiseSecureStream(Stream, result.Send, result.Receive);
    }

    public async Task WriteRawAsync(byte[] bytes)
    {
        await Stream.WriteAsync(bytes);
        await Stream.FlushAsync();
    }

    public async Task WriteFrameAsync(YamuxFrameType type, YamuxFlags flags, uint streamId, uint length, byte[]? data = null)
    {
        byte[] frame = new byte[YamuxHeader.Size + (data?.Length ?? 0)];
        new YamuxHeader(type, flags, streamId, length).Write(frame);
        data?.CopyTo(frame, YamuxHeader.Size);
        await WriteRawAsync(frame);
    }

    /// <summary>Opens stream <paramref name="id"/> and sends a multistream proposal plus <paramref name="payload"/> in one data frame.</summary>
    public Task OpenStreamAsync(uint id, string protocol, byte[] payload)
    {
        byte[] data = [.. Message("/multistream/1.0.0"), .. Message(protocol), .. payload];
        return WriteFrameAsync(YamuxFrameType.Data, YamuxFlags.Syn, id, (uint)data.Length, data);
    }

    public static byte[] Message(string text)
    {
        byte[] body = Encoding.UTF8.GetBytes(text + "\n");
        byte[] prefix = new byte[Varint.MaxLength];
        int n = Varint.Write(prefix, (ulong)body.Length);
        return [.. prefix.AsSpan(0, n), .. body];
    }

    /// <summary>Reads frames until <paramref name="count"/> data bytes arrived on <paramref name="streamId"/>; null if the connection closed first.</summary>
    public async Task<byte[]?> ReadStreamDataAsync(uint streamId, int count, int timeoutSeconds = 10)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        var data = new List<byte>();
        while (data.Count < count)
        {
            (YamuxHeader header, byte[] payload)? frame = await ReadFrameAsync(cts.Token);
            if (frame is null)
            {
                return null;
            }
            if (frame.Value.header.Type == YamuxFrameType.Data && frame.Value.header.StreamId == streamId)
            {
                data.AddRange(frame.Value.payload);
            }
        }
        return [.. data];
    }

    /// <summary>True when the remote closes the connection within the timeout (reading and dropping whatever it sends).</summary>
    public async Task<bool> ClosedByRemoteAsync(int timeoutSeconds = 20)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        try
        {
            while (await ReadFrameAsync(cts.Token) is not null)
            {
            }
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Reads one frame; null at end of stream or when the connection fails.</summary>
    public async Task<(YamuxHeader, byte[])?> ReadFrameAsync(CancellationToken cancellationToken)
    {
        try
        {
            int n = await Stream.ReadAtLeastAsync(_header, YamuxHeader.Size, throwOnEndOfStream: false, cancellationToken);
            if (n < YamuxHeader.Size)
            {
                return null;
            }
            YamuxHeader header = YamuxHeader.Read(_header);
            byte[] payload = header.Type == YamuxFrameType.Data ? new byte[header.Length] : [];
            await Stream.ReadExactlyAsync(payload, cancellationToken);
            return (header, payload);
        }
        catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException or Libp2pException or EndOfStreamException)
        {
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Stream.DisposeAsync();
        _socket.Dispose();
    }
}
