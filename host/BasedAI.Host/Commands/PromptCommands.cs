using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using BasedAI.Generation;
using BasedAI.Inference.Formats;
using BasedAI.Inference.Generation;
using BasedAI.Inference.Tokenizers;
using BasedAI.Ledger.Codec;
using BasedAI.Ledger.Node;
using BasedAI.Network;
using BasedAI.Node.Devnet;
using BasedAI.Node.Roles;
using BasedAI.Protocols.Brainport;
using BasedAI.Protocols.Peers;

namespace BasedAI.Host.Commands;

/// <summary>
/// <c>basedai prompt --brain N "text"</c>: a user of the network. Finds the Brain's miners (metagraph over JSON-RPC, signed peer
/// records from a bootstrap peer), sends the generation to the best one over brainport with a fresh key, and continues on the
/// next miner if one fails. The client keeps the tokenizer, the embeddings and the LM head: token ids never leave it; in the
/// encrypted task (default) it also keeps the CKKS secret key and sends only ciphertexts.
/// </summary>
internal static class PromptCommands
{
    public static Command Create()
    {
        var text = new Argument<string>("prompt") { Description = "The prompt" };
        var brain = new Option<ushort?>("--brain", "-b") { Description = "Brain to ask (default: the devnet's Brain)" };
        var tokens = new Option<int>("--tokens", "-n", "--max-tokens") { Description = "Tokens to generate at most", DefaultValueFactory = _ => 32 };
        var temperature = new Option<float>("--temperature", "-t") { Description = "Sampling temperature (0 = greedy)", DefaultValueFactory = _ => 0f };
        var seed = new Option<ulong>("--seed", "-s") { Description = "Sampling seed", DefaultValueFactory = _ => 42 };
        var devnet = new Option<string?>("--devnet") { Description = "Devnet directory to take the node, bootstrap peer, Brain and model from (default $BASEDAI_DEVNET or ~/.basedai/devnet when it exists)" };
        var node = new Option<string?>("--node") { Description = "JSON-RPC address of a node, for the metagraph (default: the devnet's, else $BASEDAI_NODE or http://127.0.0.1:9944)" };
        var model = new Option<string?>("--model") { Description = "The Brain's model, for the client side (tokenizer, embeddings, LM head); default: the devnet's" };
        var timeout = new Option<string>("--timeout") { Description = "Deadline of each call to a miner", DefaultValueFactory = _ => "12s" };
        var miner = new Option<ushort?>("--miner") { Description = "Ask only this miner UID" };
        var json = new Option<bool>("--json") { Description = "Print one JSON object instead of streaming the text" };
        var task = new Option<string?>("--task") { Description = "encrypted (the ZK-LLM under CKKS: only ciphertexts leave this machine) or plain (activations in clear); default: the devnet's, else encrypted" };
        task.AcceptOnlyFromAmong("encrypted", "plain");
        var local = new ZkLlmCommands.LocalPromptOptions();
        var command = new Command("prompt", "Ask a Brain: its miners answer over brainport; retries another miner when one fails. With --local, client and miner roles run in this process.")
        {
            text, brain, tokens, temperature, seed, devnet, node, model, timeout, miner, task, json, NetworkCommands.BootstrapOptionFor,
        };
        local.AddTo(command);
        command.SetHandler(async (parse, token) =>
        {
            if (parse.GetValue(local.Local))
            {
                return await ZkLlmCommands.RunLocalAsync(parse, local, parse.GetValue(text)!, parse.GetValue(model), parse.GetValue(tokens), parse.GetValue(temperature), parse.GetValue(seed), token);
            }
            DevnetState? state = DevnetCommands.FindDevnet(parse.GetValue(devnet), required: parse.GetValue(devnet) is not null);
            ushort brainId = parse.GetValue(brain) ?? state?.Brain ?? throw new ArgumentException("give --brain (no devnet found to take it from), or --local to run the miner in this process");
            string rpcUrl = parse.GetValue(node) ?? state?.Producer.Rpc.ToString()
                ?? (Environment.GetEnvironmentVariable("BASEDAI_NODE") is { Length: > 0 } fromEnvironment ? fromEnvironment : "http://127.0.0.1:9944");
            IReadOnlyList<string> bootstrapText = NetworkCommands.Bootstrap(parse) is { Count: > 0 } given ? given : state is null ? [] : [state.Producer.Multiaddr];
            if (bootstrapText.Count == 0)
            {
                throw new ArgumentException("give --bootstrap (a peer that knows the Brain's miners) or run a devnet");
            }
            string modelPath = parse.GetValue(model) ?? state?.Model ?? throw new ArgumentException("give --model (the Brain's model; the client needs its tokenizer, embeddings and LM head)");
            int maxTokens = parse.GetValue(tokens);
            if (maxTokens < 1)
            {
                throw new ArgumentException("--tokens must be at least 1");
            }
            TimeSpan callTimeout = NetworkCommands.ParseDuration(parse.GetValue(timeout)!, "--timeout");
            bool asJson = parse.GetValue(json);

            using var rpc = new LedgerRpcClient(new Uri(rpcUrl));
            Hash32 genesis;
            IReadOnlyList<MinerEntry> miners;
            try
            {
                genesis = Hash32.Parse((await rpc.CallAsync("system_info", null, token))!["genesis"]!.GetValue<string>());
                miners = await Metagraph.MinersAsync(rpc, brainId, token);
            }
            catch (HttpRequestException e)
            {
                Console.Error.WriteLine($"error: cannot reach the node at {rpcUrl} ({e.Message})");
                return ExitCodes.Unavailable;
            }
            LoadedModel loaded = ModelLoader.Load(modelPath);
            GenerationMode mode = LlmTaskClients.ParseMode(parse.GetValue(task) ?? state?.Task ?? "encrypted");
            ILlmTaskClient client = LlmTaskClients.Create(mode, loaded.Model, loaded.Tokenizer);
            await using BrainClient network = BrainClient.Create(genesis, new BrainportClientOptions { Timeout = callTimeout });
            IReadOnlyList<NodeRecord> records;
            try
            {
                records = await network.FetchRecordsAsync(bootstrapText.Select(Multiaddr.Parse), brainId, token);
            }
            catch (IOException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.Unavailable;
            }
            IReadOnlyList<MinerCandidate> candidates = Metagraph.Candidates(miners, records, brainId);
            if (parse.GetValue(miner) is { } uid)
            {
                candidates = candidates.Where(c => c.Miner.Uid == uid).ToList();
            }
            if (candidates.Count == 0)
            {
                Console.Error.WriteLine($"error: Brain {brainId} has {miners.Count} registered miner(s) and none announced where it serves{(parse.GetValue(miner) is { } only ? $" (UID {only})" : "")}");
                return ExitCodes.Unavailable;
            }

            string prompt = parse.GetValue(text)!;
            GenerationSession session = client.Start(prompt, new GenerationRequest
            {
                MaxNewTokens = maxTokens,
                Sampling = new SamplingOptions { Temperature = parse.GetValue(temperature), Seed = parse.GetValue(seed) },
            });
            var decoder = new StreamingDecoder(loaded.Tokenizer);
            foreach (int promptToken in session.PromptTokens)
            {
                decoder.Push(promptToken);
            }
            if (!asJson)
            {
                Console.Write(prompt);
            }
            var clock = Stopwatch.StartNew();
            var progress = new SynchronousProgress(t =>
            {
                string piece = decoder.Push(t);
                if (!asJson)
                {
                    Console.Write(piece);
                    Console.Out.Flush();
                }
            });
            IReadOnlyList<PromptAttempt> attempts = await network.GenerateAsync(client, session, brainId, candidates, callTimeout, progress, token);
            TimeSpan elapsed = clock.Elapsed;
            if (!asJson)
            {
                Console.WriteLine(decoder.Flush());
            }
            PromptAttempt last = attempts[^1];
            double msPerToken = session.StepTimes.Count > 1 ? session.StepTimes.Skip(1).Average(s => s.TotalMilliseconds) : session.StepTimes.Select(s => s.TotalMilliseconds).DefaultIfEmpty(0).Average();
            if (asJson)
            {
                Console.WriteLine(new JsonObject
                {
                    ["brain"] = brainId,
                    ["prompt"] = prompt,
                    ["text"] = client.Decode(session),
                    ["tokens"] = new JsonArray(session.GeneratedTokens.Select(t => (JsonNode)t).ToArray<JsonNode?>()),
                    ["complete"] = session.IsComplete,
                    ["mode"] = LlmTaskClients.Name(mode),
                    ["miner_uid"] = last.Error is null ? last.Uid : null,
                    ["miner_computekey"] = last.Error is null ? last.Computekey.ToString() : null,
                    ["seconds"] = Math.Round(elapsed.TotalSeconds, 3),
                    ["ms_per_token"] = Math.Round(msPerToken, 3),
                    ["bytes_sent"] = session.BytesSent,
                    ["bytes_received"] = session.BytesReceived,
                    ["attempts"] = new JsonArray(attempts.Select(a => (JsonNode)new JsonObject
                    {
                        ["uid"] = a.Uid,
                        ["computekey"] = a.Computekey.ToString(),
                        ["error"] = a.Error,
                        ["seconds"] = Math.Round(a.Elapsed.TotalSeconds, 3),
                    }).ToArray<JsonNode?>()),
                }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            }
            foreach (PromptAttempt failed in attempts.Where(a => a.Error is not null))
            {
                Console.Error.WriteLine($"miner UID {failed.Uid} ({failed.Computekey}) failed: {failed.Error}");
            }
            if (!session.IsComplete)
            {
                Console.Error.WriteLine($"error: no miner of Brain {brainId} could finish the answer ({attempts.Count} tried; {session.GeneratedTokens.Count} token(s) received)");
                return ExitCodes.Unavailable;
            }
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"answered by miner UID {last.Uid} ({last.Computekey}) in {elapsed.TotalSeconds:0.000} s: {session.GeneratedTokens.Count} token(s), {msPerToken:0.00} ms/token over brainport, {session.BytesSent + session.BytesReceived:N0} bytes; {(mode == GenerationMode.Plain ? "plain task (activations in clear)" : "encrypted task (CKKS hybrid ZK-LLM: only ciphertexts and evaluation keys left this machine)")}"));
            return ExitCodes.Success;
        });
        return command;
    }

    // Progress<T> posts to the thread pool; tokens must print in order, so report on the caller's thread.
    private sealed class SynchronousProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
