using System.Buffers.Binary;

namespace BasedAI.ZkLlm.Protocol;

/// <summary>Message kinds of the ZK-LLM protocol (client → miner requests and their responses).</summary>
public enum MessageType : byte
{
    /// <summary>Client: open a session for a plan with these encryption parameters.</summary>
    Open = 1,
    /// <summary>Client: one part of the evaluation keys.</summary>
    Keys = 2,
    /// <summary>Client: the ciphertexts of one stage of one token.</summary>
    Stage = 3,
    /// <summary>Client: close the session.</summary>
    Close = 4,
    /// <summary>Miner: session opened.</summary>
    Opened = 101,
    /// <summary>Miner: accepted.</summary>
    Ack = 102,
    /// <summary>Miner: the stage's output ciphertexts.</summary>
    StageResult = 103,
    /// <summary>Miner: the request was refused; a code and a message say why.</summary>
    Error = 200,
}

/// <summary>Why a miner refused a request.</summary>
public enum ErrorCode : byte
{
    /// <summary>The bytes are not a well-formed message.</summary>
    Malformed = 1,
    /// <summary>The plan or encryption parameters differ from the miner's.</summary>
    Mismatch = 2,
    /// <summary>No such session.</summary>
    UnknownSession = 3,
    /// <summary>The request is out of order (keys incomplete, wrong stage or position).</summary>
    OutOfOrder = 4,
    /// <summary>A ciphertext or key is malformed or at the wrong level, scale or parameters; or a Galois key is missing.</summary>
    BadCiphertext = 5,
    /// <summary>Too many sessions.</summary>
    Overloaded = 6,
}

/// <summary>Which evaluation key a <see cref="KeysMessage"/> carries.</summary>
public enum KeyKind : byte
{
    /// <summary>Relinearization keys.</summary>
    Relinearization = 1,
    /// <summary>Galois keys for the plan's rotation steps.</summary>
    Galois = 2,
}

/// <summary>A message of the protocol.</summary>
public abstract record Message
{
    /// <summary>Its kind.</summary>
    public abstract MessageType Type { get; }
}

/// <summary>Opens a session: the plan's SHA-256 and the serialized encryption parameters.</summary>
public sealed record OpenMessage(byte[] PlanSha256, byte[] Parameters) : Message
{
    /// <inheritdoc />
    public override MessageType Type => MessageType.Open;
}

/// <summary>One part of one kind of evaluation key (keys are large: they travel in parts).</summary>
public sealed record KeysMessage(Guid Session, KeyKind Kind, int Part, int Parts, byte[] Bytes) : Message
{
    /// <inheritdoc />
    public override MessageType Type => MessageType.Keys;
}

/// <summary>The input ciphertexts of stage <see cref="Stage"/> of the token at <see cref="Position"/>: one list per stage input.</summary>
public sealed record StageMessage(Guid Session, int Stage, int Position, IReadOnlyList<IReadOnlyList<byte[]>> Inputs) : Message
{
    /// <inheritdoc />
    public override MessageType Type => MessageType.Stage;
}

/// <summary>Closes a session.</summary>
public sealed record CloseMessage(Guid Session) : Message
{
    /// <inheritdoc />
    public override MessageType Type => MessageType.Close;
}

/// <summary>A session was opened.</summary>
public sealed record OpenedMessage(Guid Session) : Message
{
    /// <inheritdoc />
    public override MessageType Type => MessageType.Opened;
}

/// <summary>Accepted.</summary>
public sealed record AckMessage : Message
{
    /// <inheritdoc />
    public override MessageType Type => MessageType.Ack;
}

/// <summary>A stage's outputs: one list of ciphertexts per stage output.</summary>
public sealed record StageResultMessage(IReadOnlyList<IReadOnlyList<byte[]>> Outputs) : Message
{
    /// <inheritdoc />
    public override MessageType Type => MessageType.StageResult;
}

/// <summary>A refusal.</summary>
public sealed record ErrorMessage(ErrorCode Code, string Text) : Message
{
    /// <inheritdoc />
    public override MessageType Type => MessageType.Error;
}

/// <summary>
/// Binary encoding of the messages: "BZK1", the type byte, then fields in little-endian (lengths as 32-bit counts).
/// Decoding checks every length against what is left and against limits, and names what is wrong.
/// </summary>
public static class MessageCodec
{
    /// <summary>Largest message accepted.</summary>
    public const int MaxMessageBytes = 512 << 20;

    /// <summary>Most ciphertexts in one list.</summary>
    public const int MaxCiphertexts = 4096;

    /// <summary>Most lists in one message.</summary>
    public const int MaxLists = 16;

    private static ReadOnlySpan<byte> Magic => "BZK1"u8;

    /// <summary>Encodes a message.</summary>
    public static byte[] Encode(Message message)
    {
        ArgumentNullException.ThrowIfNull(message);
        using var writer = new Writer();
        writer.Bytes(Magic);
        writer.Byte((byte)message.Type);
        switch (message)
        {
            case OpenMessage open:
                writer.Blob(open.PlanSha256);
                writer.Blob(open.Parameters);
                break;
            case KeysMessage keys:
                writer.Guid(keys.Session);
                writer.Byte((byte)keys.Kind);
                writer.Int(keys.Part);
                writer.Int(keys.Parts);
                writer.Blob(keys.Bytes);
                break;
            case StageMessage stage:
                writer.Guid(stage.Session);
                writer.Int(stage.Stage);
                writer.Int(stage.Position);
                writer.Lists(stage.Inputs);
                break;
            case CloseMessage close:
                writer.Guid(close.Session);
                break;
            case OpenedMessage opened:
                writer.Guid(opened.Session);
                break;
            case AckMessage:
                break;
            case StageResultMessage result:
                writer.Lists(result.Outputs);
                break;
            case ErrorMessage error:
                writer.Byte((byte)error.Code);
                writer.Blob(System.Text.Encoding.UTF8.GetBytes(error.Text));
                break;
            default:
                throw new ArgumentException($"unknown message {message.GetType().Name}", nameof(message));
        }
        return writer.ToArray();
    }

    /// <summary>Decodes a message; throws <see cref="InvalidDataException"/> naming what is wrong.</summary>
    public static Message Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxMessageBytes)
        {
            throw new InvalidDataException($"message of {bytes.Length} bytes exceeds the {MaxMessageBytes}-byte limit");
        }
        var reader = new Reader(bytes);
        if (bytes.Length < 5 || !bytes[..4].SequenceEqual(Magic))
        {
            throw new InvalidDataException("not a ZK-LLM message (bad magic)");
        }
        reader.Skip(4);
        var type = (MessageType)reader.Byte("type");
        Message message = type switch
        {
            MessageType.Open => new OpenMessage(reader.Blob("plan digest", 64), reader.Blob("parameters", 1 << 20)),
            MessageType.Keys => new KeysMessage(reader.Guid(), KeyKind(reader.Byte("key kind")), reader.Int("part"), reader.Int("parts"), reader.Blob("key bytes", MaxMessageBytes)),
            MessageType.Stage => new StageMessage(reader.Guid(), reader.Int("stage"), reader.Int("position"), reader.Lists()),
            MessageType.Close => new CloseMessage(reader.Guid()),
            MessageType.Opened => new OpenedMessage(reader.Guid()),
            MessageType.Ack => new AckMessage(),
            MessageType.StageResult => new StageResultMessage(reader.Lists()),
            MessageType.Error => new ErrorMessage((ErrorCode)reader.Byte("error code"), System.Text.Encoding.UTF8.GetString(reader.Blob("error text", 1 << 16))),
            _ => throw new InvalidDataException($"unknown message type {(byte)type}"),
        };
        if (!reader.AtEnd)
        {
            throw new InvalidDataException($"{reader.Remaining} unexpected bytes after a {type} message");
        }
        return message;
    }

    private static KeyKind KeyKind(byte value) => value is 1 or 2 ? (KeyKind)value : throw new InvalidDataException($"unknown key kind {value}");

    private sealed class Writer : IDisposable
    {
        private readonly MemoryStream _stream = new();

        public void Bytes(ReadOnlySpan<byte> bytes) => _stream.Write(bytes);

        public void Byte(byte value) => _stream.WriteByte(value);

        public void Int(int value)
        {
            Span<byte> buffer = stackalloc byte[4];
            BinaryPrimitives.WriteInt32LittleEndian(buffer, value);
            _stream.Write(buffer);
        }

        public void Guid(Guid value)
        {
            Span<byte> buffer = stackalloc byte[16];
            value.TryWriteBytes(buffer);
            _stream.Write(buffer);
        }

        public void Blob(ReadOnlySpan<byte> bytes)
        {
            Int(bytes.Length);
            _stream.Write(bytes);
        }

        public void Lists(IReadOnlyList<IReadOnlyList<byte[]>> lists)
        {
            Int(lists.Count);
            foreach (IReadOnlyList<byte[]> list in lists)
            {
                Int(list.Count);
                foreach (byte[] item in list)
                {
                    Blob(item);
                }
            }
        }

        public byte[] ToArray() => _stream.ToArray();

        public void Dispose() => _stream.Dispose();
    }

    private ref struct Reader(ReadOnlySpan<byte> bytes)
    {
        private readonly ReadOnlySpan<byte> _bytes = bytes;
        private int _offset;

        public readonly bool AtEnd => _offset == _bytes.Length;

        public readonly int Remaining => _bytes.Length - _offset;

        public void Skip(int count) => _offset += count;

        public byte Byte(string what)
        {
            Need(1, what);
            return _bytes[_offset++];
        }

        public int Int(string what)
        {
            Need(4, what);
            int value = BinaryPrimitives.ReadInt32LittleEndian(_bytes[_offset..]);
            _offset += 4;
            return value;
        }

        public Guid Guid()
        {
            Need(16, "session id");
            var value = new Guid(_bytes.Slice(_offset, 16));
            _offset += 16;
            return value;
        }

        public byte[] Blob(string what, int max)
        {
            int length = Int(what + " length");
            if (length < 0 || length > max)
            {
                throw new InvalidDataException($"{what} length {length} is outside 0…{max}");
            }
            Need(length, what);
            byte[] value = _bytes.Slice(_offset, length).ToArray();
            _offset += length;
            return value;
        }

        public IReadOnlyList<byte[]>[] Lists()
        {
            int count = Int("list count");
            if (count < 0 || count > MaxLists)
            {
                throw new InvalidDataException($"list count {count} is outside 0…{MaxLists}");
            }
            var lists = new IReadOnlyList<byte[]>[count];
            for (int i = 0; i < count; i++)
            {
                int items = Int($"list {i} size");
                if (items < 0 || items > MaxCiphertexts)
                {
                    throw new InvalidDataException($"list {i} holds {items} ciphertexts, outside 0…{MaxCiphertexts}");
                }
                var list = new byte[items][];
                for (int j = 0; j < items; j++)
                {
                    list[j] = Blob($"ciphertext {j} of list {i}", MaxMessageBytes);
                }
                lists[i] = list;
            }
            return lists;
        }

        private readonly void Need(int count, string what)
        {
            if (count > _bytes.Length - _offset)
            {
                throw new InvalidDataException($"message truncated: {what} needs {count} bytes, {_bytes.Length - _offset} left");
            }
        }
    }
}
