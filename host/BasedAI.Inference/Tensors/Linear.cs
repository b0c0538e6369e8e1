namespace BasedAI.Inference.Tensors;

/// <summary>
/// A linear layer <c>y = x · Wᵀ + b</c> with <c>W</c> [out, in] as in <c>nn.Linear</c>. Its weights are float32, or int8
/// with one scale per output row after <see cref="QuantizeInt8"/> (symmetric, scale = max |w| / 127 per row).
/// </summary>
public sealed class Linear
{
    private sbyte[]? _quantized;
    private float[]? _scales;

    /// <summary>Wraps a [out, in] weight tensor and an optional [out] bias.</summary>
    public Linear(Tensor weight, Tensor? bias = null)
    {
        ArgumentNullException.ThrowIfNull(weight);
        if (weight.Shape.Length != 2)
        {
            throw new ArgumentException($"linear weight '{weight.Name}' must be 2-D, got {weight.ShapeText}");
        }
        if (bias != null && (bias.Shape.Length != 1 || bias.Shape[0] != weight.Shape[0]))
        {
            throw new ArgumentException($"bias '{bias.Name}' {bias.ShapeText} does not match weight '{weight.Name}' {weight.ShapeText}");
        }
        Weight = weight;
        Bias = bias;
        OutFeatures = weight.Shape[0];
        InFeatures = weight.Shape[1];
        Name = weight.Name.EndsWith(".weight", StringComparison.Ordinal) ? weight.Name[..^".weight".Length] : weight.Name;
    }

    /// <summary>The layer's name without the <c>.weight</c> suffix, e.g. <c>layers.0.attn.q</c>.</summary>
    public string Name { get; }

    /// <summary>Float32 weights [out, in]; null once the layer is quantized (use <see cref="Dequantize"/>).</summary>
    public Tensor? Weight { get; private set; }

    /// <summary>Bias [out], or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>Input width.</summary>
    public int InFeatures { get; }

    /// <summary>Output width.</summary>
    public int OutFeatures { get; }

    /// <summary>Whether the weights are held as int8 with per-row scales.</summary>
    public bool IsQuantized => _quantized != null;

    /// <summary>The int8 weights [out, in] (empty unless quantized).</summary>
    public ReadOnlySpan<sbyte> QuantizedWeights => _quantized;

    /// <summary>One scale per output row (empty unless quantized).</summary>
    public ReadOnlySpan<float> Scales => _scales;

    /// <summary><c>y[rows, out] = x[rows, in] · Wᵀ + b</c>.</summary>
    public void Forward(ReadOnlySpan<float> x, Span<float> y, int rows, WorkerPool? pool = null)
    {
        ReadOnlySpan<float> bias = Bias == null ? default : Bias.Data;
        if (_quantized != null)
        {
            MatMul.Multiply(x, _quantized, _scales, bias, y, rows, InFeatures, OutFeatures, pool);
        }
        else
        {
            MatMul.Multiply(x, Weight!.Data, bias, y, rows, InFeatures, OutFeatures, pool);
        }
    }

    /// <summary>Replaces the float32 weights by int8 with one scale per output row; frees the float32 copy.</summary>
    public void QuantizeInt8()
    {
        if (_quantized != null)
        {
            return;
        }
        float[] w = Weight!.Data;
        var q = new sbyte[w.Length];
        var scales = new float[OutFeatures];
        for (int o = 0; o < OutFeatures; o++)
        {
            ReadOnlySpan<float> row = w.AsSpan(o * InFeatures, InFeatures);
            float max = row.IsEmpty ? 0 : System.Numerics.Tensors.TensorPrimitives.MaxMagnitude(row);
            float scale = max == 0 ? 1 : max / 127f;
            scales[o] = scale;
            float inverse = 1 / scale;
            Span<sbyte> qrow = q.AsSpan(o * InFeatures, InFeatures);
            for (int i = 0; i < row.Length; i++)
            {
                qrow[i] = (sbyte)Math.Clamp(MathF.Round(row[i] * inverse), -127, 127);
            }
        }
        _quantized = q;
        _scales = scales;
        Weight = null;
    }

    /// <summary>The effective float32 weights [out, in]: the originals, or the int8 values times their row scale.</summary>
    public Tensor Dequantize()
    {
        if (_quantized == null)
        {
            return Weight!;
        }
        var data = new float[_quantized.Length];
        for (int o = 0; o < OutFeatures; o++)
        {
            for (int i = 0; i < InFeatures; i++)
            {
                data[(o * InFeatures) + i] = _quantized[(o * InFeatures) + i] * _scales![o];
            }
        }
        return new Tensor(Name + ".weight", [OutFeatures, InFeatures], data);
    }
}
