using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using BasedAI.Crypto;
using BasedAI.Generation;
using BasedAI.Ledger.Chain;
using BasedAI.Ledger.Codec;
using BasedAI.Ledger.Node;
using BasedAI.Ledger.State;
using BasedAI.Network.Identity;
using BasedAI.Plugins.Hosting;

namespace BasedAI.Node.Devnet;

/// <summary>What <c>basedai devnet up</c> builds.</summary>
public sealed class DevnetOptions
{
    /// <summary>Where everything lives: <c>devnet.json</c>, the wallets, one folder per host, the logs.</summary>
    public required string Directory { get; init; }

    /// <summary>How to start <c>basedai</c> (e.g. <c>["dotnet", "/…/basedai.dll"]</c>).</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>The model the Brain's task serves (a llama2.c .bin or a Hugging Face folder).</summary>
    public required string Model { get; init; }

    /// <summary>The build of the Brain's task plugin installed into every miner.</summary>
    public required string TaskPlugin { get; init; }

    /// <summary>Another plugin build for some miners (1-based index → folder), e.g. a new version or a faulty one.</summary>
    public IReadOnlyDictionary<int, string> MinerPlugins { get; init; } = new Dictionary<int, string>();

    /// <summary>Number of miners. Default 2.</summary>
    public int Miners { get; init; } = 2;

    /// <summary>Number of validators. Default 1.</summary>
    public int Validators { get; init; } = 1;

    /// <summary>Block time. Default 500 ms.</summary>
    public TimeSpan BlockTime { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>The Brain's tempo (an epoch every tempo + 1 blocks). Default 9.</summary>
    public ushort Tempo { get; init; } = 9;

    /// <summary>Time between a validator's challenge rounds. Default 2 s.</summary>
    public TimeSpan ChallengeInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The task the validators challenge (and <c>prompt</c> calls by default). Default encrypted.</summary>
    public GenerationMode Task { get; init; } = GenerationMode.Hybrid;

    /// <summary>Tokens per challenge, MIN-MAX. Default 2-4 (an encrypted token costs about a second on 2 cores).</summary>
    public string ChallengeTokens { get; init; } = "2-4";

    /// <summary>How long to wait for a host to come up. Default 90 s.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(90);
}

/// <summary>One host in <c>devnet status</c>.</summary>
/// <param name="Node">The recorded host.</param>
/// <param name="Running">Whether its process is alive.</param>
/// <param name="Head">Its chain head, when its JSON-RPC answered.</param>
/// <param name="Info">Its <c>node.json</c>, when running.</param>
public sealed record DevnetNodeStatus(DevnetNode Node, bool Running, ulong? Head, JsonObject? Info);

/// <summary>
/// Runs a local devnet as separate <c>basedai</c> processes on 127.0.0.1: a block producer (<c>chain run --produce</c>), miners
/// (<c>miner run</c>) and validators (<c>validator run</c>). The first <see cref="UpAsync"/> creates the wallets (kept in the
/// devnet directory, encrypted with a generated password), acquires a Brain with the dev account's Pepecoin, names its task,
/// sets a short tempo, funds and memorizes every node, stakes on the validators, installs the task plugin into each miner, and
/// starts them; later calls restart whichever hosts are stopped, from their stored state. Hosts run detached with their output in
/// <c>logs/</c>, so the devnet outlives the command that started it; <see cref="DownAsync"/> stops them.
/// </summary>
public sealed class DevnetManager(DevnetOptions options, Action<string>? report = null)
{
    private readonly Action<string> _report = report ?? (_ => { });

    /// <summary>The settings.</summary>
    public DevnetOptions Options { get; } = options ?? throw new ArgumentNullException(nameof(options));

    private string Root => Path.GetFullPath(Options.Directory);

    private string PasswordFile => Path.Combine(Root, "password");

    private string WalletPath => Path.Combine(Root, "wallets");

    /// <summary>Starts the devnet: creates it on first use, else restarts its hosts. Returns the state.</summary>
    public async Task<DevnetState> UpAsync(CancellationToken cancellationToken = default)
    {
        DevnetState? existing = DevnetState.Load(Root);
        if (existing is not null)
        {
            List<DevnetNode> stopped = existing.Nodes.Where(n => !IsRunning(n)).ToList();
            if (stopped.Count == 0)
            {
                _report($"every host of the devnet in {Root} is already running");
                return existing;
            }
            _report($"restarting {string.Join(", ", stopped.Select(n => n.Name))} from stored state");
            var nodes = existing.Nodes.ToList();
            if (stopped.Contains(nodes[0]))
            {
                nodes[0] = await StartAsync(existing, nodes[0], cancellationToken).ConfigureAwait(false);
            }
            DevnetNode[] others = await Task.WhenAll(nodes.Skip(1).Select(n => stopped.Contains(n) ? StartAsync(existing, n, cancellationToken) : Task.FromResult(n))).ConfigureAwait(false);
            DevnetState resumed = existing with { Nodes = [nodes[0], .. others] };
            resumed.Save(Root);
            return resumed;
        }
        return await CreateAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<DevnetState> CreateAsync(CancellationToken cancellationToken)
    {
        if (Options.Miners < 1 || Options.Validators < 1)
        {
            throw new ArgumentException("a devnet needs at least one miner and one validator");
        }
        if (!File.Exists(Options.Model) && !System.IO.Directory.Exists(Options.Model))
        {
            throw new FileNotFoundException($"model {Options.Model} does not exist");
        }
        if (System.IO.Directory.Exists(Root) && System.IO.Directory.EnumerateFileSystemEntries(Root).Any())
        {
            throw new InvalidOperationException($"{Root} exists and is not a devnet (no {DevnetState.FileName}); choose an empty or new --dir");
        }
        CreatePrivateDirectory(Root);
        CreatePrivateDirectory(Path.Combine(Root, "logs"));
        string password = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        File.WriteAllText(PasswordFile, password);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(PasswordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        _report($"creating wallets in {WalletPath}");
        var store = new WalletStore(WalletPath, ScryptCost.Light);
        store.ImportPersonalkey("owner", DevGenesis.Mnemonic, password, path: DevGenesis.AccountPath(0));
        var names = Enumerable.Range(1, Options.Miners).Select(i => ("miner", $"miner-{i}"))
            .Concat(Enumerable.Range(1, Options.Validators).Select(i => ("validator", $"validator-{i}"))).ToList();
        foreach ((_, string name) in names)
        {
            store.Create(name, password);
        }

        if (!System.IO.Directory.Exists(Options.TaskPlugin))
        {
            throw new DirectoryNotFoundException($"task plugin folder {Options.TaskPlugin} does not exist (build the solution, or pass --task-plugin)");
        }
        Plugins.Manifest.PluginManifest manifest = Plugins.Manifest.PluginManifestReader.ReadFromDirectory(Options.TaskPlugin);
        var nodes = new List<DevnetNode> { NewNode("producer", "chain", null, null) };
        DevnetNode producer = nodes[0] with { Arguments = ProducerArguments(nodes[0]) };
        nodes[0] = producer;
        foreach ((string role, string name) in names)
        {
            nodes.Add(NewNode(name, role, name, store.Get(name).Computekeys[0].Address.ToString()));
        }
        var state = new DevnetState
        {
            Brain = 0,
            TaskPlugin = manifest.Id,
            Model = Path.GetFullPath(Options.Model),
            Task = LlmTaskClients.Name(Options.Task),
            BlockTimeMs = (int)Options.BlockTime.TotalMilliseconds,
            Tempo = Options.Tempo,
            Command = Options.Command,
            Nodes = nodes,
        };
        state.Save(Root);

        producer = await StartAsync(state, producer, cancellationToken).ConfigureAwait(false);
        state = state with { Nodes = [producer, .. nodes.Skip(1)] };
        state.Save(Root);
        ushort brain = await SetUpChainAsync(state, store, password, manifest.Id, manifest.Version, cancellationToken).ConfigureAwait(false);
        state = state with { Brain = brain, Nodes = [producer, .. nodes.Skip(1).Select(n => n with { Arguments = RoleArguments(n, producer, manifest.Id, brain) })] };
        for (int i = 1; i <= Options.Miners; i++)
        {
            DevnetNode miner = state.Nodes.First(n => n.Name == $"miner-{i}");
            string source = Options.MinerPlugins.TryGetValue(i, out string? other) ? other : Options.TaskPlugin;
            var directory = new PluginDirectory(Path.Combine(miner.Home, "plugins"));
            directory.Commit(directory.Stage(source), replace: false);
            _report($"installed {Path.GetFileName(source.TrimEnd('/'))} into {miner.Name}");
        }
        state.Save(Root);
        DevnetNode[] started = await Task.WhenAll(state.Nodes.Skip(1).Select(n => StartAsync(state, n, cancellationToken))).ConfigureAwait(false);
        state = state with { Nodes = [state.Producer, .. started] };
        state.Save(Root);
        return state;
    }

    private DevnetNode NewNode(string name, string role, string? wallet, string? computekey)
    {
        string home = Path.Combine(Root, name);
        CreatePrivateDirectory(home);
        using PrivateKey key = NodeKeyFile.LoadOrCreate(Path.Combine(home, "p2p", "node.key"), KeyType.Ed25519, out _);
        return new DevnetNode
        {
            Name = name,
            Role = role,
            Home = home,
            Log = Path.Combine(Root, "logs", name + ".log"),
            Arguments = [],
            P2pPort = FreePort(),
            RpcPort = FreePort(),
            PeerId = key.PublicKey.ToPeerId().ToString(),
            Wallet = wallet,
            Computekey = computekey,
        };
    }

    private static List<string> CommonArguments(DevnetNode node) =>
    [
        "--home", node.Home,
        "--listen", $"/ip4/127.0.0.1/tcp/{node.P2pPort}",
        "--rpc-port", node.RpcPort.ToString(CultureInfo.InvariantCulture),
    ];

    private List<string> ProducerArguments(DevnetNode node) =>
        ["chain", "run", .. CommonArguments(node), "--produce", "--block-time", ((int)Options.BlockTime.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms"];

    private List<string> RoleArguments(DevnetNode node, DevnetNode producer, string taskPlugin, ushort brain)
    {
        List<string> arguments =
        [
            node.Role, "run", .. CommonArguments(node), "--bootstrap", producer.Multiaddr,
            "--brain", brain.ToString(CultureInfo.InvariantCulture), "--wallet", node.Wallet!, "--wallet-path", WalletPath, "--password-file", PasswordFile,
        ];
        if (node.Role == "miner")
        {
            arguments.Add($"--Plugins:{taskPlugin}:Model={Path.GetFullPath(Options.Model)}");
        }
        else
        {
            arguments.AddRange(["--model", Path.GetFullPath(Options.Model), "--challenge-interval",
                ((int)Options.ChallengeInterval.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) + "ms",
                "--task", LlmTaskClients.Name(Options.Task), "--tokens", Options.ChallengeTokens]);
        }
        return arguments;
    }

    private async Task<ushort> SetUpChainAsync(DevnetState state, WalletStore store, string password, string taskPlugin, string taskVersion, CancellationToken cancellationToken)
    {
        using var rpc = new LedgerRpcClient(state.Producer.Rpc);
        JsonNode info = (await rpc.CallAsync("system_info", null, cancellationToken).ConfigureAwait(false))!;
        Hash32 genesis = Hash32.Parse(info["genesis"]!.GetValue<string>());
        byte[] owner = DevGenesis.AccountKey(0);
        try
        {
            _report("acquiring a Brain and funding the nodes");
            var ownerCalls = new List<ExtrinsicCall> { new AcquireBrainCall(AcquisitionMethod.Burn, "devnet-zkllm") };
            foreach (DevnetNode node in state.Nodes.Skip(1))
            {
                ownerCalls.Add(new TransferCall(store.Get(node.Wallet!).Personalkey!.Value, 10_000 * Units.RaoPerBased));
            }
            await SubmitAllAsync(rpc, genesis, owner, ownerCalls, cancellationToken).ConfigureAwait(false);
            JsonArray brains = (await rpc.CallAsync("brain_list", null, cancellationToken).ConfigureAwait(false))!.AsArray();
            EthereumAddress ownerAddress = EthereumAddress.FromPrivateKey(owner);
            ushort brain = brains.Where(b => b!["owner"]!.GetValue<string>() == ownerAddress.ToString() && b["name"]!.GetValue<string>() == "devnet-zkllm")
                .Select(b => b!["id"]!.GetValue<ushort>()).Max();
            _report($"Brain {brain}: task {taskPlugin} {taskVersion}, tempo {Options.Tempo}");
            await SubmitAllAsync(rpc, genesis, owner,
            [
                new SetBrainSettingsCall(brain, null, taskPlugin, taskVersion, null, null),
                new SetBrainHyperparameterCall(brain, BrainHyperparameter.Tempo, Options.Tempo),
            ], cancellationToken).ConfigureAwait(false);

            _report("memorizing the miners and validators, staking on the validators");
            await Task.WhenAll(state.Nodes.Skip(1).Select(async node =>
            {
                byte[] personal = store.UnlockPersonalkey(node.Wallet!, password);
                byte[] compute = store.UnlockComputekey(node.Wallet!, "default", password);
                try
                {
                    EthereumAddress computekey = EthereumAddress.FromPrivateKey(compute);
                    byte[] proof = Secp256k1.SignRecoverable(MemorizeCall.ProofMessage(genesis, brain, EthereumAddress.FromPrivateKey(personal), computekey).ToArray(), compute);
                    bool validator = node.Role == "validator";
                    var calls = new List<ExtrinsicCall> { new MemorizeCall(brain, computekey, validator ? NodeRole.Validator : NodeRole.Miner, proof) };
                    if (validator)
                    {
                        calls.Add(new AddStakeCall(brain, computekey, 1_000 * Units.RaoPerBased));
                    }
                    await SubmitAllAsync(rpc, genesis, personal, calls, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(personal);
                    CryptographicOperations.ZeroMemory(compute);
                }
            })).ConfigureAwait(false);
            return brain;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(owner);
        }
    }

    // Signs the calls with consecutive nonces, submits them together and waits until every one is included and succeeded.
    private static async Task SubmitAllAsync(LedgerRpcClient rpc, Hash32 genesis, byte[] key, IReadOnlyList<ExtrinsicCall> calls, CancellationToken cancellationToken)
    {
        EthereumAddress sender = EthereumAddress.FromPrivateKey(key);
        JsonNode info = (await rpc.CallAsync("system_info", null, cancellationToken).ConfigureAwait(false))!;
        ulong baseFee = info["base_fee"]!.GetValue<ulong>(), byteFee = info["byte_fee"]!.GetValue<ulong>();
        ulong nonce = (await rpc.CallAsync("account_get", [sender.ToString()], cancellationToken).ConfigureAwait(false))!["nonce"]!.GetValue<ulong>();
        var hashes = new List<(ExtrinsicCall Call, Hash32 Hash)>();
        foreach (ExtrinsicCall call in calls)
        {
            Extrinsic draft = Extrinsic.Sign(genesis, nonce, 0, call, key);
            ulong fee = call is SetWeightsCall ? 0 : baseFee + byteFee * (ulong)draft.Encoded.Length;
            Extrinsic extrinsic = Extrinsic.Sign(genesis, nonce++, fee, call, key);
            JsonNode result = (await rpc.CallAsync("author_submitExtrinsic", ["0x" + Convert.ToHexStringLower(extrinsic.Encoded)], cancellationToken).ConfigureAwait(false))!;
            hashes.Add((call, Hash32.Parse(result["hash"]!.GetValue<string>())));
        }
        foreach ((ExtrinsicCall call, Hash32 hash) in hashes)
        {
            JsonNode status = await rpc.WaitForInclusionAsync(hash, TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
            if (!status["success"]!.GetValue<bool>())
            {
                throw new InvalidOperationException($"{call.Name} by {sender} failed in block {status["height"]}: {status["error"]}");
            }
        }
    }

    private async Task<DevnetNode> StartAsync(DevnetState state, DevnetNode node, CancellationToken cancellationToken)
    {
        string nodeFile = Path.Combine(node.Home, ChainHost.NodeFileName);
        File.Delete(nodeFile);
        Process process = Launch(state.Command, node);
        node = node with { Pid = process.Id, StartedAt = process.StartTime.ToUniversalTime().Ticks };
        _report($"started {node.Name} (pid {node.Pid}), log {node.Log}");
        DateTime deadline = DateTime.UtcNow + Options.StartTimeout;
        while (!File.Exists(nodeFile))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{node.Name} exited with code {process.ExitCode} while starting; the end of {node.Log}:{Environment.NewLine}{Tail(node.Log, 20)}");
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{node.Name} did not come up within {Options.StartTimeout.TotalSeconds:0} s; the end of {node.Log}:{Environment.NewLine}{Tail(node.Log, 20)}");
            }
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
        return node;
    }

    // Detached: its own session (no SIGHUP from the terminal), stdin from /dev/null, stdout and stderr appended to its log.
    private static Process Launch(IReadOnlyList<string> command, DevnetNode node)
    {
        var start = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            WorkingDirectory = node.Home,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("log=$1; shift; if command -v setsid >/dev/null 2>&1; then exec setsid \"$@\" </dev/null >>\"$log\" 2>&1; else exec \"$@\" </dev/null >>\"$log\" 2>&1; fi");
        start.ArgumentList.Add("basedai-devnet");
        start.ArgumentList.Add(node.Log);
        foreach (string part in command.Concat(node.Arguments))
        {
            start.ArgumentList.Add(part);
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["BASEDAI_Logging__Format"] = "simple";
        return Process.Start(start) ?? throw new InvalidOperationException($"could not start {node.Name}");
    }

    /// <summary>Stops every running host (validators, then miners, then the producer): SIGTERM, then a kill after 20 s.</summary>
    public async Task<int> DownAsync(CancellationToken cancellationToken = default)
    {
        DevnetState state = DevnetState.Load(Root) ?? throw new FileNotFoundException($"no devnet in {Root} (no {DevnetState.FileName})");
        int stopped = 0;
        foreach (DevnetNode node in state.Nodes.Reverse())
        {
            if (await StopAsync(node, cancellationToken).ConfigureAwait(false))
            {
                stopped++;
                _report($"stopped {node.Name} (pid {node.Pid})");
            }
        }
        return stopped;
    }

    /// <summary>Stops one host; returns false when it was not running.</summary>
    public static async Task<bool> StopAsync(DevnetNode node, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (Find(node) is not { } process)
        {
            return false;
        }
        using (process)
        {
            using (var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", node.Pid.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false }))
            {
                kill?.WaitForExit();
            }
            using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            grace.CancelAfter(TimeSpan.FromSeconds(20));
            try
            {
                await process.WaitForExitAsync(grace.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        return true;
    }

    /// <summary>Each host: running or not, its head and its <c>node.json</c>.</summary>
    public async Task<(DevnetState State, IReadOnlyList<DevnetNodeStatus> Nodes)> StatusAsync(CancellationToken cancellationToken = default)
    {
        DevnetState state = DevnetState.Load(Root) ?? throw new FileNotFoundException($"no devnet in {Root} (no {DevnetState.FileName})");
        var result = new List<DevnetNodeStatus>();
        foreach (DevnetNode node in state.Nodes)
        {
            bool running = IsRunning(node);
            ulong? head = null;
            JsonObject? info = null;
            if (running)
            {
                string file = Path.Combine(node.Home, ChainHost.NodeFileName);
                try
                {
                    info = File.Exists(file) ? JsonNode.Parse(await File.ReadAllTextAsync(file, cancellationToken).ConfigureAwait(false)) as JsonObject : null;
                }
                catch (System.Text.Json.JsonException)
                {
                    info = null; // Being rewritten; the next status shows it.
                }
                try
                {
                    using var rpc = new LedgerRpcClient(node.Rpc, new HttpClient { Timeout = TimeSpan.FromSeconds(3) });
                    head = (await rpc.CallAsync("chain_head", null, cancellationToken).ConfigureAwait(false))!["height"]!.GetValue<ulong>();
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or LedgerRpcException)
                {
                    head = null;
                }
            }
            result.Add(new DevnetNodeStatus(node, running, head, info));
        }
        return (state, result);
    }

    /// <summary>Whether the recorded process of <paramref name="node"/> is alive (and is still that process).</summary>
    public static bool IsRunning(DevnetNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        using Process? process = Find(node);
        return process is not null;
    }

    private static Process? Find(DevnetNode node)
    {
        if (node.Pid <= 0)
        {
            return null;
        }
        try
        {
            Process process = Process.GetProcessById(node.Pid);
            if (!process.HasExited && Math.Abs(process.StartTime.ToUniversalTime().Ticks - node.StartedAt) < TimeSpan.TicksPerSecond)
            {
                return process;
            }
            process.Dispose();
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Not running (any more).
        }
        return null;
    }

    private static string Tail(string path, int lines) =>
        File.Exists(path) ? string.Join(Environment.NewLine, File.ReadLines(path).TakeLast(lines)) : "(no log)";

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(path);
        }
        else
        {
            System.IO.Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }
}
