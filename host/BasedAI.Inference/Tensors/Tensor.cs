namespace BasedAI.Inference.Tensors;

/// <summary>A named, dense, row-major float32 tensor. The last dimension is contiguous.</summary>
public sealed class Tensor
{
    /// <summary>Creates a tensor over <paramref name="data"/> (zeros when null) with the given shape.</summary>
    public Tensor(string name, int[] shape, float[]? data = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0)
            {
                throw new ArgumentException($"tensor '{name}' has a negative dimension in [{string.Join(", ", shape)}]");
            }
            count *= d;
        }
        if (count > Array.MaxLength)
        {
            throw new ArgumentException($"tensor '{name}' with shape [{string.Join(", ", shape)}] is too large for one array");
        }
        data ??= new float[count];
        if (data.Length != count)
        {
            throw new ArgumentException($"tensor '{name}' has shape [{string.Join(", ", shape)}] ({count} values) but {data.Length} values were given");
        }
        Name = name;
        Shape = shape;
        Data = data;
    }

    /// <summary>Canonical name, e.g. <c>layers.0.attn.q.weight</c>.</summary>
    public string Name { get; }

    /// <summary>Dimensions, outermost first.</summary>
    public int[] Shape { get; }

    /// <summary>The values, row-major.</summary>
    public float[] Data { get; }

    /// <summary>Number of values.</summary>
    public int Length => Data.Length;

    /// <summary>Row <paramref name="index"/> of a tensor viewed as [Shape[0], rest].</summary>
    public Span<float> Row(int index)
    {
        int width = Shape.Length == 0 || Shape[0] == 0 ? 0 : Data.Length / Shape[0];
        return Data.AsSpan(index * width, width);
    }

    /// <summary>The shape as text, e.g. <c>[768, 2304]</c>.</summary>
    public string ShapeText => "[" + string.Join(", ", Shape) + "]";

    /// <inheritdoc />
    public override string ToString() => $"{Name} {ShapeText}";
}
