using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using BasedAI.Crypto;
using BasedAI.Generation;
using BasedAI.Inference.Formats;
using BasedAI.Inference.Generation;
using BasedAI.Inference.Model;
using BasedAI.Ledger.Chain;
using BasedAI.Ledger.Codec;
using BasedAI.Ledger.Runtime;
using BasedAI.Ledger.State;
using BasedAI.Protocols.Brainport;
using BasedAI.Protocols.Peers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace BasedAI.Node.Roles;

/// <summary>What a validator checks and how often.</summary>
public sealed class ValidatorOptions
{
    /// <summary>The Brain validated.</summary>
    public required ushort Brain { get; init; }

    /// <summary>The unlocked computekey (registered on the Brain as a validator); it signs weights only.</summary>
    public required byte[] Computekey { get; init; }

    /// <summary>The model the Brain serves (the validator computes the expected answers itself).</summary>
    public required string Model { get; init; }

    /// <summary>The task challenged, as users call it: encrypted (default) or plain.</summary>
    public GenerationMode Mode { get; init; } = GenerationMode.Hybrid;

    /// <summary>Time between challenge rounds. Default 10 s.</summary>
    public TimeSpan ChallengeInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Fewest tokens a challenge asks for. Default 4.</summary>
    public int MinTokens { get; init; } = 4;

    /// <summary>Most tokens a challenge asks for. Default 8.</summary>
    public int MaxTokens { get; init; } = 8;

    /// <summary>Deadline of each call to a miner. Default 12 s.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(12);

    /// <summary>Weight of the newest round in a miner's running score (0 to 1). Default 0.5.</summary>
    public double Smoothing { get; init; } = 0.5;
}

/// <summary>A miner's standing with this validator.</summary>
/// <param name="Uid">The miner's UID.</param>
/// <param name="Computekey">Its computekey.</param>
/// <param name="Score">Running score in [0, 1].</param>
/// <param name="Agreement">Agreement of the last challenge in [0, 1].</param>
/// <param name="MillisecondsPerToken">Mean round trip per token of the last challenge (0 when it failed).</param>
/// <param name="Rounds">Challenges sent.</param>
/// <param name="Failures">Challenges that failed (unreachable, refused, timed out).</param>
/// <param name="LastError">Why the last challenge failed, if it did.</param>
public sealed record MinerScore(ushort Uid, EthereumAddress Computekey, double Score, double Agreement, double MillisecondsPerToken, int Rounds, int Failures, string? LastError);

/// <summary>
/// The validator role. Every <see cref="ValidatorOptions.ChallengeInterval"/> it sends each miner of the Brain a challenge: a
/// generation of a random prompt, made exactly as a user's (same task and messages: encrypted by default, under a fresh CKKS key;
/// a fresh libp2p identity and a fresh signing key per round, so a miner cannot tell it from user traffic), whose greedy answer
/// the validator computed itself in plaintext.
/// A miner scores agreement (the share of tokens equal to the expected answer before the first difference) times a latency
/// factor (0.75 to 1, relative to the fastest agreeing miner); scores are smoothed across rounds. Once per tempo, in the second
/// half of it and with a validator permit, the scores go on chain as weights (signed by the computekey, relayed by gossip).
/// </summary>
public sealed partial class ValidatorService : IHostedService, IDisposable
{
    private static readonly string[] Openings =
    [
        "Once upon a time", "One day", "There was a little", "Lily and Ben", "The sun was shining", "Tom had a big",
        "In a small town", "A little bird", "Sue wanted to", "The cat and the dog", "Max found a", "It was a rainy day",
    ];

    private static readonly string[] Subjects = ["girl", "boy", "dog", "cat", "bird", "frog", "bear", "mom", "dad", "friend", "tree", "car"];

    private readonly ChainHost _host;
    private readonly ILogger _logger;
    private readonly byte[] _key;
    private readonly Dictionary<ushort, MinerScore> _scores = [];
    private readonly Dictionary<(string, int), int[]> _expected = [];
    private readonly CancellationTokenSource _stop = new();
    private LoadedModel? _model;
    private ILlmTaskClient? _client;
    private Task? _loop;
    private ulong _lastWeightsEpoch = ulong.MaxValue;
    private int _settingWeights;
    private bool _waitingForPermitLogged;

    /// <summary>A validator on <paramref name="host"/>.</summary>
    public ValidatorService(ChainHost host, ValidatorOptions options, ILoggerFactory loggers)
    {
        _host = host ?? throw new ArgumentNullException(nameof(host));
        Options = options ?? throw new ArgumentNullException(nameof(options));
        ArgumentNullException.ThrowIfNull(loggers);
        if (options.MinTokens < 1 || options.MaxTokens < options.MinTokens || options.Smoothing is <= 0 or > 1)
        {
            throw new ArgumentException("challenge tokens must satisfy 1 <= min <= max, and smoothing must be in (0, 1]");
        }
        _logger = loggers.CreateLogger("BasedAI.Node.Validator");
        _key = options.Computekey.ToArray();
        Computekey = EthereumAddress.FromPrivateKey(_key);
    }

    /// <summary>The settings.</summary>
    public ValidatorOptions Options { get; }

    /// <summary>This validator's computekey address.</summary>
    public EthereumAddress Computekey { get; }

    /// <summary>Challenge rounds completed.</summary>
    public int Rounds { get; private set; }

    /// <summary>The miners' standings.</summary>
    public IReadOnlyList<MinerScore> Scores
    {
        get
        {
            lock (_scores)
            {
                return _scores.Values.OrderBy(s => s.Uid).ToList();
            }
        }
    }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _model = ModelLoader.Load(Options.Model);
        _client = LlmTaskClients.Create(Options.Mode, _model.Model, _model.Tokenizer);
        ushort? uid = OwnUid();
        if (uid is null)
        {
            LogNotRegistered(_logger, Computekey.ToString(), Options.Brain);
        }
        LogStarted(_logger, Options.Brain, uid?.ToString(CultureInfo.InvariantCulture) ?? "-", Computekey.ToString(), Path.GetFileName(Options.Model), LlmTaskClients.Name(Options.Mode));
        await _host.Directory.AnnounceAsync(() => NodeRecord.Sign(_key, _host.Chain.Genesis, Options.Brain, NodeRole.Validator, _host.Peer.PeerId,
            _host.Peer.ListenAddresses, DateTimeOffset.UtcNow), cancellationToken).ConfigureAwait(false);
        _host.Ledger.BlockCommitted += OnBlockCommitted;
        WriteStatus();
        _loop = Task.Run(() => ChallengeLoopAsync(_stop.Token), CancellationToken.None);
    }

    private ushort? OwnUid() => _host.Ledger.Read(chain =>
        chain.State.GetUid(Options.Brain, Computekey) is { } uid && chain.State.GetNeuron(Options.Brain, uid)?.Role == NodeRole.Validator ? uid : (ushort?)null);

    private async Task ChallengeLoopAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await RunRoundAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or InvalidOperationException or ArgumentException or TimeoutException)
                {
                    LogRoundFailed(_logger, e.Message);
                }
                await Task.Delay(Options.ChallengeInterval, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Challenges every miner of the Brain once; returns the samples of this round by UID.</summary>
    public async Task<IReadOnlyDictionary<ushort, double>> RunRoundAsync(CancellationToken cancellationToken = default)
    {
        ILlmTaskClient client = _client ?? throw new InvalidOperationException("the validator has not started");
        IReadOnlyList<MinerEntry> miners = _host.Ledger.Read(chain => chain.State.GetBrain(Options.Brain) is null ? [] : Metagraph.Miners(chain.State, Options.Brain));
        if (miners.Count == 0)
        {
            return new Dictionary<ushort, double>();
        }
        await using BrainClient round = BrainClient.Create(_host.Chain.Genesis, new BrainportClientOptions { Timeout = Options.CallTimeout });
        IEnumerable<NodeRecord> records = _host.Directory.Records(Options.Brain);
        if (miners.Any(m => records.All(r => r.Computekey != m.Computekey)) && _host.BootstrapPeers.Count > 0)
        {
            try
            {
                records = records.Concat(await round.FetchRecordsAsync(_host.BootstrapPeers, Options.Brain, cancellationToken).ConfigureAwait(false));
            }
            catch (IOException e)
            {
                LogRoundFailed(_logger, e.Message);
            }
        }
        IReadOnlyList<MinerCandidate> candidates = Metagraph.Candidates(miners, records, Options.Brain);
        (string prompt, int tokens) = NextChallenge();
        int[] expected = Expected(prompt, tokens);

        var outcomes = new List<(MinerEntry Miner, double Agreement, double MsPerToken, string? Error)>();
        foreach (MinerEntry miner in miners)
        {
            MinerCandidate? candidate = candidates.FirstOrDefault(c => c.Miner.Uid == miner.Uid);
            if (candidate is null)
            {
                outcomes.Add((miner, 0, 0, "no peer record (the miner is not announced)"));
                continue;
            }
            GenerationSession session = client.Start(prompt, new GenerationRequest { MaxNewTokens = tokens });
            IReadOnlyList<PromptAttempt> attempts = await round.GenerateAsync(client, session, Options.Brain, [candidate], Options.CallTimeout, cancellationToken: cancellationToken).ConfigureAwait(false);
            string? error = attempts[^1].Error;
            double msPerToken = session.StepTimes.Count == 0 ? 0 : session.StepTimes.Average(t => t.TotalMilliseconds);
            outcomes.Add((miner, error is null ? Agreement(expected, session.GeneratedTokens) : 0, error is null ? msPerToken : 0, error));
        }

        double fastest = outcomes.Where(o => o.Agreement > 0 && o.MsPerToken > 0).Select(o => o.MsPerToken).DefaultIfEmpty(0).Min();
        var samples = new Dictionary<ushort, double>();
        lock (_scores)
        {
            foreach ((MinerEntry miner, double agreement, double msPerToken, string? error) in outcomes)
            {
                double speed = msPerToken > 0 && fastest > 0 ? 0.75 + 0.25 * Math.Min(1, fastest / msPerToken) : 0.75;
                double sample = agreement * speed;
                samples[miner.Uid] = sample;
                MinerScore? previous = _scores.GetValueOrDefault(miner.Uid);
                if (previous is not null && previous.Computekey != miner.Computekey)
                {
                    previous = null; // The UID was taken over by another node: its history is not this one's.
                }
                double score = previous is null ? sample : (1 - Options.Smoothing) * previous.Score + Options.Smoothing * sample;
                _scores[miner.Uid] = new MinerScore(miner.Uid, miner.Computekey, score, agreement, msPerToken,
                    (previous?.Rounds ?? 0) + 1, (previous?.Failures ?? 0) + (error is null ? 0 : 1), error);
                LogChallenge(_logger, miner.Uid, agreement, msPerToken, score, error ?? "ok");
            }
            foreach (ushort gone in _scores.Keys.Where(uid => miners.All(m => m.Uid != uid)).ToList())
            {
                _scores.Remove(gone);
            }
        }
        Rounds++;
        WriteStatus();
        return samples;
    }

    private (string Prompt, int Tokens) NextChallenge()
    {
        string opening = Openings[RandomNumberGenerator.GetInt32(Openings.Length)];
        string prompt = RandomNumberGenerator.GetInt32(2) == 0 ? opening : $"{opening} {Subjects[RandomNumberGenerator.GetInt32(Subjects.Length)]}";
        return (prompt, RandomNumberGenerator.GetInt32(Options.MinTokens, Options.MaxTokens + 1));
    }

    // The validator's own answer: the same model, greedily, in process.
    private int[] Expected(string prompt, int tokens)
    {
        lock (_expected)
        {
            if (_expected.TryGetValue((prompt, tokens), out int[]? cached))
            {
                return cached;
            }
        }
        using var generator = new Generator(_model!.Model, _model.Tokenizer, new InferenceOptions { Threads = 1 });
        int[] answer = generator.Generate(prompt, new GenerationOptions { MaxNewTokens = tokens })
            .Where(t => !t.IsPrompt && t.Id >= 0).Select(t => t.Id).ToArray();
        lock (_expected)
        {
            _expected[(prompt, tokens)] = answer;
        }
        return answer;
    }

    /// <summary>The share of tokens equal to the expected answer before the first difference.</summary>
    public static double Agreement(IReadOnlyList<int> expected, IReadOnlyList<int> actual)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(actual);
        int length = Math.Max(expected.Count, actual.Count);
        if (length == 0)
        {
            return 1;
        }
        int same = 0;
        while (same < expected.Count && same < actual.Count && expected[same] == actual[same])
        {
            same++;
        }
        return (double)same / length;
    }

    private void OnBlockCommitted(CommittedBlock committed)
    {
        if (Interlocked.CompareExchange(ref _settingWeights, 1, 0) != 0)
        {
            return;
        }
        ulong height = committed.Block.Header.Height;
        _ = Task.Run(() =>
        {
            try
            {
                MaybeSetWeights(height);
            }
            finally
            {
                Volatile.Write(ref _settingWeights, 0);
            }
        });
    }

    private void MaybeSetWeights(ulong height)
    {
        (BrainRecord? brain, NeuronRecord? self, ulong nonce, Hash32 genesis) = _host.Ledger.Read(chain =>
        {
            BrainRecord? b = chain.State.GetBrain(Options.Brain);
            ushort? uid = b is null ? null : chain.State.GetUid(Options.Brain, Computekey);
            return (b, uid is { } u ? chain.State.GetNeuron(Options.Brain, u) : null, chain.State.GetAccount(Computekey).Nonce, chain.GenesisHash);
        });
        if (brain is null || self is null || self.Role != NodeRole.Validator || Rounds == 0)
        {
            return;
        }
        ulong length = (ulong)brain.Hyperparameters.Tempo + 1;
        ulong epoch = (height + brain.Id + 1) / length;
        ulong phase = (height + brain.Id + 1) % length;
        if (epoch == _lastWeightsEpoch || phase < length / 2)
        {
            return;
        }
        if (!self.ValidatorPermit)
        {
            if (!_waitingForPermitLogged)
            {
                LogWaitingForPermit(_logger, height + length - phase);
                _waitingForPermitLogged = true;
            }
            return;
        }
        IReadOnlyList<MinerScore> scores = Scores;
        double best = scores.Select(s => s.Score).DefaultIfEmpty(0).Max();
        if (best <= 0)
        {
            return;
        }
        MinerScore[] weighted = scores.Where(s => s.Score > 0).ToArray();
        ushort[] uids = weighted.Select(s => s.Uid).ToArray();
        ushort[] values = weighted.Select(s => (ushort)Math.Round(s.Score / best * ushort.MaxValue)).ToArray();
        Extrinsic extrinsic = Extrinsic.Sign(genesis, nonce, 0, new SetWeightsCall(Options.Brain, uids, values), _key);
        try
        {
            _host.Ledger.Submit(extrinsic.Encoded);
            _lastWeightsEpoch = epoch;
            LogWeights(_logger, height, string.Join(' ', uids.Zip(values, (u, v) => $"{u}:{v}")));
        }
        catch (BlockRejectedException e)
        {
            LogWeightsRefused(_logger, e.Message);
        }
    }

    private void WriteStatus()
    {
        _host.WriteNodeFile(new JsonObject
        {
            ["brain"] = Options.Brain,
            ["computekey"] = Computekey.ToString(),
            ["uid"] = OwnUid(),
            ["rounds"] = Rounds,
            ["scores"] = new JsonArray(Scores.Select(s => (JsonNode)new JsonObject
            {
                ["uid"] = s.Uid,
                ["computekey"] = s.Computekey.ToString(),
                ["score"] = Math.Round(s.Score, 4),
                ["agreement"] = Math.Round(s.Agreement, 4),
                ["ms_per_token"] = Math.Round(s.MillisecondsPerToken, 3),
                ["rounds"] = s.Rounds,
                ["failures"] = s.Failures,
                ["last_error"] = s.LastError,
            }).ToArray<JsonNode?>()),
        });
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _host.Ledger.BlockCommitted -= OnBlockCommitted;
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }
    }

    /// <summary>Wipes the computekey.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_key);
        _stop.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "validator: Brain {Brain} UID {Uid}, computekey {Computekey}, reference model {Model}, {Task} task")]
    private static partial void LogStarted(ILogger logger, ushort brain, string uid, string computekey, string model, string task);

    [LoggerMessage(Level = LogLevel.Warning, Message = "validator: computekey {Computekey} is not registered on Brain {Brain}; memorize it (basedai memorize --role validator)")]
    private static partial void LogNotRegistered(ILogger logger, string computekey, ushort brain);

    [LoggerMessage(Level = LogLevel.Information, Message = "challenge: UID {Uid} agreement {Agreement:0.00}, {MsPerToken:0.0} ms/token, score {Score:0.000} ({Outcome})")]
    private static partial void LogChallenge(ILogger logger, ushort uid, double agreement, double msPerToken, double score, string outcome);

    [LoggerMessage(Level = LogLevel.Warning, Message = "challenge round failed: {Reason}")]
    private static partial void LogRoundFailed(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "validator: no validator permit yet; it comes with the epoch at block {Block}")]
    private static partial void LogWaitingForPermit(ILogger logger, ulong block);

    [LoggerMessage(Level = LogLevel.Information, Message = "weights submitted at block {Height}: {Weights}")]
    private static partial void LogWeights(ILogger logger, ulong height, string weights);

    [LoggerMessage(Level = LogLevel.Warning, Message = "weights refused: {Reason}")]
    private static partial void LogWeightsRefused(ILogger logger, string reason);
}
