namespace BasedAI.Ledger.Yuma;

/// <summary>
/// A compressed-sparse-row matrix of I32F32 bits with the sparse operations of subtensor's <c>math.rs</c>.
/// Entry order inside a row is kept as given, because the reference keeps it too.
/// </summary>
internal sealed class SparseMatrix
{
    private SparseMatrix(int[] rowStart, int[] columns, long[] values)
    {
        RowStart = rowStart;
        Columns = columns;
        Values = values;
    }

    public int[] RowStart { get; }

    public int[] Columns { get; }

    public long[] Values { get; }

    public int Rows => RowStart.Length - 1;

    public int Count => RowStart[^1];

    /// <summary>Fills a matrix row by row into arrays sized for <paramref name="capacity"/> entries (a bound, not exact).</summary>
    public sealed class Builder(int rows, int capacity)
    {
        private readonly int[] _rowStart = new int[rows + 1];
        private readonly int[] _columns = new int[capacity];
        private readonly long[] _values = new long[capacity];
        private int _row;
        private int _count;

        public void Add(int column, long value)
        {
            _columns[_count] = column;
            _values[_count++] = value;
        }

        public void EndRow() => _rowStart[++_row] = _count;

        public SparseMatrix Build() => new(_rowStart, _columns, _values);
    }

    /// <summary><c>inplace_row_normalize_sparse</c>: rows with a positive sum are divided by it.</summary>
    public void NormalizeRows()
    {
        for (int i = 0; i < Rows; i++)
        {
            int start = RowStart[i], end = RowStart[i + 1];
            long sum = Fx.Sum(Values.AsSpan(start, end - start));
            if (sum > 0)
            {
                for (int e = start; e < end; e++)
                {
                    Values[e] = Fx.Div(Values[e], sum);
                }
            }
        }
    }

    /// <summary><c>matmul_sparse</c>: result_j = Σ_i vector_i · m_ij.</summary>
    public long[] MultiplyRows(long[] vector, int columns)
    {
        var result = new long[columns];
        for (int i = 0; i < Rows; i++)
        {
            long v = vector[i];
            for (int e = RowStart[i]; e < RowStart[i + 1]; e++)
            {
                int j = Columns[e];
                result[j] = Fx.Add(result[j], Fx.Mul(v, Values[e]));
            }
        }
        return result;
    }

    /// <summary><c>matmul_transpose_sparse</c>: result_i = Σ_j vector_j · m_ij.</summary>
    public long[] MultiplyColumns(long[] vector)
    {
        var result = new long[Rows];
        for (int i = 0; i < Rows; i++)
        {
            long sum = 0;
            for (int e = RowStart[i]; e < RowStart[i + 1]; e++)
            {
                sum = Fx.Add(sum, Fx.Mul(vector[Columns[e]], Values[e]));
            }
            result[i] = sum;
        }
        return result;
    }

    /// <summary><c>row_sum_sparse</c>.</summary>
    public long[] RowSums()
    {
        var result = new long[Rows];
        for (int i = 0; i < Rows; i++)
        {
            result[i] = Fx.Sum(Values.AsSpan(RowStart[i], RowStart[i + 1] - RowStart[i]));
        }
        return result;
    }

    /// <summary>
    /// <c>col_clip_sparse</c>, in place: values above the column threshold become the threshold, or vanish when it is not
    /// positive (the row is compacted, keeping entry order).
    /// </summary>
    public void ClipColumns(long[] threshold)
    {
        int write = 0;
        int rowStart = 0;
        for (int i = 0; i < Rows; i++)
        {
            int end = RowStart[i + 1];
            for (int e = rowStart; e < end; e++)
            {
                int j = Columns[e];
                long value = Values[e];
                if (threshold[j] < value)
                {
                    if (threshold[j] <= 0)
                    {
                        continue;
                    }
                    value = threshold[j];
                }
                Columns[write] = j;
                Values[write++] = value;
            }
            rowStart = end;
            RowStart[i + 1] = write;
        }
    }

    /// <summary><c>row_hadamard_sparse</c>, in place: m_ij · vector_i.</summary>
    public void ScaleRows(long[] vector)
    {
        for (int i = 0; i < Rows; i++)
        {
            for (int e = RowStart[i]; e < RowStart[i + 1]; e++)
            {
                Values[e] = Fx.Mul(Values[e], vector[i]);
            }
        }
    }

    /// <summary><c>inplace_col_normalize_sparse</c>: each column divided by its sum unless the sum is zero.</summary>
    public void NormalizeColumns(int columns)
    {
        var sums = new long[columns];
        for (int e = 0; e < Count; e++)
        {
            sums[Columns[e]] = Fx.Add(sums[Columns[e]], Values[e]);
        }
        for (int e = 0; e < Count; e++)
        {
            long sum = sums[Columns[e]];
            if (sum != 0)
            {
                Values[e] = Fx.Div(Values[e], sum);
            }
        }
    }

    /// <summary><c>inplace_col_max_upscale_sparse</c>: each column divided by its maximum unless the maximum is zero.</summary>
    public void MaxUpscaleColumns(int columns)
    {
        var max = new long[columns];
        for (int e = 0; e < Count; e++)
        {
            if (max[Columns[e]] < Values[e])
            {
                max[Columns[e]] = Values[e];
            }
        }
        for (int e = 0; e < Count; e++)
        {
            long m = max[Columns[e]];
            if (m != 0)
            {
                Values[e] = Fx.Div(Values[e], m);
            }
        }
    }

    /// <summary>
    /// <c>mat_ema_sparse</c>: α·new + (1−α)·old per entry, keeping only positive results, each row in ascending column order.
    /// </summary>
    public static SparseMatrix MovingAverage(SparseMatrix updated, SparseMatrix previous, long alpha, int columns)
    {
        long oneMinusAlpha = Fx.Sub(Fx.One, alpha);
        var builder = new Builder(updated.Rows, updated.Count + previous.Count);
        var row = new long[columns];
        var touched = new bool[columns];
        var touchedList = new List<int>();
        for (int i = 0; i < updated.Rows; i++)
        {
            for (int e = updated.RowStart[i]; e < updated.RowStart[i + 1]; e++)
            {
                Touch(updated.Columns[e], Fx.Mul(alpha, updated.Values[e]));
            }
            for (int e = previous.RowStart[i]; e < previous.RowStart[i + 1]; e++)
            {
                Touch(previous.Columns[e], Fx.Mul(oneMinusAlpha, previous.Values[e]));
            }
            touchedList.Sort();
            foreach (int j in touchedList)
            {
                if (row[j] > 0)
                {
                    builder.Add(j, row[j]);
                }
                row[j] = 0;
                touched[j] = false;
            }
            touchedList.Clear();
            builder.EndRow();
        }
        return builder.Build();

        void Touch(int j, long value)
        {
            if (!touched[j])
            {
                touched[j] = true;
                touchedList.Add(j);
            }
            row[j] = Fx.Add(row[j], value);
        }
    }
}
