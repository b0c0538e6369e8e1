namespace BasedAI.Fhe.LinearAlgebra;

/// <summary>
/// A plaintext matrix prepared for products with encrypted vectors by the diagonal method with baby-step giant-step:
/// y = Σ_j rot_(j·n1)( Σ_i rot_(−j·n1)(diag_(j·n1+i)) ⊙ rot_i(x) ), n1·n2 = d'. That costs n1 − 1 + n2 − 1 rotations and at
/// most d' plaintext multiplications (all-zero diagonals are skipped). Inputs use a <see cref="BlockLayout"/> with the vectors
/// replicated; several vectors packed in one ciphertext are multiplied at once. Each output block holds M·x followed by
/// zeros, so <see cref="EncryptedLinearAlgebra.ReplicateBlocks"/> restores the replicated layout with one rotation. The baby
/// steps are hoisted rotations (<see cref="Evaluator.RotateHoisted(Ciphertext, IReadOnlyList{int})"/>): one key-switching decomposition serves them all.
/// </summary>
public sealed class MatrixVectorProduct
{
    private readonly Plaintext?[,] _plaintexts; // [giant j, baby i]
    private readonly int _babySteps;
    private readonly int _giantSteps;

    private MatrixVectorProduct(BlockLayout layout, int rows, int columns, Plaintext?[,] plaintexts, int babySteps, int giantSteps, CkksLevel level, double scale)
    {
        Layout = layout;
        Rows = rows;
        Columns = columns;
        _plaintexts = plaintexts;
        _babySteps = babySteps;
        _giantSteps = giantSteps;
        Level = level;
        Scale = scale;
        var steps = new List<int>();
        for (int i = 1; i < babySteps; i++)
        {
            steps.Add(i);
        }

        for (int j = 1; j < giantSteps; j++)
        {
            steps.Add(j * babySteps);
        }

        RequiredRotationSteps = steps;
    }

    /// <summary>The slot layout of inputs and outputs.</summary>
    public BlockLayout Layout { get; }

    /// <summary>Rows of the matrix (length of the output vectors).</summary>
    public int Rows { get; }

    /// <summary>Columns of the matrix (length of the input vectors).</summary>
    public int Columns { get; }

    /// <summary>The level the diagonals are encoded at; inputs must be at this level.</summary>
    public CkksLevel Level { get; }

    /// <summary>The scale the diagonals are encoded at; the output's scale is the input's times this.</summary>
    public double Scale { get; }

    /// <summary>The rotation steps <see cref="Apply"/> needs Galois keys for (positive: left).</summary>
    public IReadOnlyList<int> RequiredRotationSteps { get; }

    /// <summary>
    /// Prepares <paramref name="matrix"/> (rows × columns, both at most half the slot count) for products with vectors of
    /// <c>columns</c> values. The diagonals are encoded at <paramref name="level"/> (default: the first) and
    /// <paramref name="scale"/> (default: the level's last prime, so that rescaling the product returns to the input's scale).
    /// </summary>
    public static MatrixVectorProduct Create(CkksContext context, double[,] matrix, CkksLevel? level = null, double? scale = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(matrix);
        int rows = matrix.GetLength(0);
        int columns = matrix.GetLength(1);
        if (rows == 0 || columns == 0)
        {
            throw new ArgumentException("the matrix is empty", nameof(matrix));
        }

        var layout = new BlockLayout(context.SlotCount, Math.Max(rows, columns));
        level ??= context.FirstLevel;
        double plainScale = scale ?? level.CoeffModulus[^1];
        int d = layout.PaddedDimension;
        int babySteps = 1 << ((System.Numerics.BitOperations.Log2((uint)d) + 1) / 2);
        int giantSteps = d / babySteps;
        var encoder = new CkksEncoder(context);
        var plaintexts = new Plaintext?[giantSteps, babySteps];
        var slots = new double[context.SlotCount];
        for (int j = 0; j < giantSteps; j++)
        {
            int shift = j * babySteps;
            for (int i = 0; i < babySteps; i++)
            {
                int k = shift + i;
                Array.Clear(slots);
                bool nonZero = false;
                for (int t = 0; t < d; t++)
                {
                    int column = (t + k) % d;
                    double value = t < rows && column < columns ? matrix[t, column] : 0;
                    if (!double.IsFinite(value))
                    {
                        throw new ArgumentException($"matrix[{t}, {column}] is {value}; only finite values can be encoded", nameof(matrix));
                    }

                    if (value == 0)
                    {
                        continue;
                    }

                    nonZero = true;
                    for (int b = 0; b < layout.Capacity; b++)
                    {
                        // Diagonal k in block b, rotated right by j·n1 over the whole slot vector.
                        slots[((b * layout.BlockWidth) + t + shift) % context.SlotCount] = value;
                    }
                }

                if (nonZero)
                {
                    plaintexts[j, i] = encoder.Encode(slots, plainScale, level);
                }
            }
        }

        return new MatrixVectorProduct(layout, rows, columns, plaintexts, babySteps, giantSteps, level, plainScale);
    }

    /// <summary>
    /// The encrypted products M·x for every vector packed (replicated) in <paramref name="input"/>; the result is at the
    /// input's level with scale input.Scale × <see cref="Scale"/>, to be rescaled by the caller.
    /// </summary>
    public Ciphertext Apply(Evaluator evaluator, Ciphertext input)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        ArgumentNullException.ThrowIfNull(input);
        if (input.ParmsId != Level.ParmsId)
        {
            throw new ParameterMismatchException($"level mismatch: the input is at level {input.Level}, the matrix is encoded at {Level}");
        }

        // Baby steps share one key-switching decomposition of the input (hoisted rotations).
        var rotated = new Ciphertext?[_babySteps];
        rotated[0] = input;
        var babySteps = Enumerable.Range(1, _babySteps - 1).Where(NeedsBabyStep).ToArray();
        var babies = evaluator.RotateHoisted(input, babySteps);
        for (int b = 0; b < babySteps.Length; b++)
        {
            rotated[babySteps[b]] = babies[b];
        }

        Ciphertext? result = null;
        for (int j = 0; j < _giantSteps; j++)
        {
            Ciphertext? inner = null;
            for (int i = 0; i < _babySteps; i++)
            {
                var plain = _plaintexts[j, i];
                if (plain is null)
                {
                    continue;
                }

                if (inner is null)
                {
                    inner = evaluator.MultiplyPlain(rotated[i]!, plain);
                }
                else
                {
                    evaluator.MultiplyPlainAndAdd(rotated[i]!, plain, inner);
                }
            }

            if (inner is null)
            {
                continue;
            }

            if (j > 0)
            {
                evaluator.Rotate(inner, j * _babySteps, inner);
            }

            if (result is null)
            {
                result = inner;
            }
            else
            {
                evaluator.Add(result, inner, result);
            }
        }

        // An all-zero matrix: the product is an encryption of zero at the right scale.
        return result ?? evaluator.MultiplyByConstant(input, 0, Scale);
    }

    private bool NeedsBabyStep(int i)
    {
        for (int j = 0; j < _giantSteps; j++)
        {
            if (_plaintexts[j, i] is not null)
            {
                return true;
            }
        }

        return false;
    }
}
