using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using BasedAI.Evm.Execution;
using BasedAI.Evm.Numerics;
using BasedAI.Evm.Primitives;
using BasedAI.Evm.Rlp;
using BasedAI.Evm.State;
using BasedAI.Evm.Transactions;

namespace BasedAI.Evm.StateTests;

/// <summary>The outcome of one state-test case (one post entry of one fork).</summary>
/// <param name="File">The test file.</param>
/// <param name="Name">Test name and indexes, e.g. <c>add11[d0,g0,v0]</c>.</param>
/// <param name="Fork">The fork the case is filled for.</param>
/// <param name="Passed">True when the post-state root and logs hash match (or an expected rejection happened).</param>
/// <param name="Reason">Why it failed, or a short note.</param>
/// <param name="Elapsed">Execution time of the case.</param>
public sealed record StateTestCaseResult(string File, string Name, string Fork, bool Passed, string? Reason, TimeSpan Elapsed);

/// <summary>
/// Runs GeneralStateTests-format files: for each post entry of the requested fork, applies the indexed transaction to the
/// pre-state as a single-transaction block (no block reward) and compares the state root and keccak(RLP(logs)).
/// A case with <c>expectException</c> passes when the transaction is rejected and the state is unchanged.
/// </summary>
public static class StateTestRunner
{
    /// <summary>The only fork this engine implements.</summary>
    public const string DefaultFork = "Cancun";

    /// <summary>Runs every case of <paramref name="fork"/> in one file. Malformed files yield one failed case naming the problem.</summary>
    public static IReadOnlyList<StateTestCaseResult> RunFile(string path, string fork = DefaultFork)
    {
        var results = new List<StateTestCaseResult>();
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            results.Add(new StateTestCaseResult(path, "(file)", fork, false, $"malformed JSON: {e.Message}", TimeSpan.Zero));
            return results;
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                results.Add(new StateTestCaseResult(path, "(file)", fork, false, "not a state test: the top level must be an object of tests", TimeSpan.Zero));
                return results;
            }
            foreach (JsonProperty test in document.RootElement.EnumerateObject())
            {
                try
                {
                    RunTest(path, test.Name, test.Value, fork, results);
                }
                catch (Exception e) when (e is FormatException or KeyNotFoundException or InvalidOperationException or OverflowException or ArgumentException)
                {
                    results.Add(new StateTestCaseResult(path, test.Name, fork, false, $"malformed test: {e.Message}", TimeSpan.Zero));
                }
            }
        }
        return results;
    }

    private static void RunTest(string path, string name, JsonElement test, string fork, List<StateTestCaseResult> results)
    {
        if (!test.TryGetProperty("post", out JsonElement post) || !post.TryGetProperty(fork, out JsonElement cases))
        {
            return;
        }
        JsonElement env = Required(test, "env");
        JsonElement pre = Required(test, "pre");
        JsonElement transaction = Required(test, "transaction");
        BlockContext block = ReadEnvironment(env);
        WorldState preState = ReadPreState(pre);
        Hash256 preRoot = preState.StateRoot;

        foreach (JsonElement entry in cases.EnumerateArray())
        {
            JsonElement indexes = Required(entry, "indexes");
            int d = Required(indexes, "data").GetInt32(), g = Required(indexes, "gas").GetInt32(), v = Required(indexes, "value").GetInt32();
            string caseName = $"{name}[d{d},g{g},v{v}]";
            var stopwatch = Stopwatch.StartNew();
            string? failure = RunCase(preState, preRoot, block, transaction, entry, d, g, v);
            results.Add(new StateTestCaseResult(path, caseName, fork, failure is null, failure, stopwatch.Elapsed));
        }
    }

    private static string? RunCase(WorldState preState, Hash256 preRoot, BlockContext block, JsonElement json, JsonElement entry, int d, int g, int v)
    {
        Hash256 expectedRoot = Hash256.Parse(Required(entry, "hash").GetString()!);
        Hash256 expectedLogs = Hash256.Parse(Required(entry, "logs").GetString()!);
        string? expectedException = entry.TryGetProperty("expectException", out JsonElement ex) ? ex.GetString() : null;
        CaseExecution execution = Execute(preState, preRoot, block, json, entry, d, g, v);

        if (expectedException is not null && execution.Rejection is null)
        {
            return $"expected {expectedException} but the transaction was accepted";
        }
        if (expectedException is null && execution.Rejection is not null)
        {
            return $"transaction rejected ({execution.Rejection}) but the test expects it to be valid";
        }
        if (execution.Root != expectedRoot)
        {
            return $"state root {execution.Root} != expected {expectedRoot}";
        }
        if (execution.LogsHash != expectedLogs)
        {
            return $"logs hash {execution.LogsHash} != expected {expectedLogs} ({execution.Result?.Logs.Count ?? 0} logs)";
        }
        return null;
    }

    /// <summary>What running one case produced: roots, the transaction result, or why the transaction was rejected.</summary>
    internal sealed record CaseExecution(Hash256 Root, Hash256 LogsHash, TransactionResult? Result, string? Rejection);

    /// <summary>Runs the first post entry of every test in a file (for differential checks that compare more than roots).</summary>
    internal static IEnumerable<(string Name, JsonElement Entry, CaseExecution Execution)> ExecuteFile(JsonDocument document, string fork = DefaultFork)
    {
        foreach (JsonProperty test in document.RootElement.EnumerateObject())
        {
            BlockContext block = ReadEnvironment(Required(test.Value, "env"));
            WorldState preState = ReadPreState(Required(test.Value, "pre"));
            Hash256 preRoot = preState.StateRoot;
            JsonElement entry = Required(Required(test.Value, "post"), fork)[0];
            JsonElement indexes = Required(entry, "indexes");
            yield return (test.Name, entry, Execute(preState, preRoot, block, Required(test.Value, "transaction"), entry,
                Required(indexes, "data").GetInt32(), Required(indexes, "gas").GetInt32(), Required(indexes, "value").GetInt32()));
        }
    }

    private static CaseExecution Execute(WorldState preState, Hash256 preRoot, BlockContext block, JsonElement json, JsonElement entry, int d, int g, int v)
    {
        // The signed encoding must decode strictly and re-encode to the same bytes; a malformed one means a rejected transaction.
        string? decodeError = null;
        if (entry.TryGetProperty("txbytes", out JsonElement txBytes))
        {
            decodeError = CheckEncoding(Convert.FromHexString(txBytes.GetString()!.AsSpan(2)));
        }
        Transaction? tx = BuildTransaction(json, d, g, v, out string? buildError);
        Address sender = Address.Parse(Required(json, "sender").GetString()!);
        string? rejection = decodeError ?? buildError;
        if (rejection is not null || tx is null)
        {
            return new CaseExecution(preRoot, LogsHash([]), null, rejection);
        }
        WorldState state = preState.Clone();
        TransactionResult result = TransactionProcessor.Execute(state, block, tx, sender, block.GasLimit);
        return result.IsValid
            ? new CaseExecution(state.StateRoot, LogsHash(result.Logs), result, null)
            : new CaseExecution(preRoot, LogsHash([]), null, result.Error.ToString());
    }

    /// <summary>keccak(RLP([[address, [topics…], data], …])).</summary>
    public static Hash256 LogsHash(IReadOnlyList<LogEntry> logs)
    {
        var writer = new RlpWriter();
        writer.StartList();
        foreach (LogEntry log in logs)
        {
            WriteLog(writer, log);
        }
        writer.EndList();
        return Hash256.Keccak(writer.WrittenSpan);
    }

    internal static void WriteLog(RlpWriter writer, LogEntry log)
    {
        writer.StartList().WriteAddress(log.Address).StartList();
        foreach (Hash256 topic in log.Topics)
        {
            writer.WriteHash(topic);
        }
        writer.EndList().WriteBytes(log.Data).EndList();
    }

    private static string? CheckEncoding(byte[] encoded)
    {
        try
        {
            Transaction decoded = Transaction.Decode(encoded);
            return decoded.Encode().AsSpan().SequenceEqual(encoded) ? null : "RLP_INVALID_VALUE (encoding is not canonical)";
        }
        catch (RlpException e)
        {
            return $"RLP_INVALID_VALUE ({e.Message})";
        }
    }

    private static Transaction? BuildTransaction(JsonElement json, int d, int g, int v, out string? error)
    {
        error = null;
        if (!TryQuantity(Required(json, "gasLimit")[g], out UInt256 gasLimit) || !gasLimit.FitsInUInt64)
        {
            error = "gas limit exceeds 64 bits";
            return null;
        }
        if (!TryQuantity(Required(json, "value")[v], out UInt256 value))
        {
            error = "value exceeds 256 bits";
            return null;
        }
        var fees = new Dictionary<string, UInt256>();
        foreach (string field in new[] { "gasPrice", "maxFeePerGas", "maxPriorityFeePerGas", "maxFeePerBlobGas" })
        {
            if (json.TryGetProperty(field, out JsonElement element))
            {
                if (!TryQuantity(element, out UInt256 fee))
                {
                    error = $"{field} exceeds 256 bits";
                    return null;
                }
                fees[field] = fee;
            }
        }
        string toText = Required(json, "to").GetString() ?? "";
        Address? to = toText.Length == 0 ? null : Address.Parse(toText);

        List<AccessListItem>? accessList = null;
        if (json.TryGetProperty("accessLists", out JsonElement lists) && lists[d].ValueKind == JsonValueKind.Array)
        {
            accessList = [];
            foreach (JsonElement item in lists[d].EnumerateArray())
            {
                accessList.Add(new AccessListItem(
                    Address.Parse(Required(item, "address").GetString()!),
                    Required(item, "storageKeys").EnumerateArray().Select(k => UInt256.Parse(k.GetString()!)).ToList()));
            }
        }
        List<Hash256>? blobHashes = json.TryGetProperty("blobVersionedHashes", out JsonElement blobs)
            ? blobs.EnumerateArray().Select(h => Hash256.Parse(h.GetString()!)).ToList()
            : null;

        TransactionType type = blobHashes is not null ? TransactionType.Blob
            : fees.ContainsKey("maxFeePerGas") ? TransactionType.DynamicFee
            : accessList is not null ? TransactionType.AccessList
            : TransactionType.Legacy;

        return new Transaction
        {
            Type = type,
            ChainId = 1,
            Nonce = UInt256.Parse(Required(json, "nonce").GetString()!).ToUInt64(),
            GasPrice = fees.GetValueOrDefault("gasPrice"),
            MaxFeePerGas = fees.GetValueOrDefault("maxFeePerGas"),
            MaxPriorityFeePerGas = fees.GetValueOrDefault("maxPriorityFeePerGas"),
            MaxFeePerBlobGas = fees.GetValueOrDefault("maxFeePerBlobGas"),
            GasLimit = gasLimit.U0,
            To = to,
            Value = value,
            Data = Hex(Required(json, "data")[d].GetString()!),
            AccessList = accessList ?? [],
            BlobVersionedHashes = blobHashes ?? [],
        };
    }

    private static BlockContext ReadEnvironment(JsonElement env)
    {
        UInt256 number = Quantity(Required(env, "currentNumber"));
        return new BlockContext
        {
            Coinbase = Address.Parse(Required(env, "currentCoinbase").GetString()!),
            Number = number.ToUInt64(),
            Timestamp = Quantity(Required(env, "currentTimestamp")).ToUInt64(),
            GasLimit = (long)Quantity(Required(env, "currentGasLimit")).ToUInt64(),
            // Retesteth's default when the environment has no base fee.
            BaseFee = env.TryGetProperty("currentBaseFee", out JsonElement baseFee) ? Quantity(baseFee) : new UInt256(10),
            PrevRandao = env.TryGetProperty("currentRandom", out JsonElement random) ? Quantity(random) : Quantity(Required(env, "currentDifficulty")),
            ExcessBlobGas = env.TryGetProperty("currentExcessBlobGas", out JsonElement excess) ? Quantity(excess).ToUInt64() : 0,
            ChainId = 1,
            BlockHashes = TestBlockHash,
        };
    }

    /// <summary>The block hashes state tests assume: keccak of the block number written in decimal.</summary>
    public static Hash256 TestBlockHash(ulong number) => Hash256.Keccak(Encoding.ASCII.GetBytes(number.ToString(CultureInfo.InvariantCulture)));

    private static WorldState ReadPreState(JsonElement pre)
    {
        var state = new WorldState();
        foreach (JsonProperty account in pre.EnumerateObject())
        {
            var storage = new List<KeyValuePair<UInt256, UInt256>>();
            if (account.Value.TryGetProperty("storage", out JsonElement slots))
            {
                foreach (JsonProperty slot in slots.EnumerateObject())
                {
                    storage.Add(new(UInt256.Parse(slot.Name), Quantity(slot.Value)));
                }
            }
            state.SetAccount(
                Address.Parse(account.Name),
                Quantity(Required(account.Value, "nonce")).ToUInt64(),
                Quantity(Required(account.Value, "balance")),
                Hex(Required(account.Value, "code").GetString()!),
                storage);
        }
        return state;
    }

    private static JsonElement Required(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) ? value : throw new KeyNotFoundException($"missing '{name}'");

    private static UInt256 Quantity(JsonElement element) =>
        TryQuantity(element, out UInt256 value) ? value : throw new FormatException($"'{element}' is not a 256-bit quantity");

    /// <summary>Reads a hex quantity; false for values beyond 256 bits (tests write those as "0x:bigint 0x…").</summary>
    private static bool TryQuantity(JsonElement element, out UInt256 value)
    {
        string text = element.GetString() ?? "";
        if (text.StartsWith("0x:bigint ", StringComparison.Ordinal))
        {
            text = text["0x:bigint ".Length..];
        }
        return UInt256.TryParse(text, out value);
    }

    private static byte[] Hex(string text)
    {
        ReadOnlySpan<char> hex = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text.AsSpan(2) : text.AsSpan();
        return Convert.FromHexString(hex);
    }
}
