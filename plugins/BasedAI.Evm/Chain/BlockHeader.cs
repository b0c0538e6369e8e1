using BasedAI.Evm.Numerics;
using BasedAI.Evm.Primitives;
using BasedAI.Evm.Rlp;

namespace BasedAI.Evm.Chain;

/// <summary>A Cancun block header (Yellow Paper 4.3 with EIPs 1559, 4399, 4895, 4844, 4788).</summary>
public sealed record BlockHeader
{
    /// <summary>Hash of the parent header.</summary>
    public Hash256 ParentHash { get; init; }
    /// <summary>Hash of the (always empty) ommers list.</summary>
    public Hash256 OmmersHash { get; init; } = Hash256.EmptyListKeccak;
    /// <summary>Fee recipient.</summary>
    public Address Coinbase { get; init; }
    /// <summary>State root after the block.</summary>
    public Hash256 StateRoot { get; init; }
    /// <summary>Root of the transactions trie.</summary>
    public Hash256 TransactionsRoot { get; init; } = Hash256.EmptyTrieRoot;
    /// <summary>Root of the receipts trie.</summary>
    public Hash256 ReceiptsRoot { get; init; } = Hash256.EmptyTrieRoot;
    /// <summary>Bloom of every log in the block.</summary>
    public byte[] LogsBloom { get; init; } = new byte[Bloom.Size];
    /// <summary>Always zero after the merge.</summary>
    public UInt256 Difficulty { get; init; }
    /// <summary>Block number.</summary>
    public ulong Number { get; init; }
    /// <summary>Gas limit.</summary>
    public long GasLimit { get; init; }
    /// <summary>Gas used by all transactions.</summary>
    public long GasUsed { get; init; }
    /// <summary>Unix timestamp.</summary>
    public ulong Timestamp { get; init; }
    /// <summary>Free-form data (at most 32 bytes).</summary>
    public byte[] ExtraData { get; init; } = [];
    /// <summary>PREVRANDAO.</summary>
    public Hash256 MixHash { get; init; }
    /// <summary>Always zero after the merge.</summary>
    public ulong Nonce { get; init; }
    /// <summary>EIP-1559 base fee.</summary>
    public UInt256 BaseFee { get; init; }
    /// <summary>EIP-4895 withdrawals root (no withdrawals on a local chain).</summary>
    public Hash256 WithdrawalsRoot { get; init; } = Hash256.EmptyTrieRoot;
    /// <summary>EIP-4844 blob gas used.</summary>
    public ulong BlobGasUsed { get; init; }
    /// <summary>EIP-4844 excess blob gas.</summary>
    public ulong ExcessBlobGas { get; init; }
    /// <summary>EIP-4788 parent beacon block root (zero on a local chain).</summary>
    public Hash256 ParentBeaconBlockRoot { get; init; }

    /// <summary>RLP of the header.</summary>
    public byte[] Encode()
    {
        var writer = new RlpWriter(600);
        writer.StartList()
            .WriteHash(ParentHash).WriteHash(OmmersHash).WriteAddress(Coinbase)
            .WriteHash(StateRoot).WriteHash(TransactionsRoot).WriteHash(ReceiptsRoot)
            .WriteBytes(LogsBloom).WriteUInt256(Difficulty).WriteUInt64(Number)
            .WriteUInt64((ulong)GasLimit).WriteUInt64((ulong)GasUsed).WriteUInt64(Timestamp)
            .WriteBytes(ExtraData).WriteHash(MixHash);
        Span<byte> nonce = stackalloc byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(nonce, Nonce);
        writer.WriteBytes(nonce)
            .WriteUInt256(BaseFee).WriteHash(WithdrawalsRoot)
            .WriteUInt64(BlobGasUsed).WriteUInt64(ExcessBlobGas).WriteHash(ParentBeaconBlockRoot);
        return writer.EndList().ToArray();
    }

    /// <summary>Keccak-256 of the header's RLP: the block hash.</summary>
    public Hash256 Hash => Hash256.Keccak(Encode());

    /// <summary>The EIP-1559 base fee of the child of a block with this header (elasticity 2, change denominator 8).</summary>
    public UInt256 NextBaseFee()
    {
        long target = GasLimit / 2;
        if (GasUsed == target || target == 0)
        {
            return BaseFee;
        }
        if (GasUsed > target)
        {
            UInt256 delta = BaseFee * new UInt256((ulong)(GasUsed - target)) / new UInt256((ulong)target) / new UInt256(8);
            return BaseFee + (delta.IsZero ? UInt256.One : delta);
        }
        UInt256 decrease = BaseFee * new UInt256((ulong)(target - GasUsed)) / new UInt256((ulong)target) / new UInt256(8);
        return BaseFee - decrease;
    }

    /// <summary>The EIP-4844 excess blob gas of the child of a block with this header.</summary>
    public ulong NextExcessBlobGas()
    {
        ulong total = ExcessBlobGas + BlobGasUsed;
        return total < Execution.Gas.TargetBlobGasPerBlock ? 0 : total - Execution.Gas.TargetBlobGasPerBlock;
    }
}
