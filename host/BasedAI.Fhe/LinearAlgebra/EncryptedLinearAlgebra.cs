namespace BasedAI.Fhe.LinearAlgebra;

/// <summary>Slot-level building blocks for encrypted inference: sums across slots and block replication.</summary>
public static class EncryptedLinearAlgebra
{
    /// <summary>
    /// Slot i of the result holds Σ_{m &lt; count} x[i + m·stride] (indices cyclic over the slots): log2(count) rotations and
    /// additions. With stride 1 and count = d this puts the sum of each aligned block of d slots in the block's first slot
    /// (dot products after a slot-wise multiplication); <paramref name="count"/> must be a power of two.
    /// </summary>
    public static Ciphertext RotateAndSum(this Evaluator evaluator, Ciphertext input, int count, int stride = 1)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        ArgumentNullException.ThrowIfNull(input);
        CheckRotateAndSum(evaluator.Context.SlotCount, count, stride);
        var accumulator = input.Clone();
        var rotated = new Ciphertext();
        for (int step = stride; step < count * stride; step <<= 1)
        {
            evaluator.Rotate(accumulator, step, rotated);
            evaluator.Add(accumulator, rotated, accumulator);
        }

        return accumulator;
    }

    /// <summary>The rotation steps <see cref="RotateAndSum"/> needs Galois keys for.</summary>
    public static IReadOnlyList<int> RotateAndSumSteps(int slotCount, int count, int stride = 1)
    {
        CheckRotateAndSum(slotCount, count, stride);
        var steps = new List<int>();
        for (int step = stride; step < count * stride; step <<= 1)
        {
            steps.Add(step);
        }

        return steps;
    }

    /// <summary>
    /// Turns blocks holding [y, 0] (the output of <see cref="MatrixVectorProduct.Apply"/>) into [y, y], the replicated layout the
    /// next product expects: one rotation right by the padded dimension and one addition, no level consumed.
    /// </summary>
    public static Ciphertext ReplicateBlocks(this Evaluator evaluator, Ciphertext input, BlockLayout layout)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(layout);
        var copy = evaluator.Rotate(input, -layout.PaddedDimension);
        evaluator.Add(copy, input, copy);
        return copy;
    }

    /// <summary>The rotation step <see cref="ReplicateBlocks"/> needs a Galois key for.</summary>
    public static int ReplicateBlocksStep(BlockLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        return -layout.PaddedDimension;
    }

    private static void CheckRotateAndSum(int slotCount, int count, int stride)
    {
        if (count < 1 || (count & (count - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "the number of summed slots must be a power of two");
        }

        if (stride < 1 || (long)count * stride > slotCount)
        {
            throw new ArgumentOutOfRangeException(nameof(stride), stride, $"count × stride must be positive and at most the {slotCount} slots");
        }
    }
}
