using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using BasedAI.Generation;
using BasedAI.Inference.Formats;
using BasedAI.Ledger.Codec;
using BasedAI.Ledger.Node;
using BasedAI.Network;
using BasedAI.Node.Devnet;
using BasedAI.Node.Roles;
using BasedAI.Protocols.Peers;

// Devnet benchmark, LLM task on stories260K:
//  1. seconds per token of one generation, client and miner roles in this process (no network) vs the same client calling a
//     miner PROCESS of a devnet over brainport (libp2p, signed requests, the plugin runtime), for the plain task and the
//     encrypted one (CKKS hybrid ZK-LLM, unsqueezed);
//  2. requests per second one miner process sustains with the plain task: N concurrent users (each its own key and connection)
//     generating in a loop.
// Usage (from the repository root, after building it in Release):
//   dotnet run -c Release --project tests/BasedAI.Node.Benchmarks [-- --tokens 64 --runs 5 --seconds 10 --warmup 10 --concurrency 1,2,4,8
//       --encrypted-tokens 8 --encrypted-runs 3] [--encrypted-only: the encrypted task in process, no devnet]
// Each plain path first generates for --warmup seconds (tiered JIT in this process and in the miner's) before it is measured.
int tokens = Arg("--tokens", 64);
int runs = Arg("--runs", 5);
int seconds = Arg("--seconds", 10);
int warmup = Arg("--warmup", 10);
int[] levels = (Option("--concurrency") ?? "1,2,4,8").Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
const string Prompt = "Once upon a time";

string root = FindRoot();
string configuration = typeof(Program).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
string basedai = Path.Combine(root, "host", "BasedAI.Host", "bin", configuration, "net10.0", "basedai.dll");
string model = Path.GetFullPath(Path.Combine(root, "..", "shared", "models", "stories260K", "stories260K.bin"));
LoadedModel loaded = ModelLoader.Load(model);
var client = new PlainClientRole(loaded.Model, loaded.Tokenizer);
// A fixed answer length: no stop token ends a run early.
var request = new GenerationRequest { MaxNewTokens = tokens, StopTokens = [] };

// In process: the same roles and messages, the transport a method call.
using var localMiner = new PlainMinerRole(loaded.Model);
List<GenerationSession> local = await MeasureAsync(new InProcessTransport(localMiner));

// The encrypted task (CKKS hybrid ZK-LLM): fewer, shorter runs; each run opens a session (fresh key, evaluation keys uploaded).
int encryptedTokens = Arg("--encrypted-tokens", 8);
int encryptedRuns = Arg("--encrypted-runs", 3);
EncryptedTask encryptedTask = EncryptedTask.Create(loaded.Model);
var encryptedClient = new EncryptedClientRole(encryptedTask, loaded.Tokenizer);
var encryptedRequest = request with { MaxNewTokens = encryptedTokens };
List<GenerationSession> encrypted;
using (var encryptedMiner = encryptedTask.CreateMiner())
{
    encrypted = await MeasureEncryptedAsync(new InProcessTransport(encryptedMiner));
}
if (Array.IndexOf(args, "--encrypted-only") >= 0)
{
    Row("encrypted task in process", encrypted);
    return 0;
}

string directory = Path.Combine(Path.GetTempPath(), "basedai-node-bench", Guid.NewGuid().ToString("N")[..12]);
var manager = new DevnetManager(new DevnetOptions
{
    Directory = directory,
    Command = ["dotnet", basedai],
    Model = model,
    TaskPlugin = Path.Combine(Path.GetDirectoryName(basedai)!, "bundled-plugins", "ai.based.zkllm"),
    Miners = 1,
    Validators = 1,
    // The validator challenges the miner once at start, then not again while we measure.
    ChallengeInterval = TimeSpan.FromHours(1),
}, line => Console.Error.WriteLine($"devnet: {line}"));
try
{
    DevnetState state = await manager.UpAsync();
    using var rpc = new LedgerRpcClient(state.Producer.Rpc);
    Hash32 genesis = Hash32.Parse((await rpc.CallAsync("system_info", null))!["genesis"]!.GetValue<string>());
    MinerCandidate miner = await FindMinerAsync(rpc, genesis, state);

    List<GenerationSession> network, encryptedNetwork;
    await using (BrainClient user = BrainClient.Create(genesis))
    {
        network = await MeasureAsync(new BrainportMinerTransport(user.Brainport, miner.Record.Target, state.Brain, GenerationMessages.TaskName));
        encryptedNetwork = await MeasureEncryptedAsync(new BrainportMinerTransport(user.Brainport, miner.Record.Target, state.Brain, EncryptedTask.TaskName));
    }
    if (!network.All(s => s.GeneratedTokens.SequenceEqual(local[0].GeneratedTokens)))
    {
        throw new InvalidOperationException("the miner process answered other tokens than the in-process miner");
    }

    Console.WriteLine();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"stories260K, prompt \"{Prompt}\" ({local[0].PromptTokens.Count} tokens), greedy; plain: {tokens} tokens, median of {runs} runs; encrypted: {encryptedTokens} tokens, median of {encryptedRuns} runs"));
    Console.WriteLine("| task, path | seconds per token (whole generation) | ms per decode step, median | ms for the first step (session + prompt) | MB sent per generation |");
    Console.WriteLine("|---|---:|---:|---:|---:|");
    Row("plain, in process (client and miner roles, method call)", local);
    Row("plain, over the network (brainport to a miner process)", network);
    Row("encrypted, in process", encrypted);
    Row("encrypted, over the network", encryptedNetwork);

    Console.WriteLine();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"one miner process, users generating {tokens}-token answers in a loop for {seconds} s"));
    Console.WriteLine("| concurrent users | requests/s | generated tokens/s | ms per request, median | failed generations |");
    Console.WriteLine("|---:|---:|---:|---:|---:|");
    foreach (int users in levels)
    {
        (long calls, long generated, double medianMs, int failed, double elapsed) = await LoadAsync(genesis, miner, state.Brain, users);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {users} | {calls / elapsed:0} | {generated / elapsed:0} | {medianMs:0.00} | {failed} |"));
    }
}
finally
{
    await manager.DownAsync();
    try
    {
        Directory.Delete(directory, recursive: true);
    }
    catch (IOException)
    {
    }
}
return 0;

// One warm-up generation, then the runs; every answer must be the plaintext greedy one.
async Task<List<GenerationSession>> MeasureEncryptedAsync(IMinerTransport transport)
{
    var sessions = new List<GenerationSession>();
    for (int run = 0; run <= encryptedRuns; run++)
    {
        GenerationSession session = encryptedClient.Start(Prompt, encryptedRequest);
        await encryptedClient.RunAsync(session, transport);
        if (!session.GeneratedTokens.SequenceEqual(local[0].GeneratedTokens.Take(encryptedTokens)))
        {
            throw new InvalidOperationException("the encrypted task answered other tokens than the plaintext task");
        }
        if (run > 0)
        {
            sessions.Add(session);
        }
    }
    return sessions;
}

async Task<List<GenerationSession>> MeasureAsync(IMinerTransport transport)
{
    var clock = Stopwatch.StartNew();
    while (clock.Elapsed.TotalSeconds < warmup)
    {
        await client.RunAsync(client.Start(Prompt, request), transport);
    }
    var sessions = new List<GenerationSession>();
    for (int run = 0; run < runs; run++)
    {
        GenerationSession session = client.Start(Prompt, request);
        await client.RunAsync(session, transport);
        sessions.Add(session);
    }
    return sessions;
}

// Every user has its own key (brainport nonces increase per sender) and its own connection, made before the clock starts.
async Task<(long Calls, long Tokens, double MedianMs, int Failed, double Seconds)> LoadAsync(Hash32 genesis, MinerCandidate miner, ushort brain, int users)
{
    var clients = Enumerable.Range(0, users).Select(_ => BrainClient.Create(genesis)).ToList();
    try
    {
        var transports = clients.Select(c => new BrainportMinerTransport(c.Brainport, miner.Record.Target, brain, GenerationMessages.TaskName)).ToList();
        await Task.WhenAll(transports.Select(t => client.RunAsync(client.Start(Prompt, request), t)));
        long before = transports.Sum(t => t.Calls);
        var steps = new List<double>();
        long generated = 0;
        int failed = 0;
        var stopwatch = Stopwatch.StartNew();
        await Task.WhenAll(transports.Select(async transport =>
        {
            while (stopwatch.Elapsed.TotalSeconds < seconds)
            {
                GenerationSession session = client.Start(Prompt, request);
                try
                {
                    await client.RunAsync(session, transport);
                }
                catch (BasedAI.Protocols.Brainport.BrainportException)
                {
                    Interlocked.Increment(ref failed);
                }
                Interlocked.Add(ref generated, session.GeneratedTokens.Count);
                lock (steps)
                {
                    steps.AddRange(session.StepTimes.Skip(1).Select(s => s.TotalMilliseconds));
                }
            }
        }));
        double elapsed = stopwatch.Elapsed.TotalSeconds;
        return (transports.Sum(t => t.Calls) - before, generated, Median(steps), failed, elapsed);
    }
    finally
    {
        foreach (BrainClient user in clients)
        {
            await user.DisposeAsync();
        }
    }
}

static async Task<MinerCandidate> FindMinerAsync(LedgerRpcClient rpc, Hash32 genesis, DevnetState state)
{
    await using BrainClient finder = BrainClient.Create(genesis);
    for (int attempt = 0; ; attempt++)
    {
        IReadOnlyList<MinerEntry> miners = await Metagraph.MinersAsync(rpc, state.Brain);
        IReadOnlyList<NodeRecord> records = await finder.FetchRecordsAsync([Multiaddr.Parse(state.Producer.Multiaddr)], state.Brain);
        if (Metagraph.Candidates(miners, records, state.Brain) is [MinerCandidate found])
        {
            return found;
        }
        if (attempt == 60)
        {
            throw new TimeoutException("the devnet's miner did not announce itself within 30 s");
        }
        await Task.Delay(500);
    }
}

static void Row(string path, List<GenerationSession> sessions)
{
    double perToken = Median(sessions.Select(s => s.StepTimes.Sum(t => t.TotalSeconds) / s.GeneratedTokens.Count));
    double decode = Median(sessions.SelectMany(s => s.StepTimes.Skip(1)).Select(t => t.TotalMilliseconds));
    double prompt = Median(sessions.Select(s => s.StepTimes[0].TotalMilliseconds));
    double megabytes = Median(sessions.Select(s => s.BytesSent / 1e6));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {path} | {perToken:0.000000} | {decode:0.000} | {prompt:0.000} | {megabytes:0.000} |"));
}

static double Median(IEnumerable<double> values)
{
    double[] sorted = [.. values.Order()];
    return sorted.Length == 0 ? 0 : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
}

string? Option(string name) => Array.IndexOf(args, name) is int i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;

int Arg(string name, int fallback) => Option(name) is { } value ? int.Parse(value, CultureInfo.InvariantCulture) : fallback;

static string FindRoot()
{
    for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
    {
        if (File.Exists(Path.Combine(directory.FullName, "BasedAI.Host.sln")))
        {
            return directory.FullName;
        }
    }
    throw new InvalidOperationException("BasedAI.Host.sln not found");
}
