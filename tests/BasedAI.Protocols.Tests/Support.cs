using BasedAI.Crypto;
using BasedAI.Ledger.Chain;
using BasedAI.Ledger.Node;
using BasedAI.Ledger.Runtime;
using BasedAI.Ledger.State;
using BasedAI.Network;
using BasedAI.Network.Identity;
using BasedAI.Network.PubSub;

namespace BasedAI.Protocols.Tests;

/// <summary>Loopback peers, temporary chains and polling for the tests.</summary>
internal static class Support
{
    public static async Task<Libp2pPeer> PeerAsync(bool gossip = false, bool listen = true)
    {
        var options = new Libp2pOptions();
        options.Yamux.KeepAliveInterval = null;
        IPeerService[] services = gossip ? [new GossipsubRouter(new GossipsubOptions { HeartbeatInterval = TimeSpan.FromMilliseconds(100), MaxRpcSize = 4 * 1024 * 1024 })] : [];
        var peer = new Libp2pPeer(NodeIdentity.Generate(), options, null, services, ownsIdentity: true);
        if (listen)
        {
            await peer.ListenAsync(Multiaddr.Parse("/ip4/127.0.0.1/tcp/0"));
        }
        return peer;
    }

    public static Multiaddr Address(ILocalPeer peer) => peer.ListenAddresses[0].WithPeerId(peer.PeerId);

    public static async Task Until(Func<bool> condition, string what, int seconds = 20)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"not within {seconds} s: {what}");
            }
            await Task.Delay(20);
        }
    }

    public static string TempDirectory()
    {
        string path = Path.Combine(Path.GetTempPath(), "basedai-protocols-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>A dev-chain node: the producer (manual sealing) or a follower (verify-only seal engine).</summary>
    public static Task<LedgerNode> LedgerAsync(string directory, bool producer)
    {
        (GenesisConfig genesis, byte[] authority) = DevGenesis.Create();
        return LedgerNode.StartAsync(new LedgerNodeOptions
        {
            DataDirectory = directory,
            Genesis = genesis,
            AuthorityKey = producer ? authority : null,
            SealEngine = producer ? null : new SingleAuthoritySeal(genesis.Authority),
            Production = producer ? BlockProduction.Manual : BlockProduction.Follow,
            RpcPort = null,
        });
    }

    public static byte[] DevKey(int index) => DevGenesis.AccountKey(index);

    public static EthereumAddress DevAddress(int index) => EthereumAddress.FromPrivateKey(DevKey(index));

    /// <summary>A signed transfer from dev account <paramref name="from"/> at its next nonce on <paramref name="node"/>'s head.</summary>
    public static Extrinsic Transfer(LedgerNode node, int from, int to, ulong amount, ulong nonceOffset = 0)
    {
        (var genesis, ulong nonce, ChainParameters parameters) = node.Read(c => (c.GenesisHash, c.State.GetAccount(DevAddress(from)).Nonce, c.State.Parameters));
        var call = new TransferCall(DevAddress(to), amount);
        Extrinsic draft = Extrinsic.Sign(genesis, nonce + nonceOffset, 0, call, DevKey(from));
        return Extrinsic.Sign(genesis, nonce + nonceOffset, parameters.MinimumFee(call, draft.Encoded.Length), call, DevKey(from));
    }
}
