using System.Buffers;
using System.Globalization;
using System.Text.Json;
using BasedAI.Evm.Chain;
using BasedAI.Evm.Numerics;
using BasedAI.Evm.Primitives;
using BasedAI.Evm.Transactions;

namespace BasedAI.Brains.BasedEvm.JsonRpc;

/// <summary>
/// The Ethereum JSON-RPC 2.0 subset BasedEVM serves (single and batch requests), over a <see cref="LocalChain"/>.
/// Errors use the standard codes (-32700 parse, -32600 invalid request, -32601 unknown method, -32602 invalid params,
/// -32603 internal) and geth's -32000 for transaction and state errors and 3 for execution reverted (with the revert data).
/// </summary>
internal sealed class EthJsonRpc(LocalChain chain, string clientVersion)
{
    /// <summary>Requests larger than this are refused (a JSON-RPC body, not a file upload).</summary>
    public const int MaxRequestBytes = 8 * 1024 * 1024;

    /// <summary>Most calls in one batch.</summary>
    public const int MaxBatchSize = 1000;

    private static readonly string[] Methods =
    [
        "eth_chainId", "eth_blockNumber", "eth_getBalance", "eth_getCode", "eth_getStorageAt", "eth_getTransactionCount",
        "eth_call", "eth_estimateGas", "eth_gasPrice", "eth_maxPriorityFeePerGas", "eth_feeHistory", "eth_sendRawTransaction", "eth_sendTransaction",
        "eth_getTransactionByHash", "eth_getTransactionReceipt", "eth_getBlockByNumber", "eth_getBlockByHash", "eth_getLogs",
        "eth_accounts", "eth_syncing", "net_version", "net_listening", "web3_clientVersion",
    ];

    /// <summary>The methods this server answers.</summary>
    public static IReadOnlyList<string> SupportedMethods => Methods;

    /// <summary>Handles a request body; returns the response body, or an empty array when every call was a notification.</summary>
    public byte[] Handle(ReadOnlySpan<byte> body)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(body.ToArray(), new JsonDocumentOptions { MaxDepth = 64 });
            }
            catch (JsonException e)
            {
                WriteError(writer, default, new RpcException(RpcException.ParseError, $"parse error: {e.Message}"));
                writer.Flush();
                return buffer.WrittenSpan.ToArray();
            }
            using (document)
            {
                JsonElement root = document.RootElement;
                if (root.ValueKind == JsonValueKind.Array)
                {
                    int count = root.GetArrayLength();
                    if (count == 0 || count > MaxBatchSize)
                    {
                        WriteError(writer, default, new RpcException(RpcException.InvalidRequest,
                            count == 0 ? "invalid request: empty batch" : $"invalid request: batch of {count} exceeds {MaxBatchSize}"));
                    }
                    else
                    {
                        bool any = false;
                        foreach (JsonElement request in root.EnumerateArray())
                        {
                            if (!IsNotification(request))
                            {
                                if (!any)
                                {
                                    writer.WriteStartArray();
                                    any = true;
                                }
                                HandleOne(writer, request);
                            }
                        }
                        if (any)
                        {
                            writer.WriteEndArray();
                        }
                    }
                }
                else if (!IsNotification(root))
                {
                    HandleOne(writer, root);
                }
            }
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static bool IsNotification(JsonElement request) =>
        request.ValueKind == JsonValueKind.Object && !request.TryGetProperty("id", out _) && request.TryGetProperty("method", out _);

    private void HandleOne(Utf8JsonWriter writer, JsonElement request)
    {
        JsonElement id = default;
        try
        {
            if (request.ValueKind != JsonValueKind.Object)
            {
                throw new RpcException(RpcException.InvalidRequest, "invalid request: expected a JSON object");
            }
            if (request.TryGetProperty("id", out JsonElement requestId))
            {
                if (requestId.ValueKind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.Null))
                {
                    throw new RpcException(RpcException.InvalidRequest, "invalid request: id must be a string, number or null");
                }
                id = requestId;
            }
            if (!request.TryGetProperty("jsonrpc", out JsonElement version) || version.ValueKind != JsonValueKind.String || version.GetString() != "2.0")
            {
                throw new RpcException(RpcException.InvalidRequest, "invalid request: jsonrpc must be \"2.0\"");
            }
            if (!request.TryGetProperty("method", out JsonElement method) || method.ValueKind != JsonValueKind.String)
            {
                throw new RpcException(RpcException.InvalidRequest, "invalid request: method must be a string");
            }
            JsonElement parameters = request.TryGetProperty("params", out JsonElement p) ? p : default;
            if (parameters.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Array or JsonValueKind.Null))
            {
                throw new RpcException(RpcException.InvalidParams, "invalid params: params must be an array");
            }
            var args = new Params(parameters);

            // The result goes to a scratch buffer first, so a failure half-way leaves nothing partial in the response.
            var result = new ArrayBufferWriter<byte>();
            using (var resultWriter = new Utf8JsonWriter(result))
            {
                Dispatch(method.GetString()!, args, resultWriter);
            }
            writer.WriteStartObject();
            writer.WriteString("jsonrpc", "2.0");
            WriteId(writer, id);
            writer.WritePropertyName("result");
            writer.WriteRawValue(result.WrittenSpan, skipInputValidation: true);
            writer.WriteEndObject();
        }
        catch (RpcException e)
        {
            WriteError(writer, id, e);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or OverflowException or KeyNotFoundException)
        {
            // A defect, not bad input: report it as an internal error instead of dropping the connection.
            WriteError(writer, id, new RpcException(RpcException.InternalError, $"internal error: {e.Message}"));
        }
    }

    private static void WriteId(Utf8JsonWriter writer, JsonElement id)
    {
        writer.WritePropertyName("id");
        if (id.ValueKind == JsonValueKind.Undefined)
        {
            writer.WriteNullValue();
        }
        else
        {
            id.WriteTo(writer);
        }
    }

    private static void WriteError(Utf8JsonWriter writer, JsonElement id, RpcException error)
    {
        writer.WriteStartObject();
        writer.WriteString("jsonrpc", "2.0");
        WriteId(writer, id);
        writer.WriteStartObject("error");
        writer.WriteNumber("code", error.Code);
        writer.WriteString("message", error.Message);
        if (error.ErrorData is not null)
        {
            writer.WriteString("data", error.ErrorData);
        }
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private void Dispatch(string method, Params args, Utf8JsonWriter w)
    {
        switch (method)
        {
            case "eth_chainId":
                w.WriteStringValue(Hex.Quantity(chain.ChainId));
                break;
            case "net_version":
                w.WriteStringValue(chain.ChainId.ToString(CultureInfo.InvariantCulture));
                break;
            case "net_listening":
                w.WriteBooleanValue(true);
                break;
            case "web3_clientVersion":
                w.WriteStringValue(clientVersion);
                break;
            case "eth_syncing":
                w.WriteBooleanValue(false);
                break;
            case "eth_accounts":
                w.WriteStartArray();
                foreach (Address account in chain.Accounts)
                {
                    w.WriteStringValue(account.ToString());
                }
                w.WriteEndArray();
                break;
            case "eth_blockNumber":
                w.WriteStringValue(Hex.Quantity(chain.HeadNumber));
                break;
            case "eth_gasPrice":
                w.WriteStringValue((chain.NextBaseFee + SuggestedTip).ToHexString());
                break;
            case "eth_maxPriorityFeePerGas":
                w.WriteStringValue(SuggestedTip.ToHexString());
                break;
            case "eth_getBalance":
            {
                Address address = args.Address(0, "address");
                w.WriteStringValue(chain.ReadState(args.Block(1, chain), s => s.GetBalance(address)).ToHexString());
                break;
            }
            case "eth_getTransactionCount":
            {
                Address address = args.Address(0, "address");
                w.WriteStringValue(Hex.Quantity(chain.ReadState(args.Block(1, chain), s => s.GetNonce(address))));
                break;
            }
            case "eth_getCode":
            {
                Address address = args.Address(0, "address");
                w.WriteStringValue(Hex.Data(chain.ReadState(args.Block(1, chain), s => s.GetCode(address))));
                break;
            }
            case "eth_getStorageAt":
            {
                Address address = args.Address(0, "address");
                UInt256 slot = args.Quantity(1, "slot");
                UInt256 value = chain.ReadState(args.Block(2, chain), s => s.GetStorage(address, slot));
                w.WriteStringValue(Hex.Data(value.ToBigEndian()));
                break;
            }
            case "eth_call":
            {
                TransactionResult result = chain.Call(args.Call(0), args.Block(1, chain));
                LocalChain.ThrowIfFailed(result);
                w.WriteStringValue(Hex.Data(result.Output));
                break;
            }
            case "eth_estimateGas":
                w.WriteStringValue(Hex.Quantity((ulong)chain.EstimateGas(args.Call(0), args.Block(1, chain))));
                break;
            case "eth_sendRawTransaction":
                w.WriteStringValue(chain.SendRawTransaction(args.Bytes(0, "transaction")).ToString());
                break;
            case "eth_sendTransaction":
                w.WriteStringValue(chain.SendTransaction(args.Call(0), args.OptionalNonce(0)).ToString());
                break;
            case "eth_getTransactionByHash":
            {
                ReceiptRecord? receipt = chain.GetReceipt(args.Hash(0, "transaction hash"));
                if (receipt is null)
                {
                    w.WriteNullValue();
                }
                else
                {
                    RpcJson.WriteTransaction(w, receipt.Transaction, receipt.EffectiveGasPrice);
                }
                break;
            }
            case "eth_getTransactionReceipt":
            {
                ReceiptRecord? receipt = chain.GetReceipt(args.Hash(0, "transaction hash"));
                if (receipt is null)
                {
                    w.WriteNullValue();
                }
                else
                {
                    RpcJson.WriteReceipt(w, receipt);
                }
                break;
            }
            case "eth_getBlockByNumber":
            {
                ChainBlock? block = chain.GetBlock(args.BlockOrNull(0, chain) ?? ulong.MaxValue);
                WriteBlockOrNull(w, block, args.Boolean(1, "full transactions"));
                break;
            }
            case "eth_getBlockByHash":
                WriteBlockOrNull(w, chain.GetBlock(args.Hash(0, "block hash")), args.Boolean(1, "full transactions"));
                break;
            case "eth_getLogs":
                GetLogs(args, w);
                break;
            case "eth_feeHistory":
                FeeHistory(args, w);
                break;
            default:
                throw new RpcException(RpcException.MethodNotFound, $"the method {method} does not exist/is not available");
        }
    }

    /// <summary>The tip eth_gasPrice and eth_maxPriorityFeePerGas suggest (1 gwei, as geth and Hardhat do).</summary>
    private static readonly UInt256 SuggestedTip = new(1_000_000_000);

    private static void WriteBlockOrNull(Utf8JsonWriter w, ChainBlock? block, bool full)
    {
        if (block is null)
        {
            w.WriteNullValue();
        }
        else
        {
            RpcJson.WriteBlock(w, block, full);
        }
    }

    private void GetLogs(Params args, Utf8JsonWriter w)
    {
        JsonElement filter = args.Object(0, "filter");
        ulong from, to;
        if (filter.TryGetProperty("blockHash", out JsonElement blockHash) && blockHash.ValueKind != JsonValueKind.Null)
        {
            if (filter.TryGetProperty("fromBlock", out _) || filter.TryGetProperty("toBlock", out _))
            {
                throw new RpcException(RpcException.InvalidParams, "invalid params: blockHash cannot be combined with fromBlock/toBlock");
            }
            ChainBlock block = chain.GetBlock(Params.ParseHash(blockHash, "blockHash"))
                ?? throw new RpcException(RpcException.ServerError, "unknown block");
            from = to = block.Header.Number;
        }
        else
        {
            from = filter.TryGetProperty("fromBlock", out JsonElement f) ? Params.ParseBlock(f, chain, "fromBlock") : chain.HeadNumber;
            to = filter.TryGetProperty("toBlock", out JsonElement t) ? Params.ParseBlock(t, chain, "toBlock") : chain.HeadNumber;
            if (from > to)
            {
                throw new RpcException(RpcException.InvalidParams, "invalid params: fromBlock is after toBlock");
            }
        }
        var addresses = new List<Address>();
        if (filter.TryGetProperty("address", out JsonElement address))
        {
            if (address.ValueKind == JsonValueKind.Array)
            {
                addresses.AddRange(address.EnumerateArray().Select(a => Params.ParseAddress(a, "address")));
            }
            else if (address.ValueKind != JsonValueKind.Null)
            {
                addresses.Add(Params.ParseAddress(address, "address"));
            }
        }
        var topics = new List<IReadOnlyCollection<Hash256>?>();
        if (filter.TryGetProperty("topics", out JsonElement topicList) && topicList.ValueKind != JsonValueKind.Null)
        {
            if (topicList.ValueKind != JsonValueKind.Array || topicList.GetArrayLength() > 4)
            {
                throw new RpcException(RpcException.InvalidParams, "invalid params: topics must be an array of at most 4 entries");
            }
            foreach (JsonElement position in topicList.EnumerateArray())
            {
                topics.Add(position.ValueKind switch
                {
                    JsonValueKind.Null => null,
                    JsonValueKind.Array => position.EnumerateArray().Select(h => Params.ParseHash(h, "topic")).ToHashSet(),
                    _ => new HashSet<Hash256> { Params.ParseHash(position, "topic") },
                });
            }
        }
        w.WriteStartArray();
        foreach (LogRecord log in chain.GetLogs(from, to, addresses, topics))
        {
            RpcJson.WriteLog(w, log);
        }
        w.WriteEndArray();
    }

    private void FeeHistory(Params args, Utf8JsonWriter w)
    {
        ulong count = args.Quantity(0, "block count").FitsInUInt64 ? args.Quantity(0, "block count").U0 : 1024;
        count = Math.Clamp(count, 1, 1024);
        ulong newest = args.Block(1, chain);
        double[] percentiles = args.OptionalPercentiles(2);
        ulong oldest = newest + 1 >= count ? newest + 1 - count : 0;

        var blocks = new List<ChainBlock>();
        for (ulong n = oldest; n <= newest; n++)
        {
            blocks.Add(chain.GetBlock(n)!);
        }
        w.WriteStartObject();
        w.WriteString("oldestBlock", Hex.Quantity(oldest));
        w.WriteStartArray("baseFeePerGas");
        foreach (ChainBlock block in blocks)
        {
            w.WriteStringValue(block.Header.BaseFee.ToHexString());
        }
        w.WriteStringValue(blocks[^1].Header.NextBaseFee().ToHexString());
        w.WriteEndArray();
        w.WriteStartArray("gasUsedRatio");
        foreach (ChainBlock block in blocks)
        {
            w.WriteNumberValue(block.Header.GasLimit == 0 ? 0 : (double)block.Header.GasUsed / block.Header.GasLimit);
        }
        w.WriteEndArray();
        w.WriteStartArray("baseFeePerBlobGas");
        foreach (ChainBlock block in blocks)
        {
            w.WriteStringValue(BasedAI.Evm.Execution.Gas.BlobBaseFee(block.Header.ExcessBlobGas).ToHexString());
        }
        w.WriteStringValue(BasedAI.Evm.Execution.Gas.BlobBaseFee(blocks[^1].Header.NextExcessBlobGas()).ToHexString());
        w.WriteEndArray();
        w.WriteStartArray("blobGasUsedRatio");
        foreach (ChainBlock block in blocks)
        {
            w.WriteNumberValue((double)block.Header.BlobGasUsed / (BasedAI.Evm.Execution.Gas.PerBlob * BasedAI.Evm.Execution.Gas.MaxBlobsPerBlock));
        }
        w.WriteEndArray();
        if (percentiles.Length > 0)
        {
            w.WriteStartArray("reward");
            foreach (ChainBlock block in blocks)
            {
                w.WriteStartArray();
                foreach (double percentile in percentiles)
                {
                    w.WriteStringValue(Reward(block, percentile).ToHexString());
                }
                w.WriteEndArray();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
    }

    /// <summary>The effective tip at a gas-weighted percentile of a block's transactions (0 for an empty block).</summary>
    private static UInt256 Reward(ChainBlock block, double percentile)
    {
        var tips = block.Receipts
            .Select(r => (Tip: r.EffectiveGasPrice - block.Header.BaseFee, r.GasUsed))
            .OrderBy(t => t.Tip)
            .ToList();
        if (tips.Count == 0)
        {
            return default;
        }
        double threshold = block.Header.GasUsed * percentile / 100;
        long cumulative = 0;
        foreach (var (tip, gasUsed) in tips)
        {
            cumulative += gasUsed;
            if (cumulative >= threshold)
            {
                return tip;
            }
        }
        return tips[^1].Tip;
    }
}
