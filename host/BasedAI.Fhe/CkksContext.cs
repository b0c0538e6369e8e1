using System.Collections.ObjectModel;
using BasedAI.Fhe.Arithmetic;

namespace BasedAI.Fhe;

/// <summary>
/// Validated CKKS parameters with everything precomputed: NTT tables per prime, the chain of levels (each with its
/// SEAL parms_id) and the constants rescaling and key switching use. Immutable and safe to share between threads.
/// </summary>
public sealed class CkksContext
{
    private readonly Dictionary<ParmsId, CkksLevel> _levelsById = [];
    private readonly CkksLevel[] _dataLevels;

    private CkksContext(CkksParameters parameters, SecurityLevel securityLevel)
    {
        Parameters = parameters;
        SecurityLevel = securityLevel;
        PolyModulusDegree = parameters.PolyModulusDegree;
        LogN = System.Numerics.BitOperations.Log2((uint)PolyModulusDegree);
        var primes = parameters.CoeffModulusSpan;
        Moduli = new Modulus[primes.Length];
        NttTables = new NttTables[primes.Length];
        for (int i = 0; i < primes.Length; i++)
        {
            Moduli[i] = new Modulus(primes[i]);
            NttTables[i] = new NttTables(LogN, Moduli[i]);
        }

        KeyLevel = new CkksLevel(this, primes.Length - 1, isKeyLevel: true);
        _levelsById[KeyLevel.ParmsId] = KeyLevel;
        _dataLevels = new CkksLevel[primes.Length - 1];
        for (int index = primes.Length - 2; index >= 0; index--)
        {
            var level = new CkksLevel(this, index, isKeyLevel: false);
            _dataLevels[index] = level;
            _levelsById[level.ParmsId] = level;
        }

        DataLevels = new ReadOnlyCollection<CkksLevel>(_dataLevels);
        KeySwitching = new KeySwitchingConstants(this);
        Galois = new GaloisTool(LogN);
    }

    /// <summary>The parameters this context was built from.</summary>
    public CkksParameters Parameters { get; }

    /// <summary>The security level the parameters were checked against.</summary>
    public SecurityLevel SecurityLevel { get; }

    /// <summary>The polynomial modulus degree N.</summary>
    public int PolyModulusDegree { get; }

    /// <summary>Number of complex slots in a plaintext or ciphertext, N/2.</summary>
    public int SlotCount => PolyModulusDegree / 2;

    /// <summary>The level that holds keys: every prime, the special prime included.</summary>
    public CkksLevel KeyLevel { get; }

    /// <summary>The highest data level, where fresh ciphertexts live (every prime but the special one).</summary>
    public CkksLevel FirstLevel => _dataLevels[^1];

    /// <summary>The lowest data level (one prime): no rescale is possible there.</summary>
    public CkksLevel LastLevel => _dataLevels[0];

    /// <summary>Data levels indexed by level number (SEAL's chain index): level i has i + 1 primes.</summary>
    public IReadOnlyList<CkksLevel> DataLevels { get; }

    internal int LogN { get; }

    internal Modulus[] Moduli { get; }

    internal NttTables[] NttTables { get; }

    internal KeySwitchingConstants KeySwitching { get; }

    internal GaloisTool Galois { get; }

    /// <summary>
    /// Validates the parameters and builds the context. Parameters whose total modulus exceeds the HomomorphicEncryption.org
    /// bound for <paramref name="securityLevel"/> are refused with <see cref="InsecureParametersException"/>; pass
    /// <see cref="SecurityLevel.None"/> to opt out explicitly (tests and experiments only).
    /// </summary>
    public static CkksContext Create(CkksParameters parameters, SecurityLevel securityLevel = SecurityLevel.Tc128)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (securityLevel != SecurityLevel.None)
        {
            int bound = CkksParameters.MaxCoeffModulusBitCount(parameters.PolyModulusDegree, securityLevel);
            if (bound == 0)
            {
                throw new InsecureParametersException(
                    $"no published {(int)securityLevel}-bit bound exists for N={parameters.PolyModulusDegree}; pass SecurityLevel.None to use these parameters anyway");
            }

            if (parameters.TotalCoeffModulusBitCount > bound)
            {
                throw new InsecureParametersException(
                    $"the coefficient modulus has {parameters.TotalCoeffModulusBitCount} bits but {(int)securityLevel}-bit security at N={parameters.PolyModulusDegree} allows at most {bound}; " +
                    "use a larger N, fewer or smaller primes, or pass SecurityLevel.None to opt out explicitly");
            }
        }

        return new CkksContext(parameters, securityLevel);
    }

    /// <summary>The level (data or key) with the given parms_id, or null when it is not part of this context.</summary>
    public CkksLevel? FindLevel(ParmsId parmsId) => _levelsById.GetValueOrDefault(parmsId);

    /// <summary>The data level with the given parms_id; throws <see cref="ParameterMismatchException"/> when there is none.</summary>
    internal CkksLevel GetDataLevel(ParmsId parmsId, string what, string? name = null)
    {
        if (_levelsById.TryGetValue(parmsId, out var level) && !level.IsKeyLevel)
        {
            return level;
        }

        // Messages are built only on failure: the lookup runs on every operation.
        string subject = name is null ? what : $"{what} '{name}'";
        throw level is null
            ? new ParameterMismatchException($"{subject} was made with different encryption parameters (parms_id {parmsId} is not in this context: {Parameters})")
            : new ParameterMismatchException($"{subject} is at the key level; only keys live there");
    }
}

/// <summary>One level of the modulus chain: a prefix q_0 … q_i of the primes and its SEAL parms_id.</summary>
public sealed class CkksLevel
{
    internal CkksLevel(CkksContext context, int index, bool isKeyLevel)
    {
        Context = context;
        Index = index;
        IsKeyLevel = isKeyLevel;
        PrimeCount = index + 1;
        var primes = context.Parameters.CoeffModulusSpan[..PrimeCount];
        CoeffModulus = new ReadOnlyCollection<ulong>(primes.ToArray());
        ParmsId = ParmsId.Compute(CkksParameters.SchemeCkks, context.PolyModulusDegree, primes, 0);
        TotalCoeffModulusBitCount = CoeffModulus.Sum(q => 64 - System.Numerics.BitOperations.LeadingZeroCount(q));
        Moduli = context.Moduli.AsSpan(0, PrimeCount).ToArray();
        Ntt = context.NttTables.AsSpan(0, PrimeCount).ToArray();
        if (PrimeCount > 1)
        {
            // Rescaling divides by the last prime: (c_i - [c_last]_{q_i}) · q_last^{-1} with rounding.
            ulong last = primes[^1];
            RescaleInverseLast = new ulong[PrimeCount - 1];
            RescaleInverseLastShoup = new ulong[PrimeCount - 1];
            RescaleHalfMod = new ulong[PrimeCount - 1];
            for (int i = 0; i < PrimeCount - 1; i++)
            {
                RescaleInverseLast[i] = Moduli[i].Inverse(last);
                RescaleInverseLastShoup[i] = Moduli[i].ShoupOf(RescaleInverseLast[i]);
                RescaleHalfMod[i] = Moduli[i].Reduce(last >> 1);
            }
        }

        Crt = new CrtComposer(Moduli);
    }

    /// <summary>The context this level belongs to.</summary>
    public CkksContext Context { get; }

    /// <summary>Level number (SEAL's chain index): the number of primes minus one.</summary>
    public int Index { get; }

    /// <summary>Whether this is the key level (all primes, the special one included).</summary>
    public bool IsKeyLevel { get; }

    /// <summary>Number of primes at this level.</summary>
    public int PrimeCount { get; }

    /// <summary>The primes at this level.</summary>
    public IReadOnlyList<ulong> CoeffModulus { get; }

    /// <summary>Total bit count of the primes at this level.</summary>
    public int TotalCoeffModulusBitCount { get; }

    /// <summary>SEAL's parms_id of this level.</summary>
    public ParmsId ParmsId { get; }

    /// <summary>The next lower data level, or null at the last level (and for the key level, whose next is <see cref="CkksContext.FirstLevel"/>).</summary>
    public CkksLevel? Next => IsKeyLevel ? Context.FirstLevel : Index > 0 ? Context.DataLevels[Index - 1] : null;

    internal Modulus[] Moduli { get; }

    internal NttTables[] Ntt { get; }

    internal ulong[] RescaleInverseLast { get; } = [];

    internal ulong[] RescaleInverseLastShoup { get; } = [];

    internal ulong[] RescaleHalfMod { get; } = [];

    internal CrtComposer Crt { get; }

    /// <summary>"level i (k primes, b bits)".</summary>
    public override string ToString() =>
        IsKeyLevel ? $"key level ({PrimeCount} primes, {TotalCoeffModulusBitCount} bits)" : $"level {Index} ({PrimeCount} primes, {TotalCoeffModulusBitCount} bits)";
}

/// <summary>Constants for hybrid key switching with the special prime P = the last prime.</summary>
internal sealed class KeySwitchingConstants
{
    public KeySwitchingConstants(CkksContext context)
    {
        int special = context.Moduli.Length - 1;
        SpecialIndex = special;
        ulong p = context.Moduli[special].Value;
        InversePMod = new ulong[special];
        InversePModShoup = new ulong[special];
        HalfPMod = new ulong[special];
        for (int i = 0; i < special; i++)
        {
            var q = context.Moduli[i];
            InversePMod[i] = q.Inverse(q.Reduce(p));
            InversePModShoup[i] = q.ShoupOf(InversePMod[i]);
            HalfPMod[i] = q.Reduce(p >> 1);
            // P mod q_i enters key generation: the key for digit i encrypts P·s' in limb i.
        }

        PModData = new ulong[special];
        for (int i = 0; i < special; i++)
        {
            PModData[i] = context.Moduli[i].Reduce(p);
        }
    }

    /// <summary>Index of the special prime in the key-level chain.</summary>
    public int SpecialIndex { get; }

    public ulong[] InversePMod { get; }

    public ulong[] InversePModShoup { get; }

    public ulong[] HalfPMod { get; }

    public ulong[] PModData { get; }
}
