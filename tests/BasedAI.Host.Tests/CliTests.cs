namespace BasedAI.Host.Tests;

public sealed class CliTests
{
    [Theory]
    [InlineData("--help")]
    [InlineData("run --help")]
    [InlineData("plugins --help")]
    [InlineData("plugins list --help")]
    [InlineData("plugins install --help")]
    [InlineData("plugins swap --help")]
    [InlineData("plugins remove --help")]
    [InlineData("plugins inspect --help")]
    public async Task Every_command_has_help(string arguments)
    {
        using var cli = new Cli();
        var (exitCode, output, _) = await cli.RunAsync(arguments.Split(' '));
        Assert.Equal(0, exitCode);
        Assert.Contains("Description:", output);
        Assert.Contains("Usage:", output);
    }

    [Fact]
    public async Task Configuration_layers_appsettings_then_environment_then_arguments_then_options()
    {
        using var cli = new Cli();
        string fromFile = Path.Combine(cli.Home, "from-file"), fromEnvironment = Path.Combine(cli.Home, "from-env"), fromOption = Path.Combine(cli.Home, "from-option");
        File.WriteAllText(Path.Combine(cli.Home, "appsettings.json"), $$"""{ "Host": { "PluginsDirectory": "{{fromFile}}" } }""");

        Assert.Contains($"0 plugin(s) in {fromFile}", (await cli.RunAsync("plugins", "list")).Out);
        var environment = new Dictionary<string, string> { ["BASEDAI_Host__PluginsDirectory"] = fromEnvironment };
        Assert.Contains($"0 plugin(s) in {fromEnvironment}", (await cli.RunAsync(["plugins", "list"], environment)).Out);
        Assert.Contains($"0 plugin(s) in {fromOption}", (await cli.RunAsync(["plugins", "list", "--plugins-dir", fromOption], environment)).Out);

        var json = await cli.RunAsync("run", "--no-watch", "--duration", "0.1", "--Logging:Format=json");
        Assert.Equal(0, json.ExitCode);
        Assert.Contains("\"Category\":\"BasedAI.Plugins.Hosting.PluginHostService\"", json.Error);
    }

    [Fact]
    public async Task Install_list_inspect_run_swap_and_remove_with_meaningful_exit_codes()
    {
        using var cli = new Cli();
        var install = await cli.RunAsync("plugins", "install", Cli.TestPlugin("Echo"));
        Assert.True(install.ExitCode == 0, install.Error);
        Assert.Contains("ran echo: basedai trial", install.Out);
        Assert.Contains("tests.echo@1.0.0 unloaded in", install.Out);
        Assert.Contains($"installed tests.echo 1.0.0 into {Path.Combine(cli.PluginsDirectory, "tests.echo")}", install.Out);

        var again = await cli.RunAsync("plugins", "install", Cli.TestPlugin("Echo"));
        Assert.Equal(1, again.ExitCode);
        Assert.Contains("use 'basedai plugins swap'", again.Error);

        var list = await cli.RunAsync("plugins", "list");
        Assert.Equal(0, list.ExitCode);
        Assert.Contains("tests.echo", list.Out);
        Assert.Contains("1.0.0", list.Out);

        var inspect = await cli.RunAsync("plugins", "inspect", "tests.echo", "--load");
        Assert.Equal(0, inspect.ExitCode);
        Assert.Contains("apiVersion:   1.0 (host implements 1.0: compatible)", inspect.Out);
        Assert.Contains("loaded: tasks [echo], health Healthy", inspect.Out);

        var run = await cli.RunAsync("run", "--count", "300", "--no-watch", "--Plugins:tests.echo:Prefix=cfg:");
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("300 succeeded, 0 failed", run.Out);
        Assert.Contains("versions that served: 1.0.0 x300", run.Out);
        Assert.Contains("result: cfg:hello from basedai", run.Out);
        Assert.Contains("Plugin host stopped; 0 leaked load context(s)", run.Error);

        string v2 = cli.PluginCopy("Echo", "echo-v2", m => m["version"] = "2.0.0");
        var swap = await cli.RunAsync("plugins", "swap", "tests.echo", v2);
        Assert.True(swap.ExitCode == 0, swap.Error);
        Assert.Contains("swapped tests.echo 1.0.0 -> 2.0.0", swap.Out);
        Assert.Contains("2.0.0", (await cli.RunAsync("plugins", "list")).Out);

        var wrongId = await cli.RunAsync("plugins", "swap", "tests.other", v2);
        Assert.Equal(1, wrongId.ExitCode);
        Assert.Contains("plugin ids are immutable", wrongId.Error);

        Assert.Equal(0, (await cli.RunAsync("plugins", "remove", "tests.echo")).ExitCode);
        var missing = await cli.RunAsync("plugins", "remove", "tests.echo");
        Assert.Equal(3, missing.ExitCode);
        Assert.Contains("no plugin with id 'tests.echo' is installed", missing.Error);
    }

    [Fact]
    public async Task Bad_plugins_are_refused_with_the_reason_and_nothing_is_installed()
    {
        using var cli = new Cli();
        string invalid = cli.PluginCopy("Echo", "invalid", m => { m["id"] = "Bad Id"; m.Remove("entry"); });
        var result = await cli.RunAsync("plugins", "install", invalid);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("$.id: value does not match the pattern", result.Error);
        Assert.Contains("(rule: pattern)", result.Error);
        Assert.Contains("$.entry: required property 'entry' is missing (rule: required)", result.Error);

        var throws = await cli.RunAsync("plugins", "install", Cli.TestPlugin("Faulty"));
        Assert.Equal(1, throws.ExitCode);
        Assert.Contains("ConstructorThrows constructor threw InvalidOperationException: constructor refuses to run", throws.Error);

        var missing = await cli.RunAsync("plugins", "install", Path.Combine(cli.Home, "nowhere"));
        Assert.Equal(3, missing.ExitCode);

        var list = await cli.RunAsync("plugins", "list");
        Assert.Contains("0 plugin(s)", list.Out);
    }

    [Fact]
    public async Task A_running_host_hot_swaps_when_a_new_version_is_installed_by_command_and_rolls_back_a_bad_one()
    {
        using var cli = new Cli();
        Assert.Equal(0, (await cli.RunAsync("plugins", "install", Cli.TestPlugin("Echo"))).ExitCode);
        using var host = cli.Start(["run", "--duration", "120", "--Host:WatchDebounce=00:00:00.200"]);
        var output = new OutputWatcher(host);
        try
        {
            await output.WaitForAsync("serving 1 plugin(s)", TimeSpan.FromSeconds(30));

            string v2 = cli.PluginCopy("Echo", "echo-v2", m => m["version"] = "2.0.0");
            Assert.Equal(0, (await cli.RunAsync("plugins", "swap", "tests.echo", v2)).ExitCode);
            await output.WaitForAsync("Hot swapped tests.echo 1.0.0 -> 2.0.0", TimeSpan.FromSeconds(30));
            await output.WaitForAsync("tests.echo@1.0.0 unloaded in", TimeSpan.FromSeconds(10));

            // A broken version dropped straight into the watched folder fails the host's own gate: rolled back, 2.0.0 keeps serving.
            string broken = cli.PluginCopy("Faulty", "broken", m => { m["id"] = "tests.echo"; m["version"] = "3.0.0"; m["entry"]!["type"] = "BasedAI.TestPlugins.Faulty.StartThrows"; });
            foreach (string file in Directory.GetFiles(broken))
            {
                File.Copy(file, Path.Combine(cli.PluginsDirectory, "tests.echo", Path.GetFileName(file)), overwrite: true);
            }
            await output.WaitForAsync("rolled back, tests.echo@2.0.0 keeps serving", TimeSpan.FromSeconds(30));

            // Ctrl+C stops the host cleanly: every plugin drained and unloaded.
            Assert.Equal(0, Signals.Interrupt(host.Id));
            await host.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal(0, host.ExitCode);
            await output.WaitForAsync("Plugin host stopped; 0 leaked load context(s)", TimeSpan.FromSeconds(5));
        }
        finally
        {
            if (!host.HasExited)
            {
                host.Kill(entireProcessTree: true);
            }
        }
    }
}

internal static partial class Signals
{
    /// <summary>Sends SIGINT, as Ctrl+C in a terminal does.</summary>
    public static int Interrupt(int processId) => Kill(processId, 2);

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);
}
