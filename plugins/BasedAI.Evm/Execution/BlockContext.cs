using BasedAI.Evm.Numerics;
using BasedAI.Evm.Primitives;

namespace BasedAI.Evm.Execution;

/// <summary>The block a transaction executes in, as the EVM sees it (Cancun, post-merge).</summary>
public sealed record BlockContext
{
    /// <summary>Receives priority fees (COINBASE).</summary>
    public Address Coinbase { get; init; }

    /// <summary>Block number (NUMBER).</summary>
    public ulong Number { get; init; }

    /// <summary>Unix timestamp (TIMESTAMP).</summary>
    public ulong Timestamp { get; init; }

    /// <summary>Block gas limit (GASLIMIT); also the most gas one transaction may ask for.</summary>
    public long GasLimit { get; init; }

    /// <summary>EIP-1559 base fee per gas (BASEFEE).</summary>
    public UInt256 BaseFee { get; init; }

    /// <summary>The beacon chain randomness (PREVRANDAO, formerly DIFFICULTY).</summary>
    public UInt256 PrevRandao { get; init; }

    /// <summary>EIP-155 chain id (CHAINID).</summary>
    public ulong ChainId { get; init; } = 1;

    /// <summary>EIP-4844 excess blob gas of this block; determines <see cref="BlobBaseFee"/>.</summary>
    public ulong ExcessBlobGas { get; init; }

    /// <summary>Hashes of the 256 most recent blocks (BLOCKHASH); null answers zero for every block.</summary>
    public Func<ulong, Hash256>? BlockHashes { get; init; }

    /// <summary>The blob base fee: fake_exponential(1, excess_blob_gas, 3338477) (EIP-4844).</summary>
    public UInt256 BlobBaseFee => Gas.BlobBaseFee(ExcessBlobGas);
}

/// <summary>Per-transaction values visible to every frame (ORIGIN, GASPRICE, BLOBHASH).</summary>
internal sealed class TransactionContext
{
    public Address Origin;
    public UInt256 GasPrice;
    public Hash256[] BlobHashes = [];
}
