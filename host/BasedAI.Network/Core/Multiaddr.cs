using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using BasedAI.Network.Core;

namespace BasedAI.Network;

/// <summary>One protocol of the multiaddr table this stack understands.</summary>
/// <param name="Code">Multicodec code.</param>
/// <param name="Name">Text name (e.g. <c>ip4</c>).</param>
/// <param name="SizeBits">Value size in bits: 0 for none, -1 for a length-prefixed value.</param>
public sealed record MultiaddrProtocol(int Code, string Name, int SizeBits)
{
    /// <summary>/ip4</summary>
    public static readonly MultiaddrProtocol Ip4 = new(4, "ip4", 32);
    /// <summary>/tcp</summary>
    public static readonly MultiaddrProtocol Tcp = new(6, "tcp", 16);
    /// <summary>/ip6</summary>
    public static readonly MultiaddrProtocol Ip6 = new(41, "ip6", 128);
    /// <summary>/dns</summary>
    public static readonly MultiaddrProtocol Dns = new(53, "dns", -1);
    /// <summary>/dns4</summary>
    public static readonly MultiaddrProtocol Dns4 = new(54, "dns4", -1);
    /// <summary>/dns6</summary>
    public static readonly MultiaddrProtocol Dns6 = new(55, "dns6", -1);
    /// <summary>/dnsaddr</summary>
    public static readonly MultiaddrProtocol DnsAddr = new(56, "dnsaddr", -1);
    /// <summary>/p2p (alias /ipfs)</summary>
    public static readonly MultiaddrProtocol P2p = new(421, "p2p", -1);

    // Other protocols a js or go peer may announce in identify; parsed so such addresses round-trip, never dialed.
    internal static readonly MultiaddrProtocol[] All =
    [
        Ip4, Tcp, Ip6, Dns, Dns4, Dns6, DnsAddr, P2p,
        new(42, "ip6zone", -1), new(43, "ipcidr", 8), new(273, "udp", 16), new(132, "sctp", 16), new(33, "dccp", 16),
        new(460, "quic", 0), new(461, "quic-v1", 0), new(477, "ws", 0), new(478, "wss", 0), new(448, "tls", 0),
        new(449, "sni", -1), new(454, "noise", 0), new(290, "p2p-circuit", 0), new(465, "webtransport", 0),
        new(466, "certhash", -1), new(280, "webrtc-direct", 0), new(281, "webrtc", 0), new(480, "http", 0),
        new(443, "https", 0), new(400, "unix", -1), new(777, "memory", -1),
    ];

    internal static readonly Dictionary<int, MultiaddrProtocol> ByCode = All.ToDictionary(p => p.Code);
    internal static readonly Dictionary<string, MultiaddrProtocol> ByName = BuildNames();

    private static Dictionary<string, MultiaddrProtocol> BuildNames()
    {
        var names = All.ToDictionary(p => p.Name, StringComparer.Ordinal);
        names["ipfs"] = P2p;
        return names;
    }
}

/// <summary>One component of a multiaddr: a protocol and its value (raw bytes, empty for value-less protocols).</summary>
public sealed class MultiaddrComponent : IEquatable<MultiaddrComponent>
{
    private readonly byte[] _value;

    internal MultiaddrComponent(MultiaddrProtocol protocol, byte[] value)
    {
        Protocol = protocol;
        _value = value;
    }

    /// <summary>The protocol.</summary>
    public MultiaddrProtocol Protocol { get; }

    /// <summary>The binary value.</summary>
    public ReadOnlySpan<byte> Value => _value;

    /// <summary>The text value (address, port, name, peer id), empty for value-less protocols.</summary>
    public string ValueText => Multiaddr.ValueToString(Protocol, _value);

    /// <inheritdoc />
    public bool Equals(MultiaddrComponent? other) => other is not null && other.Protocol.Code == Protocol.Code && other._value.AsSpan().SequenceEqual(_value);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as MultiaddrComponent);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Protocol.Code, _value.Length);

    /// <inheritdoc />
    public override string ToString() => Protocol.SizeBits == 0 ? "/" + Protocol.Name : $"/{Protocol.Name}/{ValueText}";
}

/// <summary>
/// A self-describing network address (<c>/ip4/127.0.0.1/tcp/4001/p2p/12D3KooW…</c>) in text and binary forms.
/// Supports /ip4, /ip6, /dns, /dns4, /dns6, /dnsaddr, /tcp and /p2p, and round-trips several other common protocols.
/// </summary>
public sealed class Multiaddr : IEquatable<Multiaddr>
{
    /// <summary>Longest binary multiaddr accepted from a peer.</summary>
    public const int MaxBinaryLength = 1024;

    private readonly MultiaddrComponent[] _components;

    private Multiaddr(MultiaddrComponent[] components) => _components = components;

    /// <summary>The components, outermost first.</summary>
    public IReadOnlyList<MultiaddrComponent> Components => _components;

    /// <summary>Parses the text form; throws <see cref="FormatException"/> naming the bad part.</summary>
    public static Multiaddr Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0 || text[0] != '/')
        {
            throw new FormatException($"Invalid multiaddr '{text}': it must start with '/'.");
        }
        string[] parts = text.TrimEnd('/').Split('/');
        var components = new List<MultiaddrComponent>();
        for (int i = 1; i < parts.Length; i++)
        {
            if (!MultiaddrProtocol.ByName.TryGetValue(parts[i], out MultiaddrProtocol? protocol))
            {
                throw new FormatException($"Invalid multiaddr '{text}': unknown protocol '{parts[i]}'.");
            }
            if (protocol.SizeBits == 0)
            {
                components.Add(new MultiaddrComponent(protocol, []));
                continue;
            }
            if (++i >= parts.Length)
            {
                throw new FormatException($"Invalid multiaddr '{text}': /{protocol.Name} needs a value.");
            }
            string value = parts[i];
            if (protocol.Code == 400)
            {
                // /unix takes the rest of the path.
                value = string.Join('/', parts[i..]);
                i = parts.Length;
            }
            components.Add(new MultiaddrComponent(protocol, ValueFromString(protocol, value, text)));
        }
        if (components.Count == 0)
        {
            throw new FormatException($"Invalid multiaddr '{text}': no components.");
        }
        return new Multiaddr([.. components]);
    }

    /// <summary>Parses without throwing.</summary>
    public static bool TryParse(string? text, out Multiaddr? multiaddr)
    {
        multiaddr = null;
        if (text is null)
        {
            return false;
        }
        try
        {
            multiaddr = Parse(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Decodes the binary form; throws <see cref="FormatException"/> naming the bad part.</summary>
    public static Multiaddr FromBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length == 0)
        {
            throw new FormatException("Invalid binary multiaddr: empty.");
        }
        if (bytes.Length > MaxBinaryLength)
        {
            throw new FormatException($"Invalid binary multiaddr: {bytes.Length} bytes exceeds the {MaxBinaryLength}-byte limit.");
        }
        var components = new List<MultiaddrComponent>();
        int offset = 0;
        while (offset < bytes.Length)
        {
            ulong code = Varint.Read(bytes[offset..], out int read, "multiaddr protocol code", Varint.MaxMultiformatsLength);
            offset += read;
            if (code > int.MaxValue || !MultiaddrProtocol.ByCode.TryGetValue((int)code, out MultiaddrProtocol? protocol))
            {
                throw new FormatException($"Invalid binary multiaddr: unknown protocol code {code}.");
            }
            int size;
            if (protocol.SizeBits >= 0)
            {
                size = protocol.SizeBits / 8;
            }
            else
            {
                ulong length = Varint.Read(bytes[offset..], out read, "multiaddr value length", Varint.MaxMultiformatsLength);
                offset += read;
                if (length > (ulong)(bytes.Length - offset))
                {
                    throw new FormatException($"Invalid binary multiaddr: /{protocol.Name} value of {length} bytes runs past the end.");
                }
                size = (int)length;
            }
            if (bytes.Length - offset < size)
            {
                throw new FormatException($"Invalid binary multiaddr: /{protocol.Name} value is truncated.");
            }
            byte[] value = bytes.Slice(offset, size).ToArray();
            ValidateValue(protocol, value);
            components.Add(new MultiaddrComponent(protocol, value));
            offset += size;
        }
        return new Multiaddr([.. components]);
    }

    /// <summary>The binary form.</summary>
    public byte[] ToBytes()
    {
        var buffer = new ArrayBufferWriter<byte>(32);
        foreach (MultiaddrComponent c in _components)
        {
            Varint.Write(buffer, (ulong)c.Protocol.Code);
            if (c.Protocol.SizeBits < 0)
            {
                Varint.Write(buffer, (ulong)c.Value.Length);
            }
            buffer.Write(c.Value);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Builds the multiaddr of a TCP endpoint.</summary>
    public static Multiaddr FromTcpEndpoint(IPEndPoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        IPAddress address = endpoint.Address.IsIPv4MappedToIPv6 ? endpoint.Address.MapToIPv4() : endpoint.Address;
        MultiaddrProtocol ip = address.AddressFamily == AddressFamily.InterNetwork ? MultiaddrProtocol.Ip4 : MultiaddrProtocol.Ip6;
        byte[] port = [(byte)(endpoint.Port >> 8), (byte)endpoint.Port];
        return new Multiaddr([new MultiaddrComponent(ip, address.GetAddressBytes()), new MultiaddrComponent(MultiaddrProtocol.Tcp, port)]);
    }

    /// <summary>Appends /p2p/<paramref name="peerId"/> (replacing an existing /p2p component).</summary>
    public Multiaddr WithPeerId(PeerId peerId)
    {
        ArgumentNullException.ThrowIfNull(peerId);
        Multiaddr bare = WithoutPeerId();
        return new Multiaddr([.. bare._components, new MultiaddrComponent(MultiaddrProtocol.P2p, peerId.ToBytes())]);
    }

    /// <summary>This address without its trailing /p2p component.</summary>
    public Multiaddr WithoutPeerId()
    {
        if (_components.Length > 1 && _components[^1].Protocol.Code == MultiaddrProtocol.P2p.Code)
        {
            return new Multiaddr(_components[..^1]);
        }
        return this;
    }

    /// <summary>The peer id of the trailing /p2p component, or null.</summary>
    public PeerId? PeerId
    {
        get
        {
            for (int i = _components.Length - 1; i >= 0; i--)
            {
                if (_components[i].Protocol.Code == MultiaddrProtocol.P2p.Code)
                {
                    return Network.PeerId.FromBytes(_components[i].Value);
                }
            }
            return null;
        }
    }

    /// <summary>
    /// The host and port to connect to when this is a TCP address (<c>/ip4|ip6|dns|dns4|dns6/…/tcp/N[/p2p/…]</c>).
    /// <paramref name="family"/> is the address family a dns4/dns6 name must resolve to (Unspecified for /dns).
    /// </summary>
    public bool TryGetTcpTarget(out string host, out int port, out AddressFamily family)
    {
        host = string.Empty;
        port = 0;
        family = AddressFamily.Unspecified;
        if (_components.Length < 2 || _components[1].Protocol.Code != MultiaddrProtocol.Tcp.Code)
        {
            return false;
        }
        for (int i = 2; i < _components.Length; i++)
        {
            if (_components[i].Protocol.Code != MultiaddrProtocol.P2p.Code)
            {
                return false;
            }
        }
        MultiaddrComponent first = _components[0];
        switch (first.Protocol.Code)
        {
            case 4:
                family = AddressFamily.InterNetwork;
                break;
            case 41:
                family = AddressFamily.InterNetworkV6;
                break;
            case 54:
                family = AddressFamily.InterNetwork;
                break;
            case 55:
                family = AddressFamily.InterNetworkV6;
                break;
            case 53:
                break;
            default:
                return false;
        }
        host = first.ValueText;
        port = (_components[1].Value[0] << 8) | _components[1].Value[1];
        return true;
    }

    internal static string ValueToString(MultiaddrProtocol protocol, ReadOnlySpan<byte> value)
    {
        switch (protocol.Code)
        {
            case 4:
            case 41:
                return new IPAddress(value).ToString();
            case 6:
            case 273:
            case 132:
            case 33:
                return ((value[0] << 8) | value[1]).ToString(System.Globalization.CultureInfo.InvariantCulture);
            case 421:
                return Network.PeerId.FromBytes(value).ToString();
            case 43:
                return value[0].ToString(System.Globalization.CultureInfo.InvariantCulture);
            default:
                return Encoding.UTF8.GetString(value);
        }
    }

    private static byte[] ValueFromString(MultiaddrProtocol protocol, string value, string whole)
    {
        switch (protocol.Code)
        {
            case 4:
                if (!IPAddress.TryParse(value, out IPAddress? v4) || v4.AddressFamily != AddressFamily.InterNetwork || value.Count(c => c == '.') != 3)
                {
                    throw new FormatException($"Invalid multiaddr '{whole}': '{value}' is not an IPv4 address.");
                }
                return v4.GetAddressBytes();
            case 41:
                if (!IPAddress.TryParse(value, out IPAddress? v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
                {
                    throw new FormatException($"Invalid multiaddr '{whole}': '{value}' is not an IPv6 address.");
                }
                return v6.GetAddressBytes();
            case 6:
            case 273:
            case 132:
            case 33:
                if (!ushort.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ushort port))
                {
                    throw new FormatException($"Invalid multiaddr '{whole}': '{value}' is not a port number (0-65535).");
                }
                return [(byte)(port >> 8), (byte)port];
            case 43:
                if (!byte.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out byte cidr) || cidr > 128)
                {
                    throw new FormatException($"Invalid multiaddr '{whole}': '{value}' is not a CIDR prefix length.");
                }
                return [cidr];
            case 421:
                try
                {
                    return Network.PeerId.Parse(value).ToBytes();
                }
                catch (FormatException e)
                {
                    throw new FormatException($"Invalid multiaddr '{whole}': {e.Message}", e);
                }
            default:
                if (value.Length == 0 || value.Length > 255)
                {
                    throw new FormatException($"Invalid multiaddr '{whole}': /{protocol.Name} value must be 1 to 255 characters.");
                }
                return Encoding.UTF8.GetBytes(value);
        }
    }

    private static void ValidateValue(MultiaddrProtocol protocol, byte[] value)
    {
        switch (protocol.Code)
        {
            case 421:
                Network.PeerId.FromBytes(value);
                break;
            case 53 or 54 or 55 or 56 or 42 or 449 or 466 or 400 or 777:
                if (value.Length == 0)
                {
                    throw new FormatException($"Invalid binary multiaddr: /{protocol.Name} value is empty.");
                }
                try
                {
                    ProtobufReader.StrictUtf8.GetString(value);
                }
                catch (DecoderFallbackException)
                {
                    throw new FormatException($"Invalid binary multiaddr: /{protocol.Name} value is not UTF-8.");
                }
                break;
        }
    }

    /// <inheritdoc />
    public override string ToString() => string.Concat(_components.Select(c => c.ToString()));

    /// <inheritdoc />
    public bool Equals(Multiaddr? other) => other is not null && _components.AsSpan().SequenceEqual(other._components);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as Multiaddr);

    /// <inheritdoc />
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
}
