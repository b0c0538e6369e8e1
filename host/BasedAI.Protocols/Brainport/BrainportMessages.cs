using System.Globalization;
using System.Text;
using BasedAI.Crypto;
using BasedAI.Ledger.Codec;

namespace BasedAI.Protocols.Brainport;

/// <summary>
/// A signed brainport request, encoding version 1 (big-endian):
/// <c>u8 version ‖ u64 nonce ‖ address sender ‖ address receiver ‖ uuid (16) ‖ u16 brain ‖ u32 timeout ms ‖ str task ‖ bytes body ‖ signature (65)</c>.
/// The sender's computekey signs Keccak-256 of <c>"basedai/brainport/request:" + "{nonce}.{sender}.{receiver}.{uuid}.{body_hash}"</c>,
/// where addresses are lower-case 0x-hex, the uuid is in its dashed form, and body_hash is the 0x-hex Keccak-256 of
/// <c>u16 brain ‖ u32 timeout ms ‖ str task ‖ body</c>, so the Brain, the task and the deadline are signed too.
/// </summary>
public sealed class BrainportRequest
{
    /// <summary>Encoding version.</summary>
    public const byte CurrentVersion = 1;

    /// <summary>Longest task name in UTF-8 bytes.</summary>
    public const int MaxTaskNameBytes = 64;

    private BrainportRequest(ulong nonce, EthereumAddress sender, EthereumAddress receiver, Guid uuid, ushort brain, uint timeoutMs, string task, ReadOnlyMemory<byte> body, byte[] signature)
    {
        Nonce = nonce;
        Sender = sender;
        Receiver = receiver;
        Uuid = uuid;
        Brain = brain;
        TimeoutMilliseconds = timeoutMs;
        Task = task;
        Body = body;
        Signature = signature;
    }

    /// <summary>Strictly increasing per sender (microseconds since the Unix epoch from <see cref="NonceSource"/>).</summary>
    public ulong Nonce { get; }

    /// <summary>The caller's computekey address.</summary>
    public EthereumAddress Sender { get; }

    /// <summary>The computekey address of the node the request is meant for.</summary>
    public EthereumAddress Receiver { get; }

    /// <summary>Identifies the call; echoed by the response.</summary>
    public Guid Uuid { get; }

    /// <summary>The Brain whose task is called.</summary>
    public ushort Brain { get; }

    /// <summary>The caller's deadline for the work, in milliseconds.</summary>
    public uint TimeoutMilliseconds { get; }

    /// <summary>The compute task name.</summary>
    public string Task { get; }

    /// <summary>The task's input bytes.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>r ‖ s ‖ v over <see cref="SigningText"/>.</summary>
    public byte[] Signature { get; }

    /// <summary>Keccak-256 of the signed body fields.</summary>
    public Hash32 BodyHash => ComputeBodyHash(Brain, TimeoutMilliseconds, Task, Body.Span);

    /// <summary>The text whose hash is signed: <c>nonce.sender.receiver.uuid.body_hash</c>.</summary>
    public string SigningText => string.Create(CultureInfo.InvariantCulture, $"{Nonce}.{Hex(Sender)}.{Hex(Receiver)}.{Uuid:D}.{BodyHash}");

    /// <summary>Builds and signs a request with the caller's computekey.</summary>
    public static BrainportRequest Sign(ReadOnlySpan<byte> computekey, EthereumAddress receiver, ushort brain, string task, ReadOnlyMemory<byte> body,
        TimeSpan timeout, ulong nonce, Guid uuid)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (Encoding.UTF8.GetByteCount(task) is 0 or > MaxTaskNameBytes)
        {
            throw new ArgumentException($"a task name is 1 to {MaxTaskNameBytes} UTF-8 bytes", nameof(task));
        }
        uint timeoutMs = (uint)Math.Clamp(timeout.TotalMilliseconds, 1, uint.MaxValue);
        var unsigned = new BrainportRequest(nonce, EthereumAddress.FromPrivateKey(computekey), receiver, uuid, brain, timeoutMs, task, body, []);
        byte[] signature = Secp256k1.SignRecoverable(SigningHash("request", unsigned.SigningText), computekey);
        return new BrainportRequest(nonce, unsigned.Sender, receiver, uuid, brain, timeoutMs, task, body, signature);
    }

    /// <summary>True when <see cref="Signature"/> is a low-s signature by <see cref="Sender"/> over <see cref="SigningText"/>.</summary>
    public bool HasValidSignature() => SignatureCheck.Recovers(SigningHash("request", SigningText), Signature, Sender);

    /// <summary>The wire form.</summary>
    public byte[] Encode()
    {
        var writer = new LedgerWriter(160 + Body.Length);
        writer.U8(CurrentVersion);
        writer.U64(Nonce);
        writer.Address(Sender);
        writer.Address(Receiver);
        WriteUuid(writer, Uuid);
        writer.U16(Brain);
        writer.U32(TimeoutMilliseconds);
        writer.Utf8(Task);
        writer.Bytes(Body.Span);
        writer.Raw(Signature);
        return writer.ToArray();
    }

    /// <summary>Decodes a request; throws <see cref="FormatException"/> naming the first problem. Does not check the signature.</summary>
    public static BrainportRequest Decode(ReadOnlySpan<byte> bytes, int maxBodySize)
    {
        var reader = new LedgerReader(bytes, "brainport request");
        byte version = reader.U8("version");
        if (version != CurrentVersion)
        {
            throw reader.Error($"version {version} is not supported (expected {CurrentVersion})");
        }
        ulong nonce = reader.U64("nonce");
        EthereumAddress sender = reader.Address("sender");
        EthereumAddress receiver = reader.Address("receiver");
        Guid uuid = ReadUuid(ref reader);
        ushort brain = reader.U16("brain");
        uint timeout = reader.U32("timeout");
        string task = reader.Utf8("task", MaxTaskNameBytes);
        byte[] body = reader.Bytes("body", maxBodySize).ToArray();
        byte[] signature = reader.Raw(65, "signature").ToArray();
        reader.End();
        if (task.Length == 0)
        {
            throw reader.Error("the task name is empty");
        }
        return new BrainportRequest(nonce, sender, receiver, uuid, brain, timeout, task, body, signature);
    }

    internal static Hash32 ComputeBodyHash(ushort brain, uint timeoutMs, string task, ReadOnlySpan<byte> body)
    {
        var hasher = new Keccak256();
        Span<byte> head = stackalloc byte[10];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt16BigEndian(head, brain);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(head[2..], timeoutMs);
        int taskBytes = Encoding.UTF8.GetByteCount(task);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(head[6..], (uint)taskBytes);
        hasher.Append(head);
        Span<byte> name = stackalloc byte[MaxTaskNameBytes * 4];
        hasher.Append(name[..Encoding.UTF8.GetBytes(task, name)]);
        hasher.Append(body);
        Span<byte> digest = stackalloc byte[32];
        hasher.Finish(digest);
        return new Hash32(digest);
    }

    internal static byte[] SigningHash(string kind, string text) => Keccak256.Hash(Encoding.UTF8.GetBytes($"basedai/brainport/{kind}:{text}"));

    internal static string Hex(EthereumAddress address) => "0x" + Convert.ToHexStringLower(address.Bytes);

    internal static void WriteUuid(LedgerWriter writer, Guid uuid)
    {
        Span<byte> bytes = stackalloc byte[16];
        uuid.TryWriteBytes(bytes, bigEndian: true, out _);
        writer.Raw(bytes);
    }

    internal static Guid ReadUuid(ref LedgerReader reader) => new(reader.Raw(16, "uuid"), bigEndian: true);
}

/// <summary>
/// A countersigned brainport response, encoding version 1:
/// <c>u8 version ‖ u8 status ‖ u64 nonce ‖ address responder ‖ address requester ‖ uuid (16) ‖ u32 processing ms ‖ bytes body ‖ signature (65)</c>.
/// The responder's computekey signs Keccak-256 of <c>"basedai/brainport/response:" + "{nonce}.{responder}.{requester}.{uuid}.{body_hash}"</c>
/// with body_hash = Keccak-256 of <c>u8 status ‖ u32 processing ms ‖ body</c>; nonce, requester and uuid are the request's, so a
/// response answers exactly one request.
/// </summary>
public sealed class BrainportResponse
{
    private BrainportResponse(BrainportStatus status, ulong nonce, EthereumAddress responder, EthereumAddress requester, Guid uuid, uint processingMs, ReadOnlyMemory<byte> body, byte[] signature)
    {
        Status = status;
        Nonce = nonce;
        Responder = responder;
        Requester = requester;
        Uuid = uuid;
        ProcessingMilliseconds = processingMs;
        Body = body;
        Signature = signature;
    }

    /// <summary>The outcome.</summary>
    public BrainportStatus Status { get; }

    /// <summary>The request's nonce.</summary>
    public ulong Nonce { get; }

    /// <summary>The responder's computekey address.</summary>
    public EthereumAddress Responder { get; }

    /// <summary>The request's sender.</summary>
    public EthereumAddress Requester { get; }

    /// <summary>The request's uuid.</summary>
    public Guid Uuid { get; }

    /// <summary>Time the responder spent, in milliseconds.</summary>
    public uint ProcessingMilliseconds { get; }

    /// <summary>The task's answer (<see cref="BrainportStatus.Ok"/>) or a UTF-8 explanation.</summary>
    public ReadOnlyMemory<byte> Body { get; }

    /// <summary>r ‖ s ‖ v over <see cref="SigningText"/>.</summary>
    public byte[] Signature { get; }

    /// <summary>The text whose hash is signed.</summary>
    public string SigningText => string.Create(CultureInfo.InvariantCulture,
        $"{Nonce}.{BrainportRequest.Hex(Responder)}.{BrainportRequest.Hex(Requester)}.{Uuid:D}.{ComputeBodyHash(Status, ProcessingMilliseconds, Body.Span)}");

    /// <summary>Builds and countersigns the answer to a request with the responder's computekey.</summary>
    public static BrainportResponse Sign(ReadOnlySpan<byte> computekey, ulong nonce, EthereumAddress requester, Guid uuid, BrainportStatus status, ReadOnlyMemory<byte> body, uint processingMs)
    {
        var unsigned = new BrainportResponse(status, nonce, EthereumAddress.FromPrivateKey(computekey), requester, uuid, processingMs, body, []);
        byte[] signature = Secp256k1.SignRecoverable(BrainportRequest.SigningHash("response", unsigned.SigningText), computekey);
        return new BrainportResponse(status, nonce, unsigned.Responder, requester, uuid, processingMs, body, signature);
    }

    /// <summary>True when <see cref="Signature"/> is a low-s signature by <see cref="Responder"/>.</summary>
    public bool HasValidSignature() => SignatureCheck.Recovers(BrainportRequest.SigningHash("response", SigningText), Signature, Responder);

    /// <summary>The body as text (for refusals).</summary>
    public string Message => Encoding.UTF8.GetString(Body.Span);

    /// <summary>The wire form.</summary>
    public byte[] Encode()
    {
        var writer = new LedgerWriter(160 + Body.Length);
        writer.U8(BrainportRequest.CurrentVersion);
        writer.U8((byte)Status);
        writer.U64(Nonce);
        writer.Address(Responder);
        writer.Address(Requester);
        BrainportRequest.WriteUuid(writer, Uuid);
        writer.U32(ProcessingMilliseconds);
        writer.Bytes(Body.Span);
        writer.Raw(Signature);
        return writer.ToArray();
    }

    /// <summary>Decodes a response; throws <see cref="FormatException"/> naming the first problem. Does not check the signature.</summary>
    public static BrainportResponse Decode(ReadOnlySpan<byte> bytes, int maxBodySize)
    {
        var reader = new LedgerReader(bytes, "brainport response");
        byte version = reader.U8("version");
        if (version != BrainportRequest.CurrentVersion)
        {
            throw reader.Error($"version {version} is not supported (expected {BrainportRequest.CurrentVersion})");
        }
        byte status = reader.U8("status");
        if (status > (byte)BrainportStatus.Unavailable)
        {
            throw reader.Error($"status {status} is not defined");
        }
        ulong nonce = reader.U64("nonce");
        EthereumAddress responder = reader.Address("responder");
        EthereumAddress requester = reader.Address("requester");
        Guid uuid = BrainportRequest.ReadUuid(ref reader);
        uint processing = reader.U32("processing time");
        byte[] body = reader.Bytes("body", maxBodySize).ToArray();
        byte[] signature = reader.Raw(65, "signature").ToArray();
        reader.End();
        return new BrainportResponse((BrainportStatus)status, nonce, responder, requester, uuid, processing, body, signature);
    }

    private static Hash32 ComputeBodyHash(BrainportStatus status, uint processingMs, ReadOnlySpan<byte> body)
    {
        var hasher = new Keccak256();
        Span<byte> head = stackalloc byte[5];
        head[0] = (byte)status;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(head[1..], processingMs);
        hasher.Append(head);
        hasher.Append(body);
        Span<byte> digest = stackalloc byte[32];
        hasher.Finish(digest);
        return new Hash32(digest);
    }
}

/// <summary>Recoverable-signature checks shared by brainport messages and peer records.</summary>
internal static class SignatureCheck
{
    // n/2 for secp256k1, big-endian: signatures with a larger s are the malleated twin of a valid one.
    private static readonly byte[] HalfOrder = Convert.FromHexString("7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0");

    /// <summary>True when <paramref name="signature"/> (r ‖ s ‖ v, low s, v ∈ {0, 1}) over <paramref name="hash"/> recovers <paramref name="signer"/>.</summary>
    public static bool Recovers(ReadOnlySpan<byte> hash, ReadOnlySpan<byte> signature, EthereumAddress signer)
    {
        if (signature.Length != 65 || signature[64] > 1 || signature.Slice(32, 32).SequenceCompareTo(HalfOrder) > 0)
        {
            return false;
        }
        return Secp256k1.TryRecover(hash, signature, out byte[] publicKey) && EthereumAddress.FromPublicKey(publicKey) == signer;
    }
}
