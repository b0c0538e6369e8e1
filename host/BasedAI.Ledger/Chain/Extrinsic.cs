using BasedAI.Crypto;
using BasedAI.Ledger.Codec;

namespace BasedAI.Ledger.Chain;

/// <summary>
/// A signed transaction, encoding version 1:
/// <c>u8 version ‖ hash32 genesis ‖ address sender ‖ u64 nonce ‖ u64 fee ‖ call ‖ 65-byte signature (r ‖ s ‖ v)</c>.
/// The signature is secp256k1 over Keccak("BasedAI/extrinsic/v1" ‖ everything before the signature); the genesis hash
/// binds it to one chain, the nonce to one position in the sender's sequence.
/// </summary>
public sealed class Extrinsic
{
    /// <summary>Encoding version.</summary>
    public const byte CurrentVersion = 1;

    /// <summary>Largest encoded extrinsic in bytes.</summary>
    public const int MaxSize = 64 * 1024;

    private static readonly byte[] Domain = "BasedAI/extrinsic/v1"u8.ToArray();

    private Extrinsic(Hash32 genesis, EthereumAddress sender, ulong nonce, ulong fee, ExtrinsicCall call, byte[] signature, byte[] encoded)
    {
        Genesis = genesis;
        Sender = sender;
        Nonce = nonce;
        Fee = fee;
        Call = call;
        Signature = signature;
        Encoded = encoded;
        Hash = Hash32.Keccak(encoded);
    }

    /// <summary>Genesis hash of the chain the extrinsic is for.</summary>
    public Hash32 Genesis { get; }

    /// <summary>The signing account.</summary>
    public EthereumAddress Sender { get; }

    /// <summary>The sender's nonce this extrinsic uses.</summary>
    public ulong Nonce { get; }

    /// <summary>Fee in rao the sender pays the block author.</summary>
    public ulong Fee { get; }

    /// <summary>What it does.</summary>
    public ExtrinsicCall Call { get; }

    /// <summary>r ‖ s ‖ v.</summary>
    public byte[] Signature { get; }

    /// <summary>The canonical encoding.</summary>
    public byte[] Encoded { get; }

    /// <summary>Keccak-256 of the encoding: the transaction hash.</summary>
    public Hash32 Hash { get; }

    /// <summary>Builds and signs an extrinsic with <paramref name="privateKey"/> (whose address becomes the sender).</summary>
    public static Extrinsic Sign(Hash32 genesis, ulong nonce, ulong fee, ExtrinsicCall call, ReadOnlySpan<byte> privateKey)
    {
        ArgumentNullException.ThrowIfNull(call);
        EthereumAddress sender = EthereumAddress.FromPrivateKey(privateKey);
        var writer = new LedgerWriter(160);
        WriteUnsigned(writer, genesis, sender, nonce, fee, call);
        byte[] signature = Secp256k1.SignRecoverable(SigningHash(writer.WrittenSpan).ToArray(), privateKey);
        writer.Raw(signature);
        if (writer.Length > MaxSize)
        {
            throw new ArgumentException($"The extrinsic is {writer.Length} bytes; the limit is {MaxSize}.", nameof(call));
        }
        return new Extrinsic(genesis, sender, nonce, fee, call, signature, writer.ToArray());
    }

    /// <summary>
    /// Decodes an extrinsic; throws <see cref="FormatException"/> naming the problem for malformed bytes. The signature is
    /// checked separately by <see cref="VerifySignature"/>.
    /// </summary>
    public static Extrinsic Decode(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > MaxSize)
        {
            throw new FormatException($"extrinsic: {bytes.Length} bytes exceeds the limit of {MaxSize}");
        }
        var reader = new LedgerReader(bytes, "extrinsic");
        byte version = reader.U8("version");
        if (version != CurrentVersion)
        {
            throw reader.Error($"version {version} is not supported (expected {CurrentVersion})");
        }
        Hash32 genesis = reader.Hash("genesis hash");
        EthereumAddress sender = reader.Address("sender");
        ulong nonce = reader.U64("nonce");
        ulong fee = reader.U64("fee");
        ExtrinsicCall call = ExtrinsicCall.Decode(ref reader);
        byte[] signature = reader.Raw(65, "signature").ToArray();
        reader.End();
        return new Extrinsic(genesis, sender, nonce, fee, call, signature, bytes.ToArray());
    }

    /// <summary>
    /// Checks that the signature is low-s, recovers a key, and that the key's address is the sender; returns an error or null.
    /// </summary>
    public string? VerifySignature()
    {
        if (Signature[64] > 1)
        {
            return $"signature recovery id {Signature[64]} is not 0 or 1";
        }
        if (!Secp256k1Checks.IsLowS(Signature.AsSpan(32, 32)))
        {
            return "signature s is in the upper half of the curve order (malleable form)";
        }
        byte[] hash = SigningHash(Encoded.AsSpan(0, Encoded.Length - 65)).ToArray();
        if (!Secp256k1.TryRecover(hash, Signature, out byte[] publicKey))
        {
            return "signature does not recover a public key";
        }
        EthereumAddress signer = EthereumAddress.FromPublicKey(publicKey);
        return signer == Sender ? null : $"signature is by {signer}, not the sender {Sender}";
    }

    private static void WriteUnsigned(LedgerWriter writer, Hash32 genesis, EthereumAddress sender, ulong nonce, ulong fee, ExtrinsicCall call)
    {
        writer.U8(CurrentVersion);
        writer.Hash(genesis);
        writer.Address(sender);
        writer.U64(nonce);
        writer.U64(fee);
        call.Encode(writer);
    }

    private static Hash32 SigningHash(ReadOnlySpan<byte> unsigned)
    {
        byte[] buffer = new byte[Domain.Length + unsigned.Length];
        Domain.CopyTo(buffer, 0);
        unsigned.CopyTo(buffer.AsSpan(Domain.Length));
        return Hash32.Keccak(buffer);
    }
}

/// <summary>Signature-shape checks the ledger adds on top of <see cref="Secp256k1"/>.</summary>
internal static class Secp256k1Checks
{
    // n/2 for secp256k1, big-endian.
    private static readonly byte[] HalfOrder = Convert.FromHexString("7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0");

    public static bool IsLowS(ReadOnlySpan<byte> s) => s.SequenceCompareTo(HalfOrder) <= 0;
}
