using System.Security.Cryptography;
using BasedAI.Network.Core;
using BasedAI.Network.Identity;

namespace BasedAI.Network;

/// <summary>
/// A libp2p peer id: the multihash of a protobuf-encoded public key (identity multihash when the encoding is at most
/// 42 bytes, as for Ed25519 and secp256k1; SHA-256 otherwise). Text forms: base58btc (<c>12D3KooW…</c>, <c>16Uiu2…</c>,
/// <c>Qm…</c>) and CIDv1 (<c>bafz…</c>, multibase base32, codec libp2p-key).
/// </summary>
public sealed class PeerId : IEquatable<PeerId>
{
    /// <summary>Multihash code of the identity hash.</summary>
    public const int IdentityCode = 0x00;
    /// <summary>Multihash code of SHA2-256.</summary>
    public const int Sha256Code = 0x12;
    /// <summary>Multicodec of libp2p-key (the CID content type of a peer id).</summary>
    public const int Libp2pKeyCodec = 0x72;
    /// <summary>Public keys whose protobuf is at most this long are inlined (identity multihash).</summary>
    public const int MaxInlineKeyLength = 42;

    private readonly byte[] _bytes;
    private readonly int _hash;
    private string? _text;
    private readonly PublicKey? _publicKey;

    private PeerId(byte[] bytes, PublicKey? publicKey)
    {
        _bytes = bytes;
        _publicKey = publicKey;
        var hash = new HashCode();
        hash.AddBytes(bytes);
        _hash = hash.ToHashCode();
    }

    /// <summary>The multihash bytes.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>Copy of the multihash bytes.</summary>
    public byte[] ToBytes() => (byte[])_bytes.Clone();

    /// <summary>Derives the peer id of <paramref name="publicKey"/>.</summary>
    public static PeerId FromPublicKey(PublicKey publicKey)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
        byte[] proto = publicKey.ToProtobuf();
        byte[] bytes;
        if (proto.Length <= MaxInlineKeyLength)
        {
            bytes = new byte[2 + proto.Length];
            bytes[0] = IdentityCode;
            bytes[1] = (byte)proto.Length;
            proto.CopyTo(bytes, 2);
        }
        else
        {
            bytes = new byte[34];
            bytes[0] = Sha256Code;
            bytes[1] = 32;
            SHA256.HashData(proto, bytes.AsSpan(2));
            return new PeerId(bytes, null);
        }
        return new PeerId(bytes, publicKey);
    }

    /// <summary>Decodes the multihash bytes of a peer id; throws <see cref="FormatException"/> if they are not one.</summary>
    public static PeerId FromBytes(ReadOnlySpan<byte> bytes)
    {
        ulong code = Varint.Read(bytes, out int a, "peer id multihash code", Varint.MaxMultiformatsLength);
        ulong length = Varint.Read(bytes[a..], out int b, "peer id multihash length", Varint.MaxMultiformatsLength);
        ReadOnlySpan<byte> digest = bytes[(a + b)..];
        if ((ulong)digest.Length != length)
        {
            throw new FormatException($"Invalid peer id: the multihash declares {length} digest bytes but {digest.Length} follow.");
        }
        switch (code)
        {
            case IdentityCode:
                {
                    if (digest.Length > MaxInlineKeyLength)
                    {
                        throw new FormatException($"Invalid peer id: an inlined public key is at most {MaxInlineKeyLength} bytes, not {digest.Length}.");
                    }
                    PublicKey key;
                    try
                    {
                        key = PublicKey.FromProtobuf(digest);
                    }
                    catch (FormatException e)
                    {
                        throw new FormatException($"Invalid peer id: the inlined public key is malformed: {e.Message}", e);
                    }
                    return new PeerId(bytes.ToArray(), key);
                }
            case Sha256Code:
                if (digest.Length != 32)
                {
                    throw new FormatException($"Invalid peer id: a SHA-256 digest is 32 bytes, not {digest.Length}.");
                }
                return new PeerId(bytes.ToArray(), null);
            default:
                throw new FormatException($"Invalid peer id: multihash code 0x{code:x} is neither identity nor sha2-256.");
        }
    }

    /// <summary>Parses the base58btc or CIDv1 text form of a peer id.</summary>
    public static PeerId Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length == 0)
        {
            throw new FormatException("Invalid peer id: empty string.");
        }
        if (text.Length > 200)
        {
            throw new FormatException("Invalid peer id: longer than 200 characters.");
        }
        if (text[0] is '1' or 'Q')
        {
            return FromBytes(Base58.Decode(text));
        }
        if (text[0] == 'b')
        {
            byte[] cid = Base32.Decode(text[1..]);
            ulong version = Varint.Read(cid, out int a, "CID version", Varint.MaxMultiformatsLength);
            ulong codec = Varint.Read(cid.AsSpan(a), out int b, "CID codec", Varint.MaxMultiformatsLength);
            if (version != 1)
            {
                throw new FormatException($"Invalid peer id CID: version {version}, expected 1.");
            }
            if (codec != Libp2pKeyCodec)
            {
                throw new FormatException($"Invalid peer id CID: codec 0x{codec:x}, expected libp2p-key (0x72).");
            }
            return FromBytes(cid.AsSpan(a + b));
        }
        if (text[0] == 'z')
        {
            // Multibase base58btc of a CID.
            byte[] cid = Base58.Decode(text[1..]);
            ulong version = Varint.Read(cid, out int a, "CID version", Varint.MaxMultiformatsLength);
            ulong codec = Varint.Read(cid.AsSpan(a), out int b, "CID codec", Varint.MaxMultiformatsLength);
            if (version != 1 || codec != Libp2pKeyCodec)
            {
                throw new FormatException("Invalid peer id CID: expected CIDv1 with codec libp2p-key.");
            }
            return FromBytes(cid.AsSpan(a + b));
        }
        throw new FormatException($"Invalid peer id '{text}': expected base58btc (12D3KooW…, 16Uiu2…, Qm…) or a CIDv1 (bafz…).");
    }

    /// <summary>Parses without throwing.</summary>
    public static bool TryParse(string? text, out PeerId? peerId)
    {
        peerId = null;
        if (text is null)
        {
            return false;
        }
        try
        {
            peerId = Parse(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>The public key when it is inlined in the id (Ed25519, secp256k1), otherwise null.</summary>
    public PublicKey? PublicKey => _publicKey;

    /// <summary>True when <paramref name="publicKey"/> is the key this id was derived from.</summary>
    public bool Matches(PublicKey publicKey) => FromPublicKey(publicKey).Equals(this);

    /// <summary>The CIDv1 text form (multibase base32, codec libp2p-key).</summary>
    public string ToCidString()
    {
        byte[] cid = new byte[2 + _bytes.Length];
        cid[0] = 1;
        cid[1] = Libp2pKeyCodec;
        _bytes.CopyTo(cid, 2);
        return "b" + Base32.Encode(cid);
    }

    /// <summary>The base58btc text form.</summary>
    public override string ToString() => _text ??= Base58.Encode(_bytes);

    /// <inheritdoc />
    public bool Equals(PeerId? other) => other is not null && (ReferenceEquals(this, other) || (_hash == other._hash && _bytes.AsSpan().SequenceEqual(other._bytes)));

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as PeerId);

    /// <inheritdoc />
    public override int GetHashCode() => _hash;

    /// <summary>Equality.</summary>
    public static bool operator ==(PeerId? left, PeerId? right) => left is null ? right is null : left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(PeerId? left, PeerId? right) => !(left == right);
}
