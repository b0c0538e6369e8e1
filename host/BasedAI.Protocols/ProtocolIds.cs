namespace BasedAI.Protocols;

/// <summary>The libp2p protocol ids and gossipsub topics BasedAI hosts speak.</summary>
public static class ProtocolIds
{
    /// <summary>Signed request-response to a Brain node (miner calls, validator challenges, refresh rounds).</summary>
    public const string Brainport = "/basedai/brainport/1.0.0";

    /// <summary>Chain status and block download, for hosts catching up.</summary>
    public const string ChainSync = "/basedai/sync/1.0.0";

    /// <summary>Signed peer records: who serves which Brain at which libp2p address.</summary>
    public const string PeerDirectory = "/basedai/peers/1.0.0";

    /// <summary>Gossipsub topic of sealed blocks on the chain whose genesis hash starts with <paramref name="genesisPrefix"/>.</summary>
    public static string BlocksTopic(string genesisPrefix) => $"/basedai/{genesisPrefix}/blocks/1";

    /// <summary>Gossipsub topic of signed extrinsics on that chain.</summary>
    public static string ExtrinsicsTopic(string genesisPrefix) => $"/basedai/{genesisPrefix}/extrinsics/1";

    /// <summary>Gossipsub topic of peer records on that chain.</summary>
    public static string PeersTopic(string genesisPrefix) => $"/basedai/{genesisPrefix}/peers/1";
}
