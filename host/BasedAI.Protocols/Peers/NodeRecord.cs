using BasedAI.Crypto;
using BasedAI.Ledger.Chain;
using BasedAI.Ledger.Codec;
using BasedAI.Network;
using BasedAI.Network.Identity;
using BasedAI.Protocols.Brainport;

namespace BasedAI.Protocols.Peers;

/// <summary>
/// A node's signed statement "computekey K serves Brain B as a miner/validator at libp2p peer P, addresses A", the off-chain
/// counterpart of an axon record. Encoding version 1: <c>u8 version ‖ hash genesis ‖ u16 brain ‖ u8 role ‖ address computekey ‖
/// bytes peer id ‖ u8 count ‖ (bytes multiaddr)* ‖ u64 issued (Unix ms) ‖ signature (65)</c>; the computekey signs Keccak-256 of
/// <c>"basedai/node-record:" ‖ everything before the signature</c>. Clients check the computekey against the metagraph, and the
/// brainport countersignature proves the peer behind the address holds it.
/// </summary>
public sealed class NodeRecord
{
    /// <summary>Encoding version.</summary>
    public const byte CurrentVersion = 1;

    /// <summary>Most addresses in a record.</summary>
    public const int MaxAddresses = 8;

    private static readonly byte[] Domain = "basedai/node-record:"u8.ToArray();

    private NodeRecord(Hash32 genesis, ushort brain, NodeRole role, EthereumAddress computekey, PeerId peerId, IReadOnlyList<Multiaddr> addresses, ulong issuedAt, byte[] signature)
    {
        Genesis = genesis;
        Brain = brain;
        Role = role;
        Computekey = computekey;
        PeerId = peerId;
        Addresses = addresses;
        IssuedAt = issuedAt;
        Signature = signature;
    }

    /// <summary>The chain the record belongs to.</summary>
    public Hash32 Genesis { get; }

    /// <summary>The Brain served.</summary>
    public ushort Brain { get; }

    /// <summary>Miner or validator.</summary>
    public NodeRole Role { get; }

    /// <summary>The signer: the node's computekey address.</summary>
    public EthereumAddress Computekey { get; }

    /// <summary>The libp2p peer to dial.</summary>
    public PeerId PeerId { get; }

    /// <summary>Where to dial it (without /p2p).</summary>
    public IReadOnlyList<Multiaddr> Addresses { get; }

    /// <summary>When the record was signed, Unix milliseconds; a newer record replaces an older one.</summary>
    public ulong IssuedAt { get; }

    /// <summary>r ‖ s ‖ v.</summary>
    public byte[] Signature { get; }

    /// <summary>The brainport target this record describes.</summary>
    public BrainportTarget Target => new(PeerId, Computekey, Addresses);

    /// <summary>Signs a record with the computekey.</summary>
    public static NodeRecord Sign(ReadOnlySpan<byte> computekey, Hash32 genesis, ushort brain, NodeRole role, PeerId peerId, IEnumerable<Multiaddr> addresses, DateTimeOffset issuedAt)
    {
        ArgumentNullException.ThrowIfNull(peerId);
        ArgumentNullException.ThrowIfNull(addresses);
        Multiaddr[] list = addresses.Select(a => a.WithoutPeerId()).Distinct().Take(MaxAddresses).ToArray();
        var unsigned = new NodeRecord(genesis, brain, role, EthereumAddress.FromPrivateKey(computekey), peerId, list, (ulong)issuedAt.ToUnixTimeMilliseconds(), []);
        byte[] signature = Secp256k1.SignRecoverable(SigningHash(unsigned.EncodeUnsigned()), computekey);
        return new NodeRecord(genesis, brain, role, unsigned.Computekey, peerId, list, unsigned.IssuedAt, signature);
    }

    /// <summary>True when the computekey signed this record.</summary>
    public bool HasValidSignature() => SignatureCheck.Recovers(SigningHash(EncodeUnsigned()), Signature, Computekey);

    /// <summary>The wire form.</summary>
    public byte[] Encode()
    {
        var writer = new LedgerWriter(256);
        WriteUnsigned(writer);
        writer.Raw(Signature);
        return writer.ToArray();
    }

    /// <summary>Decodes a record; throws <see cref="FormatException"/> naming the problem. Does not check the signature.</summary>
    public static NodeRecord Decode(ReadOnlySpan<byte> bytes)
    {
        var reader = new LedgerReader(bytes, "node record");
        byte version = reader.U8("version");
        if (version != CurrentVersion)
        {
            throw reader.Error($"version {version} is not supported (expected {CurrentVersion})");
        }
        Hash32 genesis = reader.Hash("genesis");
        ushort brain = reader.U16("brain");
        byte role = reader.U8("role");
        if (role is not ((byte)NodeRole.Miner or (byte)NodeRole.Validator))
        {
            throw reader.Error($"role {role} is not defined");
        }
        EthereumAddress computekey = reader.Address("computekey");
        PeerId peerId;
        try
        {
            peerId = PeerId.FromBytes(reader.Bytes("peer id", 128));
        }
        catch (FormatException e)
        {
            throw reader.Error($"peer id: {e.Message}");
        }
        byte count = reader.U8("address count");
        if (count > MaxAddresses)
        {
            throw reader.Error($"{count} addresses exceed the limit of {MaxAddresses}");
        }
        var addresses = new Multiaddr[count];
        for (int i = 0; i < count; i++)
        {
            try
            {
                addresses[i] = Multiaddr.FromBytes(reader.Bytes("address", 256));
            }
            catch (FormatException e)
            {
                throw reader.Error($"address {i}: {e.Message}");
            }
        }
        ulong issued = reader.U64("issued");
        byte[] signature = reader.Raw(65, "signature").ToArray();
        reader.End();
        return new NodeRecord(genesis, brain, (NodeRole)role, computekey, peerId, addresses, issued, signature);
    }

    private byte[] EncodeUnsigned()
    {
        var writer = new LedgerWriter(256);
        WriteUnsigned(writer);
        return writer.ToArray();
    }

    private void WriteUnsigned(LedgerWriter writer)
    {
        writer.U8(CurrentVersion);
        writer.Hash(Genesis);
        writer.U16(Brain);
        writer.U8((byte)Role);
        writer.Address(Computekey);
        writer.Bytes(PeerId.ToBytes());
        writer.U8((byte)Addresses.Count);
        foreach (Multiaddr address in Addresses)
        {
            writer.Bytes(address.ToBytes());
        }
        writer.U64(IssuedAt);
    }

    private static byte[] SigningHash(ReadOnlySpan<byte> unsigned)
    {
        var hasher = new Keccak256();
        hasher.Append(Domain);
        hasher.Append(unsigned);
        var digest = new byte[32];
        hasher.Finish(digest);
        return digest;
    }
}
