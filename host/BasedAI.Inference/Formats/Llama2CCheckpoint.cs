using System.Buffers.Binary;
using System.Runtime.InteropServices;
using BasedAI.Inference.Model;
using BasedAI.Inference.Tensors;

namespace BasedAI.Inference.Formats;

/// <summary>
/// llama2.c checkpoints (the legacy "version 0" format that <c>run.c</c> reads): seven int32 (dim, hidden_dim,
/// n_layers, n_heads, n_kv_heads, vocab_size — negative when the classifier is not shared — and seq_len), then float32
/// weights grouped by kind across layers, the RoPE tables (skipped) and the optional classifier.
/// llama2.c rotates interleaved pairs (2j, 2j+1); on load the Q/K rows are permuted into the Hugging Face layout
/// (j, j + headDim/2) that <see cref="RotaryTable"/> uses, and back on save.
/// </summary>
public static class Llama2CCheckpoint
{
    private const int HeaderBytes = 7 * sizeof(int);

    /// <summary>Whether <paramref name="path"/> is a legacy llama2.c checkpoint: a plausible header and exactly the size it implies.</summary>
    public static bool IsCheckpoint(string path)
    {
        if (!File.Exists(path) || Path.GetExtension(path) != ".bin")
        {
            return false;
        }
        try
        {
            using var stream = File.OpenRead(path);
            ReadHeader(stream, path);
            return true;
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    /// <summary>Loads a checkpoint as a Llama <see cref="TransformerModel"/>.</summary>
    public static TransformerModel Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"llama2.c checkpoint not found: {path}", path);
        }
        using var stream = File.OpenRead(path);
        TransformerConfig config = ReadHeader(stream, path);
        bool shared = config.TieWordEmbeddings;
        int d = config.HiddenSize, f = config.IntermediateSize, l = config.LayerCount, v = config.VocabSize;
        int qd = config.HeadCount * config.HeadDim, kvd = config.KeyValueSize, hd = config.HeadDim;

        float[] Read(long count)
        {
            var data = new float[count];
            stream.ReadExactly(MemoryMarshal.AsBytes(data.AsSpan()));
            return data;
        }
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["embed.tokens.weight"] = new("embed.tokens.weight", [v, d], Read((long)v * d)),
        };
        void PerLayer(string name, int[] shape, Func<float[], float[]>? transform = null)
        {
            int size = shape.Aggregate(1, (a, b) => a * b);
            float[] all = Read((long)l * size);
            for (int i = 0; i < l; i++)
            {
                float[] part = all.AsSpan(i * size, size).ToArray();
                string full = $"layers.{i}.{name}";
                tensors[full] = new Tensor(full, shape, transform == null ? part : transform(part));
            }
        }
        PerLayer("attn_norm.weight", [d]);
        PerLayer("attn.q.weight", [qd, d], w => InterleavedToHalves(w, config.HeadCount, hd, d));
        PerLayer("attn.k.weight", [kvd, d], w => InterleavedToHalves(w, config.KeyValueHeadCount, hd, d));
        PerLayer("attn.v.weight", [kvd, d]);
        PerLayer("attn.o.weight", [d, qd]);
        PerLayer("mlp_norm.weight", [d]);
        PerLayer("mlp.gate.weight", [f, d]);
        PerLayer("mlp.down.weight", [d, f]);
        PerLayer("mlp.up.weight", [f, d]);
        tensors["final_norm.weight"] = new Tensor("final_norm.weight", [d], Read(d));
        stream.Seek((long)config.MaxSequenceLength * hd * 4, SeekOrigin.Current);
        if (!shared)
        {
            tensors["lm_head.weight"] = new Tensor("lm_head.weight", [v, d], Read((long)v * d));
        }
        return TransformerModel.Create(config, tensors);
    }

    /// <summary>Reads and checks the header: the numbers must form a valid config and imply exactly the file's size.</summary>
    private static TransformerConfig ReadHeader(Stream stream, string path)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        if (stream.ReadAtLeast(header, HeaderBytes, throwOnEndOfStream: false) < HeaderBytes)
        {
            throw new InvalidDataException($"{path}: too short for a llama2.c header ({stream.Length} bytes)");
        }
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) == 0x616b3432)
        {
            throw new InvalidDataException($"{path}: llama2.c export version 1/2 (magic 'ak42') is not supported; export with the legacy format");
        }
        Span<int> h = stackalloc int[7];
        for (int i = 0; i < 7; i++)
        {
            h[i] = BinaryPrimitives.ReadInt32LittleEndian(header[(4 * i)..]);
        }
        var config = new TransformerConfig
        {
            Architecture = ModelArchitecture.Llama,
            HiddenSize = h[0],
            IntermediateSize = h[1],
            LayerCount = h[2],
            HeadCount = h[3],
            KeyValueHeadCount = h[4],
            VocabSize = Math.Abs(h[5]),
            MaxSequenceLength = h[6],
            NormEpsilon = 1e-5f,
            RopeTheta = 10000f,
            TieWordEmbeddings = h[5] > 0,
            BosTokenId = 1,
            // llama2.c stops when the model emits BOS (1), which separates stories; EOS (2) also ends a sequence.
            EosTokenIds = [1, 2],
        };
        try
        {
            config.Validate();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
        long d = config.HiddenSize, f = config.IntermediateSize, l = config.LayerCount, v = config.VocabSize;
        long qd = config.HeadCount * config.HeadDim, kvd = config.KeyValueSize;
        long floats = (v * d) + (l * ((2 * d) + (d * qd) + (2 * d * kvd) + (qd * d) + (3 * d * f))) + d
            + ((long)config.MaxSequenceLength * config.HeadDim) + (config.TieWordEmbeddings ? 0 : v * d);
        long expected = HeaderBytes + (4 * floats);
        if (stream.Length != expected)
        {
            throw new InvalidDataException($"{path}: the header (dim {d}, hidden {f}, layers {l}, heads {config.HeadCount}/{config.KeyValueHeadCount}, vocab {h[5]}, seq {config.MaxSequenceLength}) implies {expected} bytes but the file has {stream.Length}");
        }
        return config;
    }

    /// <summary>Writes a Llama model as a legacy llama2.c checkpoint (inverse of <see cref="Load"/>).</summary>
    public static void Save(TransformerModel model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        TransformerConfig c = model.Config;
        if (c.Architecture != ModelArchitecture.Llama || model.IsQuantized)
        {
            throw new ArgumentException("only float32 Llama models can be written as llama2.c checkpoints", nameof(model));
        }
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        using var writer = new BinaryWriter(stream);
        int hd = c.HeadDim;
        foreach (int value in new[] { c.HiddenSize, c.IntermediateSize, c.LayerCount, c.HeadCount, c.KeyValueHeadCount,
                     c.TieWordEmbeddings ? c.VocabSize : -c.VocabSize, c.MaxSequenceLength })
        {
            writer.Write(value);
        }
        void Write(ReadOnlySpan<float> data) => writer.Write(MemoryMarshal.AsBytes(data));
        Write(model.TokenEmbedding.Data);
        foreach (Func<TransformerBlock, float[]> select in new Func<TransformerBlock, float[]>[]
                 {
                     b => b.AttentionNorm.Scale.Data,
                     b => HalvesToInterleaved(b.Query.Weight!.Data, c.HeadCount, hd, c.HiddenSize),
                     b => HalvesToInterleaved(b.Key.Weight!.Data, c.KeyValueHeadCount, hd, c.HiddenSize),
                     b => b.Value.Weight!.Data, b => b.Output.Weight!.Data, b => b.MlpNorm.Scale.Data,
                     b => b.Gate!.Weight!.Data, b => b.Down.Weight!.Data, b => b.Up.Weight!.Data,
                 })
        {
            foreach (TransformerBlock block in model.Blocks)
            {
                Write(select(block));
            }
        }
        Write(model.FinalNorm.Scale.Data);
        // The legacy format still carries the RoPE tables (real, then imaginary parts) that run.c skips.
        int half = hd / 2;
        var table = new float[c.MaxSequenceLength * half * 2];
        for (int pos = 0; pos < c.MaxSequenceLength; pos++)
        {
            for (int j = 0; j < half; j++)
            {
                float angle = pos * (1.0f / MathF.Pow(c.RopeTheta, 2 * j / (float)hd));
                table[(pos * half) + j] = MathF.Cos(angle);
                table[(c.MaxSequenceLength * half) + (pos * half) + j] = MathF.Sin(angle);
            }
        }
        Write(table);
        if (!c.TieWordEmbeddings)
        {
            Write(model.LmHead.Weight!.Data);
        }
    }

    /// <summary>Row permutation from llama2.c/Meta's interleaved RoPE layout to Hugging Face's half layout.</summary>
    public static float[] InterleavedToHalves(float[] weight, int heads, int headDim, int columns) => Permute(weight, heads, headDim, columns, toHalves: true);

    /// <summary>Inverse of <see cref="InterleavedToHalves"/>.</summary>
    public static float[] HalvesToInterleaved(float[] weight, int heads, int headDim, int columns) => Permute(weight, heads, headDim, columns, toHalves: false);

    private static float[] Permute(float[] weight, int heads, int headDim, int columns, bool toHalves)
    {
        var result = new float[weight.Length];
        int half = headDim / 2;
        for (int h = 0; h < heads; h++)
        {
            for (int j = 0; j < half; j++)
            {
                for (int t = 0; t < 2; t++)
                {
                    int interleaved = (h * headDim) + (2 * j) + t;
                    int halves = (h * headDim) + (t * half) + j;
                    int from = toHalves ? interleaved : halves, to = toHalves ? halves : interleaved;
                    weight.AsSpan(from * columns, columns).CopyTo(result.AsSpan(to * columns, columns));
                }
            }
        }
        return result;
    }
}
