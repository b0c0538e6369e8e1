using System.Globalization;
using System.Text.Json;
using BasedAI.Inference.Model;
using BasedAI.Inference.Tensors;
using BasedAI.Inference.Tokenizers;

namespace BasedAI.Inference.Formats;

/// <summary>
/// Hugging Face model directories: <c>config.json</c> (model_type <c>gpt2</c> or <c>llama</c>), weights in
/// <c>model.safetensors</c> or shards listed by <c>model.safetensors.index.json</c>, optional
/// <c>generation_config.json</c>. Tensor names are mapped to the engine's canonical names; GPT-2's Conv1D weights
/// ([in, out], Q/K/V packed in <c>c_attn</c>) are transposed and split.
/// </summary>
public static class HuggingFaceModel
{
    /// <summary>Reads <c>config.json</c> (and <c>generation_config.json</c> when present) into a <see cref="TransformerConfig"/>.</summary>
    public static TransformerConfig ReadConfig(string directory)
    {
        string path = Path.Combine(directory, "config.json");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"no config.json in {directory}", path);
        }
        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
            JsonElement c = document.RootElement;
            string modelType = c.TryGetProperty("model_type", out JsonElement mt) && mt.ValueKind == JsonValueKind.String ? mt.GetString()! : "";
            TransformerConfig config = modelType switch
            {
                "gpt2" => Gpt2Config(c),
                "llama" => LlamaConfig(c),
                _ => throw new InvalidDataException($"unknown model_type '{modelType}' (supported: gpt2, llama)"),
            };
            string generation = Path.Combine(directory, "generation_config.json");
            if (File.Exists(generation))
            {
                using JsonDocument g = JsonDocument.Parse(File.ReadAllBytes(generation));
                if (g.RootElement.TryGetProperty("eos_token_id", out JsonElement eos))
                {
                    config = config with { EosTokenIds = Ids(eos) };
                }
            }
            config.Validate();
            return config;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException or InvalidDataException)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    private static int Int(JsonElement c, string name, int? fallback = null)
    {
        if (c.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number)
        {
            return v.GetInt32();
        }
        return fallback ?? throw new InvalidDataException($"config is missing the integer '{name}'");
    }

    private static float Float(JsonElement c, string name, float fallback) =>
        c.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number ? v.GetSingle() : fallback;

    private static int[] Ids(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Number => [e.GetInt32()],
        JsonValueKind.Array => e.EnumerateArray().Select(x => x.GetInt32()).ToArray(),
        _ => [],
    };

    private static TransformerConfig Gpt2Config(JsonElement c)
    {
        string activation = c.TryGetProperty("activation_function", out JsonElement a) ? a.GetString() ?? "gelu_new" : "gelu_new";
        if (activation is not ("gelu_new" or "gelu_pytorch_tanh" or "gelu_fast"))
        {
            throw new InvalidDataException($"GPT-2 activation '{activation}' is not supported (the engine implements the tanh GELU, gelu_new)");
        }
        int hidden = Int(c, "n_embd");
        int heads = Int(c, "n_head");
        int eos = Int(c, "eos_token_id", -1);
        return new TransformerConfig
        {
            Architecture = ModelArchitecture.Gpt2,
            VocabSize = Int(c, "vocab_size"),
            HiddenSize = hidden,
            LayerCount = Int(c, "n_layer"),
            HeadCount = heads,
            KeyValueHeadCount = heads,
            IntermediateSize = c.TryGetProperty("n_inner", out JsonElement inner) && inner.ValueKind == JsonValueKind.Number ? inner.GetInt32() : 4 * hidden,
            MaxSequenceLength = Int(c, "n_positions", Int(c, "n_ctx", 1024)),
            NormEpsilon = Float(c, "layer_norm_epsilon", 1e-5f),
            TieWordEmbeddings = true,
            BosTokenId = Int(c, "bos_token_id", -1),
            EosTokenIds = eos >= 0 ? [eos] : [],
        };
    }

    private static TransformerConfig LlamaConfig(JsonElement c)
    {
        string act = c.TryGetProperty("hidden_act", out JsonElement a) ? a.GetString() ?? "silu" : "silu";
        if (act != "silu")
        {
            throw new InvalidDataException($"Llama hidden_act '{act}' is not supported (only silu)");
        }
        if (c.TryGetProperty("rope_scaling", out JsonElement scaling) && scaling.ValueKind != JsonValueKind.Null)
        {
            throw new InvalidDataException("Llama rope_scaling is not supported");
        }
        if ((c.TryGetProperty("attention_bias", out JsonElement ab) && ab.ValueKind == JsonValueKind.True) ||
            (c.TryGetProperty("mlp_bias", out JsonElement mb) && mb.ValueKind == JsonValueKind.True))
        {
            throw new InvalidDataException("Llama attention_bias/mlp_bias are not supported");
        }
        int hidden = Int(c, "hidden_size");
        int heads = Int(c, "num_attention_heads");
        if (c.TryGetProperty("head_dim", out JsonElement hd) && hd.ValueKind == JsonValueKind.Number && hd.GetInt32() * heads != hidden)
        {
            throw new InvalidDataException($"Llama head_dim {hd.GetInt32()} × {heads} heads differs from hidden_size {hidden}; not supported");
        }
        return new TransformerConfig
        {
            Architecture = ModelArchitecture.Llama,
            VocabSize = Int(c, "vocab_size"),
            HiddenSize = hidden,
            LayerCount = Int(c, "num_hidden_layers"),
            HeadCount = heads,
            KeyValueHeadCount = Int(c, "num_key_value_heads", heads),
            IntermediateSize = Int(c, "intermediate_size"),
            MaxSequenceLength = Int(c, "max_position_embeddings", 2048),
            NormEpsilon = Float(c, "rms_norm_eps", 1e-6f),
            RopeTheta = Float(c, "rope_theta", 10000f),
            TieWordEmbeddings = c.TryGetProperty("tie_word_embeddings", out JsonElement tie) && tie.ValueKind == JsonValueKind.True,
            BosTokenId = Int(c, "bos_token_id", -1),
            EosTokenIds = c.TryGetProperty("eos_token_id", out JsonElement eos) ? Ids(eos) : [],
        };
    }

    /// <summary>The safetensors files of a model directory: the shards of the index, or <c>model.safetensors</c>.</summary>
    public static IReadOnlyList<string> WeightFiles(string directory)
    {
        string index = Path.Combine(directory, "model.safetensors.index.json");
        if (File.Exists(index))
        {
            try
            {
                using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(index));
                return document.RootElement.GetProperty("weight_map").EnumerateObject()
                    .Select(p => p.Value.GetString() ?? throw new InvalidDataException($"weight_map entry '{p.Name}' is not a file name"))
                    .Distinct().Select(f => Path.Combine(directory, f)).ToArray();
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new InvalidDataException($"{index}: malformed shard index ({e.Message})", e);
            }
        }
        string single = Path.Combine(directory, "model.safetensors");
        return File.Exists(single) ? [single] :
            throw new FileNotFoundException($"no model.safetensors or model.safetensors.index.json in {directory}");
    }

    /// <summary>Loads a Hugging Face GPT-2 or Llama directory.</summary>
    public static TransformerModel Load(string directory)
    {
        TransformerConfig config = ReadConfig(directory);
        var raw = new Dictionary<string, (SafeTensorFile File, SafeTensorInfo Info)>(StringComparer.Ordinal);
        var files = new List<SafeTensorFile>();
        try
        {
            foreach (string path in WeightFiles(directory))
            {
                SafeTensorFile file = SafeTensorFile.Open(path);
                files.Add(file);
                foreach (SafeTensorInfo info in file.Tensors.Values)
                {
                    raw[info.Name] = (file, info);
                }
            }
            var tensors = config.Architecture == ModelArchitecture.Gpt2 ? MapGpt2(config, raw) : MapLlama(config, raw);
            return TransformerModel.Create(config, tensors);
        }
        finally
        {
            foreach (SafeTensorFile file in files)
            {
                file.Dispose();
            }
        }
    }

    private static Dictionary<string, Tensor> MapGpt2(TransformerConfig config, Dictionary<string, (SafeTensorFile File, SafeTensorInfo Info)> raw)
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        int d = config.HiddenSize;
        foreach ((string fullName, (SafeTensorFile file, SafeTensorInfo info)) in raw)
        {
            string name = fullName.StartsWith("transformer.", StringComparison.Ordinal) ? fullName["transformer.".Length..] : fullName;
            // Causal-mask buffers of old checkpoints and the tied LM head carry no parameters of their own.
            if (name.EndsWith(".attn.bias", StringComparison.Ordinal) || name.EndsWith(".attn.masked_bias", StringComparison.Ordinal) || name == "lm_head.weight")
            {
                continue;
            }
            Tensor Read(string canonical) => file.Read(fullName, canonical);
            string[] parts = name.Split('.');
            if (name == "wte.weight")
            {
                tensors["embed.tokens.weight"] = Read("embed.tokens.weight");
            }
            else if (name == "wpe.weight")
            {
                tensors["embed.positions.weight"] = Read("embed.positions.weight");
            }
            else if (parts.Length == 2 && parts[0] == "ln_f")
            {
                tensors["final_norm." + parts[1]] = Read("final_norm." + parts[1]);
            }
            else if (parts.Length >= 4 && parts[0] == "h" && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int layer))
            {
                string p = $"layers.{layer}.", rest = string.Join('.', parts[2..]);
                switch (rest)
                {
                    case "ln_1.weight": case "ln_1.bias": tensors[p + "attn_norm." + parts[^1]] = Read(p + "attn_norm." + parts[^1]); break;
                    case "ln_2.weight": case "ln_2.bias": tensors[p + "mlp_norm." + parts[^1]] = Read(p + "mlp_norm." + parts[^1]); break;
                    case "attn.c_attn.weight":
                    {
                        Tensor packed = Read(name);
                        RequireShape(packed, fullName, d, 3 * d);
                        float[] t = Transpose(packed.Data, d, 3 * d);
                        string[] names = ["q", "k", "v"];
                        for (int k = 0; k < 3; k++)
                        {
                            string n = $"{p}attn.{names[k]}.weight";
                            tensors[n] = new Tensor(n, [d, d], t.AsSpan(k * d * d, d * d).ToArray());
                        }
                        break;
                    }
                    case "attn.c_attn.bias":
                    {
                        Tensor packed = Read(name);
                        RequireShape(packed, fullName, 3 * d);
                        string[] names = ["q", "k", "v"];
                        for (int k = 0; k < 3; k++)
                        {
                            string n = $"{p}attn.{names[k]}.bias";
                            tensors[n] = new Tensor(n, [d], packed.Data.AsSpan(k * d, d).ToArray());
                        }
                        break;
                    }
                    case "attn.c_proj.weight": tensors[p + "attn.o.weight"] = Conv1D(Read(name), fullName, p + "attn.o.weight"); break;
                    case "attn.c_proj.bias": tensors[p + "attn.o.bias"] = Read(p + "attn.o.bias"); break;
                    case "mlp.c_fc.weight": tensors[p + "mlp.up.weight"] = Conv1D(Read(name), fullName, p + "mlp.up.weight"); break;
                    case "mlp.c_fc.bias": tensors[p + "mlp.up.bias"] = Read(p + "mlp.up.bias"); break;
                    case "mlp.c_proj.weight": tensors[p + "mlp.down.weight"] = Conv1D(Read(name), fullName, p + "mlp.down.weight"); break;
                    case "mlp.c_proj.bias": tensors[p + "mlp.down.bias"] = Read(p + "mlp.down.bias"); break;
                    default: throw new InvalidDataException($"unexpected GPT-2 tensor '{fullName}'");
                }
            }
            else
            {
                throw new InvalidDataException($"unexpected GPT-2 tensor '{fullName}'");
            }
        }
        return tensors;
    }

    private static void RequireShape(Tensor t, string name, params int[] shape)
    {
        if (!t.Shape.SequenceEqual(shape))
        {
            throw new InvalidDataException($"tensor '{name}' has shape {t.ShapeText}, but the config implies [{string.Join(", ", shape)}]");
        }
    }

    /// <summary>GPT-2's Conv1D stores [in, out]; the engine wants [out, in].</summary>
    private static Tensor Conv1D(Tensor t, string name, string canonical)
    {
        if (t.Shape.Length != 2)
        {
            throw new InvalidDataException($"tensor '{name}' must be 2-D, got {t.ShapeText}");
        }
        return new Tensor(canonical, [t.Shape[1], t.Shape[0]], Transpose(t.Data, t.Shape[0], t.Shape[1]));
    }

    private static float[] Transpose(float[] data, int rows, int columns)
    {
        var result = new float[data.Length];
        for (int r = 0; r < rows; r++)
        {
            for (int c = 0; c < columns; c++)
            {
                result[(c * rows) + r] = data[(r * columns) + c];
            }
        }
        return result;
    }

    private static readonly Dictionary<string, string> LlamaLayerNames = new(StringComparer.Ordinal)
    {
        ["input_layernorm.weight"] = "attn_norm.weight",
        ["self_attn.q_proj.weight"] = "attn.q.weight",
        ["self_attn.k_proj.weight"] = "attn.k.weight",
        ["self_attn.v_proj.weight"] = "attn.v.weight",
        ["self_attn.o_proj.weight"] = "attn.o.weight",
        ["post_attention_layernorm.weight"] = "mlp_norm.weight",
        ["mlp.gate_proj.weight"] = "mlp.gate.weight",
        ["mlp.up_proj.weight"] = "mlp.up.weight",
        ["mlp.down_proj.weight"] = "mlp.down.weight",
    };

    private static Dictionary<string, Tensor> MapLlama(TransformerConfig config, Dictionary<string, (SafeTensorFile File, SafeTensorInfo Info)> raw)
    {
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach ((string name, (SafeTensorFile file, _)) in raw)
        {
            string? canonical = name switch
            {
                "model.embed_tokens.weight" => "embed.tokens.weight",
                "model.norm.weight" => "final_norm.weight",
                "lm_head.weight" => config.TieWordEmbeddings ? null : "lm_head.weight",
                _ when name.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal) => null,
                _ => LayerName(name),
            };
            if (canonical != null)
            {
                tensors[canonical] = file.Read(name, canonical);
            }
        }
        return tensors;

        static string LayerName(string name)
        {
            string[] parts = name.Split('.', 4);
            if (parts.Length == 4 && parts[0] == "model" && parts[1] == "layers" &&
                int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out int layer) &&
                LlamaLayerNames.TryGetValue(parts[3], out string? rest))
            {
                return $"layers.{layer}.{rest}";
            }
            throw new InvalidDataException($"unexpected Llama tensor '{name}'");
        }
    }

    /// <summary>
    /// Writes a float32 Llama model (and its SentencePiece tokenizer) as a Hugging Face directory: config.json,
    /// generation_config.json, model.safetensors, tokenizer.json, tokenizer_config.json.
    /// </summary>
    public static void SaveLlama(TransformerModel model, SentencePieceTokenizer tokenizer, string directory)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        TransformerConfig c = model.Config;
        if (c.Architecture != ModelArchitecture.Llama || model.IsQuantized)
        {
            throw new ArgumentException("only float32 Llama models can be saved in the Hugging Face Llama layout", nameof(model));
        }
        Directory.CreateDirectory(directory);
        var tensors = new List<Tensor> { Rename(model.TokenEmbedding, "model.embed_tokens.weight"), Rename(model.FinalNorm.Scale, "model.norm.weight") };
        if (!c.TieWordEmbeddings)
        {
            tensors.Add(Rename(model.LmHead.Weight!, "lm_head.weight"));
        }
        foreach (TransformerBlock b in model.Blocks)
        {
            string p = $"model.layers.{b.Index}.";
            tensors.Add(Rename(b.AttentionNorm.Scale, p + "input_layernorm.weight"));
            tensors.Add(Rename(b.Query.Weight!, p + "self_attn.q_proj.weight"));
            tensors.Add(Rename(b.Key.Weight!, p + "self_attn.k_proj.weight"));
            tensors.Add(Rename(b.Value.Weight!, p + "self_attn.v_proj.weight"));
            tensors.Add(Rename(b.Output.Weight!, p + "self_attn.o_proj.weight"));
            tensors.Add(Rename(b.MlpNorm.Scale, p + "post_attention_layernorm.weight"));
            tensors.Add(Rename(b.Gate!.Weight!, p + "mlp.gate_proj.weight"));
            tensors.Add(Rename(b.Up.Weight!, p + "mlp.up_proj.weight"));
            tensors.Add(Rename(b.Down.Weight!, p + "mlp.down_proj.weight"));
        }
        SafeTensorFile.Write(Path.Combine(directory, "model.safetensors"), tensors, new Dictionary<string, string> { ["format"] = "pt" });
        WriteJson(Path.Combine(directory, "config.json"), json =>
        {
            json.WriteStartArray("architectures");
            json.WriteStringValue("LlamaForCausalLM");
            json.WriteEndArray();
            json.WriteString("model_type", "llama");
            json.WriteNumber("vocab_size", c.VocabSize);
            json.WriteNumber("hidden_size", c.HiddenSize);
            json.WriteNumber("intermediate_size", c.IntermediateSize);
            json.WriteNumber("num_hidden_layers", c.LayerCount);
            json.WriteNumber("num_attention_heads", c.HeadCount);
            json.WriteNumber("num_key_value_heads", c.KeyValueHeadCount);
            json.WriteNumber("max_position_embeddings", c.MaxSequenceLength);
            json.WriteNumber("rms_norm_eps", c.NormEpsilon);
            json.WriteNumber("rope_theta", c.RopeTheta);
            json.WriteNull("rope_scaling");
            json.WriteString("hidden_act", "silu");
            json.WriteBoolean("tie_word_embeddings", c.TieWordEmbeddings);
            json.WriteNumber("bos_token_id", tokenizer.BosTokenId);
            json.WriteNumber("eos_token_id", tokenizer.EosTokenId);
            json.WriteString("torch_dtype", "float32");
        });
        WriteJson(Path.Combine(directory, "generation_config.json"), json =>
        {
            json.WriteNumber("bos_token_id", tokenizer.BosTokenId);
            json.WriteStartArray("eos_token_id");
            foreach (int id in c.EosTokenIds.DefaultIfEmpty(tokenizer.EosTokenId))
            {
                json.WriteNumberValue(id);
            }
            json.WriteEndArray();
        });
        using (var stream = File.Create(Path.Combine(directory, "tokenizer.json")))
        using (var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            tokenizer.WriteTokenizerJson(json);
        }
        WriteJson(Path.Combine(directory, "tokenizer_config.json"), json =>
        {
            json.WriteString("tokenizer_class", "LlamaTokenizer");
            json.WriteBoolean("add_bos_token", true);
            json.WriteBoolean("add_eos_token", false);
            json.WriteString("bos_token", tokenizer.TokenText(tokenizer.BosTokenId));
            json.WriteString("eos_token", tokenizer.TokenText(tokenizer.EosTokenId));
            if (tokenizer.UnknownId >= 0)
            {
                json.WriteString("unk_token", tokenizer.TokenText(tokenizer.UnknownId));
            }
        });
    }

    private static Tensor Rename(Tensor t, string name) => new(name, t.Shape, t.Data);

    private static void WriteJson(string path, Action<Utf8JsonWriter> body)
    {
        using var stream = File.Create(path);
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        body(json);
        json.WriteEndObject();
    }
}
