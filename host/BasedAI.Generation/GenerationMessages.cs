using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace BasedAI.Generation;

/// <summary>How a generation protects the prompt (DESIGN §4). Only <see cref="Plain"/> is served by this library.</summary>
public enum GenerationMode : byte
{
    /// <summary>ZK disabled: activations travel in clear (the client still keeps the tokenizer, embeddings and LM head).</summary>
    Plain = 0,

    /// <summary>CKKS ciphertexts, non-linear steps refreshed by the client (the ZK-LLM's default).</summary>
    Hybrid = 1,

    /// <summary>CKKS ciphertexts with polynomial non-linearities, no client round trips.</summary>
    Full = 2,
}

/// <summary>A decoded request to the LLM task.</summary>
/// <param name="Kind">Forward or close.</param>
/// <param name="Session">The client's session id (the miner keeps a KV cache per session).</param>
/// <param name="Fingerprint">The model the client expects (Forward only).</param>
/// <param name="Position">Position of the first row (0 starts or restarts the session).</param>
/// <param name="Rows">Number of activation rows.</param>
/// <param name="Width">Values per row (the model's hidden size).</param>
/// <param name="Activations">Rows × width values (Forward only).</param>
public sealed record PlainRequest(PlainRequestKind Kind, Guid Session, byte[] Fingerprint, int Position, int Rows, int Width, float[] Activations);

/// <summary>Kinds of plain-mode requests.</summary>
public enum PlainRequestKind : byte
{
    /// <summary>Run the transformer blocks on embedded rows at the next positions; answer the last row's final hidden state.</summary>
    Forward = 1,

    /// <summary>Forget the session.</summary>
    Close = 2,
}

/// <summary>
/// The messages of the LLM task (<see cref="TaskName"/>), version 1, every number little-endian:
/// a request is <c>u8 version ‖ u8 mode ‖ u8 kind ‖ uuid session (16, big-endian form)</c>, then for a plain Forward
/// <c>fingerprint (32) ‖ u32 position ‖ u32 rows ‖ u32 width ‖ rows·width f32</c>; Close carries nothing more.
/// The answer to Forward is <c>u8 version ‖ u8 1 ‖ u32 next position ‖ u32 width ‖ width f32</c> (the final-normed hidden state
/// of the last row: the client applies the LM head), the answer to Close is <c>u8 version ‖ u8 2</c>.
/// Only <see cref="GenerationMode.Plain"/> is decoded: the encrypted task has its own task name and protocol (<see cref="EncryptedTask"/>).
/// </summary>
public static class GenerationMessages
{
    /// <summary>The compute task name of the plaintext LLM task.</summary>
    public const string TaskName = "zkllm.infer";

    /// <summary>Encoding version.</summary>
    public const byte CurrentVersion = 1;

    /// <summary>Size of a model fingerprint.</summary>
    public const int FingerprintSize = 32;

    /// <summary>Most rows in one Forward.</summary>
    public const int MaxRows = 4096;

    /// <summary>Largest row width.</summary>
    public const int MaxWidth = 65536;

    private const int RequestHeader = 3 + 16;

    /// <summary>A plain Forward request.</summary>
    public static byte[] EncodeForward(Guid session, ReadOnlySpan<byte> fingerprint, int position, int rows, int width, ReadOnlySpan<float> activations)
    {
        if (fingerprint.Length != FingerprintSize || rows < 1 || rows > MaxRows || width < 1 || width > MaxWidth || activations.Length != rows * width || position < 0)
        {
            throw new ArgumentException("a Forward has a 32-byte fingerprint, 1 to 4096 rows of 1 to 65536 values, and a non-negative position");
        }
        var bytes = new byte[RequestHeader + FingerprintSize + 12 + activations.Length * 4];
        WriteHeader(bytes, PlainRequestKind.Forward, session);
        Span<byte> rest = bytes.AsSpan(RequestHeader);
        fingerprint.CopyTo(rest);
        rest = rest[FingerprintSize..];
        BinaryPrimitives.WriteInt32LittleEndian(rest, position);
        BinaryPrimitives.WriteInt32LittleEndian(rest[4..], rows);
        BinaryPrimitives.WriteInt32LittleEndian(rest[8..], width);
        WriteFloats(rest[12..], activations);
        return bytes;
    }

    /// <summary>A Close request.</summary>
    public static byte[] EncodeClose(Guid session)
    {
        var bytes = new byte[RequestHeader];
        WriteHeader(bytes, PlainRequestKind.Close, session);
        return bytes;
    }

    /// <summary>The mode byte of a request, without decoding the rest; throws <see cref="InvalidDataException"/> when it is too short or of another version.</summary>
    public static GenerationMode PeekMode(ReadOnlySpan<byte> request)
    {
        if (request.Length < RequestHeader)
        {
            throw new InvalidDataException($"LLM task request: {request.Length} bytes is shorter than the {RequestHeader}-byte header");
        }
        if (request[0] != CurrentVersion)
        {
            throw new InvalidDataException($"LLM task request: version {request[0]} is not supported (expected {CurrentVersion})");
        }
        return request[1] <= (byte)GenerationMode.Full
            ? (GenerationMode)request[1]
            : throw new InvalidDataException($"LLM task request: mode {request[1]} is not defined");
    }

    /// <summary>Decodes a plain request; throws <see cref="InvalidDataException"/> naming the first problem.</summary>
    public static PlainRequest DecodeRequest(ReadOnlySpan<byte> request)
    {
        if (PeekMode(request) != GenerationMode.Plain)
        {
            throw new InvalidDataException($"LLM task request: mode {(GenerationMode)request[1]} is not served by the plain miner");
        }
        var session = new Guid(request.Slice(3, 16), bigEndian: true);
        ReadOnlySpan<byte> rest = request[RequestHeader..];
        switch ((PlainRequestKind)request[2])
        {
            case PlainRequestKind.Close:
                if (!rest.IsEmpty)
                {
                    throw new InvalidDataException($"LLM task request: {rest.Length} trailing bytes after a Close");
                }
                return new PlainRequest(PlainRequestKind.Close, session, [], 0, 0, 0, []);
            case PlainRequestKind.Forward:
                if (rest.Length < FingerprintSize + 12)
                {
                    throw new InvalidDataException($"LLM task request: a Forward needs at least {FingerprintSize + 12} bytes after the header, got {rest.Length}");
                }
                byte[] fingerprint = rest[..FingerprintSize].ToArray();
                rest = rest[FingerprintSize..];
                int position = BinaryPrimitives.ReadInt32LittleEndian(rest);
                int rows = BinaryPrimitives.ReadInt32LittleEndian(rest[4..]);
                int width = BinaryPrimitives.ReadInt32LittleEndian(rest[8..]);
                if (position < 0 || rows < 1 || rows > MaxRows || width < 1 || width > MaxWidth)
                {
                    throw new InvalidDataException($"LLM task request: position {position}, rows {rows}, width {width} out of range (rows 1 to {MaxRows}, width 1 to {MaxWidth})");
                }
                rest = rest[12..];
                if (rest.Length != rows * width * 4)
                {
                    throw new InvalidDataException($"LLM task request: {rows} × {width} values need {rows * width * 4} bytes, got {rest.Length}");
                }
                return new PlainRequest(PlainRequestKind.Forward, session, fingerprint, position, rows, width, ReadFloats(rest));
            default:
                throw new InvalidDataException($"LLM task request: kind {request[2]} is not defined");
        }
    }

    /// <summary>The answer to a Forward.</summary>
    public static byte[] EncodeHidden(int nextPosition, ReadOnlySpan<float> hidden)
    {
        var bytes = new byte[10 + hidden.Length * 4];
        bytes[0] = CurrentVersion;
        bytes[1] = (byte)PlainRequestKind.Forward;
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(2), nextPosition);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(6), hidden.Length);
        WriteFloats(bytes.AsSpan(10), hidden);
        return bytes;
    }

    /// <summary>The answer to a Close.</summary>
    public static byte[] EncodeClosed() => [CurrentVersion, (byte)PlainRequestKind.Close];

    /// <summary>Decodes the answer to a Forward, checking its width; throws <see cref="InvalidDataException"/>.</summary>
    public static (int NextPosition, float[] Hidden) DecodeHidden(ReadOnlySpan<byte> answer, int expectedWidth)
    {
        if (answer.Length < 10 || answer[0] != CurrentVersion || answer[1] != (byte)PlainRequestKind.Forward)
        {
            throw new InvalidDataException($"LLM task answer: not a version-{CurrentVersion} hidden state ({answer.Length} bytes)");
        }
        int next = BinaryPrimitives.ReadInt32LittleEndian(answer[2..]);
        int width = BinaryPrimitives.ReadInt32LittleEndian(answer[6..]);
        if (width != expectedWidth || answer.Length != 10 + width * 4)
        {
            throw new InvalidDataException($"LLM task answer: a hidden state of width {width} in {answer.Length} bytes, expected width {expectedWidth}");
        }
        return (next, ReadFloats(answer[10..]));
    }

    private static void WriteHeader(Span<byte> bytes, PlainRequestKind kind, Guid session)
    {
        bytes[0] = CurrentVersion;
        bytes[1] = (byte)GenerationMode.Plain;
        bytes[2] = (byte)kind;
        session.TryWriteBytes(bytes.Slice(3, 16), bigEndian: true, out _);
    }

    private static void WriteFloats(Span<byte> destination, ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(destination);
            return;
        }
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(destination[(i * 4)..], values[i]);
        }
    }

    private static float[] ReadFloats(ReadOnlySpan<byte> source)
    {
        var values = new float[source.Length / 4];
        if (BitConverter.IsLittleEndian)
        {
            source.CopyTo(MemoryMarshal.AsBytes(values.AsSpan()));
        }
        else
        {
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(i * 4)..]);
            }
        }
        return values;
    }
}
