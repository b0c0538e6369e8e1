using System.CommandLine;
using System.Text.Json;
using BasedAI.Crypto;
using BasedAI.Host.Commands;
using BasedAI.Ledger.Node;

namespace BasedAI.Ledger.Tests;

/// <summary>The basedai ledger commands, in process, against a node on an ephemeral loopback port.</summary>
[Collection("processes")]
public sealed class CliTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "basedai-cli-" + Guid.NewGuid().ToString("N"));
    private LedgerNode _node = null!;

    public async Task InitializeAsync()
    {
        (Runtime.GenesisConfig genesis, byte[] authority) = DevGenesis.Create();
        _node = await LedgerNode.StartAsync(new LedgerNodeOptions
        {
            DataDirectory = Path.Combine(_root, "data"),
            Genesis = genesis,
            AuthorityKey = authority,
            Production = BlockProduction.Instant,
            RpcPort = 0,
        });
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private async Task<(int Code, string Out, string Error)> Run(params string[] args)
    {
        var root = new RootCommand("basedai");
        foreach (Command command in CommandModules.Create())
        {
            root.Subcommands.Add(command);
        }
        string[] common = ["--node", _node.RpcEndpoint!.ToString(), "--wallet-path", Path.Combine(_root, "wallets")];
        bool takesNode = args[0] is not ("yuma" or "node") && !(args[0] == "wallet" && args[1] is "create" or "import" or "list" or "export" or "new-computekey");
        bool takesWallet = args[0] is not ("yuma" or "node" or "stem") && !(args[0] == "brain" && args[1] is "list" or "show") && !(args[0] == "weights" && args[1] == "show") && !(args[0] == "gigabrain" && args[1] == "list");
        var full = args.Concat(takesNode ? common[..2] : []).Concat(takesWallet ? common[2..] : []).ToArray();
        TextWriter stdout = Console.Out, stderr = Console.Error;
        using var output = new StringWriter();
        using var error = new StringWriter();
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            int code = await root.Parse(full).InvokeAsync();
            return (code, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(stdout);
            Console.SetError(stderr);
        }
    }

    [Fact]
    public async Task A_dev_account_acquires_a_Brain_registers_a_validator_stakes_and_reads_the_stem()
    {
        File.WriteAllText(Path.Combine(_root, "pw"), "secret\n");
        string pw = Path.Combine(_root, "pw");
        Assert.Equal(0, (await Run("wallet", "import", "--wallet", "alice", "--mnemonic", DevGenesis.Mnemonic, "--password-file", pw, "--kdf", "light")).Code);
        Assert.Equal(0, (await Run("wallet", "create", "--wallet", "bob", "--password-file", pw, "--kdf", "light")).Code);
        string bob = JsonDocument.Parse((await Run("wallet", "list", "--json")).Out).RootElement.EnumerateArray().Single(w => w.GetProperty("wallet").GetString() == "bob").GetProperty("personalkey").GetString()!;

        Assert.Equal(0, (await Run("wallet", "transfer", "--wallet", "alice", "--to", bob, "--amount", "250.5", "--password-file", pw)).Code);
        var balance = JsonDocument.Parse((await Run("wallet", "balance", "--wallet", "bob", "--json")).Out).RootElement;
        Assert.Equal(250_500_000_000UL, balance.GetProperty("balance").GetUInt64());

        Assert.Equal(0, (await Run("brain", "acquire", "--wallet", "alice", "--brain-name", "Medical Records", "--password-file", pw)).Code);
        Assert.Equal(0, (await Run("memorize", "--wallet", "bob", "--brain", "0", "--role", "validator", "--password-file", pw)).Code);
        Assert.Equal(0, (await Run("stake", "add", "--wallet", "bob", "--brain", "0", "--amount", "100", "--password-file", pw)).Code);
        (int failed, string _, string _) = await Run("stake", "remove", "--wallet", "bob", "--brain", "0", "--amount", "1000", "--password-file", pw);
        Assert.Equal(ExitCodes.Failure, failed);

        JsonElement stem = JsonDocument.Parse((await Run("stem", "0", "--json")).Out).RootElement;
        JsonElement neuron = stem.GetProperty("neurons")[0];
        Assert.Equal("validator", neuron.GetProperty("role").GetString());
        Assert.Equal(100_000_000_000UL, neuron.GetProperty("stake").GetUInt64());
        Assert.Contains("Medical Records", (await Run("brain", "list")).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_password_fails_cleanly_and_bad_arguments_exit_2()
    {
        string pw = Path.Combine(_root, "pw2");
        File.WriteAllText(pw, "right");
        Assert.Equal(0, (await Run("wallet", "create", "--wallet", "carol", "--password-file", pw, "--kdf", "light")).Code);
        File.WriteAllText(pw, "wrong");
        (int code, string _, string error) = await Run("wallet", "transfer", "--wallet", "carol", "--to", "0x0000000000000000000000000000000000000001", "--amount", "1", "--password-file", pw);
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Contains("wrong password", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);

        (code, _, error) = await Run("wallet", "transfer", "--wallet", "carol", "--to", "0x0000000000000000000000000000000000000001", "--amount", "1.0000000001", "--password-file", pw);
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("at most 9 decimals", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Yuma_run_prints_every_epoch_and_rejects_bad_scenarios()
    {
        string scenario = Path.Combine(AppContext.BaseDirectory, "Scenarios", "test_bonds.json");
        (int code, string output, string _) = await Run("yuma", "run", scenario);
        Assert.Equal(0, code);
        JsonElement epochs = JsonDocument.Parse(output).RootElement.GetProperty("epochs");
        Assert.Equal(9, epochs.GetArrayLength());
        Assert.Equal(49998779UL, epochs[1].GetProperty("emission")[4].GetUInt64());

        string bad = Path.Combine(_root, "bad.json");
        Directory.CreateDirectory(_root);
        File.WriteAllText(bad, """{"blocks":[{"block":1,"actions":[{"set_weights":{"key":"a","uids":[70000],"values":[1]}}]}]}""");
        (code, _, string error) = await Run("yuma", "run", bad);
        Assert.Equal(ExitCodes.InvalidInput, code);
        Assert.Contains("$.blocks[0].actions[0].set_weights.uids[0]", error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Unavailable, (await Run("yuma", "run", Path.Combine(_root, "missing.json"))).Code);
    }
}
