using System.Numerics;
using BasedAI.Evm.Chain;
using BasedAI.Evm.Execution;
using BasedAI.Evm.Numerics;
using BasedAI.Evm.Primitives;
using BasedAI.Evm.Rlp;
using BasedAI.Evm.State;
using BasedAI.Evm.Transactions;

namespace BasedAI.Brains.BasedEvm;

/// <summary>A mined transaction with its sender and position.</summary>
internal sealed record TransactionRecord(Transaction Transaction, Hash256 Hash, Address Sender, ulong BlockNumber, Hash256 BlockHash, int Index);

/// <summary>A log as JSON-RPC reports it: with its block, transaction and position in the block.</summary>
internal sealed record LogRecord(LogEntry Log, ulong BlockNumber, Hash256 BlockHash, Hash256 TransactionHash, int TransactionIndex, int LogIndex);

/// <summary>A receipt with the fields JSON-RPC reports beyond the consensus encoding.</summary>
internal sealed record ReceiptRecord(
    TransactionRecord Transaction,
    Receipt Receipt,
    long GasUsed,
    UInt256 EffectiveGasPrice,
    Address? ContractAddress,
    IReadOnlyList<LogRecord> Logs);

/// <summary>A mined block.</summary>
internal sealed record ChainBlock(BlockHeader Header, Hash256 Hash, IReadOnlyList<TransactionRecord> Transactions, IReadOnlyList<ReceiptRecord> Receipts, int Size);

/// <summary>Arguments of eth_call / eth_estimateGas.</summary>
internal sealed record CallArguments
{
    public Address? From { get; init; }
    public Address? To { get; init; }
    public long? Gas { get; init; }
    public UInt256? GasPrice { get; init; }
    public UInt256? MaxFeePerGas { get; init; }
    public UInt256? MaxPriorityFeePerGas { get; init; }
    public UInt256 Value { get; init; }
    public byte[] Data { get; init; } = [];
    public IReadOnlyList<AccessListItem> AccessList { get; init; } = [];
}

/// <summary>A JSON-RPC failure with its error code and optional data (e.g. revert data).</summary>
internal sealed class RpcException(int code, string message, string? data = null) : Exception(message)
{
    public const int ParseError = -32700;
    public const int InvalidRequest = -32600;
    public const int MethodNotFound = -32601;
    public const int InvalidParams = -32602;
    public const int InternalError = -32603;
    public const int ServerError = -32000;
    /// <summary>Execution reverted (geth's code; data carries the revert bytes).</summary>
    public const int ExecutionReverted = 3;

    public int Code { get; } = code;
    public string? ErrorData { get; } = data;
}

/// <summary>
/// The local chain behind BasedEVM: genesis from the configured accounts, one block per transaction (automine), receipts and
/// logs, EIP-1559 base fees, and the states of recent blocks for historical queries. Thread-safe (one lock).
/// </summary>
internal sealed class LocalChain
{
    /// <summary>States of this many recent blocks are kept for eth_call/eth_getBalance at older blocks.</summary>
    public const int RetainedStates = 256;

    private readonly Lock _gate = new();
    private readonly BasedEvmOptions _options;
    private readonly TimeProvider _clock;
    private readonly WorldState _state = new();
    private readonly List<ChainBlock> _blocks = [];
    private readonly Dictionary<Hash256, ChainBlock> _blocksByHash = [];
    private readonly Dictionary<Hash256, ReceiptRecord> _receipts = [];
    private readonly Dictionary<ulong, WorldState> _history = [];

    public LocalChain(BasedEvmOptions options, TimeProvider clock)
    {
        _options = options;
        _clock = clock;
        foreach (GenesisAccount account in options.Accounts)
        {
            _state.SetAccount(account.Address, 0, account.Balance, []);
        }
        var genesis = new BlockHeader
        {
            Coinbase = Address.Zero,
            StateRoot = _state.StateRoot,
            Number = 0,
            GasLimit = options.BlockGasLimit,
            Timestamp = (ulong)clock.GetUtcNow().ToUnixTimeSeconds(),
            BaseFee = options.InitialBaseFee,
            ExtraData = "BasedEVM"u8.ToArray(),
        };
        Append(genesis, [], []);
    }

    public ulong ChainId => _options.ChainId;

    /// <summary>Development accounts whose keys the node knows (eth_accounts).</summary>
    public IEnumerable<Address> Accounts => _options.Accounts.Where(a => a.PrivateKey is not null).Select(a => a.Address);

    public ulong HeadNumber
    {
        get
        {
            lock (_gate)
            {
                return (ulong)_blocks.Count - 1;
            }
        }
    }

    public ChainBlock Head
    {
        get
        {
            lock (_gate)
            {
                return _blocks[^1];
            }
        }
    }

    public ChainBlock? GetBlock(ulong number)
    {
        lock (_gate)
        {
            return number < (ulong)_blocks.Count ? _blocks[(int)number] : null;
        }
    }

    public ChainBlock? GetBlock(Hash256 hash)
    {
        lock (_gate)
        {
            return _blocksByHash.GetValueOrDefault(hash);
        }
    }

    public ReceiptRecord? GetReceipt(Hash256 transactionHash)
    {
        lock (_gate)
        {
            return _receipts.GetValueOrDefault(transactionHash);
        }
    }

    /// <summary>The base fee the next block will have.</summary>
    public UInt256 NextBaseFee
    {
        get
        {
            lock (_gate)
            {
                return _blocks[^1].Header.NextBaseFee();
            }
        }
    }

    /// <summary>Reads the state after block <paramref name="number"/>.</summary>
    public T ReadState<T>(ulong number, Func<WorldState, T> read)
    {
        lock (_gate)
        {
            return read(StateAt(number));
        }
    }

    private WorldState StateAt(ulong number)
    {
        ulong head = (ulong)_blocks.Count - 1;
        if (number > head)
        {
            throw new RpcException(RpcException.InvalidParams, $"block {number} does not exist (head is {head})");
        }
        if (number == head)
        {
            return _state;
        }
        return _history.TryGetValue(number, out WorldState? state)
            ? state
            : throw new RpcException(RpcException.ServerError, $"state of block {number} is not available: only the last {RetainedStates} blocks are kept");
    }

    /// <summary>Validates, executes and mines one signed transaction in a new block; returns its hash.</summary>
    public Hash256 SendRawTransaction(byte[] raw)
    {
        Transaction tx;
        try
        {
            tx = Transaction.Decode(raw);
        }
        catch (RlpException e)
        {
            throw new RpcException(RpcException.ServerError, $"invalid transaction: {e.Message}");
        }
        if (tx.Type == TransactionType.Blob)
        {
            throw new RpcException(RpcException.ServerError, "blob transactions are not accepted: this local chain keeps no blob sidecars");
        }
        if (tx.ChainId is ulong chainId && chainId != _options.ChainId)
        {
            throw new RpcException(RpcException.ServerError, $"invalid chain id: transaction has {chainId}, this chain is {_options.ChainId}");
        }
        if (!tx.TryRecoverSender(out Address sender, out string? signatureError))
        {
            throw new RpcException(RpcException.ServerError, $"invalid sender: {signatureError}");
        }
        Hash256 hash = Hash256.Keccak(raw);

        lock (_gate)
        {
            if (_receipts.ContainsKey(hash))
            {
                throw new RpcException(RpcException.ServerError, "already known");
            }
            BlockContext context = NextBlockContext();
            TransactionResult result = TransactionProcessor.Execute(_state, context, tx, sender, context.GasLimit);
            if (!result.IsValid)
            {
                throw new RpcException(RpcException.ServerError, Describe(result.Error, tx, sender, context));
            }

            var receipt = new Receipt(tx.Type, result.Success, result.GasUsed, result.Logs);
            var header = new BlockHeader
            {
                ParentHash = _blocks[^1].Hash,
                Coinbase = context.Coinbase,
                StateRoot = _state.StateRoot,
                TransactionsRoot = OrderedTrie.Root([tx.Encode()]),
                ReceiptsRoot = OrderedTrie.Root([receipt.Encode()]),
                LogsBloom = receipt.Bloom.Bytes.ToArray(),
                Number = context.Number,
                GasLimit = context.GasLimit,
                GasUsed = result.GasUsed,
                Timestamp = context.Timestamp,
                MixHash = Hash256.FromUInt256(context.PrevRandao),
                BaseFee = context.BaseFee,
                ExcessBlobGas = context.ExcessBlobGas,
            };
            Append(header, [(tx, hash, sender)], [(receipt, result)]);
            return hash;
        }
    }

    /// <summary>
    /// eth_sendTransaction for a development account the node holds the key of: fills nonce, gas (estimated) and EIP-1559 fees,
    /// signs, and mines it like <see cref="SendRawTransaction"/>.
    /// </summary>
    public Hash256 SendTransaction(CallArguments arguments, ulong? nonce)
    {
        Address from = arguments.From ?? throw new RpcException(RpcException.InvalidParams, "invalid argument: from is required");
        byte[] key = _options.Accounts.FirstOrDefault(a => a.Address == from && a.PrivateKey is not null)?.PrivateKey
            ?? throw new RpcException(RpcException.ServerError, $"unknown account {from}: the node only signs for its development accounts");
        Transaction tx;
        lock (_gate)
        {
            ulong head = (ulong)_blocks.Count - 1;
            long gas = arguments.Gas ?? EstimateGas(arguments, head);
            UInt256 tip = arguments.MaxPriorityFeePerGas ?? new UInt256(1_000_000_000);
            UInt256 feeCap = arguments.MaxFeePerGas ?? arguments.GasPrice ?? _blocks[^1].Header.NextBaseFee() * new UInt256(2) + tip;
            tx = new Transaction
            {
                Type = TransactionType.DynamicFee,
                ChainId = _options.ChainId,
                Nonce = nonce ?? _state.GetNonce(from),
                MaxPriorityFeePerGas = tip < feeCap ? tip : feeCap,
                MaxFeePerGas = feeCap,
                GasLimit = (ulong)gas,
                To = arguments.To,
                Value = arguments.Value,
                Data = arguments.Data,
                AccessList = arguments.AccessList,
            }.Sign(key);
        }
        return SendRawTransaction(tx.Encode());
    }

    /// <summary>Runs a message against the state after <paramref name="blockNumber"/> without changing anything.</summary>
    public TransactionResult Call(CallArguments arguments, ulong blockNumber, long? gasOverride = null)
    {
        lock (_gate)
        {
            WorldState state = StateAt(blockNumber);
            ChainBlock block = _blocks[(int)blockNumber];
            BlockContext context = ContextOf(block.Header);
            Address from = arguments.From ?? Address.Zero;
            long gas = gasOverride ?? arguments.Gas ?? context.GasLimit;
            if (gas > context.GasLimit)
            {
                gas = context.GasLimit;
            }
            Transaction tx = BuildCall(arguments, state.GetNonce(from), gas);
            TransactionResult result = TransactionProcessor.Execute(state, context, tx, from, context.GasLimit,
                new ExecutionOptions { IsCall = true, Commit = false });
            if (!result.IsValid)
            {
                throw new RpcException(RpcException.ServerError, Describe(result.Error, tx, from, context));
            }
            return result;
        }
    }

    /// <summary>The least gas limit with which the message succeeds (binary search), or the failure at the cap.</summary>
    public long EstimateGas(CallArguments arguments, ulong blockNumber)
    {
        lock (_gate)
        {
            long cap = Math.Min(arguments.Gas ?? _options.BlockGasLimit, _blocks[(int)blockNumber].Header.GasLimit);
            TransactionResult atCap = Call(arguments, blockNumber, cap);
            ThrowIfFailed(atCap);
            long intrinsic = TransactionProcessor.IntrinsicGas(BuildCall(arguments, 0, cap));
            long low = Math.Max(intrinsic, atCap.GasUsed) - 1, high = cap;
            while (low + 1 < high)
            {
                long middle = low + (high - low) / 2;
                if (Call(arguments, blockNumber, middle).Success)
                {
                    high = middle;
                }
                else
                {
                    low = middle;
                }
            }
            return high;
        }
    }

    /// <summary>Throws the JSON-RPC error clients expect for a failed call: code 3 with the revert data, or -32000.</summary>
    public static void ThrowIfFailed(TransactionResult result)
    {
        if (result.Success)
        {
            return;
        }
        if (result.Reason == ExitReason.Revert)
        {
            throw new RpcException(RpcException.ExecutionReverted, RevertMessage(result.Output), "0x" + Convert.ToHexStringLower(result.Output));
        }
        throw new RpcException(RpcException.ServerError, result.Reason switch
        {
            ExitReason.OutOfGas => "out of gas",
            ExitReason.InvalidOpcode => "invalid opcode",
            ExitReason.StackUnderflow => "stack underflow",
            ExitReason.StackOverflow => "stack limit reached 1024",
            ExitReason.BadJumpDestination => "invalid jump destination",
            ExitReason.StaticStateChange => "write protection",
            ExitReason.ReturnDataOutOfBounds => "return data out of bounds",
            ExitReason.CodeSizeExceeded => "max code size exceeded",
            ExitReason.InvalidCodePrefix => "invalid code: must not begin with 0xef",
            ExitReason.AddressCollision => "contract address collision",
            ExitReason.InitCodeSizeExceeded => "max initcode size exceeded",
            _ => $"execution failed: {result.Reason}",
        });
    }

    /// <summary>"execution reverted", with the Error(string) reason when the data carries one.</summary>
    private static string RevertMessage(byte[] output)
    {
        // Error(string): selector 0x08c379a0, offset, length, bytes.
        if (output.Length >= 68 && output[0] == 0x08 && output[1] == 0xc3 && output[2] == 0x79 && output[3] == 0xa0)
        {
            var length = new UInt256(output.AsSpan(36, 32));
            if (length.FitsInUInt64 && length.U0 <= (ulong)(output.Length - 68))
            {
                return "execution reverted: " + System.Text.Encoding.UTF8.GetString(output, 68, (int)length.U0);
            }
        }
        return "execution reverted";
    }

    /// <summary>Logs matching a filter over blocks [from, to].</summary>
    public List<LogRecord> GetLogs(ulong from, ulong to, IReadOnlyCollection<Address> addresses, IReadOnlyList<IReadOnlyCollection<Hash256>?> topics)
    {
        var matches = new List<LogRecord>();
        lock (_gate)
        {
            ulong head = (ulong)_blocks.Count - 1;
            for (ulong n = from; n <= Math.Min(to, head); n++)
            {
                foreach (ReceiptRecord receipt in _blocks[(int)n].Receipts)
                {
                    foreach (LogRecord log in receipt.Logs)
                    {
                        if (Matches(log.Log, addresses, topics))
                        {
                            matches.Add(log);
                        }
                    }
                }
            }
        }
        return matches;
    }

    private static bool Matches(LogEntry log, IReadOnlyCollection<Address> addresses, IReadOnlyList<IReadOnlyCollection<Hash256>?> topics)
    {
        if (addresses.Count > 0 && !addresses.Contains(log.Address))
        {
            return false;
        }
        for (int i = 0; i < topics.Count; i++)
        {
            if (topics[i] is { } wanted && (i >= log.Topics.Length || !wanted.Contains(log.Topics[i])))
            {
                return false;
            }
        }
        return true;
    }

    private Transaction BuildCall(CallArguments arguments, ulong nonce, long gas)
    {
        bool dynamic = arguments.MaxFeePerGas is not null || arguments.MaxPriorityFeePerGas is not null;
        return new Transaction
        {
            Type = dynamic ? TransactionType.DynamicFee : arguments.AccessList.Count > 0 ? TransactionType.AccessList : TransactionType.Legacy,
            ChainId = _options.ChainId,
            Nonce = nonce,
            GasPrice = arguments.GasPrice ?? default,
            MaxFeePerGas = arguments.MaxFeePerGas ?? arguments.MaxPriorityFeePerGas ?? default,
            MaxPriorityFeePerGas = arguments.MaxPriorityFeePerGas ?? default,
            GasLimit = (ulong)gas,
            To = arguments.To,
            Value = arguments.Value,
            Data = arguments.Data,
            AccessList = arguments.AccessList,
        };
    }

    private BlockContext NextBlockContext()
    {
        BlockHeader parent = _blocks[^1].Header;
        ulong now = (ulong)_clock.GetUtcNow().ToUnixTimeSeconds();
        return new BlockContext
        {
            Coinbase = _options.Coinbase,
            Number = parent.Number + 1,
            Timestamp = Math.Max(now, parent.Timestamp + 1),
            GasLimit = _options.BlockGasLimit,
            BaseFee = parent.NextBaseFee(),
            PrevRandao = Hash256.Keccak(_blocks[^1].Hash.ToArray()).ToUInt256(),
            ChainId = _options.ChainId,
            ExcessBlobGas = parent.NextExcessBlobGas(),
            BlockHashes = BlockHash,
        };
    }

    private BlockContext ContextOf(BlockHeader header) => new()
    {
        Coinbase = header.Coinbase,
        Number = header.Number,
        Timestamp = header.Timestamp,
        GasLimit = header.GasLimit,
        BaseFee = header.BaseFee,
        PrevRandao = header.MixHash.ToUInt256(),
        ChainId = _options.ChainId,
        ExcessBlobGas = header.ExcessBlobGas,
        BlockHashes = BlockHash,
    };

    private Hash256 BlockHash(ulong number) => number < (ulong)_blocks.Count ? _blocks[(int)number].Hash : Hash256.Zero;

    private void Append(BlockHeader header, IReadOnlyList<(Transaction Tx, Hash256 Hash, Address Sender)> transactions,
        IReadOnlyList<(Receipt Receipt, TransactionResult Result)> results)
    {
        Hash256 blockHash = header.Hash;
        var records = new List<TransactionRecord>();
        var receipts = new List<ReceiptRecord>();
        int logIndex = 0;
        for (int i = 0; i < transactions.Count; i++)
        {
            var (tx, hash, sender) = transactions[i];
            var record = new TransactionRecord(tx, hash, sender, header.Number, blockHash, i);
            records.Add(record);
            var (receipt, result) = results[i];
            var logs = result.Logs.Select(log => new LogRecord(log, header.Number, blockHash, hash, i, logIndex++)).ToList();
            var receiptRecord = new ReceiptRecord(record, receipt, result.GasUsed, result.EffectiveGasPrice, result.ContractAddress, logs);
            receipts.Add(receiptRecord);
            _receipts[hash] = receiptRecord;
        }
        int size = EncodedSize(header, transactions.Select(t => t.Tx));
        var block = new ChainBlock(header, blockHash, records, receipts, size);
        _blocks.Add(block);
        _blocksByHash[blockHash] = block;
        _history[header.Number] = _state.Clone();
        _history.Remove(header.Number - RetainedStates);
    }

    private static int EncodedSize(BlockHeader header, IEnumerable<Transaction> transactions)
    {
        var writer = new RlpWriter();
        writer.StartList().WriteEncoded(header.Encode()).StartList();
        foreach (Transaction tx in transactions)
        {
            byte[] encoded = tx.Encode();
            if (tx.Type == TransactionType.Legacy)
            {
                writer.WriteEncoded(encoded);
            }
            else
            {
                writer.WriteBytes(encoded);
            }
        }
        writer.EndList().StartList().EndList().StartList().EndList().EndList();
        return writer.WrittenSpan.Length;
    }

    /// <summary>The message geth gives for each validation failure.</summary>
    private string Describe(TransactionError error, Transaction tx, Address sender, BlockContext context)
    {
        ulong nonce = _state.GetNonce(sender);
        return error switch
        {
            TransactionError.NonceTooLow => $"nonce too low: address {sender}, tx: {tx.Nonce} state: {nonce}",
            TransactionError.NonceTooHigh => $"nonce too high: address {sender}, tx: {tx.Nonce} state: {nonce}",
            TransactionError.NonceIsMax => $"nonce has max value: address {sender}",
            TransactionError.SenderNotEoa => $"sender not an eoa: address {sender}",
            TransactionError.GasAllowanceExceeded => $"exceeds block gas limit: gas {tx.GasLimit}, limit {context.GasLimit}",
            TransactionError.IntrinsicGasTooLow => $"intrinsic gas too low: have {tx.GasLimit}, want {TransactionProcessor.IntrinsicGas(tx)}",
            TransactionError.InsufficientMaxFeePerGas => $"max fee per gas less than block base fee: address {sender}, maxFeePerGas: {tx.FeeCap}, baseFee: {context.BaseFee}",
            TransactionError.PriorityGreaterThanMaxFeePerGas => $"max priority fee per gas higher than max fee per gas: address {sender}, maxPriorityFeePerGas: {tx.MaxPriorityFeePerGas}, maxFeePerGas: {tx.MaxFeePerGas}",
            TransactionError.InsufficientAccountFunds =>
                $"insufficient funds for gas * price + value: address {sender} have {_state.GetBalance(sender)} want {(BigInteger)tx.GasLimit * tx.FeeCap.ToBigInteger() + tx.Value.ToBigInteger()}",
            TransactionError.InitCodeSizeExceeded => $"max initcode size exceeded: code size {tx.Data.Length} limit {Gas.MaxInitCodeSize}",
            _ => $"invalid transaction: {error}",
        };
    }
}
