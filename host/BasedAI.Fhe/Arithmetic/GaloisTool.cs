using System.Collections.Concurrent;

namespace BasedAI.Fhe.Arithmetic;

/// <summary>
/// Automorphisms X → X^g on NTT-form polynomials. NTT index k holds the value at ψ^(2·bitrev(k)+1), and
/// (σ_g m)(ψ^e) = m(ψ^(g·e)), so σ_g is a permutation of indices; tables are built once per element and cached.
/// </summary>
internal sealed class GaloisTool
{
    private readonly int _logN;
    private readonly ConcurrentDictionary<uint, int[]> _tables = new();
    private readonly Func<uint, int[]> _build;

    public GaloisTool(int logN)
    {
        _logN = logN;
        _build = Build;
    }

    /// <summary>destination[k] = source[table[k]]; source and destination must not overlap.</summary>
    public void ApplyNtt(ReadOnlySpan<ulong> source, uint galoisElement, Span<ulong> destination)
    {
        int[] table = Table(galoisElement);
        for (int k = 0; k < table.Length; k++)
        {
            destination[k] = source[table[k]];
        }
    }

    public int[] Table(uint galoisElement) => _tables.GetOrAdd(galoisElement, _build);

    private int[] Build(uint galoisElement)
    {
        int n = 1 << _logN;
        ulong mask = (2UL * (ulong)n) - 1;
        if ((galoisElement & 1) == 0 || galoisElement > mask)
        {
            throw new ArgumentOutOfRangeException(nameof(galoisElement), galoisElement, $"a Galois element must be odd and below 2N = {2 * n}");
        }

        int[] table = new int[n];
        for (int k = 0; k < n; k++)
        {
            ulong exponent = (2UL * NttTables.ReverseBits((uint)k, _logN)) + 1;
            ulong image = galoisElement * exponent & mask;
            table[k] = (int)NttTables.ReverseBits((uint)((image - 1) >> 1), _logN);
        }

        return table;
    }
}
