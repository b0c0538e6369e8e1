using BasedAI.Network.Core;
using BasedAI.Network.Identity;

namespace BasedAI.Network.Protocols;

/// <summary>
/// What a peer says about itself through identify (<c>/ipfs/id/1.0.0</c>): versions, key, listen addresses, the address it
/// sees us at, and its protocols.
/// </summary>
public sealed record IdentifyInfo
{
    /// <summary>Most listen addresses kept from one message.</summary>
    public const int MaxAddresses = 128;
    /// <summary>Most protocols kept from one message.</summary>
    public const int MaxProtocols = 1024;

    /// <summary>Protocol version, e.g. <c>ipfs/0.1.0</c>.</summary>
    public string? ProtocolVersion { get; init; }

    /// <summary>Agent version, e.g. <c>js-libp2p/3.3.11</c>.</summary>
    public string? AgentVersion { get; init; }

    /// <summary>The peer's public key, if sent.</summary>
    public PublicKey? PublicKey { get; init; }

    /// <summary>Addresses the peer listens on.</summary>
    public IReadOnlyList<Multiaddr> ListenAddresses { get; init; } = [];

    /// <summary>The address the peer sees our side of the connection at.</summary>
    public Multiaddr? ObservedAddress { get; init; }

    /// <summary>Protocols the peer handles.</summary>
    public IReadOnlyList<string> Protocols { get; init; } = [];

    /// <summary>Encodes the identify protobuf.</summary>
    public byte[] Encode()
    {
        var writer = new ProtobufWriter(512);
        if (PublicKey is not null)
        {
            writer.WriteBytes(1, PublicKey.ToProtobuf());
        }
        foreach (Multiaddr address in ListenAddresses)
        {
            writer.WriteBytes(2, address.ToBytes());
        }
        foreach (string protocol in Protocols)
        {
            writer.WriteString(3, protocol);
        }
        if (ObservedAddress is not null)
        {
            writer.WriteBytes(4, ObservedAddress.ToBytes());
        }
        if (ProtocolVersion is not null)
        {
            writer.WriteString(5, ProtocolVersion);
        }
        if (AgentVersion is not null)
        {
            writer.WriteString(6, AgentVersion);
        }
        return writer.ToArray();
    }

    /// <summary>
    /// Decodes the identify protobuf. Structural errors and an invalid public key throw <see cref="FormatException"/>;
    /// addresses this stack cannot parse are skipped and counted in <paramref name="skippedAddresses"/>.
    /// </summary>
    public static IdentifyInfo Decode(ReadOnlySpan<byte> encoded, out int skippedAddresses)
    {
        var reader = new ProtobufReader(encoded, "identify message");
        PublicKey? key = null;
        var addresses = new List<Multiaddr>();
        var protocols = new List<string>();
        Multiaddr? observed = null;
        string? protocolVersion = null, agentVersion = null;
        skippedAddresses = 0;
        while (reader.TryReadTag(out int field, out WireType wireType))
        {
            switch (field)
            {
                case 1:
                    key = PublicKey.FromProtobuf(reader.ReadBytes(wireType, field));
                    break;
                case 2:
                    {
                        ReadOnlySpan<byte> bytes = reader.ReadBytes(wireType, field);
                        if (addresses.Count >= MaxAddresses || !TryParseAddress(bytes, out Multiaddr? address))
                        {
                            skippedAddresses++;
                        }
                        else
                        {
                            addresses.Add(address!);
                        }
                        break;
                    }
                case 3:
                    {
                        string protocol = reader.ReadString(wireType, field);
                        if (protocols.Count >= MaxProtocols)
                        {
                            throw new FormatException($"Malformed identify message: more than {MaxProtocols} protocols.");
                        }
                        protocols.Add(protocol);
                        break;
                    }
                case 4:
                    {
                        ReadOnlySpan<byte> bytes = reader.ReadBytes(wireType, field);
                        if (TryParseAddress(bytes, out Multiaddr? address))
                        {
                            observed = address;
                        }
                        break;
                    }
                case 5:
                    protocolVersion = reader.ReadString(wireType, field);
                    break;
                case 6:
                    agentVersion = reader.ReadString(wireType, field);
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }
        return new IdentifyInfo
        {
            PublicKey = key,
            ListenAddresses = addresses,
            Protocols = protocols,
            ObservedAddress = observed,
            ProtocolVersion = protocolVersion,
            AgentVersion = agentVersion,
        };
    }

    private static bool TryParseAddress(ReadOnlySpan<byte> bytes, out Multiaddr? address)
    {
        try
        {
            address = Multiaddr.FromBytes(bytes);
            return true;
        }
        catch (FormatException)
        {
            address = null;
            return false;
        }
    }
}
