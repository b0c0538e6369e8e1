using BasedAI.Network.Identity;
using BasedAI.Network.Multistream;
using BasedAI.Network.Protocols;
using BasedAI.Network.Yamux;

namespace BasedAI.Network;

/// <summary>An upgraded connection: authenticated remote, Yamux session, identify state.</summary>
internal sealed class Connection : ISession
{
    private readonly TaskCompletionSource<IdentifyInfo> _identified = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Connection(YamuxSession muxer, PeerId remotePeer, PublicKey remoteKey, Multiaddr remoteAddress, Multiaddr localAddress, Direction direction)
    {
        Muxer = muxer;
        RemotePeer = remotePeer;
        RemotePublicKey = remoteKey;
        RemoteAddress = remoteAddress.WithPeerId(remotePeer);
        LocalAddress = localAddress;
        Direction = direction;
        muxer.Owner = this;
        // Observe the task so a failed identify never surfaces as an unobserved exception.
        _ = _identified.Task.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
    }

    public YamuxSession Muxer { get; }

    public PeerId RemotePeer { get; }

    public PublicKey RemotePublicKey { get; }

    public Multiaddr RemoteAddress { get; }

    public Multiaddr LocalAddress { get; }

    public Direction Direction { get; }

    public IdentifyInfo? RemoteInfo { get; private set; }

    public Task<IdentifyInfo> Identified => _identified.Task;

    public Task<string> Closed => Muxer.Closed;

    public bool IsClosed => Muxer.IsClosed;

    public TimeSpan RoundTripTime => Muxer.RoundTripTime;

    internal void SetRemoteInfo(IdentifyInfo info)
    {
        RemoteInfo = info;
        _identified.TrySetResult(info);
    }

    internal void FailIdentify(Exception error) => _identified.TrySetException(error);

    public Task<Libp2pStream> OpenStreamAsync(string protocol, CancellationToken cancellationToken = default) =>
        OpenStreamAsync([protocol], cancellationToken);

    public async Task<Libp2pStream> OpenStreamAsync(IReadOnlyList<string> protocols, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(protocols);
        YamuxStream stream = Muxer.OpenStream();
        try
        {
            stream.Protocol = await MultistreamSelect.SelectAsync(stream, protocols, cancellationToken).ConfigureAwait(false);
            return stream;
        }
        catch
        {
            stream.Reset();
            throw;
        }
    }

    public async Task<Libp2pStream> OpenStreamLazyAsync(string protocol, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        YamuxStream stream = Muxer.OpenStream();
        try
        {
            await MultistreamSelect.StartLazySelectAsync(stream, protocol, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            stream.Reset();
            throw;
        }
        stream.Protocol = protocol;
        stream.BeforeFirstRead = async ct =>
        {
            try
            {
                await MultistreamSelect.CompleteLazySelectAsync(stream, protocol, ct).ConfigureAwait(false);
            }
            catch
            {
                stream.Reset();
                throw;
            }
        };
        return stream;
    }

    public Task CloseAsync() => Muxer.CloseAsync("closed locally");

    public override string ToString() => $"{RemotePeer} {Direction.ToString().ToLowerInvariant()} {RemoteAddress.WithoutPeerId()}";
}
