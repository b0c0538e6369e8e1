using System.CommandLine;
using System.Globalization;
using System.Reflection;
using BasedAI.Crypto;
using BasedAI.Generation;
using BasedAI.Host.Hosting;
using BasedAI.Node;
using BasedAI.Node.Roles;
using BasedAI.Plugins.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BasedAI.Host.Commands;

/// <summary>
/// The network hosts: <c>chain run</c> (the chain on libp2p: the dev block producer, or a follower), <c>miner run</c> and
/// <c>validator run</c> (a follower plus the role). Each runs until Ctrl+C or SIGTERM; state lives in <c>--home</c>.
/// </summary>
internal static class NetworkCommands
{
    public static IEnumerable<Command> Create()
    {
        yield return ChainCommand();
        yield return RoleCommand("miner", "Run a miner: follow the chain and serve the Brain's task (the plugin the Brain names, from <home>/plugins) over brainport");
        yield return RoleCommand("validator", "Run a validator: follow the chain, challenge the Brain's miners with prompts whose answers it computes itself, set weights each tempo");
    }

    private static readonly Option<string> ListenOption = new("--listen")
    {
        Description = "libp2p listen address",
        DefaultValueFactory = _ => "/ip4/127.0.0.1/tcp/0",
    };

    private static readonly Option<string[]> BootstrapOption = new("--bootstrap")
    {
        Description = "Peer to join through, /ip4/…/tcp/…/p2p/… (repeatable; default $BASEDAI_BOOTSTRAP, comma-separated)",
        AllowMultipleArgumentsPerToken = true,
    };

    private static readonly Option<string> WalletPathOption = new("--wallet-path")
    {
        Description = "Folder of wallets (default $BASEDAI_WALLET_PATH or ~/.basedai/wallets)",
        DefaultValueFactory = _ => WalletStore.DefaultRoot,
    };

    private static readonly Option<FileInfo?> PasswordFileOption = new("--password-file")
    {
        Description = "File holding the wallet password (else $BASEDAI_PASSWORD)",
    };

    private static Command ChainCommand()
    {
        var chain = new Command("chain", "The chain on the network");
        var home = HostOptionsBinding.Home();
        var produce = new Option<bool>("--produce") { Description = "Seal blocks with the dev authority key (the devnet's block producer); without it the host follows the network" };
        var blockTime = new Option<string>("--block-time") { Description = "Time between blocks when producing (10s, 500ms)", DefaultValueFactory = _ => "10s" };
        var rpcPort = new Option<int>("--rpc-port") { Description = "JSON-RPC port on 127.0.0.1 (0 = any free port)", DefaultValueFactory = _ => 9944 };
        var run = new Command("run", "Run a chain host: the dev chain in <home>/ledger, block and extrinsic gossip, sync, the peer directory, JSON-RPC")
        {
            home, produce, blockTime, ListenOption, BootstrapOption, rpcPort,
        };
        run.TreatUnmatchedTokensAsErrors = false;
        run.SetHandler((parse, token) =>
        {
            IConfigurationRoot configuration = HostOptionsBinding.Configuration(parse, home, HostOptionsBinding.PluginsDirectory());
            var options = new NodeOptions
            {
                Home = HostConfiguration.Home(configuration),
                Role = "chain",
                Produce = parse.GetValue(produce),
                BlockTime = ParseDuration(parse.GetValue(blockTime)!, "--block-time"),
                ListenAddress = parse.GetValue(ListenOption)!,
                Bootstrap = Bootstrap(parse),
                RpcPort = parse.GetValue(rpcPort),
            };
            return RunHostAsync(configuration, options, (_, _) => { }, token);
        });
        chain.Subcommands.Add(run);
        return chain;
    }

    private static Command RoleCommand(string role, string description)
    {
        var group = new Command(role, role == "miner" ? "Serve a Brain's task as a miner" : "Validate a Brain's miners");
        var home = HostOptionsBinding.Home();
        var brain = new Option<ushort>("--brain", "-b") { Description = "Brain number", Required = true };
        var wallet = new Option<string>("--wallet", "-w") { Description = "Wallet whose computekey is registered on the Brain", Required = true };
        var computekey = new Option<string>("--computekey", "-c") { Description = "Computekey name inside the wallet", DefaultValueFactory = _ => "default" };
        var rpcPort = new Option<int>("--rpc-port") { Description = "JSON-RPC port of this host's chain on 127.0.0.1 (0 = any free port)", DefaultValueFactory = _ => 0 };
        var run = new Command("run", description) { home, brain, wallet, computekey, WalletPathOption, PasswordFileOption, ListenOption, BootstrapOption, rpcPort };
        var taskPlugin = new Option<string?>("--task-plugin") { Description = "Plugin serving the task when the Brain names none on chain (default: the only one loaded)" };
        var model = new Option<string>("--model") { Description = "The model the Brain serves (llama2.c .bin or Hugging Face folder): the validator computes expected answers with it", Required = true };
        var interval = new Option<string>("--challenge-interval") { Description = "Time between challenge rounds", DefaultValueFactory = _ => "10s" };
        var tokens = new Option<string>("--tokens") { Description = "Tokens per challenge, MIN-MAX", DefaultValueFactory = _ => "4-8" };
        var task = TaskOption("The task the challenges call, as users do: encrypted (CKKS hybrid ZK-LLM) or plain");
        if (role == "miner")
        {
            run.Options.Add(taskPlugin);
            run.TreatUnmatchedTokensAsErrors = false; // --Plugins:<id>:Key=value configure the task plugin
        }
        else
        {
            run.Options.Add(model);
            run.Options.Add(interval);
            run.Options.Add(tokens);
            run.Options.Add(task);
        }
        run.SetHandler(async (parse, token) =>
        {
            IConfigurationRoot configuration = HostOptionsBinding.Configuration(parse, home, HostOptionsBinding.PluginsDirectory());
            var store = new WalletStore(parse.GetValue(WalletPathOption)!);
            if (!store.Exists(parse.GetValue(wallet)!))
            {
                throw new DirectoryNotFoundException($"wallet '{parse.GetValue(wallet)}' does not exist in {store.Root} (create it with `basedai wallet create`)");
            }
            byte[] key = store.UnlockComputekey(parse.GetValue(wallet)!, parse.GetValue(computekey)!, ReadPassword(parse));
            try
            {
                var options = new NodeOptions
                {
                    Home = HostConfiguration.Home(configuration),
                    Role = role,
                    ListenAddress = parse.GetValue(ListenOption)!,
                    Bootstrap = Bootstrap(parse),
                    RpcPort = parse.GetValue(rpcPort),
                };
                if (role == "miner")
                {
                    var miner = new MinerOptions { Brain = parse.GetValue(brain), Computekey = key, TaskPlugin = parse.GetValue(taskPlugin) };
                    return await RunHostAsync(configuration, options, (services, _) =>
                    {
                        services.AddSingleton(miner);
                        services.AddSingleton<MinerService>();
                        services.AddHostedService(p => p.GetRequiredService<MinerService>());
                    }, token);
                }
                (int minTokens, int maxTokens) = ParseRange(parse.GetValue(tokens)!);
                string modelPath = parse.GetValue(model)!;
                if (!File.Exists(modelPath) && !Directory.Exists(modelPath))
                {
                    throw new FileNotFoundException($"model {modelPath} does not exist");
                }
                var validator = new ValidatorOptions
                {
                    Brain = parse.GetValue(brain),
                    Computekey = key,
                    Model = modelPath,
                    ChallengeInterval = ParseDuration(parse.GetValue(interval)!, "--challenge-interval"),
                    MinTokens = minTokens,
                    MaxTokens = maxTokens,
                    Mode = LlmTaskClients.ParseMode(parse.GetValue(task)!),
                };
                return await RunHostAsync(configuration, options, (services, _) =>
                {
                    services.AddSingleton(validator);
                    services.AddSingleton<ValidatorService>();
                    services.AddHostedService(p => p.GetRequiredService<ValidatorService>());
                }, token);
            }
            finally
            {
                System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
            }
        });
        group.Subcommands.Add(run);
        return group;
    }

    // The generic host: plugin runtime (for a miner's task), then the chain host, then the role; stopped in reverse order.
    private static async Task<int> RunHostAsync(IConfigurationRoot configuration, NodeOptions options, Action<IServiceCollection, IConfiguration> addRole, CancellationToken token)
    {
        Directory.CreateDirectory(options.Home);
        using IHost host = BasedAIHost.Build(configuration, services =>
        {
            services.AddSingleton(options);
            services.AddSingleton(provider => new ChainHost(options, provider.GetRequiredService<ILoggerFactory>()));
            services.AddHostedService(provider => provider.GetRequiredService<ChainHost>());
            addRole(services, configuration);
        });
        try
        {
            await host.StartAsync(token);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            await host.StopAsync(CancellationToken.None);
            throw;
        }
        ChainHost chain = host.Services.GetRequiredService<ChainHost>();
        if (options.Role == "chain")
        {
            chain.WriteNodeFile();
        }
        Console.WriteLine($"{options.Role} host {chain.Peer.PeerId} on {string.Join(", ", chain.DialableAddresses)}; JSON-RPC {chain.Ledger.RpcEndpoint?.ToString() ?? "off"}; state in {options.Home}");
        try
        {
            await Task.Delay(Timeout.Infinite, token).ContinueWith(_ => { }, TaskScheduler.Default);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
        return ExitCodes.Success;
    }

    internal static IReadOnlyList<string> Bootstrap(ParseResult parse)
    {
        string[] given = parse.GetValue(BootstrapOption) ?? [];
        if (given.Length > 0)
        {
            return given;
        }
        return Environment.GetEnvironmentVariable("BASEDAI_BOOTSTRAP") is { Length: > 0 } text
            ? text.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : [];
    }

    internal static Option<string[]> BootstrapOptionFor => BootstrapOption;

    private static string ReadPassword(ParseResult parse)
    {
        if (parse.GetValue(PasswordFileOption) is { } file)
        {
            return File.ReadAllText(file.FullName).TrimEnd('\r', '\n');
        }
        return Environment.GetEnvironmentVariable("BASEDAI_PASSWORD")
            ?? throw new ArgumentException("no wallet password: pass --password-file or set BASEDAI_PASSWORD");
    }

    /// <summary>Parses 10s, 500ms, 2m.</summary>
    internal static TimeSpan ParseDuration(string text, string option)
    {
        (string number, double scale) = text switch
        {
            _ when text.EndsWith("ms", StringComparison.Ordinal) => (text[..^2], 0.001),
            _ when text.EndsWith('s') => (text[..^1], 1),
            _ when text.EndsWith('m') => (text[..^1], 60),
            _ => (text, 1),
        };
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && value > 0
            ? TimeSpan.FromSeconds(value * scale)
            : throw new FormatException($"{option} '{text}' is not a positive duration (e.g. 10s, 500ms, 2m)");
    }

    internal static (int, int) ParseRange(string text, string option = "--tokens")
    {
        string[] parts = text.Split('-', 2);
        return parts.Length == 2 && int.TryParse(parts[0], CultureInfo.InvariantCulture, out int min) && int.TryParse(parts[1], CultureInfo.InvariantCulture, out int max) && min >= 1 && max >= min
            ? (min, max)
            : int.TryParse(text, CultureInfo.InvariantCulture, out int single) && single >= 1 ? (single, single)
            : throw new FormatException($"{option} '{text}' is not N or MIN-MAX with 1 <= MIN <= MAX");
    }

    /// <summary>How to start this very <c>basedai</c> again (for the devnet's child hosts).</summary>
    internal static IReadOnlyList<string> SelfCommand()
    {
        string process = Environment.ProcessPath ?? "dotnet";
        string entry = Assembly.GetEntryAssembly()?.Location is { Length: > 0 } location ? location : Path.Combine(AppContext.BaseDirectory, "basedai.dll");
        return Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase) ? [process, entry] : [process];
    }

    /// <summary>A <c>--task encrypted|plain</c> option (default encrypted).</summary>
    internal static Option<string> TaskOption(string description)
    {
        var option = new Option<string>("--task") { Description = description, DefaultValueFactory = _ => "encrypted" };
        option.AcceptOnlyFromAmong("encrypted", "plain");
        return option;
    }

    /// <summary>The repository's stories260K (../shared/models/stories260K/stories260K.bin beside the checkout), when it is there.</summary>
    internal static string? BundledModel()
    {
        foreach (string start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "BasedAI.Host.sln")))
                {
                    string model = Path.GetFullPath(Path.Combine(directory.FullName, "..", "shared", "models", "stories260K", "stories260K.bin"));
                    if (File.Exists(model))
                    {
                        return model;
                    }
                }
            }
        }
        return null;
    }
}
