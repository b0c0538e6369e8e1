using System.Numerics;
using BasedAI.Evm.Execution;
using BasedAI.Evm.Numerics;
using BasedAI.Evm.Precompiles;
using BasedAI.Evm.Primitives;
using BasedAI.Evm.State;

namespace BasedAI.Evm.Transactions;

/// <summary>Why a transaction is invalid (it cannot be included; the state is left unchanged). Names follow the Ethereum tests.</summary>
public enum TransactionError
{
    /// <summary>The transaction is valid.</summary>
    None,
    /// <summary>Nonce below the sender's.</summary>
    NonceTooLow,
    /// <summary>Nonce above the sender's.</summary>
    NonceTooHigh,
    /// <summary>The sender's nonce is 2^64 − 1 (EIP-2681).</summary>
    NonceIsMax,
    /// <summary>The sender has code (EIP-3607).</summary>
    SenderNotEoa,
    /// <summary>Gas limit above what the block has left.</summary>
    GasAllowanceExceeded,
    /// <summary>Gas limit below the intrinsic gas.</summary>
    IntrinsicGasTooLow,
    /// <summary>Fee cap below the block's base fee.</summary>
    InsufficientMaxFeePerGas,
    /// <summary>Tip cap above fee cap.</summary>
    PriorityGreaterThanMaxFeePerGas,
    /// <summary>Balance below gas × fee cap + value (+ blob fees).</summary>
    InsufficientAccountFunds,
    /// <summary>Create transaction with more than 49152 bytes of initcode (EIP-3860).</summary>
    InitCodeSizeExceeded,
    /// <summary>Blob transaction without a recipient.</summary>
    Type3TxContractCreation,
    /// <summary>Blob transaction without blobs.</summary>
    Type3TxZeroBlobs,
    /// <summary>More blobs than a block allows.</summary>
    Type3TxBlobCountExceeded,
    /// <summary>A versioned hash without the KZG version byte 0x01.</summary>
    Type3TxInvalidBlobVersionedHash,
    /// <summary>Blob fee cap below the blob base fee.</summary>
    InsufficientMaxFeePerBlobGas,
}

/// <summary>The result of applying one transaction.</summary>
public sealed class TransactionResult
{
    /// <summary>Why the transaction was rejected, or <see cref="TransactionError.None"/>.</summary>
    public TransactionError Error { get; init; }

    /// <summary>True when the transaction was included (valid).</summary>
    public bool IsValid => Error == TransactionError.None;

    /// <summary>How the top-level message ended.</summary>
    public ExitReason Reason { get; init; }

    /// <summary>True when execution succeeded (receipt status 1).</summary>
    public bool Success => Reason is ExitReason.Stop or ExitReason.Return;

    /// <summary>Gas charged after refunds.</summary>
    public long GasUsed { get; init; }

    /// <summary>Blob gas consumed.</summary>
    public ulong BlobGasUsed { get; init; }

    /// <summary>Return or revert data.</summary>
    public byte[] Output { get; init; } = [];

    /// <summary>Logs emitted (empty unless successful).</summary>
    public IReadOnlyList<LogEntry> Logs { get; init; } = [];

    /// <summary>Address of the created contract, for a successful creation.</summary>
    public Address? ContractAddress { get; init; }

    /// <summary>The price per gas paid.</summary>
    public UInt256 EffectiveGasPrice { get; init; }

    internal static TransactionResult Invalid(TransactionError error) => new() { Error = error };
}

/// <summary>Options for <see cref="TransactionProcessor.Execute"/>.</summary>
public sealed record ExecutionOptions
{
    /// <summary>The default: full validation, as a block would apply the transaction.</summary>
    public static ExecutionOptions Default { get; } = new();

    /// <summary>
    /// eth_call / eth_estimateGas mode: no nonce or code check on the sender, and a zero fee cap skips the base-fee check
    /// (the caller pays nothing).
    /// </summary>
    public bool IsCall { get; init; }

    /// <summary>False to undo the transaction's effects after running it (eth_call, eth_estimateGas).</summary>
    public bool Commit { get; init; } = true;
}

/// <summary>Applies transactions to a <see cref="WorldState"/> under Cancun rules (validation, gas purchase, execution, refunds, fees).</summary>
public static class TransactionProcessor
{
    /// <summary>Intrinsic gas: base, calldata, creation and initcode words, access list (EIP-2028, 2930, 3860).</summary>
    public static long IntrinsicGas(Transaction tx)
    {
        long gas = Gas.Transaction;
        foreach (byte b in tx.Data)
        {
            gas += b == 0 ? Gas.TxDataZero : Gas.TxDataNonZero;
        }
        if (tx.IsCreate)
        {
            gas += Gas.TransactionCreate + Gas.InitCodeWord * Gas.Words((ulong)tx.Data.Length);
        }
        foreach (AccessListItem item in tx.AccessList)
        {
            gas += Gas.AccessListAddress + Gas.AccessListStorageKey * item.StorageKeys.Count;
        }
        return gas;
    }

    /// <summary>
    /// Validates and applies <paramref name="tx"/> from <paramref name="sender"/>. An invalid transaction changes nothing.
    /// A valid one is executed, charged, and the transaction is finalized in the state (touched empty accounts deleted).
    /// </summary>
    public static TransactionResult Execute(WorldState state, BlockContext block, Transaction tx, Address sender, long gasAvailableInBlock,
        ExecutionOptions? options = null)
    {
        options ??= ExecutionOptions.Default;
        TransactionError error = Validate(state, block, tx, sender, gasAvailableInBlock, options, out long intrinsic);
        if (error != TransactionError.None)
        {
            return TransactionResult.Invalid(error);
        }

        UInt256 baseFee = block.BaseFee;
        bool free = options.IsCall && tx.FeeCap.IsZero;
        UInt256 gasPrice = free ? default : tx.EffectiveGasPrice(baseFee);
        UInt256 blobFee = new UInt256(tx.BlobGas) * block.BlobBaseFee;

        var vm = new VirtualMachine(state, block);
        vm.BeginTransaction(sender, gasPrice, [.. tx.BlobVersionedHashes]);

        // Buy gas and pay blob fees up front.
        state.SubtractBalance(sender, new UInt256(tx.GasLimit) * gasPrice + blobFee);

        // EIP-2929/2930/3651 warm set.
        state.WarmAddress(sender);
        state.WarmAddress(block.Coinbase);
        foreach (Address precompile in PrecompileSet.Addresses)
        {
            state.WarmAddress(precompile);
        }
        foreach (AccessListItem item in tx.AccessList)
        {
            state.WarmAddress(item.Address);
            foreach (UInt256 key in item.StorageKeys)
            {
                state.WarmSlot(item.Address, key);
            }
        }

        long gas = (long)tx.GasLimit - intrinsic;
        MessageResult result;
        if (tx.To is Address to)
        {
            state.WarmAddress(to);
            state.SetNonce(sender, state.GetNonce(sender) + 1);
            result = vm.Call(sender, to, tx.Value, tx.Data, gas);
        }
        else
        {
            result = vm.Create(sender, tx.Value, tx.Data, gas);
        }

        long gasUsed = (long)tx.GasLimit - result.GasLeft;
        long refund = Math.Min(Math.Max(vm.Refund, 0), gasUsed / 5);
        gasUsed -= refund;
        long gasLeft = (long)tx.GasLimit - gasUsed;

        state.AddBalance(sender, new UInt256((ulong)gasLeft) * gasPrice);
        UInt256 tip = free ? default : gasPrice - baseFee;
        state.AddBalance(block.Coinbase, new UInt256((ulong)gasUsed) * tip);

        IReadOnlyList<LogEntry> logs = result.Success ? [.. vm.Logs] : [];
        if (options.Commit)
        {
            state.FinalizeTransaction();
        }
        else
        {
            state.DiscardTransaction();
        }
        return new TransactionResult
        {
            Reason = result.Reason,
            GasUsed = gasUsed,
            BlobGasUsed = tx.BlobGas,
            Output = result.Output,
            Logs = logs,
            ContractAddress = result.CreatedAddress,
            EffectiveGasPrice = gasPrice,
        };
    }

    private static TransactionError Validate(WorldState state, BlockContext block, Transaction tx, Address sender, long gasAvailableInBlock,
        ExecutionOptions options, out long intrinsic)
    {
        intrinsic = IntrinsicGas(tx);
        ulong stateNonce = state.GetNonce(sender);
        if (!options.IsCall)
        {
            if (stateNonce == ulong.MaxValue)
            {
                return TransactionError.NonceIsMax;
            }
            if (tx.Nonce < stateNonce)
            {
                return TransactionError.NonceTooLow;
            }
            if (tx.Nonce > stateNonce)
            {
                return TransactionError.NonceTooHigh;
            }
            if (state.GetCode(sender).Length != 0)
            {
                return TransactionError.SenderNotEoa;
            }
        }
        if (tx.GasLimit > (ulong)gasAvailableInBlock)
        {
            return TransactionError.GasAllowanceExceeded;
        }

        bool free = options.IsCall && tx.FeeCap.IsZero;
        if (tx.Type is TransactionType.DynamicFee or TransactionType.Blob && tx.MaxPriorityFeePerGas > tx.MaxFeePerGas)
        {
            return TransactionError.PriorityGreaterThanMaxFeePerGas;
        }
        if (!free && tx.FeeCap < block.BaseFee)
        {
            return TransactionError.InsufficientMaxFeePerGas;
        }

        if (tx.Type == TransactionType.Blob)
        {
            if (tx.IsCreate)
            {
                return TransactionError.Type3TxContractCreation;
            }
            if (tx.BlobVersionedHashes.Count == 0)
            {
                return TransactionError.Type3TxZeroBlobs;
            }
            if (tx.BlobVersionedHashes.Count > Gas.MaxBlobsPerBlock)
            {
                return TransactionError.Type3TxBlobCountExceeded;
            }
            Span<byte> bytes = stackalloc byte[32];
            foreach (Hash256 hash in tx.BlobVersionedHashes)
            {
                hash.CopyTo(bytes);
                if (bytes[0] != 0x01)
                {
                    return TransactionError.Type3TxInvalidBlobVersionedHash;
                }
            }
            if (tx.MaxFeePerBlobGas < block.BlobBaseFee)
            {
                return TransactionError.InsufficientMaxFeePerBlobGas;
            }
        }

        if ((long)Math.Min(tx.GasLimit, long.MaxValue) < intrinsic)
        {
            return TransactionError.IntrinsicGasTooLow;
        }
        if (tx.IsCreate && tx.Data.Length > Gas.MaxInitCodeSize)
        {
            return TransactionError.InitCodeSizeExceeded;
        }

        // Balance must cover gas × fee cap + value + blob gas × blob fee cap, computed without overflow.
        BigInteger required = free ? BigInteger.Zero : (BigInteger)tx.GasLimit * tx.FeeCap.ToBigInteger();
        required += tx.Value.ToBigInteger();
        required += (BigInteger)tx.BlobGas * tx.MaxFeePerBlobGas.ToBigInteger();
        if (required > state.GetBalance(sender).ToBigInteger())
        {
            return TransactionError.InsufficientAccountFunds;
        }
        return TransactionError.None;
    }
}
