using System.Diagnostics;
using System.Text.Json.Nodes;
using BasedAI.Crypto;
using BasedAI.Generation;
using BasedAI.Ledger.Codec;
using BasedAI.Network;
using BasedAI.Network.Protocols;
using BasedAI.Node.Devnet;
using BasedAI.Node.Roles;
using BasedAI.Protocols;
using BasedAI.Protocols.Brainport;
using BasedAI.Protocols.Peers;
using Xunit.Abstractions;

namespace BasedAI.Node.Tests;

/// <summary>
/// The whole network as separate processes on loopback: <c>basedai devnet up</c> (encrypted task) with two honest miners, a
/// miner that skips transformer blocks, a miner that answers random hidden states, and a validator; then the answers (encrypted
/// and plain), the epochs, the faults, a restart, and <c>devnet down</c>. Under the encrypted task the cheaters answer with
/// valid ciphertexts of the wrong token (replayed stage results, for the odd layers or for every stage).
/// </summary>
public sealed class DevnetEndToEndTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "basedai-devnet-tests", Guid.NewGuid().ToString("N")[..12]);
    private DevnetState _state = null!;

    private string Rpc => _state.Producer.Rpc.ToString();

    private DevnetNode Node(string name) => _state.Nodes.Single(n => n.Name == name);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        string skip = CheatingCopy("skip-layers");
        string random = CheatingCopy("random");
        var stopwatch = Stopwatch.StartNew();
        (int code, string stdout, string stderr) = await Cli.RunAsync("devnet", "up", "--dir", Path.Combine(_directory, "net"), "--model", Cli.Model,
            "--miners", "4", "--validators", "1", "--miner-plugin", $"3={skip}", "--miner-plugin", $"4={random}",
            "--block-time", "500ms", "--tempo", "9", "--challenge-interval", "2s");
        output.WriteLine($"devnet up ({stopwatch.Elapsed.TotalSeconds:0.0} s):\n{stdout}{stderr}");
        Assert.True(code == 0, $"devnet up failed ({code}):\n{stdout}\n{stderr}");
        _state = DevnetState.Load(Path.Combine(_directory, "net"))!;
    }

    private string CheatingCopy(string mode)
    {
        string target = Path.Combine(_directory, "cheat-" + mode);
        Directory.CreateDirectory(target);
        foreach (string file in Directory.GetFiles(Cli.CheatingPlugin))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
        File.WriteAllText(Path.Combine(target, "cheat.json"), $"{{\"mode\": \"{mode}\"}}");
        return target;
    }

    public async Task DisposeAsync()
    {
        (int code, string stdout, string stderr) = await Cli.RunAsync("devnet", "down", "--dir", Path.Combine(_directory, "net"));
        output.WriteLine($"devnet down: {code}\n{stdout}{stderr}");
        foreach (string log in Directory.Exists(Path.Combine(_directory, "net", "logs")) ? Directory.GetFiles(Path.Combine(_directory, "net", "logs")) : [])
        {
            output.WriteLine($"---- {Path.GetFileName(log)} (last lines)\n{string.Join('\n', File.ReadLines(log).TakeLast(25))}");
        }
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [Fact]
    public async Task The_devnet_answers_pays_honest_miners_survives_faults_and_restarts()
    {
        var stages = Stopwatch.StartNew();
        IReadOnlyList<ushort> honest = [Uid("miner-1"), Uid("miner-2")];
        ushort skipper = Uid("miner-3"), randomizer = Uid("miner-4"), validator = Uid("validator-1");

        // Epochs pass; the validator's weights pay the honest miners and give it dividends; the cheaters earn less.
        JsonNode stem = await WaitForStemAsync(s =>
            honest.All(uid => Neuron(s, uid)["incentive"]!.GetValue<int>() > 0) &&
            Neuron(s, validator)["dividends"]!.GetValue<int>() > 0 &&
            new[] { skipper, randomizer }.All(c => Emission(s, c) < honest.Min(h => Emission(s, h)) && Incentive(s, c) < honest.Min(h => Incentive(s, h))));
        output.WriteLine($"epochs: stem satisfied after {stages.Elapsed.TotalSeconds:0.0} s (last epoch {stem["last_epoch"]})");
        (int code, string stdout, string stderr) = await Cli.RunAsync("stem", _state.Brain.ToString(), "--node", Rpc);
        Assert.Equal(0, code);
        output.WriteLine(stdout + stderr);
        (code, stdout, _) = await Cli.RunAsync("weights", "show", "--brain", _state.Brain.ToString(), "--node", Rpc, "--json");
        Assert.Equal(0, code);
        JsonArray row = JsonNode.Parse(stdout)!.AsArray().Single(r => r!["uid"]!.GetValue<int>() == validator)!["weights"]!.AsArray();
        int Weight(ushort uid) => row.Where(e => e![0]!.GetValue<int>() == uid).Select(e => e![1]!.GetValue<int>()).DefaultIfEmpty(0).Single();
        Assert.All(new[] { skipper, randomizer }, c => Assert.True(Weight(c) < honest.Min(Weight), $"cheater UID {c} weight {Weight(c)} not below the honest {string.Join(", ", honest.Select(Weight))}"));

        // A user's encrypted prompt (the default task) is answered by a miner with the plaintext engine's greedy tokens; so is a
        // longer one on the plain task.
        const string prompt = "Once upon a time";
        foreach ((string task, int count) in new[] { ("encrypted", 8), ("plain", 32) })
        {
            (code, stdout, stderr) = await Cli.RunAsync("prompt", "--devnet", Path.Combine(_directory, "net"), prompt, "-n", count.ToString(), "--task", task, "--json");
            Assert.True(code == 0, stderr);
            JsonNode answer = JsonNode.Parse(stdout)!;
            Assert.Equal(task, answer["mode"]!.GetValue<string>());
            Assert.Equal(Cli.Greedy(prompt, count), answer["tokens"]!.AsArray().Select(t => t!.GetValue<int>()));
            Assert.Contains(answer["miner_uid"]!.GetValue<ushort>(), honest);
            output.WriteLine($"{task} prompt: {answer["text"]} (miner {answer["miner_uid"]}, {answer["ms_per_token"]} ms/token, {answer["bytes_sent"]} bytes sent)");
        }

        // Replayed and forged requests to a miner process are refused with the right status.
        await using (Libp2pPeer caller = new(Network.Identity.NodeIdentity.Generate(), ownsIdentity: true))
        {
            DevnetNode miner = Node("miner-1");
            ISession session = await caller.DialAsync(Multiaddr.Parse(miner.Multiaddr));
            RequestResponseProtocol brainport = caller.AddRequestResponse(ProtocolIds.Brainport, null);
            byte[] key = Secp256k1.CreatePrivateKey();
            var nonces = new NonceSource();
            EthereumAddress receiver = EthereumAddress.Parse(miner.Computekey!);
            byte[] Request(ushort brain, EthereumAddress to) =>
                BrainportRequest.Sign(key, to, brain, GenerationMessages.TaskName, GenerationMessages.EncodeClose(Guid.NewGuid()), TimeSpan.FromSeconds(5), nonces.Next(), Guid.NewGuid()).Encode();
            async Task<BrainportStatus> SendAsync(byte[] request)
            {
                BrainportResponse response = BrainportResponse.Decode(await brainport.SendAsync(session, request), 1 << 20);
                Assert.True(response.HasValidSignature() && response.Responder == receiver, "answers are countersigned by the miner's computekey");
                return response.Status;
            }
            byte[] genuine = Request(_state.Brain, receiver);
            Assert.Equal(BrainportStatus.Ok, await SendAsync(genuine));
            Assert.Equal(BrainportStatus.StaleNonce, await SendAsync(genuine));
            byte[] forged = Request(_state.Brain, receiver);
            forged[^66] ^= 0x40;
            Assert.Equal(BrainportStatus.BadSignature, await SendAsync(forged));
            Assert.Equal(BrainportStatus.WrongReceiver, await SendAsync(Request(_state.Brain, EthereumAddress.Parse(Node("miner-2").Computekey!))));
            Assert.Equal(BrainportStatus.UnknownBrain, await SendAsync(Request(99, receiver)));
        }

        // A miner killed in the middle of an answer: the client finishes it on another miner, with the same tokens (plain task:
        // 96 tokens give time to kill; the encrypted client continues the same way, re-encrypting the context for the new miner).
        DevnetNode victim = Node("miner-1");
        await using (BrainClient client = BrainClient.Create(Hash32.Parse(JsonNode.Parse(File.ReadAllText(Path.Combine(victim.Home, "node.json")))!["genesis"]!.GetValue<string>())))
        {
            IReadOnlyList<NodeRecord> records = await client.FetchRecordsAsync([Multiaddr.Parse(_state.Producer.Multiaddr)], _state.Brain);
            NodeRecord Record(string name) => records.First(r => r.Computekey == EthereumAddress.Parse(Node(name).Computekey!));
            var candidates = new[] { ("miner-1", honest[0]), ("miner-2", honest[1]) }
                .Select(m => new MinerCandidate(new MinerEntry(m.Item2, EthereumAddress.Parse(Node(m.Item1).Computekey!), 0), Record(m.Item1))).ToList();
            var role = new PlainClientRole(Cli.Stories.Model, Cli.Stories.Tokenizer);
            GenerationSession generation = role.Start(prompt, new GenerationRequest { MaxNewTokens = 96 });
            int received = 0;
            var killer = new Progress(() =>
            {
                if (++received == 10)
                {
                    using Process process = Process.GetProcessById(victim.Pid);
                    process.Kill();
                    process.WaitForExit();
                }
            });
            IReadOnlyList<PromptAttempt> attempts = await client.GenerateAsync(role, generation, _state.Brain, candidates, TimeSpan.FromSeconds(12), killer);
            output.WriteLine($"kill: {string.Join("; ", attempts.Select(a => $"UID {a.Uid}: {a.Error ?? "answered"}"))}");
            Assert.Equal(2, attempts.Count);
            Assert.NotNull(attempts[0].Error);
            Assert.Null(attempts[1].Error);
            Assert.True(generation.IsComplete);
            Assert.Equal(Cli.Greedy(prompt, 96), generation.GeneratedTokens);
        }
        // Asking only the dead miner ends in a clear error and exit code 3.
        (code, _, stderr) = await Cli.RunAsync("prompt", "--devnet", Path.Combine(_directory, "net"), prompt, "-n", "8", "--miner", honest[0].ToString(), "--timeout", "3s");
        Assert.Equal(3, code);
        Assert.Contains($"miner UID {honest[0]}", stderr);
        Assert.Contains("could finish the answer", stderr);

        // Restart: the killed host resumes from its stored chain and catches up with the producer.
        ulong producerHead = await HeadAsync(_state.Producer.Rpc);
        (code, stdout, stderr) = await Cli.RunAsync("devnet", "up", "--dir", Path.Combine(_directory, "net"));
        Assert.True(code == 0, stdout + stderr);
        Assert.Contains("restarting miner-1", stdout);
        _state = DevnetState.Load(Path.Combine(_directory, "net"))!;
        await Until(async () => await HeadAsync(Node("miner-1").Rpc) >= producerHead + 2, "the restarted miner follows the chain again", 60);
        string log = File.ReadAllText(Node("miner-1").Log);
        Assert.Contains("chain resumed from stored state at block", log);
        Assert.Contains("caught up", log);
        (code, stdout, stderr) = await Cli.RunAsync("prompt", "--devnet", Path.Combine(_directory, "net"), prompt, "-n", "4", "--miner", honest[0].ToString(), "--json");
        Assert.True(code == 0, stderr);
        Assert.Equal(Cli.Greedy(prompt, 4), JsonNode.Parse(stdout)!["tokens"]!.AsArray().Select(t => t!.GetValue<int>()));

        (code, stdout, _) = await Cli.RunAsync("devnet", "status", "--dir", Path.Combine(_directory, "net"));
        Assert.Equal(0, code);
        Assert.Equal(6, stdout.Split('\n').Count(l => l.Contains(" running ", StringComparison.Ordinal)));
        output.WriteLine(stdout);

        (code, stdout, _) = await Cli.RunAsync("devnet", "down", "--dir", Path.Combine(_directory, "net"));
        Assert.Equal(0, code);
        Assert.Contains("stopped 6 host(s)", stdout);
        Assert.All(_state.Nodes, n => Assert.False(DevnetManager.IsRunning(n), $"{n.Name} still runs"));
        output.WriteLine($"all stages in {stages.Elapsed.TotalSeconds:0.0} s");
    }

    private ushort Uid(string name) => JsonNode.Parse(File.ReadAllText(Path.Combine(Node(name).Home, "node.json")))!["uid"]!.GetValue<ushort>();

    private static JsonNode Neuron(JsonNode stem, ushort uid) => stem["neurons"]!.AsArray().Single(n => n!["uid"]!.GetValue<int>() == uid)!;

    private static ulong Emission(JsonNode stem, ushort uid) => Neuron(stem, uid)["emission"]!.GetValue<ulong>();

    private static int Incentive(JsonNode stem, ushort uid) => Neuron(stem, uid)["incentive"]!.GetValue<int>();

    private async Task<JsonNode> WaitForStemAsync(Func<JsonNode, bool> condition)
    {
        JsonNode? last = null;
        DateTime deadline = DateTime.UtcNow.AddSeconds(300);
        while (DateTime.UtcNow < deadline)
        {
            (int code, string stdout, _) = await Cli.RunAsync("stem", _state.Brain.ToString(), "--node", Rpc, "--json");
            if (code == 0)
            {
                last = JsonNode.Parse(stdout)!;
                if (condition(last))
                {
                    return last;
                }
            }
            await Task.Delay(2000);
        }
        throw new TimeoutException($"the metagraph never met the condition; last:\n{last}");
    }

    private static async Task<ulong> HeadAsync(Uri rpc)
    {
        try
        {
            using var client = new BasedAI.Ledger.Node.LedgerRpcClient(rpc);
            return (await client.CallAsync("chain_head"))!["height"]!.GetValue<ulong>();
        }
        catch (HttpRequestException)
        {
            return 0;
        }
    }

    private static async Task Until(Func<Task<bool>> condition, string what, int seconds)
    {
        DateTime deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"not within {seconds} s: {what}");
            await Task.Delay(500);
        }
    }

    private sealed class Progress(Action report) : IProgress<int>
    {
        public void Report(int value) => report();
    }
}
