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
/// <c>basedai prompt</c>: a prompt answered by an encrypted model. The client role (keys, tokens, embeddings,
/// non-linear steps) always runs here; <see cref="CreateTarget"/> decides where the miner is: <c>--local</c> runs it in
/// this process behind the in-process transport. A network target (<c>--brain N</c>) plugs in there, giving a transport
/// to a remote miner instead.
/// </summary>
internal static class ZkLlmCommands
{
    public static Command Create()
    {
        var text = new Argument<string>("text") { Description = "The prompt." };
        var local = new Option<bool>("--local") { Description = "Run the miner role in this process (client and miner exchange only serialized ciphertexts and evaluation keys)." };
        var model = new Option<string>("--model", "-m") { Description = "A squeezed model directory (from `basedai squeeze`), or a model (folder or llama2.c .bin) to run unsqueezed.", Required = true };
        var mode = new Option<ZkLlmMode>("--mode") { Description = "hybrid (CKKS; the client applies the non-linear steps), full (norms and activations as polynomials on the miner; reduced configuration N=4096, NOT secure), plain (encryption disabled).", DefaultValueFactory = _ => ZkLlmMode.Hybrid };
        var maxTokens = new Option<int>("--max-tokens", "-n") { Description = "Most new tokens to generate.", DefaultValueFactory = _ => 32 };
        var temperature = new Option<float>("--temperature", "-t") { Description = "0 = greedy; otherwise sampling temperature.", DefaultValueFactory = _ => 0f };
        var topP = new Option<float>("--top-p", "-p") { Description = "Nucleus sampling threshold in (0, 1); 1 = off.", DefaultValueFactory = _ => 0.9f };
        var seed = new Option<ulong>("--seed", "-s") { Description = "Random seed of the sampler.", DefaultValueFactory = _ => 42UL };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Tokenizer file for an unsqueezed model (default: found beside it)." };
        var quiet = new Option<bool>("--quiet", "-q") { Description = "Print only the text (no per-token timings on stderr)." };
        maxTokens.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1)
            {
                r.AddError("--max-tokens must be at least 1");
            }
        });
        var command = new Command("prompt", "Answer a prompt with an encrypted (ZK-LLM) model: prints the decrypted answer, and per-token timings on stderr.");
        command.Arguments.Add(text);
        foreach (Option option in new Option[] { local, model, mode, maxTokens, temperature, topP, seed, tokenizer, quiet })
        {
            command.Options.Add(option);
        }
        command.SetHandler(async (result, cancellationToken) =>
        {
            if (!result.GetValue(local))
            {
                throw new ArgumentException("only --local is available: prompts to a Brain over the network come with the network integration");
            }
            (SqueezedModel squeezed, HePlan plan, ITokenizer tok, string description) = Resolve(result.GetValue(model)!, result.GetValue(tokenizer), result.GetValue(mode));
            ZkLlmMode selected = result.GetValue(mode);
            bool verbose = !result.GetValue(quiet);
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
                IReadOnlyList<int> prompt = ZkLlmGeneration.EncodePrompt(tok, squeezed.Config, result.GetValue(text)!);
                var sampling = new SamplingOptions { Temperature = result.GetValue(temperature), TopP = result.GetValue(topP), Seed = result.GetValue(seed) };
                var steps = new List<TokenStep>();
                var clock = Stopwatch.StartNew();
                int generated = 0;
                await foreach (EncryptedToken token in ZkLlmGeneration.GenerateAsync(client, tok, squeezed.Config, prompt, result.GetValue(maxTokens), sampling, cancellationToken: cancellationToken))
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
        });
        return command;
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

    /// <summary>Where the miner runs. Today: in this process. The network target returns a libp2p transport instead.</summary>
    private static (IZkLlmTransport Transport, IDisposable Owner, Func<TimeSpan> MinerTime) CreateTarget(SqueezedModel model, HePlan plan, ZkLlmMode mode)
    {
        var miner = new ZkLlmMiner(model, plan, ZkLlmSetup.CreateMiner(mode, plan.Ckks));
        return (new InProcessTransport(miner), miner, () => miner.ComputeTime);
    }
}
