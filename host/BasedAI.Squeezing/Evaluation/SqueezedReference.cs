using BasedAI.Inference.Model;
using BasedAI.Squeezing.Calibration;
using BasedAI.Squeezing.Fusion;
using BasedAI.Squeezing.Quantization;

namespace BasedAI.Squeezing.Evaluation;

/// <summary>Quantization of the client-encrypted sites, by (site, layer); missing entries carry full precision.</summary>
public sealed class QuantizationMap
{
    private readonly Dictionary<(SqueezeSite, int), QuantizationSettings> _settings = [];

    /// <summary>No quantization anywhere.</summary>
    public static QuantizationMap None { get; } = new();

    /// <summary>The sites whose values the client quantizes before encrypting them.</summary>
    public static IReadOnlyList<SqueezeSite> ClientSites { get; } =
        [SqueezeSite.AttentionInput, SqueezeSite.Probabilities, SqueezeSite.MlpInput, SqueezeSite.MlpActivation];

    /// <summary>The same settings at every client site of every layer.</summary>
    public static QuantizationMap Uniform(int layers, QuantizationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var map = new QuantizationMap();
        for (int l = 0; l < layers; l++)
        {
            foreach (SqueezeSite site in ClientSites)
            {
                map._settings[(site, l)] = settings;
            }
        }
        return map;
    }

    /// <summary>Every (site, layer) with its settings.</summary>
    public IReadOnlyDictionary<(SqueezeSite Site, int Layer), QuantizationSettings> Entries => _settings;

    /// <summary>The settings of a site, or null.</summary>
    public QuantizationSettings? this[SqueezeSite site, int layer] => _settings.GetValueOrDefault((site, layer));

    /// <summary>A copy with one site's settings replaced (null removes them).</summary>
    public QuantizationMap With(SqueezeSite site, int layer, QuantizationSettings? settings)
    {
        var map = new QuantizationMap();
        foreach (var entry in _settings)
        {
            map._settings[entry.Key] = entry.Value;
        }
        if (settings == null)
        {
            map._settings.Remove((site, layer));
        }
        else
        {
            settings.Validate();
            map._settings[(site, layer)] = settings;
        }
        return map;
    }
}

/// <summary>How a <see cref="SqueezedReference"/> computes.</summary>
public sealed record ReferenceOptions
{
    /// <summary>Exact functions or polynomial approximations.</summary>
    public NonLinearFunctions Functions { get; init; } = NonLinearFunctions.Exact;

    /// <summary>Quantization of the client-encrypted values (quantization-aware evaluation mode).</summary>
    public QuantizationMap Quantization { get; init; } = QuantizationMap.None;

    /// <summary>When set, receives every site's values.</summary>
    public ActivationStatistics? Statistics { get; init; }
}

/// <summary>
/// The squeezed model run in clear, in double precision, with exactly the arithmetic the encrypted pipeline performs:
/// kept heads only, fused weights, norms without their folded affine, the client's quantization of what it encrypts,
/// exact or polynomial non-linearities. It is the oracle encrypted runs are compared to, and what the quality report
/// measures.
/// </summary>
public sealed class SqueezedReference
{
    private readonly SqueezedModel _model;
    private readonly ReferenceOptions _options;
    private readonly List<double[]>[] _keys;
    private readonly List<double[]>[] _values;
    private readonly double[] _residual;

    /// <summary>A reference over <paramref name="model"/>.</summary>
    public SqueezedReference(SqueezedModel model, ReferenceOptions? options = null)
    {
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _options = options ?? new ReferenceOptions();
        int layers = model.Config.LayerCount;
        _keys = new List<double[]>[layers];
        _values = new List<double[]>[layers];
        for (int l = 0; l < layers; l++)
        {
            _keys[l] = [];
            _values[l] = [];
        }
        _residual = new double[model.Config.HiddenSize];
    }

    /// <summary>Positions processed so far.</summary>
    public int Position { get; private set; }

    /// <summary>Forgets the cache.</summary>
    public void Reset()
    {
        Position = 0;
        foreach (List<double[]> k in _keys)
        {
            k.Clear();
        }
        foreach (List<double[]> v in _values)
        {
            v.Clear();
        }
    }

    /// <summary>Logits of every position of <paramref name="tokens"/>, from a fresh cache.</summary>
    public double[][] Run(ReadOnlySpan<int> tokens)
    {
        Reset();
        var logits = new double[tokens.Length][];
        for (int i = 0; i < tokens.Length; i++)
        {
            logits[i] = Step(tokens[i]);
        }
        return logits;
    }

    /// <summary>Processes one token at the next position and returns its logits.</summary>
    public double[] Step(int token)
    {
        TransformerConfig config = _model.Config;
        int d = config.HiddenSize, t = Position;
        ClientMath.Embed(_model, token, t, _residual);
        for (int l = 0; l < config.LayerCount; l++)
        {
            if (_model.KeptHeads[l].Length > 0)
            {
                Attention(l, t);
            }
            Mlp(l);
        }
        ActivationStatistics? stats = _options.Statistics;
        stats?.Record(SqueezeSite.Residual, config.LayerCount, _residual);
        double argument = ClientMath.NormArgument(_residual, _model.NormKind, config.NormEpsilon);
        stats?.Record(SqueezeSite.NormArgument, config.LayerCount, argument);
        var normalized = new double[d];
        ClientMath.Normalize(_residual, normalized, _model.NormKind, _options.Functions.InverseSqrt(argument, config.LayerCount, NormPosition.Final));
        stats?.Record(SqueezeSite.FinalInput, -1, normalized);
        var logits = new double[config.VocabSize];
        ClientMath.Logits(_model, normalized, logits);
        Position++;
        return logits;
    }

    private double[] NormalizedInput(int layer, NormPosition position, SqueezeSite site, string normPrefix)
    {
        TransformerConfig config = _model.Config;
        int d = config.HiddenSize;
        ActivationStatistics? stats = _options.Statistics;
        double argument = ClientMath.NormArgument(_residual, _model.NormKind, config.NormEpsilon);
        stats?.Record(SqueezeSite.NormArgument, layer, argument);
        var input = new double[_model.InputWidth];
        ClientMath.Normalize(_residual, input, _model.NormKind, _options.Functions.InverseSqrt(argument, layer, position));
        if (_model.HasBiases)
        {
            input[d] = 1;
        }
        Quantize(input.AsSpan(0, d), site, layer);
        stats?.Record(site, layer, input.AsSpan(0, d));
        if (!_model.Fusion.FoldNormAffine)
        {
            float[] gamma = _model.Tensor(normPrefix + ".weight").Data;
            float[]? beta = _model.TryTensor(normPrefix + ".bias")?.Data;
            for (int i = 0; i < d; i++)
            {
                input[i] = (input[i] * gamma[i]) + (beta?[i] ?? 0);
            }
        }
        return input;
    }

    private void Attention(int layer, int t)
    {
        TransformerConfig config = _model.Config;
        ActivationStatistics? stats = _options.Statistics;
        int hd = config.HeadDim, heads = _model.KeptHeads[layer].Length, width = heads * hd, d = config.HiddenSize;
        string p = $"layers.{layer}.";
        stats?.Record(SqueezeSite.Residual, layer, _residual);
        double[] input = NormalizedInput(layer, NormPosition.Attention, SqueezeSite.AttentionInput, p + "attn_norm");
        double[] q = MatVec(_model.Tensor(p + "attn.q.weight").Data, input, width);
        double[] k = MatVec(_model.Tensor(p + "attn.k.weight").Data, input, width);
        double[] v = MatVec(_model.Tensor(p + "attn.v.weight").Data, input, width);
        if (_model.Rotary != null)
        {
            (double[] cos, double[] sin) = ClientMath.Rotary(hd, config.RopeTheta, t);
            ClientMath.ApplyRotary(q, hd, cos, sin);
            ClientMath.ApplyRotary(k, hd, cos, sin);
        }
        if (!_model.Fusion.FoldAttentionScale)
        {
            double scale = 1 / Math.Sqrt(hd);
            for (int i = 0; i < width; i++)
            {
                q[i] *= scale;
            }
        }
        stats?.Record(SqueezeSite.Query, layer, q);
        stats?.Record(SqueezeSite.Key, layer, k);
        stats?.Record(SqueezeSite.Value, layer, v);
        _keys[layer].Add(k);
        _values[layer].Add(v);
        var context = new double[width];
        var scores = new double[t + 1];
        for (int h = 0; h < heads; h++)
        {
            for (int s = 0; s <= t; s++)
            {
                double dot = 0;
                double[] key = _keys[layer][s];
                for (int j = 0; j < hd; j++)
                {
                    dot += q[(h * hd) + j] * key[(h * hd) + j];
                }
                scores[s] = dot;
            }
            if (stats != null)
            {
                stats.Record(SqueezeSite.Scores, layer, scores);
                double max = scores.Max();
                stats.Record(SqueezeSite.ScoreMaximum, layer, max);
                stats.Record(SqueezeSite.ScoreLogSumExp, layer, max + Math.Log(scores.Sum(s => Math.Exp(s - max))));
            }
            _options.Functions.Softmax(scores, layer);
            Quantize(scores, SqueezeSite.Probabilities, layer);
            stats?.Record(SqueezeSite.Probabilities, layer, scores);
            for (int s = 0; s <= t; s++)
            {
                double[] value = _values[layer][s];
                for (int j = 0; j < hd; j++)
                {
                    context[(h * hd) + j] += scores[s] * value[(h * hd) + j];
                }
            }
        }
        stats?.Record(SqueezeSite.Context, layer, context);
        double[] output = MatVec(_model.Tensor(p + "attn.o.weight").Data, context, d);
        if (_model.TryTensor(p + "attn.o.bias") is { } bias)
        {
            for (int i = 0; i < d; i++)
            {
                output[i] += bias.Data[i];
            }
        }
        stats?.Record(SqueezeSite.AttentionOutput, layer, output);
        for (int i = 0; i < d; i++)
        {
            _residual[i] += output[i];
        }
    }

    private void Mlp(int layer)
    {
        TransformerConfig config = _model.Config;
        ActivationStatistics? stats = _options.Statistics;
        int d = config.HiddenSize, f = config.IntermediateSize;
        string p = $"layers.{layer}.";
        double[] input = NormalizedInput(layer, NormPosition.Mlp, SqueezeSite.MlpInput, p + "mlp_norm");
        double[] up = MatVec(_model.Tensor(p + "mlp.up.weight").Data, input, f);
        double[]? gate = _model.TryTensor(p + "mlp.gate.weight") is { } g ? MatVec(g.Data, input, f) : null;
        if (gate != null)
        {
            stats?.Record(SqueezeSite.Gate, layer, gate);
        }
        stats?.Record(SqueezeSite.Up, layer, up);
        var activation = new double[_model.ActivationWidth];
        ClientMath.Activate(gate, up, activation, gate != null, _options.Functions, layer);
        if (_model.HasBiases)
        {
            activation[f] = 1;
        }
        Quantize(activation.AsSpan(0, f), SqueezeSite.MlpActivation, layer);
        stats?.Record(SqueezeSite.MlpActivation, layer, activation.AsSpan(0, f));
        double[] output = MatVec(_model.Tensor(p + "mlp.down.weight").Data, activation, d);
        stats?.Record(SqueezeSite.MlpOutput, layer, output);
        for (int i = 0; i < d; i++)
        {
            _residual[i] += output[i];
        }
    }

    private void Quantize(Span<double> values, SqueezeSite site, int layer)
    {
        if (_options.Quantization[site, layer] is { } settings)
        {
            AdaptiveQuantizer.FakeQuantize(values, settings);
        }
    }

    private static double[] MatVec(float[] weight, ReadOnlySpan<double> input, int rows)
    {
        int columns = input.Length;
        var output = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = weight.AsSpan(r * columns, columns);
            double s = 0;
            for (int c = 0; c < columns; c++)
            {
                s += row[c] * input[c];
            }
            output[r] = s;
        }
        return output;
    }
}
