using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using BasedAI.Generation;
using BasedAI.Ledger.Node;
using BasedAI.Node.Devnet;

namespace BasedAI.Host.Commands;

/// <summary>
/// <c>basedai devnet up|down|status</c>: a local network of separate host processes on 127.0.0.1 (a block producer, miners,
/// validators) serving one Brain with the LLM task, state under <c>--dir</c>.
/// </summary>
internal static class DevnetCommands
{
    private static readonly Option<string?> DirOption = new("--dir")
    {
        Description = "Devnet directory (default $BASEDAI_DEVNET or ~/.basedai/devnet)",
    };

    public static Command Create()
    {
        var devnet = new Command("devnet", "A local multi-process network: block producer, miners and validators on 127.0.0.1");
        devnet.Subcommands.Add(UpCommand());
        devnet.Subcommands.Add(DownCommand());
        devnet.Subcommands.Add(StatusCommand());
        return devnet;
    }

    /// <summary>The devnet directory: the option, else $BASEDAI_DEVNET, else ~/.basedai/devnet.</summary>
    internal static string Directory(string? given) =>
        Path.GetFullPath(given ?? (Environment.GetEnvironmentVariable("BASEDAI_DEVNET") is { Length: > 0 } fromEnvironment
            ? fromEnvironment
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".basedai", "devnet")));

    /// <summary>The devnet's state when there is one (an explicitly named directory must hold one).</summary>
    internal static DevnetState? FindDevnet(string? given, bool required)
    {
        string directory = Directory(given);
        DevnetState? state = DevnetState.Load(directory);
        return state is null && required ? throw new FileNotFoundException($"no devnet in {directory} (no {DevnetState.FileName}); start one with `basedai devnet up`") : state;
    }

    private static Command UpCommand()
    {
        var miners = new Option<int>("--miners") { Description = "Miners", DefaultValueFactory = _ => 2 };
        var validators = new Option<int>("--validators") { Description = "Validators", DefaultValueFactory = _ => 1 };
        var model = new Option<string?>("--model") { Description = "Model the Brain serves (default: the repository's stories260K)" };
        var taskPlugin = new Option<string?>("--task-plugin") { Description = "Build of the Brain's task plugin (default: the bundled Hugging Face ZK-LLM template)" };
        var minerPlugin = new Option<string[]>("--miner-plugin") { Description = "N=FOLDER: install another plugin build into miner N (e.g. a new version, or a faulty one to watch validators react); repeatable", AllowMultipleArgumentsPerToken = true };
        var blockTime = new Option<string>("--block-time") { Description = "Time between blocks", DefaultValueFactory = _ => "500ms" };
        var tempo = new Option<ushort>("--tempo") { Description = "The Brain's tempo: an epoch every tempo + 1 blocks", DefaultValueFactory = _ => 9 };
        var interval = new Option<string>("--challenge-interval") { Description = "Time between the validators' challenge rounds", DefaultValueFactory = _ => "2s" };
        var challengeTokens = new Option<string>("--challenge-tokens") { Description = "Tokens per validator challenge, MIN-MAX", DefaultValueFactory = _ => "2-4" };
        var task = NetworkCommands.TaskOption("The task validators challenge and `prompt` calls by default: encrypted (CKKS hybrid ZK-LLM) or plain");
        var up = new Command("up", "Start the devnet: on first use create wallets, acquire a Brain, memorize and stake the nodes, install the LLM task; then (or later, from stored state) start every host")
        {
            DirOption, miners, validators, model, taskPlugin, minerPlugin, blockTime, tempo, interval, challengeTokens, task,
        };
        up.SetHandler(async (parse, token) =>
        {
            string directory = Directory(parse.GetValue(DirOption));
            string modelPath = parse.GetValue(model) ?? NetworkCommands.BundledModel()
                ?? throw new ArgumentException("no model: pass --model (the repository's ../shared/models/stories260K/stories260K.bin was not found)");
            (int fewest, int most) = NetworkCommands.ParseRange(parse.GetValue(challengeTokens)!, "--challenge-tokens");
            var manager = new DevnetManager(new DevnetOptions
            {
                Directory = directory,
                Command = NetworkCommands.SelfCommand(),
                Model = modelPath,
                TaskPlugin = parse.GetValue(taskPlugin) ?? Path.Combine(AppContext.BaseDirectory, "bundled-plugins", "ai.based.zkllm"),
                MinerPlugins = (parse.GetValue(minerPlugin) ?? []).Select(ParseMinerPlugin).ToDictionary(p => p.Miner, p => p.Folder),
                Miners = parse.GetValue(miners),
                Validators = parse.GetValue(validators),
                BlockTime = NetworkCommands.ParseDuration(parse.GetValue(blockTime)!, "--block-time"),
                Tempo = parse.GetValue(tempo),
                ChallengeInterval = NetworkCommands.ParseDuration(parse.GetValue(interval)!, "--challenge-interval"),
                ChallengeTokens = string.Create(CultureInfo.InvariantCulture, $"{fewest}-{most}"),
                Task = LlmTaskClients.ParseMode(parse.GetValue(task)!),
            }, line => Console.WriteLine($"devnet: {line}"));
            bool existed = DevnetState.Load(directory) is not null;
            DevnetState state;
            try
            {
                state = await manager.UpAsync(token);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A devnet that failed while being created leaves nothing half-started behind.
                if (!existed && DevnetState.Load(directory) is not null)
                {
                    await manager.DownAsync(CancellationToken.None);
                }
                throw;
            }
            Console.WriteLine($"devnet up in {directory}: Brain {state.Brain} ({state.TaskPlugin}, {Path.GetFileName(state.Model)}, {state.Task} task), block time {state.BlockTimeMs} ms, tempo {state.Tempo}");
            Console.WriteLine($"  JSON-RPC   {state.Producer.Rpc}   (export BASEDAI_NODE={state.Producer.Rpc})");
            Console.WriteLine($"  bootstrap  {state.Producer.Multiaddr}");
            foreach (DevnetNode node in state.Nodes)
            {
                Console.WriteLine($"  {node.Name,-12} pid {node.Pid,-7} {node.Computekey ?? "",-42} log {node.Log}");
            }
            Console.WriteLine($"next: basedai prompt --brain {state.Brain} \"Once upon a time\"   |   basedai stem {state.Brain} --node {state.Producer.Rpc}   |   basedai devnet down");
            return ExitCodes.Success;
        });
        return up;
    }

    private static (int Miner, string Folder) ParseMinerPlugin(string text)
    {
        string[] parts = text.Split('=', 2);
        return parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int miner) && miner >= 1
            ? (miner, Path.GetFullPath(parts[1]))
            : throw new FormatException($"--miner-plugin '{text}' is not N=FOLDER");
    }

    private static Command DownCommand()
    {
        var down = new Command("down", "Stop every host of the devnet (its state stays; `devnet up` resumes it)") { DirOption };
        down.SetHandler(async (parse, token) =>
        {
            string directory = Directory(parse.GetValue(DirOption));
            var manager = new DevnetManager(new DevnetOptions { Directory = directory, Command = [], Model = "", TaskPlugin = "" }, line => Console.WriteLine($"devnet: {line}"));
            int stopped = await manager.DownAsync(token);
            Console.WriteLine(stopped == 0 ? $"devnet in {directory}: nothing was running" : $"devnet in {directory}: stopped {stopped} host(s); state kept (remove the folder to start over)");
            return ExitCodes.Success;
        });
        return down;
    }

    private static Command StatusCommand()
    {
        var json = new Option<bool>("--json") { Description = "Print JSON" };
        var status = new Command("status", "Each host (running, chain head, role), and the Brain's metagraph summary") { DirOption, json };
        status.SetHandler(async (parse, token) =>
        {
            string directory = Directory(parse.GetValue(DirOption));
            var manager = new DevnetManager(new DevnetOptions { Directory = directory, Command = [], Model = "", TaskPlugin = "" });
            (DevnetState state, IReadOnlyList<DevnetNodeStatus> nodes) = await manager.StatusAsync(token);
            JsonNode? stem = null;
            if (nodes[0].Running)
            {
                try
                {
                    using var rpc = new LedgerRpcClient(state.Producer.Rpc);
                    stem = await rpc.CallAsync("stem_get", [state.Brain], token);
                }
                catch (HttpRequestException)
                {
                    stem = null;
                }
            }
            if (parse.GetValue(json))
            {
                Console.WriteLine(new JsonObject
                {
                    ["directory"] = directory,
                    ["brain"] = state.Brain,
                    ["rpc"] = state.Producer.Rpc.ToString(),
                    ["bootstrap"] = state.Producer.Multiaddr,
                    ["nodes"] = new JsonArray(nodes.Select(n => (JsonNode)new JsonObject
                    {
                        ["name"] = n.Node.Name,
                        ["role"] = n.Node.Role,
                        ["running"] = n.Running,
                        ["pid"] = n.Node.Pid,
                        ["head"] = n.Head,
                        ["rpc"] = n.Node.Rpc.ToString(),
                        ["computekey"] = n.Node.Computekey,
                        ["info"] = n.Info?.DeepClone(),
                    }).ToArray<JsonNode?>()),
                    ["stem"] = stem?.DeepClone(),
                }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
                return ExitCodes.Success;
            }
            Console.WriteLine($"devnet in {directory}: Brain {state.Brain}, JSON-RPC {state.Producer.Rpc}, bootstrap {state.Producer.Multiaddr}");
            Console.WriteLine($"{"HOST",-12} {"STATE",-8} {"PID",7} {"HEAD",7} {"UID",4}  DETAIL");
            foreach (DevnetNodeStatus n in nodes)
            {
                string detail = n.Node.Role switch
                {
                    "validator" when n.Info?["scores"] is JsonArray scores => $"rounds {n.Info["rounds"]}; " + string.Join(", ", scores.Select(s => $"UID {s!["uid"]} score {s["score"]}")),
                    "miner" => $"task {n.Info?["task_plugin"]}",
                    _ => "block producer",
                };
                Console.WriteLine($"{n.Node.Name,-12} {(n.Running ? "running" : "stopped"),-8} {n.Node.Pid,7} {n.Head?.ToString(CultureInfo.InvariantCulture) ?? "-",7} {n.Info?["uid"]?.ToString() ?? "-",4}  {detail}");
            }
            if (stem is not null)
            {
                Console.WriteLine($"Brain {state.Brain}: {stem["nodes"]} nodes, last epoch at block {stem["last_epoch"]}; `basedai stem {state.Brain} --node {state.Producer.Rpc}` shows the metagraph");
            }
            return ExitCodes.Success;
        });
        return status;
    }
}
