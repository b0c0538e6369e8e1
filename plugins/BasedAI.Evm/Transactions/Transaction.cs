using BasedAI.Crypto;
using BasedAI.Evm.Numerics;
using BasedAI.Evm.Primitives;
using BasedAI.Evm.Rlp;

namespace BasedAI.Evm.Transactions;

/// <summary>Transaction envelope types (EIP-2718).</summary>
public enum TransactionType : byte
{
    /// <summary>Legacy (pre-EIP-2718), optionally EIP-155 replay-protected.</summary>
    Legacy = 0,
    /// <summary>EIP-2930 access-list transaction.</summary>
    AccessList = 1,
    /// <summary>EIP-1559 dynamic-fee transaction.</summary>
    DynamicFee = 2,
    /// <summary>EIP-4844 blob transaction.</summary>
    Blob = 3,
}

/// <summary>One EIP-2930 access-list entry: an address and the storage keys to pre-warm.</summary>
/// <param name="Address">The account.</param>
/// <param name="StorageKeys">Its storage slots.</param>
public sealed record AccessListItem(Address Address, IReadOnlyList<UInt256> StorageKeys);

/// <summary>
/// An Ethereum transaction of type 0, 1, 2 or 3: fields, canonical encoding (RLP, typed envelopes), hashes, signing and sender
/// recovery. Decoding is strict and reports what was wrong.
/// </summary>
public sealed class Transaction
{
    /// <summary>The envelope type.</summary>
    public TransactionType Type { get; init; }

    /// <summary>EIP-155 chain id; null for an unprotected legacy transaction.</summary>
    public ulong? ChainId { get; init; }

    /// <summary>The sender's nonce.</summary>
    public ulong Nonce { get; init; }

    /// <summary>Gas price of type 0 and 1 transactions.</summary>
    public UInt256 GasPrice { get; init; }

    /// <summary>EIP-1559 tip cap (types 2 and 3).</summary>
    public UInt256 MaxPriorityFeePerGas { get; init; }

    /// <summary>EIP-1559 fee cap (types 2 and 3).</summary>
    public UInt256 MaxFeePerGas { get; init; }

    /// <summary>Gas limit.</summary>
    public ulong GasLimit { get; init; }

    /// <summary>Recipient; null creates a contract.</summary>
    public Address? To { get; init; }

    /// <summary>Wei transferred.</summary>
    public UInt256 Value { get; init; }

    /// <summary>Calldata or initcode.</summary>
    public byte[] Data { get; init; } = [];

    /// <summary>EIP-2930 access list (types 1, 2, 3).</summary>
    public IReadOnlyList<AccessListItem> AccessList { get; init; } = [];

    /// <summary>EIP-4844 blob fee cap (type 3).</summary>
    public UInt256 MaxFeePerBlobGas { get; init; }

    /// <summary>EIP-4844 versioned blob hashes (type 3).</summary>
    public IReadOnlyList<Hash256> BlobVersionedHashes { get; init; } = [];

    /// <summary>Signature v: 27/28 or 35+2·chainId (+1) for legacy, the y-parity 0/1 for typed transactions.</summary>
    public UInt256 V { get; init; }

    /// <summary>Signature r.</summary>
    public UInt256 R { get; init; }

    /// <summary>Signature s.</summary>
    public UInt256 S { get; init; }

    /// <summary>True for contract creation.</summary>
    public bool IsCreate => To is null;

    /// <summary>Fee cap per gas: the gas price for types 0/1, max fee for types 2/3.</summary>
    public UInt256 FeeCap => Type is TransactionType.Legacy or TransactionType.AccessList ? GasPrice : MaxFeePerGas;

    /// <summary>Tip cap per gas: the gas price for types 0/1, max priority fee for types 2/3.</summary>
    public UInt256 TipCap => Type is TransactionType.Legacy or TransactionType.AccessList ? GasPrice : MaxPriorityFeePerGas;

    /// <summary>Blob gas this transaction consumes (EIP-4844).</summary>
    public ulong BlobGas => (ulong)BlobVersionedHashes.Count * Execution.Gas.PerBlob;

    /// <summary>The price per gas actually paid under base fee <paramref name="baseFee"/> (fee cap must cover the base fee).</summary>
    public UInt256 EffectiveGasPrice(in UInt256 baseFee)
    {
        if (Type is TransactionType.Legacy or TransactionType.AccessList)
        {
            return GasPrice;
        }
        UInt256 tip = MaxFeePerGas - baseFee;
        return baseFee + (MaxPriorityFeePerGas < tip ? MaxPriorityFeePerGas : tip);
    }

    // ------------------------------------------------------------------ encoding

    /// <summary>The canonical encoding: RLP list for legacy, type byte ‖ RLP list for typed transactions.</summary>
    public byte[] Encode() => EncodeCore(includeSignature: true);

    /// <summary>Keccak-256 of <see cref="Encode"/>.</summary>
    public Hash256 Hash => Hash256.Keccak(Encode());

    /// <summary>The hash the sender signs.</summary>
    public Hash256 SigningHash() => Hash256.Keccak(EncodeCore(includeSignature: false));

    private byte[] EncodeCore(bool includeSignature)
    {
        var writer = new RlpWriter(128 + Data.Length);
        if (Type == TransactionType.Legacy)
        {
            writer.StartList()
                .WriteUInt64(Nonce).WriteUInt256(GasPrice).WriteUInt64(GasLimit);
            WriteTo(writer);
            writer.WriteUInt256(Value).WriteBytes(Data);
            if (includeSignature)
            {
                writer.WriteUInt256(V).WriteUInt256(R).WriteUInt256(S);
            }
            else if (ChainId is ulong chainId)
            {
                writer.WriteUInt64(chainId).WriteUInt64(0).WriteUInt64(0);
            }
            return writer.EndList().ToArray();
        }

        writer.WriteEncoded([(byte)Type]);
        writer.StartList().WriteUInt64(ChainId ?? 0).WriteUInt64(Nonce);
        if (Type == TransactionType.AccessList)
        {
            writer.WriteUInt256(GasPrice);
        }
        else
        {
            writer.WriteUInt256(MaxPriorityFeePerGas).WriteUInt256(MaxFeePerGas);
        }
        writer.WriteUInt64(GasLimit);
        WriteTo(writer);
        writer.WriteUInt256(Value).WriteBytes(Data);
        WriteAccessList(writer, AccessList);
        if (Type == TransactionType.Blob)
        {
            writer.WriteUInt256(MaxFeePerBlobGas).StartList();
            foreach (Hash256 hash in BlobVersionedHashes)
            {
                writer.WriteHash(hash);
            }
            writer.EndList();
        }
        if (includeSignature)
        {
            writer.WriteUInt256(V).WriteUInt256(R).WriteUInt256(S);
        }
        return writer.EndList().ToArray();
    }

    private void WriteTo(RlpWriter writer)
    {
        if (To is Address to)
        {
            writer.WriteAddress(to);
        }
        else
        {
            writer.WriteBytes([]);
        }
    }

    internal static void WriteAccessList(RlpWriter writer, IReadOnlyList<AccessListItem> accessList)
    {
        writer.StartList();
        foreach (AccessListItem item in accessList)
        {
            writer.StartList().WriteAddress(item.Address).StartList();
            foreach (UInt256 key in item.StorageKeys)
            {
                writer.WriteBytes(key.ToBigEndian());
            }
            writer.EndList().EndList();
        }
        writer.EndList();
    }

    // ------------------------------------------------------------------ decoding

    /// <summary>Decodes a canonical transaction encoding; throws <see cref="RlpException"/> naming what is wrong.</summary>
    public static Transaction Decode(ReadOnlySpan<byte> encoded)
    {
        if (encoded.IsEmpty)
        {
            throw new RlpException("Empty transaction encoding.");
        }
        if (encoded[0] >= 0xc0)
        {
            return DecodeLegacy(encoded);
        }
        if (encoded[0] is < 1 or > 3)
        {
            throw new RlpException($"Unsupported transaction type 0x{encoded[0]:x2}.");
        }
        var type = (TransactionType)encoded[0];
        var outer = new RlpReader(encoded[1..]);
        RlpReader fields = outer.ReadList();
        outer.EnsureAtEnd("Transaction");

        ulong chainId = fields.ReadUInt64();
        ulong nonce = fields.ReadUInt64();
        UInt256 gasPrice = default, maxPriority = default, maxFee = default;
        if (type == TransactionType.AccessList)
        {
            gasPrice = fields.ReadUInt256();
        }
        else
        {
            maxPriority = fields.ReadUInt256();
            maxFee = fields.ReadUInt256();
        }
        ulong gasLimit = fields.ReadUInt64();
        Address? to = ReadTo(ref fields);
        if (type == TransactionType.Blob && to is null)
        {
            throw new RlpException("A blob transaction cannot create a contract (empty 'to').");
        }
        UInt256 value = fields.ReadUInt256();
        byte[] data = fields.ReadBytes().ToArray();
        List<AccessListItem> accessList = ReadAccessList(ref fields);
        UInt256 maxFeePerBlobGas = default;
        var blobHashes = new List<Hash256>();
        if (type == TransactionType.Blob)
        {
            maxFeePerBlobGas = fields.ReadUInt256();
            RlpReader hashes = fields.ReadList();
            while (!hashes.IsAtEnd)
            {
                blobHashes.Add(hashes.ReadHash());
            }
        }
        UInt256 v = fields.ReadUInt256();
        UInt256 r = fields.ReadUInt256();
        UInt256 s = fields.ReadUInt256();
        fields.EnsureAtEnd("Transaction fields");
        return new Transaction
        {
            Type = type,
            ChainId = chainId,
            Nonce = nonce,
            GasPrice = gasPrice,
            MaxPriorityFeePerGas = maxPriority,
            MaxFeePerGas = maxFee,
            GasLimit = gasLimit,
            To = to,
            Value = value,
            Data = data,
            AccessList = accessList,
            MaxFeePerBlobGas = maxFeePerBlobGas,
            BlobVersionedHashes = blobHashes,
            V = v,
            R = r,
            S = s,
        };
    }

    private static Transaction DecodeLegacy(ReadOnlySpan<byte> encoded)
    {
        var outer = new RlpReader(encoded);
        RlpReader fields = outer.ReadList();
        outer.EnsureAtEnd("Transaction");
        ulong nonce = fields.ReadUInt64();
        UInt256 gasPrice = fields.ReadUInt256();
        ulong gasLimit = fields.ReadUInt64();
        Address? to = ReadTo(ref fields);
        UInt256 value = fields.ReadUInt256();
        byte[] data = fields.ReadBytes().ToArray();
        UInt256 v = fields.ReadUInt256();
        UInt256 r = fields.ReadUInt256();
        UInt256 s = fields.ReadUInt256();
        fields.EnsureAtEnd("Transaction fields");
        ulong? chainId = null;
        if (v != new UInt256(27) && v != new UInt256(28))
        {
            if (v < new UInt256(35) || !v.FitsInUInt64)
            {
                throw new RlpException($"Legacy transaction v = {v} is neither 27/28 nor an EIP-155 value.");
            }
            chainId = (v.U0 - 35) / 2;
        }
        return new Transaction
        {
            Type = TransactionType.Legacy,
            ChainId = chainId,
            Nonce = nonce,
            GasPrice = gasPrice,
            GasLimit = gasLimit,
            To = to,
            Value = value,
            Data = data,
            V = v,
            R = r,
            S = s,
        };
    }

    private static Address? ReadTo(ref RlpReader fields)
    {
        int start = fields.Position;
        ReadOnlySpan<byte> to = fields.ReadBytes();
        return to.Length switch
        {
            0 => null,
            Address.Size => new Address(to),
            _ => throw new RlpException($"Transaction 'to' at offset {start} has {to.Length} bytes; expected 0 or 20."),
        };
    }

    private static List<AccessListItem> ReadAccessList(ref RlpReader fields)
    {
        var items = new List<AccessListItem>();
        RlpReader list = fields.ReadList();
        while (!list.IsAtEnd)
        {
            RlpReader entry = list.ReadList();
            Address address = entry.ReadAddress();
            RlpReader keys = entry.ReadList();
            var storageKeys = new List<UInt256>();
            while (!keys.IsAtEnd)
            {
                storageKeys.Add(keys.ReadHash().ToUInt256());
            }
            entry.EnsureAtEnd("Access-list entry");
            items.Add(new AccessListItem(address, storageKeys));
        }
        return items;
    }

    // ------------------------------------------------------------------ signatures

    private static readonly UInt256 SecpN = UInt256.FromBigInteger(Secp256k1.Order.ToBigIntegerFromBouncy());
    private static readonly UInt256 SecpHalfN = SecpN / new UInt256(2);

    /// <summary>Recovers the sender from the signature; false with a reason when the signature is invalid.</summary>
    public bool TryRecoverSender(out Address sender, out string? error)
    {
        sender = default;
        byte recovery;
        if (Type == TransactionType.Legacy)
        {
            if (!V.FitsInUInt64)
            {
                error = "invalid signature: v out of range";
                return false;
            }
            recovery = ChainId is ulong chainId ? (byte)(V.U0 - 35 - 2 * chainId) : (byte)(V.U0 - 27);
        }
        else
        {
            if (V > UInt256.One)
            {
                error = "invalid signature: y-parity must be 0 or 1";
                return false;
            }
            recovery = (byte)V.U0;
        }
        if (recovery > 1 || R.IsZero || S.IsZero || R >= SecpN || S > SecpHalfN)
        {
            error = "invalid signature: r or s out of range (EIP-2 requires s ≤ n/2)";
            return false;
        }
        Span<byte> signature = stackalloc byte[65];
        R.WriteBigEndian(signature);
        S.WriteBigEndian(signature[32..]);
        signature[64] = recovery;
        if (!Secp256k1.TryRecover(SigningHash().ToArray(), signature, out byte[] publicKey))
        {
            error = "invalid signature: no public key recovers from it";
            return false;
        }
        Span<byte> hash = stackalloc byte[32];
        Keccak256.Hash(publicKey.AsSpan(1), hash);
        sender = new Address(hash[12..]);
        error = null;
        return true;
    }

    /// <summary>Returns a copy signed with <paramref name="privateKey"/> (legacy transactions with a chain id use EIP-155 v).</summary>
    public Transaction Sign(ReadOnlySpan<byte> privateKey)
    {
        byte[] signature = Secp256k1.SignRecoverable(SigningHash().ToArray(), privateKey);
        byte recovery = signature[64];
        UInt256 v = Type != TransactionType.Legacy
            ? new UInt256(recovery)
            : ChainId is ulong chainId ? new UInt256(35 + 2 * chainId + recovery) : new UInt256(27UL + recovery);
        return With(v, new UInt256(signature.AsSpan(0, 32)), new UInt256(signature.AsSpan(32, 32)));
    }

    private Transaction With(in UInt256 v, in UInt256 r, in UInt256 s) => new()
    {
        Type = Type,
        ChainId = ChainId,
        Nonce = Nonce,
        GasPrice = GasPrice,
        MaxPriorityFeePerGas = MaxPriorityFeePerGas,
        MaxFeePerGas = MaxFeePerGas,
        GasLimit = GasLimit,
        To = To,
        Value = Value,
        Data = Data,
        AccessList = AccessList,
        MaxFeePerBlobGas = MaxFeePerBlobGas,
        BlobVersionedHashes = BlobVersionedHashes,
        V = v,
        R = r,
        S = s,
    };
}

internal static class BouncyBigIntegerExtensions
{
    public static System.Numerics.BigInteger ToBigIntegerFromBouncy(this Org.BouncyCastle.Math.BigInteger value) =>
        new(value.ToByteArrayUnsigned(), isUnsigned: true, isBigEndian: true);
}
