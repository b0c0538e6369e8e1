namespace BasedAI.Ledger.Yuma;

/// <summary>One entry of a sparse weights or bonds row: the destination UID and its u16 value.</summary>
/// <param name="Uid">Destination UID.</param>
/// <param name="Value">Stored u16 value (weights are row-max-upscaled, bonds column-max-upscaled).</param>
public readonly record struct WeightEntry(ushort Uid, ushort Value);

/// <summary>Yuma hyperparameters of one Brain (the spec's section 5; defaults are basednode's).</summary>
public sealed record YumaParameters
{
    /// <summary>Consensus majority as u16 (κ = kappa/65535). Default 32767 ≈ 0.5.</summary>
    public ushort Kappa { get; init; } = 32767;

    /// <summary>Bonds moving average in parts per million (α = 1 − bma/10^6). Default 900,000 (α ≈ 0.1).</summary>
    public ulong BondsMovingAverage { get; init; } = 900_000;

    /// <summary>A UID that set no weights for more than this many blocks is inactive. Default 5,000.</summary>
    public ulong ActivityCutoff { get; init; } = 5_000;

    /// <summary>K of the top-K validator permit. Default 256 (basednode).</summary>
    public ushort MaxAllowedValidators { get; init; } = 256;

    /// <summary>
    /// The paper's active-validator rule: a top-K permit also needs stake at or above this nearest-rank percentile of the
    /// permitted validators' stakes (70 in the paper). 0 keeps classic Yuma.
    /// </summary>
    public byte ActiveValidatorPercentile { get; init; }

    /// <summary>Checks the ranges; returns an error naming the field, or null.</summary>
    public string? Validate() =>
        BondsMovingAverage > 1_000_000 ? $"bonds_moving_average must be at most 1,000,000 ppm, not {BondsMovingAverage}"
        : ActiveValidatorPercentile > 100 ? $"active_validator_percentile must be 0 to 100, not {ActiveValidatorPercentile}"
        : null;
}

/// <summary>Everything one epoch of one Brain reads (the spec's section 1). Arrays are indexed by UID and have length <see cref="N"/>.</summary>
public sealed class YumaEpochInput
{
    /// <summary>Number of UIDs.</summary>
    public required int N { get; init; }

    /// <summary>Total stake on each UID's computekey, in rao.</summary>
    public required ulong[] Stake { get; init; }

    /// <summary>Stored weights rows (row-max-upscaled u16); a null or empty row means no weights.</summary>
    public required WeightEntry[]?[] Weights { get; init; }

    /// <summary>Stored bonds rows (column-max-upscaled u16) from the previous epoch.</summary>
    public required WeightEntry[]?[] Bonds { get; init; }

    /// <summary>Block of each UID's last <c>set_weights</c>.</summary>
    public required ulong[] LastUpdate { get; init; }

    /// <summary>Block at which each UID was (last) registered.</summary>
    public required ulong[] BlockAtRegistration { get; init; }

    /// <summary>Validator permits stored by the previous epoch.</summary>
    public required bool[] ValidatorPermit { get; init; }

    /// <summary>
    /// Which UIDs may hold a validator permit at all (the ledger passes "registered as validator"); null lets every UID compete,
    /// as classic Yuma does.
    /// </summary>
    public bool[]? PermitEligible { get; init; }

    /// <summary>The block the epoch runs in.</summary>
    public required ulong CurrentBlock { get; init; }

    /// <summary>Emission (rao) the epoch distributes.</summary>
    public required ulong RaoEmission { get; init; }

    /// <summary>Hyperparameters.</summary>
    public YumaParameters Parameters { get; init; } = new();
}

/// <summary>What one epoch produces (the spec's section 2, steps 15 to 17).</summary>
public sealed class YumaEpochResult
{
    internal YumaEpochResult(int n)
    {
        Active = new bool[n];
        NewValidatorPermit = new bool[n];
        Rank = new ushort[n];
        Trust = new ushort[n];
        Consensus = new ushort[n];
        Incentive = new ushort[n];
        Dividends = new ushort[n];
        ValidatorTrust = new ushort[n];
        PruningScore = new ushort[n];
        ServerEmission = new ulong[n];
        ValidatorEmission = new ulong[n];
        Emission = new ulong[n];
        Bonds = new WeightEntry[]?[n];
        CreditsDelta = new long[n];
    }

    /// <summary>False for UIDs whose last weights are older than the activity cutoff.</summary>
    public bool[] Active { get; }

    /// <summary>Validator permits for the next epoch.</summary>
    public bool[] NewValidatorPermit { get; }

    /// <summary>Normalized rank, stored as floor(x·65535).</summary>
    public ushort[] Rank { get; }

    /// <summary>Server trust R/P, stored as floor(x·65535).</summary>
    public ushort[] Trust { get; }

    /// <summary>Stake-weighted median weight per column, stored as floor(x·65535).</summary>
    public ushort[] Consensus { get; }

    /// <summary>Incentive (= normalized rank), stored as floor(x·65535).</summary>
    public ushort[] Incentive { get; }

    /// <summary>Dividends, stored as floor(x·65535).</summary>
    public ushort[] Dividends { get; }

    /// <summary>Validator trust (row sum of clipped weights), stored as floor(x·65535).</summary>
    public ushort[] ValidatorTrust { get; }

    /// <summary>Pruning score: combined emission max-upscaled to u16.</summary>
    public ushort[] PruningScore { get; }

    /// <summary>Server (incentive) share of the emission, rao.</summary>
    public ulong[] ServerEmission { get; }

    /// <summary>Validator (dividend) share of the emission, rao.</summary>
    public ulong[] ValidatorEmission { get; }

    /// <summary>Combined emission as stored ("Emission"), rao.</summary>
    public ulong[] Emission { get; }

    /// <summary>
    /// New stored bonds rows: a row for every UID with a new permit, an empty row for a UID that lost its permit, and null
    /// where the stored row stays as it was.
    /// </summary>
    public WeightEntry[]?[] Bonds { get; }

    /// <summary>Credits gained this epoch, ΔCredits = W·S (row-normalized weights times normalized stake), as I32F32 bits.</summary>
    public long[] CreditsDelta { get; }

    /// <summary>Sum of the un-normalized ranks after clipping: the share of active stake whose weight survived consensus (I32F32 bits, 0 to 1).</summary>
    public long ConsensusRankSum { get; internal set; }

    /// <summary>True when incentive plus dividends summed to zero and the stake fallback paid the validators.</summary>
    public bool UsedStakeFallback { get; internal set; }
}
