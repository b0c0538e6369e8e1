using System.Numerics;

namespace BasedAI.Squeezing.Planning;

/// <summary>
/// Where values sit in the N/2 complex slots of a ciphertext. Every vector lives in blocks of B
/// slots (the model width rounded up to a power of two); the layouts are:
/// <list type="bullet">
/// <item><b>E-form</b> (client inputs of products): block b of the input holds the vector chunk rotated by b,
/// <c>E[b·B + i] = x[(i + b) mod B]</c>, for b &lt; B, spread over max(1, B²/S) ciphertexts. One plaintext multiply then
/// a rotate-and-sum over the blocks computes a whole B-row matrix product: the client's layout does the rotations a
/// diagonal method would otherwise spend.</item>
/// <item><b>Replicated</b> with period p: slot s holds x[s mod p] (inputs of baby-step giant-step products).</item>
/// <item><b>Attention</b> with block width A (kept heads × head width, rounded up): position t of the KV cache sits in
/// block (t mod P) of cache ciphertext ⌊t / P⌋, P = S/A; within a block, head h's element j at h·hd + j.</item>
/// </list>
/// </summary>
public static class SlotGeometry
{
    /// <summary>Smallest power of two ≥ <paramref name="value"/> (and ≥ 1).</summary>
    public static int PowerOfTwo(int value) => value <= 1 ? 1 : (int)BitOperations.RoundUpToPowerOf2((uint)value);

    /// <summary>log2 of a power of two.</summary>
    public static int Log2(int powerOfTwo) => BitOperations.Log2((uint)powerOfTwo);

    /// <summary>E-form: ciphertexts per chunk of B values, max(1, B²/S).</summary>
    public static int EFormCiphertextsPerChunk(int blockWidth, int slots) => Math.Max(1, blockWidth * blockWidth / slots);

    /// <summary>E-form: rotated copies (blocks) per ciphertext, min(B, S/B).</summary>
    public static int EFormBlocksPerCiphertext(int blockWidth, int slots) => Math.Min(blockWidth, slots / blockWidth);

    /// <summary>E-form: chunks of B values needed for a vector of <paramref name="width"/> values.</summary>
    public static int Chunks(int width, int blockWidth) => (width + blockWidth - 1) / blockWidth;

    /// <summary>
    /// Writes E-form ciphertext <paramref name="ciphertext"/> of chunk <paramref name="chunk"/> of <paramref name="vector"/>
    /// into <paramref name="slots"/> (zero elsewhere).
    /// </summary>
    public static void EForm(ReadOnlySpan<double> vector, int blockWidth, int chunk, int ciphertext, Span<double> slots)
    {
        int s = slots.Length, perCt = EFormBlocksPerCiphertext(blockWidth, s);
        slots.Clear();
        for (int local = 0; local < perCt; local++)
        {
            int b = (ciphertext * perCt) + local;
            for (int i = 0; i < blockWidth; i++)
            {
                int column = (chunk * blockWidth) + ((i + b) % blockWidth);
                slots[(local * blockWidth) + i] = column < vector.Length ? vector[column] : 0;
            }
        }
    }

    /// <summary>
    /// The column of the matrix an E-form plaintext slot multiplies: for ciphertext <paramref name="ciphertext"/> of chunk
    /// <paramref name="chunk"/>, slot <paramref name="slot"/> holds input column <c>chunk·B + (i + b) mod B</c>, and the
    /// output row is chosen by i = slot mod B. Returns −1 for slots beyond the rotated copies.
    /// </summary>
    public static int EFormColumn(int blockWidth, int slots, int chunk, int ciphertext, int slot)
    {
        int perCt = EFormBlocksPerCiphertext(blockWidth, slots);
        int local = slot / blockWidth;
        if (local >= perCt)
        {
            return -1;
        }
        int b = (ciphertext * perCt) + local, i = slot % blockWidth;
        return (chunk * blockWidth) + ((i + b) % blockWidth);
    }

    /// <summary>Replicated layout: slot s holds vector[s mod period] (zero past the vector's end).</summary>
    public static void Replicate(ReadOnlySpan<double> vector, int period, Span<double> slots)
    {
        for (int s = 0; s < slots.Length; s++)
        {
            int i = s % period;
            slots[s] = i < vector.Length ? vector[i] : 0;
        }
    }

    /// <summary>Baby steps n1 and giant steps n2 (n1·n2 = period) of a baby-step giant-step product over a period.</summary>
    public static (int Baby, int Giant) BabyGiant(int period)
    {
        int log = Log2(period);
        int baby = 1 << ((log + 1) / 2);
        return (baby, period / baby);
    }

    /// <summary>The rotation steps a baby-step giant-step product over <paramref name="period"/> needs.</summary>
    public static IEnumerable<int> BabyGiantSteps(int period)
    {
        (int baby, int giant) = BabyGiant(period);
        for (int i = 1; i < baby; i++)
        {
            yield return i;
        }
        for (int j = 1; j < giant; j++)
        {
            yield return j * baby;
        }
    }

    /// <summary>The rotation steps of a rotate-and-sum over <paramref name="count"/> (a power of two) elements <paramref name="stride"/> apart.</summary>
    public static IEnumerable<int> RotateSumSteps(int stride, int count)
    {
        for (int step = stride; step < stride * count; step <<= 1)
        {
            yield return step;
        }
    }
}
