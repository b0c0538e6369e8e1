using System.Buffers.Binary;
using System.Text.Json;

namespace BasedAI.Inference.Tests;

/// <summary>
/// A second, independent forward pass in double precision, written straight from the file formats and the papers:
/// its own safetensors/llama2.c readers, the original weight layouts (GPT-2 Conv1D [in, out] with packed QKV;
/// llama2.c's interleaved RoPE without any permutation), no KV cache, no SIMD, no shared code with the engine.
/// Returns logits for every position.
/// </summary>
internal static class ReferenceTransformer
{
    public static double[][] Gpt2(string directory, int[] tokens)
    {
        using JsonDocument config = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(directory, "config.json")));
        int d = config.RootElement.GetProperty("n_embd").GetInt32();
        int heads = config.RootElement.GetProperty("n_head").GetInt32();
        int layers = config.RootElement.GetProperty("n_layer").GetInt32();
        double eps = config.RootElement.GetProperty("layer_norm_epsilon").GetDouble();
        Dictionary<string, double[]> w = ReadSafeTensors(Path.Combine(directory, "model.safetensors"));
        string prefix = w.ContainsKey("transformer.wte.weight") ? "transformer." : "";
        double[] W(string name) => w[prefix + name];
        int n = tokens.Length, hd = d / heads;
        int vocab = W("wte.weight").Length / d;
        var x = new double[n][];
        for (int t = 0; t < n; t++)
        {
            x[t] = new double[d];
            for (int i = 0; i < d; i++)
            {
                x[t][i] = W("wte.weight")[(tokens[t] * d) + i] + W("wpe.weight")[(t * d) + i];
            }
        }
        for (int l = 0; l < layers; l++)
        {
            string p = $"h.{l}.";
            double[][] h = x.Select(r => LayerNorm(r, W(p + "ln_1.weight"), W(p + "ln_1.bias"), eps)).ToArray();
            double[][] qkv = h.Select(r => Conv1D(r, W(p + "attn.c_attn.weight"), W(p + "attn.c_attn.bias"))).ToArray();
            var context = new double[n][];
            for (int t = 0; t < n; t++)
            {
                context[t] = new double[d];
                for (int head = 0; head < heads; head++)
                {
                    var scores = new double[t + 1];
                    for (int s = 0; s <= t; s++)
                    {
                        double dot = 0;
                        for (int i = 0; i < hd; i++)
                        {
                            dot += qkv[t][(head * hd) + i] * qkv[s][d + (head * hd) + i];
                        }
                        scores[s] = dot / Math.Sqrt(hd);
                    }
                    Softmax(scores);
                    for (int s = 0; s <= t; s++)
                    {
                        for (int i = 0; i < hd; i++)
                        {
                            context[t][(head * hd) + i] += scores[s] * qkv[s][(2 * d) + (head * hd) + i];
                        }
                    }
                }
            }
            for (int t = 0; t < n; t++)
            {
                double[] attn = Conv1D(context[t], W(p + "attn.c_proj.weight"), W(p + "attn.c_proj.bias"));
                for (int i = 0; i < d; i++)
                {
                    x[t][i] += attn[i];
                }
                double[] m = Conv1D(LayerNorm(x[t], W(p + "ln_2.weight"), W(p + "ln_2.bias"), eps), W(p + "mlp.c_fc.weight"), W(p + "mlp.c_fc.bias"));
                for (int i = 0; i < m.Length; i++)
                {
                    m[i] = 0.5 * m[i] * (1 + Math.Tanh(Math.Sqrt(2 / Math.PI) * (m[i] + (0.044715 * m[i] * m[i] * m[i]))));
                }
                double[] o = Conv1D(m, W(p + "mlp.c_proj.weight"), W(p + "mlp.c_proj.bias"));
                for (int i = 0; i < d; i++)
                {
                    x[t][i] += o[i];
                }
            }
        }
        return x.Select(r => Classify(LayerNorm(r, W("ln_f.weight"), W("ln_f.bias"), eps), W("wte.weight"), vocab)).ToArray();
    }

    public static double[][] Llama2C(string checkpoint, int[] tokens)
    {
        byte[] bytes = File.ReadAllBytes(checkpoint);
        int[] h = Enumerable.Range(0, 7).Select(i => BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4 * i))).ToArray();
        int d = h[0], f = h[1], layers = h[2], heads = h[3], kvHeads = h[4], vocab = Math.Abs(h[5]), seq = h[6];
        int hd = d / heads, kvd = kvHeads * hd;
        long offset = 28;
        double[] Take(long count)
        {
            var values = new double[count];
            for (long i = 0; i < count; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(offset + (4 * i))));
            }
            offset += 4 * count;
            return values;
        }
        double[] emb = Take((long)vocab * d), rmsAtt = Take((long)layers * d), wq = Take((long)layers * d * d), wk = Take((long)layers * kvd * d);
        double[] wv = Take((long)layers * kvd * d), wo = Take((long)layers * d * d), rmsFfn = Take((long)layers * d);
        double[] w1 = Take((long)layers * f * d), w2 = Take((long)layers * d * f), w3 = Take((long)layers * f * d), rmsFinal = Take(d);
        offset += 4L * seq * hd;
        double[] cls = h[5] > 0 ? emb : Take((long)vocab * d);
        int n = tokens.Length;
        double[][] x = tokens.Select(t => emb.AsSpan(t * d, d).ToArray()).ToArray();
        var keys = new double[n][];
        var values2 = new double[n][];
        var logits = new double[n][];
        for (int l = 0; l < layers; l++)
        {
            for (int t = 0; t < n; t++)
            {
                double[] xb = RmsNorm(x[t], rmsAtt.AsSpan(l * d, d).ToArray());
                double[] q = MatVec(wq, l * d * d, xb, d);
                keys[t] = MatVec(wk, l * kvd * d, xb, kvd);
                values2[t] = MatVec(wv, l * kvd * d, xb, kvd);
                Rope(q, t, hd);
                Rope(keys[t], t, hd);
                var context = new double[d];
                for (int head = 0; head < heads; head++)
                {
                    int kvHead = head / (heads / kvHeads);
                    var scores = new double[t + 1];
                    for (int s = 0; s <= t; s++)
                    {
                        double dot = 0;
                        for (int i = 0; i < hd; i++)
                        {
                            dot += q[(head * hd) + i] * keys[s][(kvHead * hd) + i];
                        }
                        scores[s] = dot / Math.Sqrt(hd);
                    }
                    Softmax(scores);
                    for (int s = 0; s <= t; s++)
                    {
                        for (int i = 0; i < hd; i++)
                        {
                            context[(head * hd) + i] += scores[s] * values2[s][(kvHead * hd) + i];
                        }
                    }
                }
                double[] attn = MatVec(wo, l * d * d, context, d);
                for (int i = 0; i < d; i++)
                {
                    x[t][i] += attn[i];
                }
                double[] xn = RmsNorm(x[t], rmsFfn.AsSpan(l * d, d).ToArray());
                double[] gate = MatVec(w1, l * f * d, xn, f), up = MatVec(w3, l * f * d, xn, f);
                for (int i = 0; i < f; i++)
                {
                    gate[i] = gate[i] / (1 + Math.Exp(-gate[i])) * up[i];
                }
                double[] down = MatVec(w2, l * d * f, gate, d);
                for (int i = 0; i < d; i++)
                {
                    x[t][i] += down[i];
                }
            }
        }
        for (int t = 0; t < n; t++)
        {
            logits[t] = Classify(RmsNorm(x[t], rmsFinal), cls, vocab);
        }
        return logits;
    }

    private static void Rope(double[] v, int position, int headDim)
    {
        for (int i = 0; i < v.Length; i += 2)
        {
            double angle = position / Math.Pow(10000, (i % headDim) / (double)headDim);
            double a = v[i], b = v[i + 1];
            v[i] = (a * Math.Cos(angle)) - (b * Math.Sin(angle));
            v[i + 1] = (a * Math.Sin(angle)) + (b * Math.Cos(angle));
        }
    }

    private static double[] MatVec(double[] w, long offset, double[] x, int rows)
    {
        var y = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double s = 0;
            for (int c = 0; c < x.Length; c++)
            {
                s += w[offset + ((long)r * x.Length) + c] * x[c];
            }
            y[r] = s;
        }
        return y;
    }

    private static double[] RmsNorm(double[] x, double[] weight)
    {
        double ms = x.Sum(v => v * v) / x.Length;
        double inv = 1 / Math.Sqrt(ms + 1e-5);
        return x.Select((v, i) => v * inv * weight[i]).ToArray();
    }

    private static double[] LayerNorm(double[] x, double[] weight, double[] bias, double eps)
    {
        double mean = x.Average();
        double variance = x.Sum(v => (v - mean) * (v - mean)) / x.Length;
        return x.Select((v, i) => ((v - mean) / Math.Sqrt(variance + eps) * weight[i]) + bias[i]).ToArray();
    }

    /// <summary>Conv1D: weight [in, out], y = x·W + b.</summary>
    private static double[] Conv1D(double[] x, double[] weight, double[] bias)
    {
        int outDim = bias.Length;
        var y = (double[])bias.Clone();
        for (int i = 0; i < x.Length; i++)
        {
            for (int o = 0; o < outDim; o++)
            {
                y[o] += x[i] * weight[(i * outDim) + o];
            }
        }
        return y;
    }

    private static double[] Classify(double[] x, double[] embedding, int vocab) => MatVec(embedding, 0, x, vocab);

    private static void Softmax(double[] v)
    {
        double max = v.Max();
        double sum = 0;
        for (int i = 0; i < v.Length; i++)
        {
            v[i] = Math.Exp(v[i] - max);
            sum += v[i];
        }
        for (int i = 0; i < v.Length; i++)
        {
            v[i] /= sum;
        }
    }

    private static Dictionary<string, double[]> ReadSafeTensors(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        long headerLength = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        using JsonDocument header = JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
        var result = new Dictionary<string, double[]>();
        foreach (JsonProperty p in header.RootElement.EnumerateObject().Where(p => p.Name != "__metadata__"))
        {
            Assert.Equal("F32", p.Value.GetProperty("dtype").GetString());
            long begin = p.Value.GetProperty("data_offsets")[0].GetInt64(), end = p.Value.GetProperty("data_offsets")[1].GetInt64();
            var values = new double[(end - begin) / 4];
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(8 + headerLength + begin + (4 * i))));
            }
            result[p.Name] = values;
        }
        return result;
    }
}
