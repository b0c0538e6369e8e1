namespace BasedAI.Fhe.LinearAlgebra;

/// <summary>
/// How several vectors of one dimension share a ciphertext: the N/2 slots are cut into blocks of width 2·d' (d' the
/// dimension rounded up to a power of two); vector b sits at the start of block b and, when replicated, again right after
/// itself, so that rotating by up to d' slots reads the vector cyclically — what the diagonal matrix–vector product needs.
/// </summary>
public sealed class BlockLayout
{
    /// <summary>A layout for vectors of <paramref name="dimension"/> values in <paramref name="slotCount"/> slots.</summary>
    public BlockLayout(int slotCount, int dimension)
    {
        if (slotCount < 2 || (slotCount & (slotCount - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(slotCount), slotCount, "the slot count must be a power of two");
        }

        if (dimension < 1 || dimension > slotCount / 2)
        {
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, $"the dimension must be between 1 and {slotCount / 2} (half the slots)");
        }

        SlotCount = slotCount;
        Dimension = dimension;
        PaddedDimension = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)dimension);
        BlockWidth = 2 * PaddedDimension;
        Capacity = slotCount / BlockWidth;
    }

    /// <summary>Slots per ciphertext.</summary>
    public int SlotCount { get; }

    /// <summary>Length of each vector.</summary>
    public int Dimension { get; }

    /// <summary>The dimension rounded up to a power of two; matrices are padded to this size.</summary>
    public int PaddedDimension { get; }

    /// <summary>Slots per block: twice the padded dimension.</summary>
    public int BlockWidth { get; }

    /// <summary>How many vectors fit in one ciphertext.</summary>
    public int Capacity { get; }

    /// <summary>Slot values holding <paramref name="vectors"/> (at most <see cref="Capacity"/>), each replicated within its block.</summary>
    public double[] Pack(IReadOnlyList<double[]> vectors, bool replicate = true)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        if (vectors.Count > Capacity)
        {
            throw new ArgumentException($"{vectors.Count} vectors do not fit: a ciphertext holds {Capacity} of dimension {Dimension}", nameof(vectors));
        }

        var slots = new double[SlotCount];
        for (int b = 0; b < vectors.Count; b++)
        {
            var vector = vectors[b] ?? throw new ArgumentException($"vector {b} is null", nameof(vectors));
            if (vector.Length != Dimension)
            {
                throw new ArgumentException($"vector {b} has {vector.Length} values, the layout expects {Dimension}", nameof(vectors));
            }

            vector.CopyTo(slots, b * BlockWidth);
            if (replicate)
            {
                vector.CopyTo(slots, (b * BlockWidth) + PaddedDimension);
            }
        }

        return slots;
    }

    /// <summary>The first <paramref name="count"/> vectors read back from decoded slots (the first half of each block).</summary>
    public double[][] Unpack(ReadOnlySpan<double> slots, int count)
    {
        if (count < 0 || count > Capacity)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"between 0 and {Capacity} vectors fit");
        }

        if (slots.Length < SlotCount)
        {
            throw new ArgumentException($"expected {SlotCount} slots, got {slots.Length}", nameof(slots));
        }

        var vectors = new double[count][];
        for (int b = 0; b < count; b++)
        {
            vectors[b] = slots.Slice(b * BlockWidth, Dimension).ToArray();
        }

        return vectors;
    }
}
