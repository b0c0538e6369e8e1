using BasedAI.Evm.Execution;
using BasedAI.Evm.Rlp;
using BasedAI.Evm.StateTests;
using BasedAI.Evm.Transactions;
using BasedAI.Evm.Trie;

namespace BasedAI.Evm.Chain;

/// <summary>The consensus part of a transaction receipt (EIP-658 status, EIP-2718 typed envelope).</summary>
/// <param name="Type">The transaction's envelope type.</param>
/// <param name="Success">Status 1 (true) or 0.</param>
/// <param name="CumulativeGasUsed">Gas used in the block up to and including this transaction.</param>
/// <param name="Logs">The transaction's logs.</param>
public sealed record Receipt(TransactionType Type, bool Success, long CumulativeGasUsed, IReadOnlyList<LogEntry> Logs)
{
    /// <summary>The receipt's bloom filter.</summary>
    public Bloom Bloom { get; } = Bloom.Of(Logs);

    /// <summary>Canonical encoding: RLP list, prefixed with the type byte for typed transactions.</summary>
    public byte[] Encode()
    {
        var writer = new RlpWriter(300);
        if (Type != TransactionType.Legacy)
        {
            writer.WriteEncoded([(byte)Type]);
        }
        writer.StartList().WriteUInt64(Success ? 1UL : 0UL).WriteUInt64((ulong)CumulativeGasUsed).WriteBytes(Bloom.Bytes).StartList();
        foreach (LogEntry log in Logs)
        {
            StateTestRunner.WriteLog(writer, log);
        }
        return writer.EndList().EndList().ToArray();
    }
}

/// <summary>Roots of the index-keyed tries in block headers (transactions, receipts).</summary>
public static class OrderedTrie
{
    /// <summary>The root of a trie mapping RLP(i) to item i.</summary>
    public static Primitives.Hash256 Root(IEnumerable<byte[]> items)
    {
        PatriciaTrie trie = PatriciaTrie.Empty;
        ulong index = 0;
        foreach (byte[] item in items)
        {
            trie = trie.Put(new RlpWriter(9).WriteUInt64(index++).ToArray(), item);
        }
        return trie.RootHash;
    }
}
