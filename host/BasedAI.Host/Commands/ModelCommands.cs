using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using BasedAI.Inference.Formats;
using BasedAI.Inference.Generation;
using BasedAI.Inference.Hub;
using BasedAI.Inference.Model;
using BasedAI.Inference.Tokenizers;

namespace BasedAI.Host.Commands;

/// <summary><c>basedai model pull|run|tokenize|inspect|convert</c>: the transformer engine from the command line.</summary>
internal static class ModelCommands
{
    public static Command Create()
    {
        var model = new Command("model", "Download, run, tokenize, inspect and convert transformer models (GPT-2, Llama; Hugging Face or llama2.c files).");
        model.Subcommands.Add(Pull());
        model.Subcommands.Add(Run());
        model.Subcommands.Add(Tokenize());
        model.Subcommands.Add(Inspect());
        model.Subcommands.Add(Convert());
        return model;
    }

    private sealed class HubOptionSet
    {
        public Option<string> Revision { get; } = new("--revision") { Description = "Branch, tag or commit of a hub model.", DefaultValueFactory = _ => "main" };
        public Option<string?> CacheDir { get; } = new("--cache-dir") { Description = "Hub cache folder (default: $HF_HUB_CACHE, $HF_HOME/hub or ~/.cache/huggingface/hub)." };
        public Option<string?> Endpoint { get; } = new("--endpoint") { Description = "Hub address (default: $HF_ENDPOINT or https://huggingface.co)." };
        public Option<bool> Offline { get; } = new("--offline") { Description = "Use only the local cache (also $HF_HUB_OFFLINE=1)." };

        public void AddTo(Command command)
        {
            command.Options.Add(Revision);
            command.Options.Add(CacheDir);
            command.Options.Add(Endpoint);
            command.Options.Add(Offline);
        }

        public HubOptions Read(ParseResult result)
        {
            var options = new HubOptions();
            if (result.GetValue(CacheDir) is { } cache)
            {
                options = options with { CacheDirectory = cache };
            }
            if (result.GetValue(Endpoint) is { } endpoint)
            {
                options = options with { Endpoint = endpoint };
            }
            return result.GetValue(Offline) ? options with { Offline = true } : options;
        }

        /// <summary>A local path as is; a hub id or URL downloaded (or found in the cache) first.</summary>
        public async Task<string> ResolveAsync(ParseResult result, string model, CancellationToken cancellationToken)
        {
            if (File.Exists(model) || Directory.Exists(model) || !ModelReference.LooksLikeHubReference(model))
            {
                return model;
            }
            using var client = new HubClient(Read(result));
            return await client.DownloadModelAsync(ModelReference.Parse(model, result.GetValue(Revision) is "main" ? null : result.GetValue(Revision)),
                new ProgressBar(), cancellationToken);
        }
    }

    private static Command Pull()
    {
        var id = new Argument<string>("id") { Description = "Model id (owner/name[@revision]) or hub URL." };
        var hub = new HubOptionSet();
        var command = new Command("pull", "Download a model (config, tokenizer, safetensors weights and shards) into the hub cache; prints the snapshot folder.");
        command.Arguments.Add(id);
        hub.AddTo(command);
        command.SetHandler(async (result, cancellationToken) =>
        {
            using var client = new HubClient(hub.Read(result));
            string revision = result.GetValue(hub.Revision)!;
            string snapshot = await client.DownloadModelAsync(ModelReference.Parse(result.GetValue(id)!, revision == "main" ? null : revision),
                new ProgressBar(), cancellationToken);
            Console.Out.WriteLine(snapshot);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Run()
    {
        var modelArgument = new Argument<string>("model") { Description = "Hugging Face model folder, hub id (owner/name) or URL, or a llama2.c .bin checkpoint." };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Tokenizer file (tokenizer.json, tokenizer.model or llama2.c tokenizer.bin); default: found beside the model." };
        var prompt = new Option<string>("--prompt", "-i") { Description = "Prompt text (may be empty: generation starts from BOS).", DefaultValueFactory = _ => "" };
        var maxTokens = new Option<int>("--max-tokens", "-n") { Description = "Most new tokens to generate.", DefaultValueFactory = _ => 256 };
        var temperature = new Option<float>("--temperature", "-t") { Description = "0 = greedy; otherwise sampling temperature.", DefaultValueFactory = _ => 0f };
        var topP = new Option<float>("--top-p", "-p") { Description = "Nucleus sampling threshold in (0, 1); 1 = off.", DefaultValueFactory = _ => 0.9f };
        var topK = new Option<int>("--top-k") { Description = "Sample among the k most likely tokens; 0 = off.", DefaultValueFactory = _ => 0 };
        var seed = new Option<ulong>("--seed", "-s") { Description = "Random seed (llama2.c's generator: same seed, same samples).", DefaultValueFactory = _ => 42UL };
        var threads = new Option<int>("--threads") { Description = "Worker threads (default: all cores).", DefaultValueFactory = _ => Environment.ProcessorCount };
        var int8 = new Option<bool>("--int8") { Description = "Quantize the weights to int8 with per-row scales before running." };
        var stop = new Option<int[]>("--stop-token") { Description = "Token id that ends generation (repeatable; default: the model's EOS ids).", AllowMultipleArgumentsPerToken = true };
        var stats = new Option<bool>("--stats") { Description = "Print prompt/generation timings to stderr." };
        var hub = new HubOptionSet();
        var command = new Command("run", "Generate text. Prints only the text (prompt included) on stdout, streamed token by token, with no trailing newline.");
        command.Arguments.Add(modelArgument);
        foreach (Option option in new Option[] { tokenizer, prompt, maxTokens, temperature, topP, topK, seed, threads, int8, stop, stats })
        {
            command.Options.Add(option);
        }
        hub.AddTo(command);
        command.SetHandler(async (result, cancellationToken) =>
        {
            string path = await hub.ResolveAsync(result, result.GetValue(modelArgument)!, cancellationToken);
            if (result.GetValue(maxTokens) < 0 || result.GetValue(threads) < 1)
            {
                throw new ArgumentException("--max-tokens must be ≥ 0 and --threads ≥ 1");
            }
            LoadedModel loaded = ModelLoader.Load(path, result.GetValue(tokenizer));
            if (result.GetValue(int8))
            {
                loaded.Model.QuantizeInt8();
            }
            var options = new GenerationOptions
            {
                MaxNewTokens = result.GetValue(maxTokens),
                Sampling = new SamplingOptions
                {
                    Temperature = result.GetValue(temperature),
                    TopP = result.GetValue(topP),
                    TopK = result.GetValue(topK),
                    Seed = result.GetValue(seed),
                },
                StopTokens = result.GetValue(stop) is { Length: > 0 } stops ? stops : null,
            };
            using var generator = new Generator(loaded.Model, loaded.Tokenizer, new InferenceOptions { Threads = result.GetValue(threads) });
            using Stream stdout = Console.OpenStandardOutput();
            foreach (GeneratedToken token in generator.Generate(result.GetValue(prompt) ?? "", options, cancellationToken))
            {
                if (token.Text.Length > 0)
                {
                    stdout.Write(Encoding.UTF8.GetBytes(token.Text));
                    stdout.Flush();
                }
            }
            if (result.GetValue(stats))
            {
                GenerationStatistics s = generator.LastStatistics;
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"\nprompt: {s.PromptTokens} tokens in {s.PrefillTime.TotalMilliseconds:F1} ms; generated: {s.GeneratedTokens} tokens, {s.DecodeTokensPerSecond:F1} tokens/s"));
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Tokenize()
    {
        var source = new Argument<string>("tokenizer") { Description = "Tokenizer file (tokenizer.json, .model, llama2.c tokenizer.bin), model folder, llama2.c checkpoint or hub id." };
        var text = new Argument<string>("text") { Description = "Text to encode." };
        var noBos = new Option<bool>("--no-bos") { Description = "Do not put the BOS token first." };
        var hub = new HubOptionSet();
        var command = new Command("tokenize", "Print the token ids of a text, space-separated.");
        command.Arguments.Add(source);
        command.Arguments.Add(text);
        command.Options.Add(noBos);
        hub.AddTo(command);
        command.SetHandler(async (result, cancellationToken) =>
        {
            string path = await hub.ResolveAsync(result, result.GetValue(source)!, cancellationToken);
            ITokenizer tokenizer = Llama2CCheckpoint.IsCheckpoint(path) ? ModelLoader.Load(path).Tokenizer : TokenizerLoader.Load(path);
            IReadOnlyList<int> ids = tokenizer.Encode(result.GetValue(text) ?? "", addBos: !result.GetValue(noBos));
            Console.Out.WriteLine(string.Join(' ', ids));
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Inspect()
    {
        var source = new Argument<string>("model") { Description = "Model folder, hub id, llama2.c checkpoint or a .safetensors file." };
        var hub = new HubOptionSet();
        var command = new Command("inspect", "Show a model's architecture, configuration, parameter count and tensors (canonical names and shapes).");
        command.Arguments.Add(source);
        hub.AddTo(command);
        command.SetHandler(async (result, cancellationToken) =>
        {
            string path = await hub.ResolveAsync(result, result.GetValue(source)!, cancellationToken);
            if (File.Exists(path) && path.EndsWith(".safetensors", StringComparison.OrdinalIgnoreCase) && !File.Exists(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, "config.json")))
            {
                using SafeTensorFile file = SafeTensorFile.Open(path);
                foreach (SafeTensorInfo info in file.Tensors.Values.OrderBy(t => t.Begin))
                {
                    Console.Out.WriteLine($"{info.Name}\t{info.DType}\t{info.ShapeText}");
                }
                return ExitCodes.Success;
            }
            LoadedModel loaded = ModelLoader.Load(path);
            TransformerConfig c = loaded.Model.Config;
            var output = Console.Out;
            output.WriteLine($"format:            {loaded.Format}");
            output.WriteLine($"architecture:      {c.Architecture}");
            output.WriteLine($"parameters:        {loaded.Model.ParameterCount:N0}");
            output.WriteLine($"vocabulary:        {c.VocabSize} (tokenizer: {loaded.Tokenizer.GetType().Name}, {loaded.Tokenizer.VocabSize} tokens)");
            output.WriteLine($"hidden size:       {c.HiddenSize}");
            output.WriteLine($"layers:            {c.LayerCount}");
            output.WriteLine($"heads:             {c.HeadCount} (key/value heads {c.KeyValueHeadCount}, head dim {c.HeadDim})");
            output.WriteLine($"intermediate size: {c.IntermediateSize}");
            output.WriteLine($"max sequence:      {c.MaxSequenceLength}");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"norm epsilon:      {c.NormEpsilon}"));
            if (c.Architecture == ModelArchitecture.Llama)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"rope theta:        {c.RopeTheta}"));
            }
            output.WriteLine($"tied embeddings:   {c.TieWordEmbeddings}");
            output.WriteLine($"bos / eos:         {c.BosTokenId} / {string.Join(',', c.EosTokenIds)}");
            output.WriteLine("tensors:");
            foreach ((string name, BasedAI.Inference.Tensors.Tensor tensor) in loaded.Model.Tensors)
            {
                output.WriteLine($"  {name}\t{tensor.ShapeText}");
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Convert()
    {
        var source = new Argument<string>("source") { Description = "llama2.c checkpoint (.bin) to convert to Hugging Face, or a Hugging Face Llama folder to convert to llama2.c." };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Tokenizer of a llama2.c checkpoint (default: tokenizer.bin or tok{vocab}.bin beside it)." };
        var output = new Option<string>("--output", "-o") { Description = "Output folder.", Required = true };
        var command = new Command("convert", "Convert between llama2.c checkpoints and the Hugging Face Llama layout (safetensors, config.json, tokenizer.json); Q/K rows are permuted for the rotary layout.");
        command.Arguments.Add(source);
        command.Options.Add(tokenizer);
        command.Options.Add(output);
        command.SetHandler(result =>
        {
            LoadedModel loaded = ModelLoader.Load(result.GetValue(source)!, result.GetValue(tokenizer));
            if (loaded.Model.Config.Architecture != ModelArchitecture.Llama || loaded.Tokenizer is not SentencePieceTokenizer sentencePiece)
            {
                throw new ArgumentException("only Llama models with a SentencePiece-style tokenizer can be converted");
            }
            string directory = result.GetValue(output)!;
            if (loaded.Format == "llama2.c")
            {
                HuggingFaceModel.SaveLlama(loaded.Model, sentencePiece, directory);
            }
            else
            {
                Directory.CreateDirectory(directory);
                Llama2CCheckpoint.Save(loaded.Model, Path.Combine(directory, "model.bin"));
                sentencePiece.SaveLlama2C(Path.Combine(directory, "tokenizer.bin"));
            }
            Console.Out.WriteLine(directory);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>A one-line text progress bar on stderr, redrawn at most ten times a second.</summary>
    private sealed class ProgressBar : IProgress<DownloadProgress>
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private string _file = "";
        private long _lastDraw = -1000;

        public void Report(DownloadProgress value)
        {
            bool done = value.Total is long total && value.Downloaded >= total;
            bool newFile = value.File != _file;
            if (!done && !newFile && _clock.ElapsedMilliseconds - _lastDraw < 100)
            {
                return;
            }
            _file = value.File;
            _lastDraw = _clock.ElapsedMilliseconds;
            string line;
            if (value.Total is long size && size > 0)
            {
                double fraction = Math.Clamp((double)value.Downloaded / size, 0, 1);
                int filled = (int)(fraction * 30);
                line = string.Create(CultureInfo.InvariantCulture,
                    $"{value.File,-32} [{new string('#', filled)}{new string('.', 30 - filled)}] {fraction * 100,5:F1}% {value.Downloaded / 1e6:F1}/{size / 1e6:F1} MB");
            }
            else
            {
                line = string.Create(CultureInfo.InvariantCulture, $"{value.File,-32} {value.Downloaded / 1e6:F1} MB");
            }
            if (Console.IsErrorRedirected)
            {
                if (done)
                {
                    Console.Error.WriteLine(line);
                }
                return;
            }
            Console.Error.Write("\r" + line + (done ? "\n" : ""));
        }
    }
}
