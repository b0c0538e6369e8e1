using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using BasedAI.Inference.Formats;
using BasedAI.Inference.Generation;
using BasedAI.Inference.Tokenizers;
using BasedAI.Squeezing;
using BasedAI.Squeezing.Fusion;
using BasedAI.Squeezing.Planning;
using BasedAI.ZkLlm;
using BasedAI.ZkLlm.Client;
using BasedAI.ZkLlm.Miner;
using BasedAI.ZkLlm.Transport;

namespace BasedAI.Host.Commands;

/// <summary>
/// <c>basedai prompt --local</c>: a prompt answered by an encrypted model with client and miner roles in this process,
/// behind the in-process transport (the network path is <see cref="PromptCommands"/>).
/// </summary>
internal static class ZkLlmCommands
{
    /// <summary>The options <c>prompt</c> takes for a local run, beside its own (text, model, tokens, temperature, seed).</summary>
    internal sealed class LocalPromptOptions
    {
        public Option<bool> Local { get; } = new("--local") { Description = "Run the miner role in this process (client and miner exchange only serialized ciphertexts and evaluation keys); needs --model." };

        public Option<ZkLlmMode> Mode { get; } = new("--mode") { Description = "With --local: hybrid (CKKS; the client applies the non-linear steps), full (norms and activations as polynomials on the miner; reduced configuration N=4096, NOT secure), plain (encryption disabled).", DefaultValueFactory = _ => ZkLlmMode.Hybrid };

        public Option<float> TopP { get; } = new("--top-p", "-p") { Description = "With --local: nucleus sampling threshold in (0, 1); 1 = off.", DefaultValueFactory = _ => 0.9f };

        public Option<string?> Tokenizer { get; } = new("--tokenizer") { Description = "With --local: tokenizer file for an unsqueezed model (default: found beside it)." };

        public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "With --local: print only the text (no per-token timings on stderr)." };

        public void AddTo(Command command)
        {
            foreach (Option option in new Option[] { Local, Mode, TopP, Tokenizer, Quiet })
            {
                command.Options.Add(option);
            }
        }
    }

    /// <summary>Runs client and miner roles in this process and prints the decrypted answer (stdout) and per-token timings (stderr).</summary>
    public static async Task<int> RunLocalAsync(ParseResult result, LocalPromptOptions options, string text, string? modelPath, int maxTokens, float temperature, ulong seed, CancellationToken cancellationToken)
    {
        if (modelPath is null)
        {
            throw new ArgumentException("--local needs --model (a squeezed model directory, or a model to run unsqueezed)");
        }
        if (maxTokens < 1)
        {
            throw new ArgumentException("--tokens must be at least 1");
        }
        ZkLlmMode selected = result.GetValue(options.Mode);
        (SqueezedModel squeezed, HePlan plan, ITokenizer tok, string description) = Resolve(modelPath, result.GetValue(options.Tokenizer), selected);
        bool verbose = !result.GetValue(options.Quiet);
        var setup = Stopwatch.StartNew();
        (IZkLlmTransport transport, IDisposable owner, Func<TimeSpan> minerTime) = CreateTarget(squeezed, plan, selected);
        using (owner)
        {
            await using var client = new ZkLlmClient(squeezed, plan, ZkLlmSetup.CreateClient(selected, plan.Ckks), transport);
            if (selected == ZkLlmMode.Full)
            {
                Console.Error.WriteLine($"warning: full mode runs its reduced configuration, N={plan.Ckks.PolyModulusDegree}, which is NOT secure (at 128-bit security its chain needs N=32768, whose Galois keys take about 3.9 GB)");
            }
            await client.OpenAsync(cancellationToken);
            if (verbose)
            {
                string encryption = selected == ZkLlmMode.Plain
                    ? string.Create(CultureInfo.InvariantCulture, $"encryption disabled ({plan.Ckks.Slots} clear slots per vector)")
                    : string.Create(CultureInfo.InvariantCulture, $"CKKS N={plan.Ckks.PolyModulusDegree}, q=[{string.Join(",", plan.Ckks.CoeffModulusBits)}] bits, {(plan.Ckks.SecurityBits == 0 ? "INSECURE" : plan.Ckks.SecurityBits + "-bit")}; {plan.RotationSteps.Length} Galois keys ({client.KeyBytes / 1e6:F1} MB)");
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{description}; mode {selected.ToString().ToLowerInvariant()}; {encryption}; session ready in {setup.Elapsed.TotalSeconds:F1} s"));
            }
            IReadOnlyList<int> prompt = ZkLlmGeneration.EncodePrompt(tok, squeezed.Config, text);
            var sampling = new SamplingOptions { Temperature = temperature, TopP = result.GetValue(options.TopP), Seed = seed };
            var steps = new List<TokenStep>();
            var clock = Stopwatch.StartNew();
            int generated = 0;
            await foreach (EncryptedToken token in ZkLlmGeneration.GenerateAsync(client, tok, squeezed.Config, prompt, maxTokens, sampling, cancellationToken: cancellationToken))
            {
                Console.Write(token.Text);
                if (token.Token < 0)
                {
                    continue;
                }
                steps.Add(token.Step);
                generated += token.IsPrompt ? 0 : 1;
                if (verbose)
                {
                    TokenStep s = token.Step;
                    Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"  [{(token.IsPrompt ? "prompt" : "token")} {s.Position}] {s.Total.TotalMilliseconds:F0} ms (client {s.Client.TotalMilliseconds:F0} ms, miner+transport {s.Exchange.TotalMilliseconds:F0} ms), sent {s.BytesSent / 1e3:F0} kB, received {s.BytesReceived / 1e3:F0} kB, {s.RoundTrips} round trips"));
                }
            }
            Console.WriteLine();
            if (verbose && steps.Count > 0)
            {
                IEnumerable<TokenStep> distinct = steps.DistinctBy(s => s.Position).ToArray();
                double mean = distinct.Average(s => s.Total.TotalSeconds);
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{prompt.Count} prompt + {generated} generated tokens in {clock.Elapsed.TotalSeconds:F1} s: {mean:F3} s/token (client {distinct.Average(s => s.Client.TotalSeconds):F3}, miner compute {minerTime().TotalSeconds / Math.Max(1, distinct.Count()):F3}), {distinct.Average(s => (double)(s.BytesSent + s.BytesReceived)) / 1e6:F2} MB/token"));
            }
        }
        return ExitCodes.Success;
    }

    /// <summary>A squeezed directory as it is; any other model unsqueezed (all heads, no fusion, the 2^28 precision that fits N = 8192).</summary>
    private static (SqueezedModel Model, HePlan Plan, ITokenizer Tokenizer, string Description) Resolve(string path, string? tokenizer, ZkLlmMode mode)
    {
        if (SqueezedArtifact.IsArtifact(path))
        {
            SqueezedArtifact artifact = SqueezedArtifact.Load(path);
            return (artifact.Model, ZkLlmSetup.PlanFor(mode, artifact), artifact.Tokenizer, $"squeezed model {path} ({artifact.Model.KeptHeadCount} heads)");
        }
        LoadedModel loaded = ModelLoader.Load(path, tokenizer);
        SqueezedModel model = SqueezedModel.Build(loaded.Model, SqueezedModel.AllHeads(loaded.Model.Config), FusionOptions.None);
        return (model, ZkLlmSetup.PlanFor(mode, model), loaded.Tokenizer, $"unsqueezed model {path}");
    }

    /// <summary>The miner role in this process behind the in-process transport.</summary>
    private static (IZkLlmTransport Transport, IDisposable Owner, Func<TimeSpan> MinerTime) CreateTarget(SqueezedModel model, HePlan plan, ZkLlmMode mode)
    {
        var miner = new ZkLlmMiner(model, plan, ZkLlmSetup.CreateMiner(mode, plan.Ckks));
        return (new InProcessTransport(miner), miner, () => miner.ComputeTime);
    }
}
