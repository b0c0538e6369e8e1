using System.Diagnostics;
using System.Globalization;
using BasedAI.Inference.Formats;
using BasedAI.Inference.Generation;
using BasedAI.Inference.Model;
using BasedAI.Inference.Tensors;
using BasedAI.Inference.Tokenizers;

// Token-generation benchmark of the inference engine (see docs/benchmarks.md, section Inference).
//   stories260k [--threads N] [--tokens N] [--runs N] [--int8]   llama2.c's stories260K through Generator (tokenizer included)
//   gpt2-124m   [--threads N] [--tokens N] [--runs N] [--int8]   GPT-2-124M shape, random weights generated now
//   llama-124m  [--threads N] [--tokens N] [--runs N] [--int8]   Llama with GPT-2-124M dimensions, random weights
//   (the 124m modes also time a batched 128-token prefill)
//   export-llama-124m <dir>                                        writes that Llama model as llama2.c files, for run.c
string mode = args.Length > 0 ? args[0] : "stories260k";
int Option(string name, int fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}
int threads = Option("--threads", Environment.ProcessorCount);
int runs = Option("--runs", 5);
bool int8 = args.Contains("--int8");

switch (mode)
{
    case "stories260k":
    {
        string root = FindRoot();
        string models = Path.Combine(root, "..", "shared", "models", "stories260K");
        LoadedModel loaded = ModelLoader.Load(Path.Combine(models, "stories260K.bin"), Path.Combine(models, "tok512.bin"));
        if (int8)
        {
            loaded.Model.QuantizeInt8();
        }
        int tokens = Option("--tokens", 256);
        using var generator = new Generator(loaded.Model, loaded.Tokenizer, new InferenceOptions { Threads = threads });
        var rates = new List<double>();
        var options = new GenerationOptions { MaxNewTokens = tokens - 1, StopTokens = [] };
        // Warm up for a few seconds so tiered JIT compilation (and PGO) reaches steady state before measuring.
        var warmup = Stopwatch.StartNew();
        while (warmup.Elapsed < TimeSpan.FromSeconds(3))
        {
            foreach (GeneratedToken _ in generator.Generate("", options))
            {
            }
        }
        for (int run = 0; run < runs; run++)
        {
            foreach (GeneratedToken _ in generator.Generate("", options))
            {
            }
            rates.Add(generator.LastStatistics.DecodeTokensPerSecond);
        }
        Report($"stories260K {(int8 ? "int8" : "f32")} threads={threads} steps={tokens}", rates);
        break;
    }
    case "gpt2-124m" or "llama-124m":
    {
        bool gpt2 = mode == "gpt2-124m";
        TransformerModel model = RandomModel(gpt2 ? ModelArchitecture.Gpt2 : ModelArchitecture.Llama);
        if (int8)
        {
            model.QuantizeInt8();
        }
        int tokens = Option("--tokens", 64);
        using InferenceSession session = model.CreateSession(new InferenceOptions { Threads = threads, MaxSequenceLength = 1024 });
        var rates = new List<double>();
        for (int run = -1; run < runs; run++)
        {
            session.Reset();
            int token = 1;
            token = Sampler.ArgMax(session.Forward([token]));
            var clock = Stopwatch.StartNew();
            for (int i = 1; i < tokens; i++)
            {
                token = Sampler.ArgMax(session.Forward([token]));
            }
            if (run >= 0)
            {
                rates.Add((tokens - 1) / clock.Elapsed.TotalSeconds);
            }
        }
        Report($"{mode} {(int8 ? "int8" : "f32")} threads={threads} steps={tokens}", rates);
        // Batched prefill: a 128-token prompt in chunks of 64 rows (matrix-matrix products).
        int[] prompt = Enumerable.Range(0, 128).Select(i => (i * 7919) % model.Config.VocabSize).ToArray();
        var prefill = new List<double>();
        for (int run = -1; run < Math.Max(1, runs / 2); run++)
        {
            session.Reset();
            var clock = Stopwatch.StartNew();
            session.Forward(prompt);
            if (run >= 0)
            {
                prefill.Add(prompt.Length / clock.Elapsed.TotalSeconds);
            }
        }
        Report($"{mode} {(int8 ? "int8" : "f32")} threads={threads} prefill 128 tokens (prompt tokens/s)", prefill);
        break;
    }
    case "export-llama-124m":
    {
        string dir = args.Length > 1 ? args[1] : throw new ArgumentException("usage: export-llama-124m <dir>");
        Directory.CreateDirectory(dir);
        TransformerModel model = RandomModel(ModelArchitecture.Llama);
        Llama2CCheckpoint.Save(model, Path.Combine(dir, "llama124m.bin"));
        // run.c needs a tokenizer with one piece per id; synthetic pieces suffice for timing.
        int vocab = model.Config.VocabSize;
        var pieces = Enumerable.Range(0, vocab).Select(i => i switch { 0 => "<unk>", 1 => "<s>", 2 => "</s>", _ => $"t{i}" }).ToArray();
        var kinds = pieces.Select((_, i) => i is 1 or 2 ? PieceKind.Control : i == 0 ? PieceKind.Unknown : PieceKind.Normal).ToArray();
        new SentencePieceTokenizer(pieces, pieces.Select((_, i) => -(float)i).ToArray(), kinds, 0, 1, 2).SaveLlama2C(Path.Combine(dir, "tokenizer.bin"));
        Console.WriteLine($"wrote {dir}/llama124m.bin and tokenizer.bin ({model.ParameterCount:N0} parameters)");
        break;
    }
    default:
        Console.Error.WriteLine("modes: stories260k | gpt2-124m | llama-124m | export-llama-124m <dir>");
        return 2;
}
return 0;

static void Report(string name, List<double> rates)
{
    rates.Sort();
    double peakMiB = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{name}: best {rates[^1]:F1} tokens/s, median {rates[rates.Count / 2]:F1} (min {rates[0]:F1}, {rates.Count} runs), peak working set {peakMiB:F0} MiB"));
}

// GPT-2-124M dimensions: 12 layers, 768 wide, 12 heads, MLP 3072, 50257 tokens, 1024 positions. Weights ~N(0, 0.02).
static TransformerModel RandomModel(ModelArchitecture architecture)
{
    bool gpt2 = architecture == ModelArchitecture.Gpt2;
    var config = new TransformerConfig
    {
        Architecture = architecture, VocabSize = 50257, HiddenSize = 768, LayerCount = 12, HeadCount = 12, KeyValueHeadCount = 12,
        IntermediateSize = 3072, MaxSequenceLength = 1024, TieWordEmbeddings = true,
    };
    var random = new Random(2024);
    var tensors = new Dictionary<string, Tensor>();
    void Add(string name, params int[] shape)
    {
        var t = new Tensor(name, shape);
        bool norm = name.Contains("norm", StringComparison.Ordinal) && name.EndsWith("weight", StringComparison.Ordinal);
        for (int i = 0; i < t.Data.Length; i++)
        {
            t.Data[i] = norm ? 1f : (random.NextSingle() - 0.5f) * 0.07f;
        }
        tensors[name] = t;
    }
    int d = 768, f = 3072;
    Add("embed.tokens.weight", 50257, d);
    if (gpt2)
    {
        Add("embed.positions.weight", 1024, d);
    }
    for (int l = 0; l < 12; l++)
    {
        string p = $"layers.{l}.";
        foreach (string n in new[] { "attn.q", "attn.k", "attn.v", "attn.o" })
        {
            Add(p + n + ".weight", d, d);
            if (gpt2) Add(p + n + ".bias", d);
        }
        foreach (string n in new[] { "attn_norm", "mlp_norm" })
        {
            Add(p + n + ".weight", d);
            if (gpt2) Add(p + n + ".bias", d);
        }
        Add(p + "mlp.up.weight", f, d);
        if (gpt2) Add(p + "mlp.up.bias", f); else Add(p + "mlp.gate.weight", f, d);
        Add(p + "mlp.down.weight", d, f);
        if (gpt2) Add(p + "mlp.down.bias", d);
    }
    Add("final_norm.weight", d);
    if (gpt2) Add("final_norm.bias", d);
    return TransformerModel.Create(config, tensors);
}

static string FindRoot()
{
    for (string? dir = AppContext.BaseDirectory; dir != null; dir = Path.GetDirectoryName(dir))
    {
        if (File.Exists(Path.Combine(dir, "BasedAI.Host.sln")))
        {
            return dir;
        }
    }
    throw new InvalidOperationException("repository root (BasedAI.Host.sln) not found");
}
