using BasedAI.Crypto;
using BasedAI.Ledger.Chain;
using BasedAI.Ledger.Codec;
using BasedAI.Ledger.Yuma;

namespace BasedAI.Ledger.State;

/// <summary>1 BASED = 10^9 rao; Pepecoin in the dev bridge also counts 10^9 units per token.</summary>
public static class Units
{
    /// <summary>Rao per BASED.</summary>
    public const ulong RaoPerBased = 1_000_000_000;

    /// <summary>Units per Pepecoin in the ledger (the Ethereum token's 18 decimals are scaled to 9 at the bridge).</summary>
    public const ulong UnitsPerPepecoin = 1_000_000_000;

    /// <summary>Formats rao as BASED with up to 9 decimals, e.g. 1.5.</summary>
    public static string FormatBased(ulong rao)
    {
        ulong whole = rao / RaoPerBased, fraction = rao % RaoPerBased;
        return fraction == 0 ? whole.ToString(System.Globalization.CultureInfo.InvariantCulture)
            : $"{whole}.{fraction.ToString("D9", System.Globalization.CultureInfo.InvariantCulture).TrimEnd('0')}";
    }

    /// <summary>Parses a decimal amount with up to 9 decimals (e.g. "12.5") into base units, exactly; throws <see cref="FormatException"/>.</summary>
    public static ulong ParseAmount(string text, string unit = "BASED")
    {
        ArgumentNullException.ThrowIfNull(text);
        string t = text.Trim();
        int dot = t.IndexOf('.', StringComparison.Ordinal);
        string whole = dot < 0 ? t : t[..dot];
        string fraction = dot < 0 ? "" : t[(dot + 1)..];
        if (whole.Length == 0 && fraction.Length == 0 || !whole.All(char.IsAsciiDigit) || !fraction.All(char.IsAsciiDigit) || fraction.Length > 9)
        {
            throw new FormatException($"'{text}' is not an amount of {unit} (digits with at most 9 decimals, e.g. 12.5)");
        }
        try
        {
            ulong w = whole.Length == 0 ? 0 : ulong.Parse(whole, System.Globalization.CultureInfo.InvariantCulture);
            ulong f = fraction.Length == 0 ? 0 : ulong.Parse(fraction.PadRight(9, '0'), System.Globalization.CultureInfo.InvariantCulture);
            return checked(w * RaoPerBased + f);
        }
        catch (OverflowException e)
        {
            throw new FormatException($"'{text}' {unit} is too large", e);
        }
    }
}

/// <summary>Rules of the chain fixed at genesis (stored in state, so the genesis hash commits to them).</summary>
public sealed record ChainParameters
{
    /// <summary>Emission of the first block era, rao (10 BASED).</summary>
    public ulong InitialBlockReward { get; init; } = 10 * Units.RaoPerBased;

    /// <summary>Blocks per halving era and per "year" (3,155,760 = 365.25 days of 10 s blocks).</summary>
    public ulong HalvingInterval { get; init; } = 3_155_760;

    /// <summary>Most active Brains.</summary>
    public ushort MaxBrains { get; init; } = 1024;

    /// <summary>Pepecoin burned for the first Brain acquired by burn.</summary>
    public ulong BurnBasePrice { get; init; } = 1_000 * Units.UnitsPerPepecoin;

    /// <summary>Extra Pepecoin per Brain already acquired by burn.</summary>
    public ulong BurnPriceStep { get; init; } = 200 * Units.UnitsPerPepecoin;

    /// <summary>Pepecoin locked to acquire a Brain by stake.</summary>
    public ulong StakeLockAmount { get; init; } = 100_000 * Units.UnitsPerPepecoin;

    /// <summary>Blocks the stake lock lasts (90 days of 10 s blocks); rewards start after it.</summary>
    public ulong StakeLockBlocks { get; init; } = 777_600;

    /// <summary>Registration fee of a new Brain, rao (100 BASED).</summary>
    public ulong DefaultRegistrationFee { get; init; } = 100 * Units.RaoPerBased;

    /// <summary>Owner share of a Brain's emission in basis points (25%).</summary>
    public ushort DefaultOwnerShareBps { get; init; } = 2_500;

    /// <summary>Validator slots per Brain.</summary>
    public ushort MaxValidators { get; init; } = 256;

    /// <summary>Miner slots per Brain.</summary>
    public ushort MaxMiners { get; init; } = 1_792;

    /// <summary>Rewarded stake per Brain is capped at this share of total network stake, basis points (0.5%).</summary>
    public ushort RewardCapBps { get; init; } = 50;

    /// <summary>A Brain with at least this share of total stake is a GigaBrain, basis points (0.5%).</summary>
    public ushort GigaBrainThresholdBps { get; init; } = 50;

    /// <summary>Share of each block's emission paid as the top-Brain bonus, basis points (10%).</summary>
    public ushort BonusShareBps { get; init; } = 1_000;

    /// <summary>Share of eligible Brains that receive the bonus, basis points (top 30%).</summary>
    public ushort BonusTopBps { get; init; } = 3_000;

    /// <summary>Blocks a proposal stays open.</summary>
    public ulong VotingPeriod { get; init; } = 60_480;

    /// <summary>Flat fee per extrinsic, rao (0.001 BASED).</summary>
    public ulong BaseFee { get; init; } = 1_000_000;

    /// <summary>Fee per encoded byte, rao.</summary>
    public ulong ByteFee { get; init; } = 1_000;

    /// <summary>Default validator take (share of delegators' dividends) as u16: 16384 = 25%, the paper's validator share.</summary>
    public ushort DefaultTake { get; init; } = 16_384;

    /// <summary>Yuma and registration defaults of a new Brain.</summary>
    public BrainHyperparameters DefaultHyperparameters { get; init; } = new();

    /// <summary>Emission of block <paramref name="height"/>: 10 BASED for blocks 1 to 3,155,760, halving every interval after.</summary>
    public ulong BlockReward(ulong height)
    {
        if (height == 0)
        {
            return 0;
        }
        ulong era = (height - 1) / HalvingInterval;
        return era >= 64 ? 0 : InitialBlockReward >> (int)era;
    }

    /// <summary>Minimum fee of an extrinsic of <paramref name="encodedLength"/> bytes (weights are free, but rate-limited).</summary>
    public ulong MinimumFee(ExtrinsicCall call, int encodedLength) => call is SetWeightsCall ? 0 : BaseFee + ByteFee * (ulong)encodedLength;

    internal void Encode(LedgerWriter w)
    {
        w.U8(1);
        w.U64(InitialBlockReward); w.U64(HalvingInterval); w.U16(MaxBrains); w.U64(BurnBasePrice); w.U64(BurnPriceStep);
        w.U64(StakeLockAmount); w.U64(StakeLockBlocks); w.U64(DefaultRegistrationFee); w.U16(DefaultOwnerShareBps);
        w.U16(MaxValidators); w.U16(MaxMiners); w.U16(RewardCapBps); w.U16(GigaBrainThresholdBps); w.U16(BonusShareBps);
        w.U16(BonusTopBps); w.U64(VotingPeriod); w.U64(BaseFee); w.U64(ByteFee); w.U16(DefaultTake);
        DefaultHyperparameters.Encode(w);
    }

    internal static ChainParameters Decode(ref LedgerReader r)
    {
        byte version = r.U8("parameters version");
        if (version != 1)
        {
            throw r.Error($"parameters version {version} is not supported");
        }
        return new ChainParameters
        {
            InitialBlockReward = r.U64("reward"), HalvingInterval = r.U64("halving"), MaxBrains = r.U16("max brains"),
            BurnBasePrice = r.U64("burn base"), BurnPriceStep = r.U64("burn step"), StakeLockAmount = r.U64("lock"),
            StakeLockBlocks = r.U64("lock blocks"), DefaultRegistrationFee = r.U64("fee"), DefaultOwnerShareBps = r.U16("share"),
            MaxValidators = r.U16("validators"), MaxMiners = r.U16("miners"), RewardCapBps = r.U16("cap"),
            GigaBrainThresholdBps = r.U16("giga"), BonusShareBps = r.U16("bonus"), BonusTopBps = r.U16("bonus top"),
            VotingPeriod = r.U64("voting"), BaseFee = r.U64("base fee"), ByteFee = r.U64("byte fee"), DefaultTake = r.U16("take"),
            DefaultHyperparameters = BrainHyperparameters.Decode(ref r),
        };
    }
}

/// <summary>Per-Brain Yuma and registration hyperparameters.</summary>
public sealed record BrainHyperparameters
{
    /// <summary>Epoch period: an epoch runs when (block + brain id + 1) % (tempo + 1) == 0.</summary>
    public ushort Tempo { get; init; } = 99;

    /// <summary>Yuma κ as u16.</summary>
    public ushort Kappa { get; init; } = 32_767;

    /// <summary>Bonds moving average (ppm).</summary>
    public ulong BondsMovingAverage { get; init; } = 900_000;

    /// <summary>Activity cutoff (blocks).</summary>
    public ulong ActivityCutoff { get; init; } = 5_000;

    /// <summary>Immunity period after registration (blocks).</summary>
    public ulong ImmunityPeriod { get; init; } = 4_096;

    /// <summary>Minimum weights per call.</summary>
    public ushort MinAllowedWeights { get; init; } = 1;

    /// <summary>Maximum normalized weight (65535 = no limit).</summary>
    public ushort MaxWeightLimit { get; init; } = ushort.MaxValue;

    /// <summary>Blocks between weight calls of a UID.</summary>
    public ulong WeightsRateLimit { get; init; }

    /// <summary>The paper's active-validator percentile (70); 0 = classic.</summary>
    public byte ActiveValidatorPercentile { get; init; } = 70;

    /// <summary>Top-K validator permits.</summary>
    public ushort MaxAllowedValidators { get; init; } = 256;

    /// <summary>The Yuma parameters these imply.</summary>
    public YumaParameters ToYuma() => new()
    {
        Kappa = Kappa,
        BondsMovingAverage = BondsMovingAverage,
        ActivityCutoff = ActivityCutoff,
        MaxAllowedValidators = MaxAllowedValidators,
        ActiveValidatorPercentile = ActiveValidatorPercentile,
    };

    /// <summary>The weight-call limits these imply.</summary>
    public WeightLimits ToWeightLimits() => new() { MinAllowedWeights = MinAllowedWeights, MaxWeightLimit = MaxWeightLimit, WeightsRateLimit = WeightsRateLimit };

    /// <summary>Returns a copy with one parameter changed, or throws <see cref="InvalidOperationException"/> for an out-of-range value.</summary>
    public BrainHyperparameters With(BrainHyperparameter parameter, ulong value)
    {
        ushort U16(ulong min, ulong max) => value >= min && value <= max
            ? (ushort)value : throw new InvalidOperationException($"{parameter} must be {min} to {max}, not {value}");
        return parameter switch
        {
            BrainHyperparameter.Tempo => this with { Tempo = U16(1, ushort.MaxValue) },
            BrainHyperparameter.Kappa => this with { Kappa = U16(0, ushort.MaxValue) },
            BrainHyperparameter.BondsMovingAverage => value <= 1_000_000 ? this with { BondsMovingAverage = value } : throw new InvalidOperationException($"BondsMovingAverage must be at most 1000000 ppm, not {value}"),
            BrainHyperparameter.ActivityCutoff => this with { ActivityCutoff = value },
            BrainHyperparameter.ImmunityPeriod => this with { ImmunityPeriod = value },
            BrainHyperparameter.MinAllowedWeights => this with { MinAllowedWeights = U16(0, 2048) },
            BrainHyperparameter.MaxWeightLimit => this with { MaxWeightLimit = U16(1, ushort.MaxValue) },
            BrainHyperparameter.WeightsRateLimit => this with { WeightsRateLimit = value },
            BrainHyperparameter.ActiveValidatorPercentile => this with { ActiveValidatorPercentile = (byte)U16(0, 100) },
            BrainHyperparameter.MaxAllowedValidators => this with { MaxAllowedValidators = U16(1, 256) },
            _ => throw new InvalidOperationException($"unknown hyperparameter {parameter}"),
        };
    }

    internal void Encode(LedgerWriter w)
    {
        w.U16(Tempo); w.U16(Kappa); w.U64(BondsMovingAverage); w.U64(ActivityCutoff); w.U64(ImmunityPeriod);
        w.U16(MinAllowedWeights); w.U16(MaxWeightLimit); w.U64(WeightsRateLimit); w.U8(ActiveValidatorPercentile); w.U16(MaxAllowedValidators);
    }

    internal static BrainHyperparameters Decode(ref LedgerReader r) => new()
    {
        Tempo = r.U16("tempo"), Kappa = r.U16("kappa"), BondsMovingAverage = r.U64("bma"), ActivityCutoff = r.U64("cutoff"),
        ImmunityPeriod = r.U64("immunity"), MinAllowedWeights = r.U16("min weights"), MaxWeightLimit = r.U16("max weight"),
        WeightsRateLimit = r.U64("rate limit"), ActiveValidatorPercentile = r.U8("percentile"), MaxAllowedValidators = r.U16("max validators"),
    };
}

/// <summary>An account: BASED balance and nonce.</summary>
public readonly record struct AccountRecord(ulong Balance, ulong Nonce);

/// <summary>A Brain.</summary>
public sealed record BrainRecord
{
    /// <summary>Brain number (0 to 1023).</summary>
    public required ushort Id { get; init; }

    /// <summary>Owner account (personalkey).</summary>
    public required EthereumAddress Owner { get; init; }

    /// <summary>How it was acquired.</summary>
    public required AcquisitionMethod Method { get; init; }

    /// <summary>Block it was acquired in.</summary>
    public required ulong AcquiredAt { get; init; }

    /// <summary>Pepecoin locked (stake method) or burned (burn method).</summary>
    public required ulong Pepecoin { get; init; }

    /// <summary>Display name.</summary>
    public required string Name { get; init; }

    /// <summary>Task plugin id ("" until set).</summary>
    public string TaskId { get; init; } = "";

    /// <summary>Task plugin version ("" until set).</summary>
    public string TaskVersion { get; init; } = "";

    /// <summary>Owner's share of the Brain's emission in basis points.</summary>
    public required ushort OwnerShareBps { get; init; }

    /// <summary>Fee a new node pays the owner, rao.</summary>
    public required ulong RegistrationFee { get; init; }

    /// <summary>Hyperparameters.</summary>
    public required BrainHyperparameters Hyperparameters { get; init; }

    /// <summary>Number of UIDs.</summary>
    public ushort NodeCount { get; init; }

    /// <summary>UIDs registered as validators.</summary>
    public ushort ValidatorCount { get; init; }

    /// <summary>UIDs registered as miners.</summary>
    public ushort MinerCount { get; init; }

    /// <summary>Total stake on the Brain's computekeys, rao.</summary>
    public ulong TotalStake { get; init; }

    /// <summary>Emission waiting for the next epoch, rao.</summary>
    public ulong PendingEmission { get; init; }

    /// <summary>Stake-weighted share of weight that survived consensus at the last epoch, u16.</summary>
    public ushort Performance { get; init; }

    /// <summary>Block of the last epoch (0 = none yet).</summary>
    public ulong LastEpoch { get; init; }

    /// <summary>First block that pays this Brain emission.</summary>
    public ulong RewardsStart(ChainParameters parameters) => Method == AcquisitionMethod.Stake ? AcquiredAt + parameters.StakeLockBlocks : AcquiredAt;

    internal byte[] Encode()
    {
        var w = new LedgerWriter(192);
        w.U8(1);
        w.U16(Id); w.Address(Owner); w.U8((byte)Method); w.U64(AcquiredAt); w.U64(Pepecoin); w.Utf8(Name); w.Utf8(TaskId);
        w.Utf8(TaskVersion); w.U16(OwnerShareBps); w.U64(RegistrationFee); Hyperparameters.Encode(w); w.U16(NodeCount);
        w.U16(ValidatorCount); w.U16(MinerCount); w.U64(TotalStake); w.U64(PendingEmission); w.U16(Performance); w.U64(LastEpoch);
        return w.ToArray();
    }

    internal static BrainRecord Decode(byte[] bytes)
    {
        var r = new LedgerReader(bytes, "brain record");
        r.U8("version");
        var record = new BrainRecord
        {
            Id = r.U16("id"), Owner = r.Address("owner"), Method = (AcquisitionMethod)r.U8("method"), AcquiredAt = r.U64("acquired"),
            Pepecoin = r.U64("pepecoin"), Name = r.Utf8("name", 1024), TaskId = r.Utf8("task", 1024), TaskVersion = r.Utf8("version", 1024),
            OwnerShareBps = r.U16("share"), RegistrationFee = r.U64("fee"), Hyperparameters = BrainHyperparameters.Decode(ref r),
            NodeCount = r.U16("n"), ValidatorCount = r.U16("validators"), MinerCount = r.U16("miners"), TotalStake = r.U64("stake"),
            PendingEmission = r.U64("pending"), Performance = r.U16("performance"), LastEpoch = r.U64("last epoch"),
        };
        r.End();
        return record;
    }
}

/// <summary>One UID of a Brain: who holds it and what the last epoch said about it.</summary>
public sealed record NeuronRecord
{
    /// <summary>The registered computekey.</summary>
    public required EthereumAddress Computekey { get; init; }

    /// <summary>The personalkey that registered it (owner of its own stake and emission).</summary>
    public required EthereumAddress Owner { get; init; }

    /// <summary>Miner or validator.</summary>
    public required NodeRole Role { get; init; }

    /// <summary>Block of registration.</summary>
    public required ulong RegisteredAt { get; init; }

    /// <summary>Registration fee paid (the fee in force then).</summary>
    public required ulong FeePaid { get; init; }

    /// <summary>Block of the last weights call (registration block before any).</summary>
    public required ulong LastUpdate { get; init; }

    /// <summary>Validator permit from the last epoch.</summary>
    public bool ValidatorPermit { get; init; }

    /// <summary>Active at the last epoch.</summary>
    public bool Active { get; init; } = true;

    /// <summary>Stored epoch outputs (u16).</summary>
    public ushort Rank { get; init; }

    /// <summary>Stored trust.</summary>
    public ushort Trust { get; init; }

    /// <summary>Stored consensus.</summary>
    public ushort Consensus { get; init; }

    /// <summary>Stored incentive.</summary>
    public ushort Incentive { get; init; }

    /// <summary>Stored dividends.</summary>
    public ushort Dividends { get; init; }

    /// <summary>Stored validator trust.</summary>
    public ushort ValidatorTrust { get; init; }

    /// <summary>Pruning score.</summary>
    public ushort PruningScore { get; init; }

    /// <summary>Emission at the last epoch, rao.</summary>
    public ulong Emission { get; init; }

    /// <summary>Accumulated Credits (ΔCredits = W·S per epoch) as I32F32 bits.</summary>
    public ulong Credits { get; init; }

    internal byte[] Encode()
    {
        var w = new LedgerWriter(128);
        w.U8(1);
        w.Address(Computekey); w.Address(Owner); w.U8((byte)Role); w.U64(RegisteredAt); w.U64(FeePaid); w.U64(LastUpdate);
        w.Bool(ValidatorPermit); w.Bool(Active); w.U16(Rank); w.U16(Trust); w.U16(Consensus); w.U16(Incentive); w.U16(Dividends);
        w.U16(ValidatorTrust); w.U16(PruningScore); w.U64(Emission); w.U64(Credits);
        return w.ToArray();
    }

    internal static NeuronRecord Decode(byte[] bytes)
    {
        var r = new LedgerReader(bytes, "neuron record");
        r.U8("version");
        var record = new NeuronRecord
        {
            Computekey = r.Address("computekey"), Owner = r.Address("owner"), Role = (NodeRole)r.U8("role"), RegisteredAt = r.U64("registered"),
            FeePaid = r.U64("fee"), LastUpdate = r.U64("last update"), ValidatorPermit = r.Bool("permit"), Active = r.Bool("active"),
            Rank = r.U16("rank"), Trust = r.U16("trust"), Consensus = r.U16("consensus"), Incentive = r.U16("incentive"),
            Dividends = r.U16("dividends"), ValidatorTrust = r.U16("vtrust"), PruningScore = r.U16("pruning"), Emission = r.U64("emission"),
            Credits = r.U64("credits"),
        };
        r.End();
        return record;
    }
}

/// <summary>Stake on one computekey of one Brain: the validator's take and each staker's amount (sorted by staker).</summary>
public sealed record StakePool(ushort Take, IReadOnlyList<(EthereumAddress Staker, ulong Amount)> Stakes)
{
    /// <summary>Sum of the stakes.</summary>
    public ulong Total => Stakes.Aggregate(0UL, (sum, s) => sum + s.Amount);

    /// <summary>A staker's amount.</summary>
    public ulong AmountOf(EthereumAddress staker) => Stakes.FirstOrDefault(s => s.Staker == staker).Amount;

    /// <summary>A copy with a staker's amount changed by <paramref name="delta"/> (entries at zero are dropped).</summary>
    public StakePool Adjust(EthereumAddress staker, long delta)
    {
        var list = Stakes.Where(s => s.Staker != staker).ToList();
        ulong updated = (ulong)((long)AmountOf(staker) + delta);
        if (updated > 0)
        {
            list.Add((staker, updated));
        }
        list.Sort((a, b) => a.Staker.Bytes.SequenceCompareTo(b.Staker.Bytes));
        return this with { Stakes = list };
    }

    internal byte[] Encode()
    {
        var w = new LedgerWriter(8 + Stakes.Count * 28);
        w.U16(Take);
        w.U32((uint)Stakes.Count);
        foreach ((EthereumAddress staker, ulong amount) in Stakes)
        {
            w.Address(staker);
            w.U64(amount);
        }
        return w.ToArray();
    }

    internal static StakePool Decode(byte[] bytes)
    {
        var r = new LedgerReader(bytes, "stake pool");
        ushort take = r.U16("take");
        int count = r.Length("stakers", 1 << 20);
        var stakes = new List<(EthereumAddress, ulong)>(count);
        for (int i = 0; i < count; i++)
        {
            stakes.Add((r.Address("staker"), r.U64("amount")));
        }
        r.End();
        return new StakePool(take, stakes);
    }
}

/// <summary>Outcome of a governance proposal.</summary>
public enum ProposalStatus : byte
{
    /// <summary>Voting is open.</summary>
    Open = 0,

    /// <summary>Closed and passed.</summary>
    Passed = 1,

    /// <summary>Closed and rejected.</summary>
    Rejected = 2,
}

/// <summary>A governance proposal and its votes (one per GigaBrain, by Brain id).</summary>
public sealed record ProposalRecord
{
    /// <summary>Proposal number.</summary>
    public required uint Id { get; init; }

    /// <summary>The GigaBrain that proposed it.</summary>
    public required ushort ProposerBrain { get; init; }

    /// <summary>Title.</summary>
    public required string Title { get; init; }

    /// <summary>Body text.</summary>
    public required string Body { get; init; }

    /// <summary>Block it was created in.</summary>
    public required ulong CreatedAt { get; init; }

    /// <summary>Block at whose start it closes.</summary>
    public required ulong EndsAt { get; init; }

    /// <summary>True when created in the first year: it passes unless a majority of GigaBrains vote it down.</summary>
    public required bool DefaultPass { get; init; }

    /// <summary>Votes by Brain id.</summary>
    public IReadOnlyList<(ushort Brain, bool Approve)> Votes { get; init; } = [];

    /// <summary>Status.</summary>
    public ProposalStatus Status { get; init; }

    /// <summary>GigaBrains counted when it closed.</summary>
    public ushort Electorate { get; init; }

    internal byte[] Encode()
    {
        var w = new LedgerWriter(256);
        w.U8(1);
        w.U32(Id); w.U16(ProposerBrain); w.Utf8(Title); w.Utf8(Body); w.U64(CreatedAt); w.U64(EndsAt); w.Bool(DefaultPass);
        w.U32((uint)Votes.Count);
        foreach ((ushort brain, bool approve) in Votes)
        {
            w.U16(brain);
            w.Bool(approve);
        }
        w.U8((byte)Status);
        w.U16(Electorate);
        return w.ToArray();
    }

    internal static ProposalRecord Decode(byte[] bytes)
    {
        var r = new LedgerReader(bytes, "proposal");
        r.U8("version");
        uint id = r.U32("id");
        ushort brain = r.U16("brain");
        string title = r.Utf8("title", 4096), body = r.Utf8("body", 1 << 16);
        ulong created = r.U64("created"), ends = r.U64("ends");
        bool defaultPass = r.Bool("default pass");
        int count = r.Length("votes", 1024);
        var votes = new List<(ushort, bool)>(count);
        for (int i = 0; i < count; i++)
        {
            votes.Add((r.U16("brain"), r.Bool("approve")));
        }
        var record = new ProposalRecord
        {
            Id = id, ProposerBrain = brain, Title = title, Body = body, CreatedAt = created, EndsAt = ends, DefaultPass = defaultPass,
            Votes = votes, Status = (ProposalStatus)r.U8("status"), Electorate = r.U16("electorate"),
        };
        r.End();
        return record;
    }
}
