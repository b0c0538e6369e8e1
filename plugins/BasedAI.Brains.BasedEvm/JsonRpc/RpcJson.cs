using System.Text.Json;
using BasedAI.Evm.Primitives;
using BasedAI.Evm.Transactions;

namespace BasedAI.Brains.BasedEvm.JsonRpc;

/// <summary>The JSON shapes of blocks, transactions, receipts and logs, as Ethereum clients return them.</summary>
internal static class RpcJson
{
    public static void WriteBlock(Utf8JsonWriter w, ChainBlock block, bool fullTransactions)
    {
        BasedAI.Evm.Chain.BlockHeader h = block.Header;
        w.WriteStartObject();
        w.WriteString("number", Hex.Quantity(h.Number));
        w.WriteString("hash", block.Hash.ToString());
        w.WriteString("parentHash", h.ParentHash.ToString());
        w.WriteString("nonce", "0x0000000000000000");
        w.WriteString("sha3Uncles", h.OmmersHash.ToString());
        w.WriteString("logsBloom", Hex.Data(h.LogsBloom));
        w.WriteString("transactionsRoot", h.TransactionsRoot.ToString());
        w.WriteString("stateRoot", h.StateRoot.ToString());
        w.WriteString("receiptsRoot", h.ReceiptsRoot.ToString());
        w.WriteString("miner", h.Coinbase.ToString());
        w.WriteString("difficulty", "0x0");
        w.WriteString("totalDifficulty", "0x0");
        w.WriteString("extraData", Hex.Data(h.ExtraData));
        w.WriteString("size", Hex.Quantity((ulong)block.Size));
        w.WriteString("gasLimit", Hex.Quantity((ulong)h.GasLimit));
        w.WriteString("gasUsed", Hex.Quantity((ulong)h.GasUsed));
        w.WriteString("timestamp", Hex.Quantity(h.Timestamp));
        w.WriteString("mixHash", h.MixHash.ToString());
        w.WriteString("baseFeePerGas", h.BaseFee.ToHexString());
        w.WriteString("withdrawalsRoot", h.WithdrawalsRoot.ToString());
        w.WriteStartArray("withdrawals");
        w.WriteEndArray();
        w.WriteString("blobGasUsed", Hex.Quantity(h.BlobGasUsed));
        w.WriteString("excessBlobGas", Hex.Quantity(h.ExcessBlobGas));
        w.WriteString("parentBeaconBlockRoot", h.ParentBeaconBlockRoot.ToString());
        w.WriteStartArray("uncles");
        w.WriteEndArray();
        w.WriteStartArray("transactions");
        for (int i = 0; i < block.Transactions.Count; i++)
        {
            if (fullTransactions)
            {
                WriteTransaction(w, block.Transactions[i], block.Receipts[i].EffectiveGasPrice);
            }
            else
            {
                w.WriteStringValue(block.Transactions[i].Hash.ToString());
            }
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    public static void WriteTransaction(Utf8JsonWriter w, TransactionRecord record, BasedAI.Evm.Numerics.UInt256 effectiveGasPrice)
    {
        Transaction tx = record.Transaction;
        w.WriteStartObject();
        w.WriteString("hash", record.Hash.ToString());
        w.WriteString("type", Hex.Quantity((ulong)tx.Type));
        w.WriteString("blockHash", record.BlockHash.ToString());
        w.WriteString("blockNumber", Hex.Quantity(record.BlockNumber));
        w.WriteString("transactionIndex", Hex.Quantity((ulong)record.Index));
        w.WriteString("from", record.Sender.ToString());
        if (tx.To is Address to)
        {
            w.WriteString("to", to.ToString());
        }
        else
        {
            w.WriteNull("to");
        }
        w.WriteString("nonce", Hex.Quantity(tx.Nonce));
        w.WriteString("value", tx.Value.ToHexString());
        w.WriteString("gas", Hex.Quantity(tx.GasLimit));
        w.WriteString("gasPrice", effectiveGasPrice.ToHexString());
        w.WriteString("input", Hex.Data(tx.Data));
        if (tx.ChainId is ulong chainId)
        {
            w.WriteString("chainId", Hex.Quantity(chainId));
        }
        if (tx.Type is TransactionType.DynamicFee or TransactionType.Blob)
        {
            w.WriteString("maxFeePerGas", tx.MaxFeePerGas.ToHexString());
            w.WriteString("maxPriorityFeePerGas", tx.MaxPriorityFeePerGas.ToHexString());
        }
        if (tx.Type != TransactionType.Legacy)
        {
            w.WriteStartArray("accessList");
            foreach (AccessListItem item in tx.AccessList)
            {
                w.WriteStartObject();
                w.WriteString("address", item.Address.ToString());
                w.WriteStartArray("storageKeys");
                foreach (var key in item.StorageKeys)
                {
                    w.WriteStringValue(Hex.Data(key.ToBigEndian()));
                }
                w.WriteEndArray();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteString("yParity", tx.V.ToHexString());
        }
        w.WriteString("v", tx.V.ToHexString());
        w.WriteString("r", tx.R.ToHexString());
        w.WriteString("s", tx.S.ToHexString());
        w.WriteEndObject();
    }

    public static void WriteReceipt(Utf8JsonWriter w, ReceiptRecord receipt)
    {
        TransactionRecord record = receipt.Transaction;
        w.WriteStartObject();
        w.WriteString("transactionHash", record.Hash.ToString());
        w.WriteString("transactionIndex", Hex.Quantity((ulong)record.Index));
        w.WriteString("blockHash", record.BlockHash.ToString());
        w.WriteString("blockNumber", Hex.Quantity(record.BlockNumber));
        w.WriteString("from", record.Sender.ToString());
        if (record.Transaction.To is Address to)
        {
            w.WriteString("to", to.ToString());
        }
        else
        {
            w.WriteNull("to");
        }
        w.WriteString("cumulativeGasUsed", Hex.Quantity((ulong)receipt.Receipt.CumulativeGasUsed));
        w.WriteString("gasUsed", Hex.Quantity((ulong)receipt.GasUsed));
        w.WriteString("effectiveGasPrice", receipt.EffectiveGasPrice.ToHexString());
        if (receipt.ContractAddress is Address created)
        {
            w.WriteString("contractAddress", created.ToString());
        }
        else
        {
            w.WriteNull("contractAddress");
        }
        w.WriteStartArray("logs");
        foreach (LogRecord log in receipt.Logs)
        {
            WriteLog(w, log);
        }
        w.WriteEndArray();
        w.WriteString("logsBloom", Hex.Data(receipt.Receipt.Bloom.Bytes));
        w.WriteString("type", Hex.Quantity((ulong)record.Transaction.Type));
        w.WriteString("status", receipt.Receipt.Success ? "0x1" : "0x0");
        w.WriteEndObject();
    }

    public static void WriteLog(Utf8JsonWriter w, LogRecord log)
    {
        w.WriteStartObject();
        w.WriteString("address", log.Log.Address.ToString());
        w.WriteStartArray("topics");
        foreach (Hash256 topic in log.Log.Topics)
        {
            w.WriteStringValue(topic.ToString());
        }
        w.WriteEndArray();
        w.WriteString("data", Hex.Data(log.Log.Data));
        w.WriteString("blockNumber", Hex.Quantity(log.BlockNumber));
        w.WriteString("blockHash", log.BlockHash.ToString());
        w.WriteString("transactionHash", log.TransactionHash.ToString());
        w.WriteString("transactionIndex", Hex.Quantity((ulong)log.TransactionIndex));
        w.WriteString("logIndex", Hex.Quantity((ulong)log.LogIndex));
        w.WriteBoolean("removed", false);
        w.WriteEndObject();
    }
}
