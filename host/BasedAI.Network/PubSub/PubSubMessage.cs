using System.Buffers.Binary;
using System.Security.Cryptography;

namespace BasedAI.Network.PubSub;

/// <summary>A pubsub message delivered to (or published by) this node.</summary>
public sealed class PubSubMessage
{
    internal PubSubMessage(RpcMessage raw, PeerId? from, PeerId receivedFrom)
    {
        Raw = raw;
        From = from;
        ReceivedFrom = receivedFrom;
    }

    internal RpcMessage Raw { get; }

    /// <summary>The topic.</summary>
    public string Topic => Raw.Topic;

    /// <summary>The payload.</summary>
    public ReadOnlyMemory<byte> Data => Raw.Data ?? [];

    /// <summary>The author, for signed messages.</summary>
    public PeerId? From { get; }

    /// <summary>The author's sequence number (8 bytes big-endian on the wire), for signed messages.</summary>
    public ulong? SequenceNumber => Raw.Seqno is { Length: 8 } seqno ? BinaryPrimitives.ReadUInt64BigEndian(seqno) : null;

    /// <summary>Raw sequence number bytes, if any.</summary>
    public ReadOnlyMemory<byte>? SequenceNumberBytes => Raw.Seqno;

    /// <summary>The author's signature, for signed messages.</summary>
    public ReadOnlyMemory<byte>? Signature => Raw.Signature;

    /// <summary>True when the message carries an author signature.</summary>
    public bool IsSigned => Raw.Signature is not null;

    /// <summary>The peer this node received the message from (itself for local publishes).</summary>
    public PeerId ReceivedFrom { get; }

    /// <summary>The message id (see <see cref="GossipsubOptions.MessageIdFunction"/>).</summary>
    public ReadOnlyMemory<byte> MessageId { get; internal set; }
}

/// <summary>Message id functions.</summary>
public static class MessageIds
{
    /// <summary>The spec default for signed messages: author peer id bytes ‖ seqno (go-libp2p, rust-libp2p).</summary>
    public static byte[] FromAndSeqno(PubSubMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        byte[] from = message.Raw.From ?? [];
        byte[] seqno = message.Raw.Seqno ?? [];
        return [.. from, .. seqno];
    }

    /// <summary>js-libp2p's id for signed messages: the author's protobuf public key ‖ seqno (8 bytes).</summary>
    public static byte[] JsCompatible(PubSubMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.From?.PublicKey is not { } key)
        {
            return FromAndSeqno(message);
        }
        return [.. key.ToProtobuf(), .. message.Raw.Seqno ?? []];
    }

    /// <summary>SHA-256 of the payload (the default without signatures, as in js-libp2p).</summary>
    public static byte[] Sha256OfData(PubSubMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return SHA256.HashData(message.Data.Span);
    }
}
