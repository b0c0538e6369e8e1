namespace BasedAI.Network.Identity;

/// <summary>A node's identity: its private key and the peer id derived from it (as in dotnet-libp2p's <c>Identity</c>).</summary>
public sealed class NodeIdentity : IDisposable
{
    /// <summary>Wraps an existing private key; the identity owns it from now on.</summary>
    public NodeIdentity(PrivateKey privateKey)
    {
        ArgumentNullException.ThrowIfNull(privateKey);
        PrivateKey = privateKey;
        PeerId = privateKey.PublicKey.ToPeerId();
    }

    /// <summary>The signing key.</summary>
    public PrivateKey PrivateKey { get; }

    /// <summary>The public key.</summary>
    public PublicKey PublicKey => PrivateKey.PublicKey;

    /// <summary>The peer id.</summary>
    public PeerId PeerId { get; }

    /// <summary>Generates a fresh identity.</summary>
    public static NodeIdentity Generate(KeyType type = KeyType.Ed25519) => new(PrivateKey.Generate(type));

    /// <summary>Wipes the private key.</summary>
    public void Dispose() => PrivateKey.Dispose();
}
