using System.Numerics;
using BasedAI.Squeezing.Evaluation;
using BasedAI.Squeezing.Fusion;
using BasedAI.Squeezing.Planning;

namespace BasedAI.ZkLlm.Execution;

/// <summary>
/// The slot contents of every plaintext a plan multiplies or adds (weights laid out for E-form and baby-step giant-step
/// products, position masks, RoPE patterns, norm affines, biases), computed from the squeezed weights. Backend-independent:
/// the miner encodes them with CKKS, plain mode uses them as they are.
/// </summary>
internal static class PlanLayouts
{
    /// <summary>A product's matrix at a position: real part, optional imaginary part, rows, columns (RoPE applied to the real rows).</summary>
    public static (double[] Real, double[]? Imaginary, int Rows, int Columns) Matrix(SqueezedModel model, ProductWeights weights, int position)
    {
        var real = model.Tensor(weights.Real);
        int rows = real.Shape[0], columns = real.Shape[1];
        double[] r = real.Data.Select(v => (double)v).ToArray();
        double[]? imaginary = null;
        if (weights.Imaginary is { } name)
        {
            var im = model.Tensor(name);
            if (im.Shape[0] != rows || im.Shape[1] != columns)
            {
                throw new InvalidDataException($"packed product: '{name}' {im.ShapeText} does not match '{weights.Real}' {real.ShapeText}");
            }
            imaginary = im.Data.Select(v => (double)v).ToArray();
        }
        if (weights.RotaryReal)
        {
            int hd = model.Config.HeadDim, half = hd / 2;
            (double[] cos, double[] sin) = ClientMath.Rotary(hd, model.Config.RopeTheta, position);
            var rotated = new double[r.Length];
            for (int row = 0; row < rows; row++)
            {
                int j = row % hd, head = row - j;
                for (int c = 0; c < columns; c++)
                {
                    rotated[(row * columns) + c] = j < half
                        ? (r[(row * columns) + c] * cos[j]) - (r[((head + j + half) * columns) + c] * sin[j])
                        : (r[((head + j - half) * columns) + c] * sin[j - half]) + (r[(row * columns) + c] * cos[j - half]);
                }
            }
            r = rotated;
        }
        return (r, imaginary, rows, columns);
    }

    private static Complex Entry((double[] Real, double[]? Imaginary, int Rows, int Columns) m, int row, int column, WeightFactor factor)
    {
        int index = (row * m.Columns) + column;
        var value = new Complex(m.Real[index], m.Imaginary?[index] ?? 0);
        return factor == WeightFactor.MinusI ? value * -Complex.ImaginaryOne : value;
    }

    /// <summary>
    /// The plaintexts of an E-form product, one per input ciphertext (chunk-major): slot s of ciphertext e of chunk c
    /// multiplies input column c·B + (i + b) mod B into row (i mod rowPeriod), with i = s mod B and b the rotated copy.
    /// </summary>
    public static Complex[][] EForm(SqueezedModel model, ProductWeights weights, int rowPeriod, int blockWidth, int slots, int inputCiphertexts, int position)
    {
        var m = Matrix(model, weights, position);
        int perChunk = SlotGeometry.EFormCiphertextsPerChunk(blockWidth, slots);
        int chunks = SlotGeometry.Chunks(m.Columns, blockWidth);
        if (chunks * perChunk != inputCiphertexts)
        {
            throw new InvalidDataException($"E-form product of {weights.Real}: {m.Columns} columns need {chunks * perChunk} input ciphertexts, the stage provides {inputCiphertexts}");
        }
        var result = new Complex[inputCiphertexts][];
        for (int c = 0; c < chunks; c++)
        {
            for (int e = 0; e < perChunk; e++)
            {
                var values = new Complex[slots];
                for (int s = 0; s < slots; s++)
                {
                    int column = SlotGeometry.EFormColumn(blockWidth, slots, c, e, s);
                    int row = s % blockWidth % rowPeriod;
                    if (column < 0 || column >= m.Columns || row >= m.Rows)
                    {
                        continue;
                    }
                    values[s] = Entry(m, row, column, weights.Factor);
                }
                result[(c * perChunk) + e] = values;
            }
        }
        return result;
    }

    /// <summary>
    /// Baby-step giant-step plaintexts [giant j, baby i] for an input replicated with period p: diagonal k = j·n1 + i holds
    /// M[r(q), (q + k) mod p] at output slot q, r(q) = q for q &lt; rows (or q mod the output period for a replicated output),
    /// rotated right by j·n1. Null where a diagonal is all zero.
    /// </summary>
    public static Complex[]?[,] Bsgs(SqueezedModel model, ProductWeights weights, int period, int slots, int outputPeriod = 0)
    {
        var m = Matrix(model, weights, 0);
        if (m.Columns > period || m.Rows > slots || (outputPeriod > 0 && m.Rows > outputPeriod))
        {
            throw new InvalidDataException($"product {weights.Real} [{m.Rows}, {m.Columns}] does not fit period {period} and {slots} slots");
        }
        (int baby, int giant) = SlotGeometry.BabyGiant(period);
        var result = new Complex[]?[giant, baby];
        for (int j = 0; j < giant; j++)
        {
            for (int i = 0; i < baby; i++)
            {
                int k = (j * baby) + i, shift = j * baby;
                var values = new Complex[slots];
                bool any = false;
                for (int q = 0; q < (outputPeriod > 0 ? slots : m.Rows); q++)
                {
                    int row = outputPeriod > 0 ? q % outputPeriod : q, column = (q + k) % period;
                    if (column >= m.Columns || row >= m.Rows)
                    {
                        continue;
                    }
                    Complex value = Entry(m, row, column, weights.Factor);
                    if (value == Complex.Zero)
                    {
                        continue;
                    }
                    values[(q + shift) % slots] = value;
                    any = true;
                }
                result[j, i] = any ? values : null;
            }
        }
        return result;
    }

    /// <summary>1 on the first <paramref name="width"/> slots of the block holding <paramref name="position"/>, 0 elsewhere.</summary>
    public static Complex[] Mask(int slots, int block, int width, int position)
    {
        var values = new Complex[slots];
        int start = position % (slots / block) * block;
        for (int i = 0; i < width; i++)
        {
            values[start + i] = Complex.One;
        }
        return values;
    }

    /// <summary>RoPE on a vector replicated with period A: cos on every element, −sin and sin on the shifted partners.</summary>
    public static (Complex[] Cos, Complex[] SinUpper, Complex[] SinLower) Rotary(SqueezedModel model, int period, int width, int slots, int position)
    {
        int hd = model.Config.HeadDim, half = hd / 2;
        (double[] cos, double[] sin) = ClientMath.Rotary(hd, model.Config.RopeTheta, position);
        Complex[] c = new Complex[slots], upper = new Complex[slots], lower = new Complex[slots];
        for (int s = 0; s < slots; s++)
        {
            int local = s % period;
            if (local >= width)
            {
                continue;
            }
            int j = local % hd;
            c[s] = cos[j % half];
            if (j < half)
            {
                upper[s] = -sin[j];
            }
            else
            {
                lower[s] = sin[j - half];
            }
        }
        return (c, upper, lower);
    }

    /// <summary>
    /// A norm's γ (or β) laid out like an input: for E-form ciphertext e of chunk c, slot s holds the value of the column it
    /// carries; replicated, value[s mod period]. The constant-1 column (GPT-2 bias) gets <paramref name="constant"/>.
    /// </summary>
    public static Complex[] NormPattern(float[] values, bool eform, int period, int slots, int ciphertext, int perChunk, double constant)
    {
        var result = new Complex[slots];
        int d = values.Length;
        for (int s = 0; s < slots; s++)
        {
            int column = eform ? SlotGeometry.EFormColumn(period, slots, ciphertext / perChunk, ciphertext % perChunk, s) : s % period;
            result[s] = column < 0 ? Complex.Zero : column < d ? values[column] : column == d ? constant : 0;
        }
        return result;
    }

    /// <summary>A bias in slots 0…rows−1.</summary>
    public static Complex[] Bias(float[] bias, int slots)
    {
        var result = new Complex[slots];
        for (int i = 0; i < bias.Length; i++)
        {
            result[i] = bias[i];
        }
        return result;
    }
}
