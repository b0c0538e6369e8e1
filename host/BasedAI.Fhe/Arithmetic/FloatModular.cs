using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace BasedAI.Fhe.Arithmetic;

/// <summary>
/// Exact modular arithmetic in IEEE doubles for primes q &lt; 2^50, four lanes at a time with FMA (the approach of van der
/// Hoeven, Lecerf and Quintin). For integers x, w with |x·w| &lt; 2^103: h = x·w rounded and l = fma(x, w, −h) give
/// x·w = h + l exactly; a quotient estimate k = round(x·w/q) is good to ±1, and h − k·q (one fma, exact because the
/// result is a small integer) plus l is x·w − k·q exactly. Values are kept as signed representatives of small magnitude,
/// so butterflies need no compare-and-subtract; results are normalized to [0, q) only when written back as words.
/// AVX2 has no 64×64-bit integer multiply, while the two FMA units multiply 53-bit mantissas four lanes at a time.
/// </summary>
internal static class FloatModular
{
    /// <summary>Largest prime handled in doubles (exclusive): keeps every intermediate below 2^53.</summary>
    public const ulong MaxModulus = 1UL << 50;

    private const ulong ExponentBits = 0x4330000000000000; // the double 2^52
    private const double TwoPow52 = 4503599627370496.0;

    public static bool IsSupported => Fma.IsSupported && Avx2.IsSupported;

    /// <summary>Whole numbers below 2^52 stored as 64-bit words, as doubles (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> ToDouble(Vector256<ulong> words) =>
        (words | Vector256.Create(ExponentBits)).AsDouble() - Vector256.Create(TwoPow52);

    /// <summary>Whole doubles in [0, 2^52) as 64-bit words (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<ulong> ToWords(Vector256<double> values) =>
        (values + Vector256.Create(TwoPow52)).AsUInt64() ^ Vector256.Create(ExponentBits);

    /// <summary>
    /// x·w − k·q with k = round(x·wOverQ), wOverQ ≈ w/q. |result| ≤ (1/2 + |x|·2^−52)·q, given |x| ≤ 2^52, 0 ≤ w &lt; q.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> MultiplyConstant(Vector256<double> x, Vector256<double> w, Vector256<double> wOverQ, Vector256<double> q)
    {
        var high = x * w;
        var low = Fma.MultiplySubtract(x, w, high);
        var quotient = Avx.RoundToNearestInteger(x * wOverQ);
        return Fma.MultiplyAddNegated(quotient, q, high) + low;
    }

    /// <summary>x·y − k·q with k = round(x·y/q), for |x·y| &lt; 2^52·q: |result| ≤ 3q/2 (≤ 3q/4 when |x·y| ≤ 2^50·q).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Multiply(Vector256<double> x, Vector256<double> y, Vector256<double> q, Vector256<double> inverseQ)
    {
        var high = x * y;
        var low = Fma.MultiplySubtract(x, y, high);
        var quotient = Avx.RoundToNearestInteger(high * inverseQ);
        return Fma.MultiplyAddNegated(quotient, q, high) + low;
    }

    /// <summary>x − q·round(x/q): the representative of x in about [−q/2, q/2], for |x| &lt; 2^52.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> ReduceCentered(Vector256<double> x, Vector256<double> q, Vector256<double> inverseQ) =>
        Fma.MultiplyAddNegated(Avx.RoundToNearestInteger(x * inverseQ), q, x);

    /// <summary>The representative in [0, q) of x, |x| &lt; 2^52.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<double> Normalize(Vector256<double> x, Vector256<double> q, Vector256<double> inverseQ)
    {
        var r = ReduceCentered(x, q, inverseQ);
        r += Avx.CompareLessThan(r, Vector256<double>.Zero) & q;
        return r - (Avx.CompareGreaterThanOrEqual(r, q) & q);
    }
}
