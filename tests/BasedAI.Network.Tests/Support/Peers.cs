using BasedAI.Network.Identity;
using BasedAI.Network.PubSub;

namespace BasedAI.Network.Tests.Support;

/// <summary>Builds loopback peers for tests.</summary>
public static class Peers
{
    public static readonly Multiaddr Loopback = Multiaddr.Parse("/ip4/127.0.0.1/tcp/0");

    public static async Task<Libp2pPeer> StartAsync(TestLog? log = null, Action<Libp2pOptions>? configure = null, GossipsubOptions? gossipsub = null, KeyType keyType = KeyType.Ed25519, bool listen = true)
    {
        var options = new Libp2pOptions();
        options.Yamux.KeepAliveInterval = null;
        configure?.Invoke(options);
        var services = new List<IPeerService>();
        if (gossipsub is not null)
        {
            services.Add(new GossipsubRouter(gossipsub, log));
        }
        var peer = new Libp2pPeer(NodeIdentity.Generate(keyType), options, log, services, ownsIdentity: true);
        if (listen)
        {
            await peer.ListenAsync(Loopback);
        }
        return peer;
    }

    public static Multiaddr Address(ILocalPeer peer) => peer.ListenAddresses[0].WithPeerId(peer.PeerId);

    public static GossipsubOptions FastGossip(SignaturePolicy policy = SignaturePolicy.StrictSign) => new()
    {
        HeartbeatInterval = TimeSpan.FromMilliseconds(100),
        SignaturePolicy = policy,
    };

    public static async Task<T> WithTimeout<T>(Task<T> task, int seconds = 20) => await task.WaitAsync(TimeSpan.FromSeconds(seconds));

    public static async Task WithTimeout(Task task, int seconds = 20) => await task.WaitAsync(TimeSpan.FromSeconds(seconds));

    public static async Task Until(Func<bool> condition, int seconds = 20, string? what = null)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Condition not met within {seconds} s: {what}");
            }
            await Task.Delay(20);
        }
    }
}
