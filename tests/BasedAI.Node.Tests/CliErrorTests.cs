namespace BasedAI.Node.Tests;

public class CliErrorTests
{
    [Fact]
    public async Task Commands_name_what_is_missing_with_the_right_exit_code()
    {
        string empty = Path.Combine(Path.GetTempPath(), "basedai-node-cli", Guid.NewGuid().ToString("N")[..12]);
        (int code, _, string error) = await Cli.RunAsync("devnet", "status", "--dir", empty);
        Assert.Equal(3, code);
        Assert.Contains("no devnet in", error);

        (code, _, error) = await Cli.RunAsync("devnet", "down", "--dir", empty);
        Assert.Equal(3, code);

        (code, _, error) = await Cli.RunAsync("prompt", "hello", "--brain", "0", "--node", "http://127.0.0.1:1/", "--model", Cli.Model);
        Assert.Equal(2, code);
        Assert.Contains("--bootstrap", error);

        (code, _, error) = await Cli.RunAsync("prompt", "hello", "--brain", "0", "--node", "http://127.0.0.1:1/", "--model", Cli.Model,
            "--bootstrap", "/ip4/127.0.0.1/tcp/1/p2p/12D3KooWSKRfxfvUVrtcaz7ckZyzeSPYzePWf5tocmGtjtuJPoHy");
        Assert.Equal(3, code);
        Assert.Contains("cannot reach the node", error);

        (code, _, error) = await Cli.RunAsync("devnet", "up", "--dir", empty, "--model", Path.Combine(empty, "missing.bin"));
        Assert.Equal(3, code);
        Assert.Contains("does not exist", error);
        Assert.False(Directory.Exists(empty) && Directory.EnumerateFileSystemEntries(empty).Any(), "a failed devnet up leaves nothing behind");

        (code, _, error) = await Cli.RunAsync("chain", "run", "--block-time", "soon", "--home", empty);
        Assert.Equal(2, code);
        Assert.Contains("--block-time 'soon'", error);

        (code, _, error) = await Cli.RunAsync("prompt", "hello", "--task", "secret", "--brain", "0", "--model", Cli.Model);
        Assert.NotEqual(0, code);
        Assert.Contains("secret", error);

        (code, _, error) = await Cli.RunAsync("devnet", "up", "--dir", empty, "--challenge-tokens", "5-2");
        Assert.Equal(2, code);
        Assert.Contains("--challenge-tokens '5-2'", error);

        (code, _, error) = await Cli.RunAsync("miner", "run", "--brain", "0", "--wallet", "nobody", "--wallet-path", empty, "--home", empty);
        Assert.Equal(3, code);
    }
}
