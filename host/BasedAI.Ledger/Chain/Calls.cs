using BasedAI.Crypto;
using BasedAI.Ledger.Codec;

namespace BasedAI.Ledger.Chain;

/// <summary>Role a computekey registers for on a Brain.</summary>
public enum NodeRole : byte
{
    /// <summary>Serves the Brain's task; paid by incentive.</summary>
    Miner = 1,

    /// <summary>Checks miners and sets weights; paid by dividends, may take delegated stake.</summary>
    Validator = 2,
}

/// <summary>How a Brain was acquired.</summary>
public enum AcquisitionMethod : byte
{
    /// <summary>Pepecoin burned; the Brain is transferable.</summary>
    Burn = 1,

    /// <summary>Pepecoin locked for 90 days; non-transferable, may be deactivated afterwards.</summary>
    Stake = 2,
}

/// <summary>Brain hyperparameters an owner may change with <see cref="SetBrainHyperparameterCall"/>.</summary>
public enum BrainHyperparameter : byte
{
    /// <summary>Blocks between epochs minus one (epoch when (block + id + 1) % (tempo + 1) == 0); 1 to 65535.</summary>
    Tempo = 1,

    /// <summary>Consensus majority κ as u16.</summary>
    Kappa = 2,

    /// <summary>Bonds moving average, ppm (0 to 1,000,000).</summary>
    BondsMovingAverage = 3,

    /// <summary>Activity cutoff in blocks.</summary>
    ActivityCutoff = 4,

    /// <summary>Immunity period in blocks.</summary>
    ImmunityPeriod = 5,

    /// <summary>Minimum number of weights per row.</summary>
    MinAllowedWeights = 6,

    /// <summary>Maximum normalized weight as u16.</summary>
    MaxWeightLimit = 7,

    /// <summary>Blocks between two weight calls of one UID.</summary>
    WeightsRateLimit = 8,

    /// <summary>Active-validator percentile (0 to 100; 0 = classic top-K).</summary>
    ActiveValidatorPercentile = 9,

    /// <summary>Top-K validator permits (1 to 256).</summary>
    MaxAllowedValidators = 10,
}

/// <summary>The action an extrinsic performs. Each call has a one-byte tag and a canonical encoding.</summary>
public abstract record ExtrinsicCall
{
    /// <summary>Longest Brain name, proposal title (bytes of UTF-8).</summary>
    public const int MaxNameBytes = 64;

    /// <summary>Longest task id, version, or proposal body (bytes of UTF-8).</summary>
    public const int MaxTextBytes = 4096;

    /// <summary>Most weights in one call (the largest Brain).</summary>
    public const int MaxWeights = 2048;

    /// <summary>The call's tag byte.</summary>
    public abstract byte Tag { get; }

    /// <summary>Short name used in receipts and the CLI.</summary>
    public abstract string Name { get; }

    /// <summary>Writes the tag and the fields.</summary>
    public void Encode(LedgerWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.U8(Tag);
        EncodeFields(writer);
    }

    /// <summary>Writes the fields after the tag.</summary>
    protected abstract void EncodeFields(LedgerWriter writer);

    /// <summary>Decodes one call (tag and fields).</summary>
    public static ExtrinsicCall Decode(ref LedgerReader reader)
    {
        int at = reader.Position;
        byte tag = reader.U8("call tag");
        return tag switch
        {
            TransferCall.CallTag => new TransferCall(reader.Address("to"), reader.U64("amount")),
            AcquireBrainCall.CallTag => new AcquireBrainCall(ReadMethod(ref reader), reader.Utf8("name", MaxNameBytes)),
            TransferBrainCall.CallTag => new TransferBrainCall(reader.U16("brain"), reader.Address("new owner")),
            SetBrainSettingsCall.CallTag => SetBrainSettingsCall.DecodeFields(ref reader),
            SetBrainHyperparameterCall.CallTag => new SetBrainHyperparameterCall(reader.U16("brain"), ReadHyperparameter(ref reader), reader.U64("value")),
            DeactivateBrainCall.CallTag => new DeactivateBrainCall(reader.U16("brain")),
            MemorizeCall.CallTag => new MemorizeCall(reader.U16("brain"), reader.Address("computekey"), ReadRole(ref reader), reader.Raw(65, "computekey proof").ToArray()),
            AddStakeCall.CallTag => new AddStakeCall(reader.U16("brain"), reader.Address("computekey"), reader.U64("amount")),
            RemoveStakeCall.CallTag => new RemoveStakeCall(reader.U16("brain"), reader.Address("computekey"), reader.U64("amount")),
            SetTakeCall.CallTag => new SetTakeCall(reader.U16("brain"), reader.Address("computekey"), reader.U16("take")),
            SetWeightsCall.CallTag => SetWeightsCall.DecodeFields(ref reader),
            ProposeCall.CallTag => new ProposeCall(reader.U16("brain"), reader.Utf8("title", MaxNameBytes), reader.Utf8("body", MaxTextBytes)),
            VoteCall.CallTag => new VoteCall(reader.U32("proposal"), reader.U16("brain"), reader.Bool("approve")),
            _ => throw reader.Error($"unknown call tag {tag} at offset {at}"),
        };
    }

    private static AcquisitionMethod ReadMethod(ref LedgerReader reader)
    {
        byte value = reader.U8("acquisition method");
        return Enum.IsDefined((AcquisitionMethod)value) ? (AcquisitionMethod)value : throw reader.Error($"acquisition method {value} is not 1 (burn) or 2 (stake)");
    }

    private static NodeRole ReadRole(ref LedgerReader reader)
    {
        byte value = reader.U8("role");
        return Enum.IsDefined((NodeRole)value) ? (NodeRole)value : throw reader.Error($"role {value} is not 1 (miner) or 2 (validator)");
    }

    private static BrainHyperparameter ReadHyperparameter(ref LedgerReader reader)
    {
        byte value = reader.U8("hyperparameter");
        return Enum.IsDefined((BrainHyperparameter)value) ? (BrainHyperparameter)value : throw reader.Error($"hyperparameter {value} is unknown");
    }
}

/// <summary>Moves BASED between accounts.</summary>
public sealed record TransferCall(EthereumAddress To, ulong Amount) : ExtrinsicCall
{
    internal const byte CallTag = 1;

    /// <inheritdoc />
    public override byte Tag => CallTag;

    /// <inheritdoc />
    public override string Name => "transfer";

    /// <inheritdoc />
    protected override void EncodeFields(LedgerWriter writer)
    {
        writer.Address(To);
        writer.U64(Amount);
    }
}

/// <summary>Acquires a new Brain with Pepecoin, by burn or by a 90-day stake.</summary>
public sealed record AcquireBrainCall(AcquisitionMethod Method, string BrainName) : ExtrinsicCall
{
    internal const byte CallTag = 2;

    /// <inheritdoc />
    public override byte Tag => CallTag;

    /// <inheritdoc />
    public override string Name => "brain_acquire";

    /// <inheritdoc />
    protected override void EncodeFields(LedgerWriter writer)
    {
        writer.U8((byte)Method);
        writer.Utf8(BrainName);
    }
}

/// <summary>Gives a burn-acquired Brain to another owner.</summary>
public sealed record TransferBrainCall(ushort Brain, EthereumAddress NewOwner) : ExtrinsicCall
{
    internal const byte CallTag = 3;

    /// <inheritdoc />
    public override byte Tag => CallTag;

    /// <inheritdoc />
    public override string Name => "brain_transfer";

    /// <inheritdoc />
    protected override void EncodeFields(LedgerWriter writer)
    {
        writer.U16(Brain);
        writer.Address(NewOwner);
    }
}

/// <summary>Owner settings of a Brain; null fields stay unchanged.</summary>
public sealed record SetBrainSettingsCall(ushort Brain, string? BrainName, string? TaskId, string? TaskVersion, ushort? OwnerShareBps, ulong? RegistrationFee) : ExtrinsicCall
{
    internal const byte CallTag = 4;

    /// <inheritdoc />
    public override byte Tag => CallTag;

    /// <inheritdoc />
    public override string Name => "brain_set";

    /// <inheritdoc />
    protected override void EncodeFields(LedgerWriter writer)
    {
        writer.U16(Brain);
        byte present = (byte)((BrainName is null ? 0 : 1) | (TaskId is null ? 0 : 2) | (TaskVersion is null ? 0 : 4) | (OwnerShareBps is null ? 0 : 8) | (RegistrationFee is null ? 0 : 16));
        writer.U8(present);
        if (BrainName is not null)
        {
            writer.Utf8(BrainName);
        }
        if (TaskId is not null)
        {
            writer.Utf8(TaskId);
        }
        if (TaskVersion is not null)
        {
            writer.Utf8(TaskVersion);
        }
        if (OwnerShareBps is { } share)
        {
            writer.U16(share);
        }
        if (RegistrationFee is { } fee)
        {
            writer.U64(fee);
        }
    }

    internal static SetBrainSettingsCall DecodeFields(ref LedgerReader reader)
    {
        ushort brain = reader.U16("brain");
        byte present = reader.U8("settings mask");
        if ((present & ~31) != 0 || present == 0)
        {
            throw reader.Error($"settings mask {present} must name at least one of name (1), task (2), version (4), owner share (8), fee (16) and nothing else");
        }
        string? name = (present & 1) != 0 ? reader.Utf8("name", MaxNameBytes) : null;
        string? task = (present & 2) != 0 ? reader.Utf8("task id", MaxNameBytes * 2) : null;
        string? version = (present & 4) != 0 ? reader.Utf8("task version", MaxNameBytes) : null;
        ushort? share = (present & 8) != 0 ? reader.U16("owner share") : null;
        ulong? fee = (present & 16) != 0 ? reader.U64("registration fee") : null;
        return new SetBrainSettingsCall(brain, name, task, version, share, fee);
    }
}

/// <summary>Changes one Yuma or registration hyperparameter of a Brain.</summary>
public sealed record SetBrainHyperparameterCall(ushort Brain, BrainHyperparameter Parameter, ulong Value) : ExtrinsicCall
{
    internal const byte CallTag = 5;

    /// <inheritdoc />
    public override byte Tag => CallTag;

    /// <inheritdoc />
    public override string Name => "brain_set_hyperparameter";

    /// <inheritdoc />
    protected override void EncodeFields(LedgerWriter writer)
    {
        writer.U16(Brain);
        writer.U8((byte)Parameter);
        writer.U64(Value);
    }
}

/// <summary>Deactivates a stake-acquired Brain after its lock: returns the Pepecoin, frees the slot.</summary>
public sealed record DeactivateBrainCall(ushort Brain) : ExtrinsicCall
{
    internal const byte CallTag = 6;

    /// <inheritdoc />
    public override byte Tag => CallTag;

    /// <inheritdoc />
    public override string Name => "brain_deactivate";

    /// <inheritdoc />
    protected override void EncodeFields(LedgerWriter writer) => writer.U16(Brain);
}

/// <summary>
/// Registers a computekey on a Brain ("memorize"), signed by the personalkey that will own it and paying the registration fee.
/// <see cref="ComputekeyProof"/> is the computekey's signature over <see cref="ProofMessage"/>, so nobody registers a key they do not hold.
/// </summary>
public sealed record MemorizeCall(ushort Brain, EthereumAddress Computekey, NodeRole Role, byte[] ComputekeyProof) : ExtrinsicCall
{
    internal const byte CallTag = 7;

    /// <inheritdoc />
    public override byte Tag => CallTag;

    /// <inheritdoc />
    public override string Name => "memorize";

    /// <summary>The 32-byte hash the computekey signs: Keccak("BasedAI/memorize/v1" ‖ genesis ‖ brain ‖ personalkey ‖ computekey).</summary>
    public static Hash32 ProofMessage(Hash32 genesis, ushort brain, EthereumAddress personalkey, EthereumAddress computekey)
    {
        var writer = new LedgerWriter(96);
        writer.Raw("BasedAI/memorize/v1"u8);
        writer.Hash(genesis);
        writer.U16(brain);
        writer.Address(personalkey);
        writer.Address(computekey);
        return Hash32.Keccak(writer.WrittenSpan);
    }

    /// <inheritdoc />
    protected override void EncodeFields(LedgerWriter writer)
    {
        writer.U16(Brain);
        writer.Address(Computekey);
        writer.U8((byte)Role);
        writer.Raw(ComputekeyProof);
    }

    /// <inheritdoc />
    public bool Equals(MemorizeCall? other) =>
        other is not null && Brain == other.Brain && Computekey == other.Computekey && Role == other.Role && ComputekeyProof.AsSpan().SequenceEqual(other.ComputekeyProof);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Brain, Computekey, Role);
}

/// <summary>Stakes BASED from the sender's balance on a computekey of a Brain (delegation when the sender does not own it).</summary>
public sealed record AddStakeCall(ushort Brain, EthereumAddress Computekey, ulong Amount) : ExtrinsicCall
{
    internal const byte CallTag = 8;

    /// <inheritdoc />
    public override byte Tag => CallTag;

    /// <inheritdoc />
    public override string Name => "stake_add";

    /// <inheritdoc />
    protected override void EncodeFields(LedgerWriter writer)
    {
        writer.U16(Brain);
        writer.Address(Computekey);
        writer.U64(Amount);
    }
}

/// <summary>Returns staked BASED to the sender's balance.</summary>
public sealed record RemoveStakeCall(ushort Brain, EthereumAddress Computekey, ulong Amount) : ExtrinsicCall
{
    internal const byte CallTag = 9;

    /// <inheritdoc />
    public override byte Tag => CallTag;

    /// <inheritdoc />
    public override string Name => "stake_remove";

    /// <inheritdoc />
    protected override void EncodeFields(LedgerWriter writer)
    {
        writer.U16(Brain);
        writer.Address(Computekey);
        writer.U64(Amount);
    }
}

/// <summary>Sets a validator's take (u16 share of delegators' dividends), signed by the computekey's owner.</summary>
public sealed record SetTakeCall(ushort Brain, EthereumAddress Computekey, ushort Take) : ExtrinsicCall
{
    internal const byte CallTag = 10;

    /// <inheritdoc />
    public override byte Tag => CallTag;

    /// <inheritdoc />
    public override string Name => "stake_set_take";

    /// <inheritdoc />
    protected override void EncodeFields(LedgerWriter writer)
    {
        writer.U16(Brain);
        writer.Address(Computekey);
        writer.U16(Take);
    }
}

/// <summary>Sets the sender computekey's weights on a Brain.</summary>
public sealed record SetWeightsCall(ushort Brain, ushort[] Uids, ushort[] Values) : ExtrinsicCall
{
    internal const byte CallTag = 11;

    /// <inheritdoc />
    public override byte Tag => CallTag;

    /// <inheritdoc />
    public override string Name => "set_weights";

    /// <inheritdoc />
    protected override void EncodeFields(LedgerWriter writer)
    {
        writer.U16(Brain);
        writer.U32((uint)Uids.Length);
        foreach (ushort uid in Uids)
        {
            writer.U16(uid);
        }
        writer.U32((uint)Values.Length);
        foreach (ushort value in Values)
        {
            writer.U16(value);
        }
    }

    internal static SetWeightsCall DecodeFields(ref LedgerReader reader)
    {
        ushort brain = reader.U16("brain");
        var uids = new ushort[reader.Length("uids", MaxWeights)];
        for (int i = 0; i < uids.Length; i++)
        {
            uids[i] = reader.U16("uid");
        }
        var values = new ushort[reader.Length("values", MaxWeights)];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = reader.U16("value");
        }
        return new SetWeightsCall(brain, uids, values);
    }

    /// <inheritdoc />
    public bool Equals(SetWeightsCall? other) =>
        other is not null && Brain == other.Brain && Uids.AsSpan().SequenceEqual(other.Uids) && Values.AsSpan().SequenceEqual(other.Values);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Brain, Uids.Length);
}

/// <summary>Opens a governance proposal on behalf of a GigaBrain the sender owns.</summary>
public sealed record ProposeCall(ushort Brain, string Title, string Body) : ExtrinsicCall
{
    internal const byte CallTag = 12;

    /// <inheritdoc />
    public override byte Tag => CallTag;

    /// <inheritdoc />
    public override string Name => "gigabrain_propose";

    /// <inheritdoc />
    protected override void EncodeFields(LedgerWriter writer)
    {
        writer.U16(Brain);
        writer.Utf8(Title);
        writer.Utf8(Body);
    }
}

/// <summary>Casts (or changes) a GigaBrain's vote on a proposal.</summary>
public sealed record VoteCall(uint Proposal, ushort Brain, bool Approve) : ExtrinsicCall
{
    internal const byte CallTag = 13;

    /// <inheritdoc />
    public override byte Tag => CallTag;

    /// <inheritdoc />
    public override string Name => "gigabrain_vote";

    /// <inheritdoc />
    protected override void EncodeFields(LedgerWriter writer)
    {
        writer.U32(Proposal);
        writer.U16(Brain);
        writer.Bool(Approve);
    }
}
