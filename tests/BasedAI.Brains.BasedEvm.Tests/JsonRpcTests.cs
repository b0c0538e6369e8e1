using System.Text.Json;
using BasedAI.Abstractions;
using BasedAI.Evm.Execution;
using BasedAI.Evm.Numerics;
using BasedAI.Evm.Primitives;
using BasedAI.Evm.Transactions;
using Microsoft.Extensions.DependencyInjection;

namespace BasedAI.Brains.BasedEvm.Tests;

/// <summary>The template started through IBrainTemplate, driven over JSON-RPC on loopback like any Ethereum tool would.</summary>
public class JsonRpcTests
{
    private static readonly Hash256 SetTopic = Hash256.Keccak("Set(uint256)"u8);

    /// <summary>
    /// A storage contract: with ≥ 32 bytes of calldata it stores the first word in slot 0 and logs Set(x) (reverting for 0xdead);
    /// with less it returns slot 0.
    /// </summary>
    private static byte[] StorageRuntime() => new EvmAssembler()
        .Push(32).Op("CALLDATASIZE").Op("LT").PushLabel("get").Op("JUMPI")
        .Push(0).Op("CALLDATALOAD")
        .Op("DUP1").Push(0xdead).Op("EQ").PushLabel("revert").Op("JUMPI")
        .Op("DUP1").Push(0).Op("SSTORE")
        .Push(0).Op("MSTORE")
        .PushBytes(SetTopic.ToArray()).Push(32).Push(0).Op("LOG1")
        .Op("STOP")
        .Label("get").Op("JUMPDEST").Push(0).Op("SLOAD").Push(0).Op("MSTORE").Push(32).Push(0).Op("RETURN")
        .Label("revert").Op("JUMPDEST").PushBytes([0xde, 0xad]).Push(0).Op("MSTORE").Push(32).Push(0).Op("REVERT")
        .Build();

    private static string Hex(ReadOnlySpan<byte> bytes) => "0x" + Convert.ToHexStringLower(bytes);

    private static string Word(ulong value) => Hex(new UInt256(value).ToBigEndian());

    private static async Task<string> SendAsync(TemplateHarness node, ulong nonce, Address? to, byte[] data, ulong gas = 300_000)
    {
        var tx = new Transaction
        {
            Type = TransactionType.DynamicFee,
            ChainId = TemplateHarness.ChainId,
            Nonce = nonce,
            MaxPriorityFeePerGas = new UInt256(1_000_000_000),
            MaxFeePerGas = new UInt256(10_000_000_000),
            GasLimit = gas,
            To = to,
            Data = data,
        }.Sign(TemplateHarness.Key);
        return (await node.ResultAsync("eth_sendRawTransaction", Hex(tx.Encode()))).GetString()!;
    }

    [Fact]
    public async Task Deploy_transact_call_and_read_events_over_json_rpc()
    {
        await using TemplateHarness node = await TemplateHarness.StartAsync();
        Assert.Equal("0x539", (await node.ResultAsync("eth_chainId")).GetString());
        Assert.Equal("1337", (await node.ResultAsync("net_version")).GetString());
        Assert.StartsWith("BasedEVM/", (await node.ResultAsync("web3_clientVersion")).GetString());
        Assert.Equal("0x0", (await node.ResultAsync("eth_blockNumber")).GetString());
        Assert.Equal("0x3635c9adc5dea00000", (await node.ResultAsync("eth_getBalance", TemplateHarness.Sender.ToString(), "latest")).GetString());

        // Deploy.
        byte[] runtime = StorageRuntime();
        string deployHash = await SendAsync(node, 0, null, EvmAssembler.DeploymentCode(runtime));
        JsonElement deployReceipt = await node.ResultAsync("eth_getTransactionReceipt", deployHash);
        Assert.Equal("0x1", deployReceipt.GetProperty("status").GetString());
        string contract = deployReceipt.GetProperty("contractAddress").GetString()!;
        Assert.Equal(VirtualMachine.CreateAddress(TemplateHarness.Sender, 0).ToString(), contract);
        Assert.Equal(Hex(runtime), (await node.ResultAsync("eth_getCode", contract, "latest")).GetString());
        Assert.Equal("0x1", (await node.ResultAsync("eth_blockNumber")).GetString());

        // Transact: store 42 and emit Set(42).
        string setHash = await SendAsync(node, 1, Address.Parse(contract), new UInt256(42).ToBigEndian());
        JsonElement receipt = await node.ResultAsync("eth_getTransactionReceipt", setHash);
        Assert.Equal("0x1", receipt.GetProperty("status").GetString());
        Assert.Equal("0x2", receipt.GetProperty("blockNumber").GetString());
        JsonElement log = Assert.Single(receipt.GetProperty("logs").EnumerateArray());
        Assert.Equal(contract, log.GetProperty("address").GetString());
        Assert.Equal(SetTopic.ToString(), log.GetProperty("topics")[0].GetString());
        Assert.Equal(Word(42), log.GetProperty("data").GetString());
        // 21000 + calldata (31 zero bytes ·4 + 1 nonzero ·16) + execution (cold SSTORE 22100, LOG1 375+375+8·32, pushes etc.).
        long gasUsed = Convert.ToInt64(receipt.GetProperty("gasUsed").GetString(), 16);
        Assert.InRange(gasUsed, 21000 + 140 + 22100 + 1006, 21000 + 140 + 22100 + 1006 + 100);

        // Read back through storage and eth_call.
        Assert.Equal(Word(42), (await node.ResultAsync("eth_getStorageAt", contract, "0x0", "latest")).GetString());
        Assert.Equal(Word(42), (await node.ResultAsync("eth_call", new { to = contract, data = "0x" }, "latest")).GetString());
        // …and at the deployment block the slot was still empty.
        Assert.Equal(Word(0), (await node.ResultAsync("eth_getStorageAt", contract, "0x0", "0x1")).GetString());

        // Logs by address and topic.
        JsonElement logs = await node.ResultAsync("eth_getLogs", new { fromBlock = "0x0", toBlock = "latest", address = contract, topics = new[] { SetTopic.ToString() } });
        Assert.Equal(setHash, Assert.Single(logs.EnumerateArray()).GetProperty("transactionHash").GetString());
        Assert.Empty((await node.ResultAsync("eth_getLogs", new { fromBlock = "0x0", toBlock = "latest", topics = new[] { Hash256.Zero.ToString() } })).EnumerateArray());

        // Transaction and block lookups.
        JsonElement tx = await node.ResultAsync("eth_getTransactionByHash", setHash);
        Assert.Equal(TemplateHarness.Sender.ToString(), tx.GetProperty("from").GetString());
        Assert.Equal("0x2", tx.GetProperty("type").GetString());
        JsonElement block = await node.ResultAsync("eth_getBlockByNumber", "latest", true);
        Assert.Equal(setHash, block.GetProperty("transactions")[0].GetProperty("hash").GetString());
        Assert.Equal(receipt.GetProperty("blockHash").GetString(), block.GetProperty("hash").GetString());
        JsonElement byHash = await node.ResultAsync("eth_getBlockByHash", block.GetProperty("hash").GetString(), false);
        Assert.Equal(setHash, byHash.GetProperty("transactions")[0].GetString());
        Assert.Equal(JsonValueKind.Null, (await node.ResultAsync("eth_getBlockByNumber", "0x99", false)).ValueKind);
        Assert.Equal("0x2", (await node.ResultAsync("eth_getTransactionCount", TemplateHarness.Sender.ToString(), "latest")).GetString());
    }

    [Fact]
    public async Task Estimate_gas_is_the_least_that_succeeds()
    {
        await using TemplateHarness node = await TemplateHarness.StartAsync();
        await SendAsync(node, 0, null, EvmAssembler.DeploymentCode(StorageRuntime()));
        string contract = VirtualMachine.CreateAddress(TemplateHarness.Sender, 0).ToString();
        var call = new { from = TemplateHarness.Sender.ToString(), to = contract, data = Word(7) };
        long estimate = Convert.ToInt64((await node.ResultAsync("eth_estimateGas", call)).GetString(), 16);

        // One less fails (the SSTORE needs more than the 2300 stipend left), the estimate succeeds on chain.
        JsonElement tooLittle = await node.RequestAsync("eth_call", new { from = TemplateHarness.Sender.ToString(), to = contract, data = Word(7), gas = "0x" + (estimate - 1).ToString("x") }, "latest");
        Assert.True(tooLittle.TryGetProperty("error", out _));
        string hash = await SendAsync(node, 1, Address.Parse(contract), new UInt256(7).ToBigEndian(), (ulong)estimate);
        Assert.Equal("0x1", (await node.ResultAsync("eth_getTransactionReceipt", hash)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task Reverts_and_invalid_transactions_get_the_errors_clients_expect()
    {
        await using TemplateHarness node = await TemplateHarness.StartAsync();
        await SendAsync(node, 0, null, EvmAssembler.DeploymentCode(StorageRuntime()));
        string contract = VirtualMachine.CreateAddress(TemplateHarness.Sender, 0).ToString();

        // eth_call of a reverting call: code 3 with the revert data.
        JsonElement reverted = await node.RequestAsync("eth_call", new { to = contract, data = Word(0xdead) }, "latest");
        Assert.Equal(3, reverted.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(Word(0xdead), reverted.GetProperty("error").GetProperty("data").GetString());

        // A reverting transaction is mined with status 0.
        string hash = await SendAsync(node, 1, Address.Parse(contract), new UInt256(0xdead).ToBigEndian());
        Assert.Equal("0x0", (await node.ResultAsync("eth_getTransactionReceipt", hash)).GetProperty("status").GetString());

        // Reused nonce, wrong chain, bad signature, not enough gas, malformed RLP: -32000 with a specific message.
        await AssertServerErrorAsync(node, Sign(new Transaction { Type = TransactionType.DynamicFee, ChainId = TemplateHarness.ChainId, Nonce = 0, MaxFeePerGas = new UInt256(10_000_000_000), GasLimit = 21000, To = Address.Zero }), "nonce too low");
        await AssertServerErrorAsync(node, Sign(new Transaction { Type = TransactionType.DynamicFee, ChainId = 1, Nonce = 2, MaxFeePerGas = new UInt256(10_000_000_000), GasLimit = 21000, To = Address.Zero }), "invalid chain id");
        await AssertServerErrorAsync(node, Sign(new Transaction { Type = TransactionType.DynamicFee, ChainId = TemplateHarness.ChainId, Nonce = 2, MaxFeePerGas = new UInt256(10_000_000_000), GasLimit = 20000, To = Address.Zero }), "intrinsic gas too low");
        await AssertServerErrorAsync(node, Sign(new Transaction { Type = TransactionType.DynamicFee, ChainId = TemplateHarness.ChainId, Nonce = 2, MaxFeePerGas = UInt256.One, GasLimit = 21000, To = Address.Zero }), "max fee per gas less than block base fee");
        await AssertServerErrorAsync(node, Sign(new Transaction { Type = TransactionType.DynamicFee, ChainId = TemplateHarness.ChainId, Nonce = 2, MaxFeePerGas = new UInt256(10_000_000_000), GasLimit = 21000, To = Address.Zero, Value = UInt256.Parse("1000000000000000000000000") }), "insufficient funds");
        byte[] tampered = Sign(new Transaction { Type = TransactionType.DynamicFee, ChainId = TemplateHarness.ChainId, Nonce = 2, MaxFeePerGas = new UInt256(10_000_000_000), GasLimit = 21000, To = Address.Zero });
        tampered[^1] ^= 0xff; // corrupt s
        JsonElement badSignature = await node.RequestAsync("eth_sendRawTransaction", Hex(tampered));
        Assert.Equal(-32000, badSignature.GetProperty("error").GetProperty("code").GetInt32());
        await AssertServerErrorAsync(node, [0xf8, 0x01], "invalid transaction");
        Assert.Equal("0x2", (await node.ResultAsync("eth_blockNumber")).GetString());
    }

    private static byte[] Sign(Transaction tx) => tx.Sign(TemplateHarness.Key).Encode();

    private static async Task AssertServerErrorAsync(TemplateHarness node, byte[] raw, string expected)
    {
        JsonElement response = await node.RequestAsync("eth_sendRawTransaction", Hex(raw));
        JsonElement error = response.GetProperty("error");
        Assert.Equal(-32000, error.GetProperty("code").GetInt32());
        Assert.Contains(expected, error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Malformed_requests_get_standard_json_rpc_errors()
    {
        await using TemplateHarness node = await TemplateHarness.StartAsync();
        Assert.Equal(-32700, (await node.PostAsync("{not json")).GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(-32600, (await node.PostAsync("[]")).GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(-32600, (await node.PostAsync("{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"eth_chainId\"}")).GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(-32601, (await node.RequestAsync("eth_mine")).GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(-32602, (await node.RequestAsync("eth_getBalance", "0x1234")).GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(-32602, (await node.RequestAsync("eth_getBalance")).GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(-32602, (await node.RequestAsync("eth_getStorageAt", TemplateHarness.Sender.ToString(), "0xzz")).GetProperty("error").GetProperty("code").GetInt32());

        // A batch answers each call in order, errors included; notifications get no answer.
        JsonElement batch = await node.PostAsync(
            "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"eth_chainId\"},{\"jsonrpc\":\"2.0\",\"method\":\"eth_chainId\"},{\"jsonrpc\":\"2.0\",\"id\":\"b\",\"method\":\"nope\"}]");
        Assert.Equal(2, batch.GetArrayLength());
        Assert.Equal("0x539", batch[0].GetProperty("result").GetString());
        Assert.Equal("b", batch[1].GetProperty("id").GetString());
        Assert.Equal(-32601, batch[1].GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(JsonValueKind.Undefined, (await node.PostAsync("{\"jsonrpc\":\"2.0\",\"method\":\"eth_chainId\"}")).ValueKind);
    }

    [Fact]
    public async Task Random_request_bodies_always_get_a_json_rpc_answer()
    {
        await using TemplateHarness node = await TemplateHarness.StartAsync();
        var rpc = node.Services.GetRequiredService<JsonRpc.EthJsonRpc>();
        var random = new Random(1559);
        string[] fragments = ["{", "}", "[", "]", "\"jsonrpc\":\"2.0\"", "\"id\":1", "\"method\":", "\"eth_call\"", "\"eth_getLogs\"", "\"params\":",
            "[{\"to\":\"0x00\"}]", "null", "\"0x\"", "\"latest\"", ",", ":", "1e999", "\"eth_sendRawTransaction\"", "[\"0xf800\"]", "{\"topics\":[[[]]]}"];
        for (int i = 0; i < 2000; i++)
        {
            string body = string.Concat(Enumerable.Range(0, random.Next(1, 12)).Select(_ => fragments[random.Next(fragments.Length)]));
            byte[] response = rpc.Handle(System.Text.Encoding.UTF8.GetBytes(body));
            if (response.Length > 0)
            {
                using JsonDocument parsed = JsonDocument.Parse(response); // always well-formed JSON
            }
        }
    }

    [Fact]
    public async Task Development_accounts_sign_with_eth_sendTransaction()
    {
        await using TemplateHarness node = await TemplateHarness.StartAsync();
        JsonElement accounts = await node.ResultAsync("eth_accounts");
        Assert.Equal(TemplateHarness.Sender.ToString(), Assert.Single(accounts.EnumerateArray()).GetString());
        string hash = (await node.ResultAsync("eth_sendTransaction", new { from = TemplateHarness.Sender.ToString(), to = "0x000000000000000000000000000000000000bEEF", value = "0x64" })).GetString()!;
        JsonElement receipt = await node.ResultAsync("eth_getTransactionReceipt", hash);
        Assert.Equal("0x5208", receipt.GetProperty("gasUsed").GetString());
        Assert.Equal("0x64", (await node.ResultAsync("eth_getBalance", "0x000000000000000000000000000000000000beef", "latest")).GetString());
        JsonElement unknown = await node.RequestAsync("eth_sendTransaction", new { from = "0x000000000000000000000000000000000000beef", to = TemplateHarness.Sender.ToString() });
        Assert.Contains("unknown account", unknown.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fee_history_and_gas_price_follow_eip1559()
    {
        await using TemplateHarness node = await TemplateHarness.StartAsync();
        await SendAsync(node, 0, null, EvmAssembler.DeploymentCode(StorageRuntime()));
        JsonElement history = await node.ResultAsync("eth_feeHistory", "0x2", "latest", new[] { 50.0 });
        Assert.Equal("0x0", history.GetProperty("oldestBlock").GetString());
        Assert.Equal(3, history.GetProperty("baseFeePerGas").GetArrayLength());
        Assert.Equal("0x3b9aca00", history.GetProperty("baseFeePerGas")[0].GetString());
        // Block 1 used far less than half its gas limit, so the next base fee falls (EIP-1559).
        Assert.True(Convert.ToUInt64(history.GetProperty("baseFeePerGas")[2].GetString(), 16) < 1_000_000_000);
        Assert.Equal("0x3b9aca00", history.GetProperty("reward")[1][0].GetString()); // the 1 gwei tip paid
        ulong gasPrice = Convert.ToUInt64((await node.ResultAsync("eth_gasPrice")).GetString(), 16);
        Assert.Equal(Convert.ToUInt64(history.GetProperty("baseFeePerGas")[2].GetString(), 16) + 1_000_000_000, gasPrice);
    }

    [Fact]
    public async Task Compute_task_and_health_go_through_the_plugin_contract()
    {
        await using TemplateHarness node = await TemplateHarness.StartAsync();
        BrainTemplateDescription description = node.Template.Describe();
        Assert.Contains("evm", description.Capabilities);
        IComputeTask task = Assert.Single(node.Services.GetServices<IComputeTask>());
        Assert.Equal(Assert.Single(description.ComputeTasks), task.Name);
        WorkResult result = await task.ExecuteAsync(
            new WorkItem("1", task.Name, "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"eth_chainId\"}"u8.ToArray()), null, CancellationToken.None);
        using JsonDocument response = JsonDocument.Parse(result.Payload);
        Assert.Equal("0x539", response.RootElement.GetProperty("result").GetString());

        BrainHealth health = await node.Template.CheckHealthAsync(CancellationToken.None);
        Assert.Equal(BrainHealthStatus.Healthy, health.Status);
        Assert.Contains(node.Endpoint.ToString(), health.Description, StringComparison.Ordinal);
        await node.Template.StopAsync(CancellationToken.None);
        Assert.Equal(BrainHealthStatus.Unhealthy, (await node.Template.CheckHealthAsync(CancellationToken.None)).Status);
    }

    [Fact]
    public async Task Malformed_configuration_names_the_setting()
    {
        var error = await Assert.ThrowsAsync<FormatException>(() => TemplateHarness.StartAsync(new Dictionary<string, string?> { ["Port"] = "eighty" }));
        Assert.Contains("Port", error.Message, StringComparison.Ordinal);
        error = await Assert.ThrowsAsync<FormatException>(() => TemplateHarness.StartAsync(new Dictionary<string, string?>
        {
            ["Accounts:0:PrivateKey"] = "0x00",
            ["Accounts:0:Balance"] = "1",
        }));
        Assert.Contains("Accounts:0:PrivateKey", error.Message, StringComparison.Ordinal);
    }
}
