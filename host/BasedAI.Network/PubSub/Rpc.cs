using BasedAI.Network.Core;

namespace BasedAI.Network.PubSub;

/// <summary>A pubsub message as on the wire (<c>Message</c> in the pubsub RPC protobuf).</summary>
internal sealed class RpcMessage
{
    public byte[]? From { get; set; }
    public byte[]? Data { get; set; }
    public byte[]? Seqno { get; set; }
    public string Topic { get; set; } = string.Empty;
    public byte[]? Signature { get; set; }
    public byte[]? Key { get; set; }

    /// <summary>Encodes the message; without signature and key it is exactly what the author signs.</summary>
    public void Encode(ProtobufWriter writer, bool includeSignature = true)
    {
        if (From is not null)
        {
            writer.WriteBytes(1, From);
        }
        if (Data is not null)
        {
            writer.WriteBytes(2, Data);
        }
        if (Seqno is not null)
        {
            writer.WriteBytes(3, Seqno);
        }
        writer.WriteString(4, Topic);
        if (includeSignature)
        {
            if (Signature is not null)
            {
                writer.WriteBytes(5, Signature);
            }
            if (Key is not null)
            {
                writer.WriteBytes(6, Key);
            }
        }
    }

    public static RpcMessage Decode(ReadOnlySpan<byte> bytes)
    {
        var reader = new ProtobufReader(bytes, "pubsub message");
        var message = new RpcMessage();
        bool hasTopic = false;
        while (reader.TryReadTag(out int field, out WireType wireType))
        {
            switch (field)
            {
                case 1: message.From = reader.ReadBytes(wireType, field).ToArray(); break;
                case 2: message.Data = reader.ReadBytes(wireType, field).ToArray(); break;
                case 3: message.Seqno = reader.ReadBytes(wireType, field).ToArray(); break;
                case 4: message.Topic = reader.ReadString(wireType, field); hasTopic = true; break;
                case 5: message.Signature = reader.ReadBytes(wireType, field).ToArray(); break;
                case 6: message.Key = reader.ReadBytes(wireType, field).ToArray(); break;
                default: reader.Skip(wireType); break;
            }
        }
        if (!hasTopic)
        {
            throw new FormatException("Malformed pubsub message: the topic is required.");
        }
        return message;
    }
}

/// <summary>IHAVE: message ids the sender has for a topic.</summary>
internal sealed record IHave(string Topic, List<byte[]> MessageIds);

/// <summary>PRUNE: the sender removed us from its mesh for a topic, with an optional backoff in seconds.</summary>
internal sealed record Prune(string Topic, ulong? BackoffSeconds);

/// <summary>The pubsub RPC: subscriptions, messages and gossipsub control messages.</summary>
internal sealed class Rpc
{
    public List<(bool Subscribe, string Topic)> Subscriptions { get; } = [];
    public List<RpcMessage> Messages { get; } = [];
    public List<IHave> IHave { get; } = [];
    public List<byte[]> IWant { get; } = [];
    public List<string> Graft { get; } = [];
    public List<Prune> Prune { get; } = [];
    public List<byte[]> IDontWant { get; } = [];

    public bool HasControl => IHave.Count > 0 || IWant.Count > 0 || Graft.Count > 0 || Prune.Count > 0 || IDontWant.Count > 0;

    public bool IsEmpty => Subscriptions.Count == 0 && Messages.Count == 0 && !HasControl;

    public byte[] Encode()
    {
        var writer = new ProtobufWriter(256);
        var nested = new ProtobufWriter(128);
        foreach ((bool subscribe, string topic) in Subscriptions)
        {
            nested.Clear();
            nested.WriteBool(1, subscribe);
            nested.WriteString(2, topic);
            writer.WriteBytes(1, nested.WrittenSpan);
        }
        foreach (RpcMessage message in Messages)
        {
            nested.Clear();
            message.Encode(nested);
            writer.WriteBytes(2, nested.WrittenSpan);
        }
        if (HasControl)
        {
            var control = new ProtobufWriter(128);
            foreach (IHave ihave in IHave)
            {
                nested.Clear();
                nested.WriteString(1, ihave.Topic);
                foreach (byte[] id in ihave.MessageIds)
                {
                    nested.WriteBytes(2, id);
                }
                control.WriteBytes(1, nested.WrittenSpan);
            }
            if (IWant.Count > 0)
            {
                nested.Clear();
                foreach (byte[] id in IWant)
                {
                    nested.WriteBytes(1, id);
                }
                control.WriteBytes(2, nested.WrittenSpan);
            }
            foreach (string topic in Graft)
            {
                nested.Clear();
                nested.WriteString(1, topic);
                control.WriteBytes(3, nested.WrittenSpan);
            }
            foreach (Prune prune in Prune)
            {
                nested.Clear();
                nested.WriteString(1, prune.Topic);
                if (prune.BackoffSeconds is { } backoff)
                {
                    nested.WriteVarint(3, backoff);
                }
                control.WriteBytes(4, nested.WrittenSpan);
            }
            if (IDontWant.Count > 0)
            {
                nested.Clear();
                foreach (byte[] id in IDontWant)
                {
                    nested.WriteBytes(1, id);
                }
                control.WriteBytes(5, nested.WrittenSpan);
            }
            writer.WriteBytes(3, control.WrittenSpan);
        }
        return writer.ToArray();
    }

    /// <summary>Decodes an RPC, enforcing <paramref name="limits"/>; throws <see cref="FormatException"/> naming what was wrong.</summary>
    public static Rpc Decode(ReadOnlySpan<byte> bytes, RpcLimits limits)
    {
        var reader = new ProtobufReader(bytes, "pubsub RPC");
        var rpc = new Rpc();
        while (reader.TryReadTag(out int field, out WireType wireType))
        {
            switch (field)
            {
                case 1:
                    {
                        var sub = new ProtobufReader(reader.ReadBytes(wireType, field), "pubsub subscription");
                        bool subscribe = false;
                        string? topic = null;
                        while (sub.TryReadTag(out int f, out WireType wt))
                        {
                            if (f == 1)
                            {
                                subscribe = sub.ReadVarint(wt, f) != 0;
                            }
                            else if (f == 2)
                            {
                                topic = sub.ReadString(wt, f);
                            }
                            else
                            {
                                sub.Skip(wt);
                            }
                        }
                        if (topic is null)
                        {
                            throw new FormatException("Malformed pubsub subscription: no topic.");
                        }
                        Limit(rpc.Subscriptions.Count, limits.MaxSubscriptions, "subscriptions");
                        rpc.Subscriptions.Add((subscribe, topic));
                        break;
                    }
                case 2:
                    Limit(rpc.Messages.Count, limits.MaxMessages, "messages");
                    rpc.Messages.Add(RpcMessage.Decode(reader.ReadBytes(wireType, field)));
                    break;
                case 3:
                    DecodeControl(reader.ReadBytes(wireType, field), rpc, limits);
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }
        return rpc;
    }

    private static void DecodeControl(ReadOnlySpan<byte> bytes, Rpc rpc, RpcLimits limits)
    {
        var reader = new ProtobufReader(bytes, "gossipsub control message");
        int ids = 0;
        while (reader.TryReadTag(out int field, out WireType wireType))
        {
            if (field is < 1 or > 5)
            {
                reader.Skip(wireType);
                continue;
            }
            var part = new ProtobufReader(reader.ReadBytes(wireType, field), "gossipsub control entry");
            switch (field)
            {
                case 1:
                    {
                        string topic = string.Empty;
                        var list = new List<byte[]>();
                        while (part.TryReadTag(out int f, out WireType wt))
                        {
                            if (f == 1)
                            {
                                topic = part.ReadString(wt, f);
                            }
                            else if (f == 2)
                            {
                                Limit(ids++, limits.MaxControlIds, "control message ids");
                                list.Add(part.ReadBytes(wt, f).ToArray());
                            }
                            else
                            {
                                part.Skip(wt);
                            }
                        }
                        rpc.IHave.Add(new IHave(topic, list));
                        break;
                    }
                case 2:
                case 5:
                    while (part.TryReadTag(out int f, out WireType wt))
                    {
                        if (f == 1)
                        {
                            Limit(ids++, limits.MaxControlIds, "control message ids");
                            (field == 2 ? rpc.IWant : rpc.IDontWant).Add(part.ReadBytes(wt, f).ToArray());
                        }
                        else
                        {
                            part.Skip(wt);
                        }
                    }
                    break;
                case 3:
                    while (part.TryReadTag(out int f, out WireType wt))
                    {
                        if (f == 1)
                        {
                            Limit(rpc.Graft.Count, limits.MaxSubscriptions, "grafts");
                            rpc.Graft.Add(part.ReadString(wt, f));
                        }
                        else
                        {
                            part.Skip(wt);
                        }
                    }
                    break;
                case 4:
                    {
                        string topic = string.Empty;
                        ulong? backoff = null;
                        while (part.TryReadTag(out int f, out WireType wt))
                        {
                            if (f == 1)
                            {
                                topic = part.ReadString(wt, f);
                            }
                            else if (f == 3)
                            {
                                backoff = part.ReadVarint(wt, f);
                            }
                            else
                            {
                                // Peer exchange records (field 2) are read past: this router does not connect to PX peers.
                                part.Skip(wt);
                            }
                        }
                        Limit(rpc.Prune.Count, limits.MaxSubscriptions, "prunes");
                        rpc.Prune.Add(new Prune(topic, backoff));
                        break;
                    }
            }
        }
    }

    private static void Limit(int count, int max, string what)
    {
        if (count >= max)
        {
            throw new FormatException($"Malformed pubsub RPC: more than {max} {what}.");
        }
    }
}

/// <summary>Bounds on what one RPC may carry.</summary>
internal sealed record RpcLimits(int MaxSubscriptions, int MaxMessages, int MaxControlIds);
