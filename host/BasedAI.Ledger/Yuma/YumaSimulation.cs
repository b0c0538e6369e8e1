namespace BasedAI.Ledger.Yuma;

/// <summary>Settings of a simulated Brain: Yuma hyperparameters plus registration and weight limits.</summary>
public sealed record SimulationSettings
{
    /// <summary>Yuma hyperparameters.</summary>
    public YumaParameters Yuma { get; init; } = new();

    /// <summary>Weight-call limits.</summary>
    public WeightLimits Weights { get; init; } = new() { MinAllowedWeights = 0 };

    /// <summary>Brain size; registering beyond it replaces a UID.</summary>
    public int MaxAllowedUids { get; init; } = 2048;

    /// <summary>Blocks after registration during which a UID is protected from replacement.</summary>
    public ulong ImmunityPeriod { get; init; } = 4096;
}

/// <summary>
/// The metagraph of one Brain in memory: registrations, stake, weights, and epochs, with the same rules as the ledger's
/// runtime but without accounts or signatures. <c>basedai yuma run</c> drives it from a scenario file.
/// </summary>
public sealed class YumaSimulation
{
    private readonly List<string> _keys = [];
    private readonly Dictionary<string, int> _uids = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ulong> _stake = new(StringComparer.Ordinal);
    private readonly List<ulong> _lastUpdate = [];
    private readonly List<ulong> _registeredAt = [];
    private readonly List<bool> _permit = [];
    private readonly List<ushort> _pruningScore = [];
    private readonly List<WeightEntry[]> _weights = [];
    private readonly List<WeightEntry[]> _bonds = [];

    /// <summary>Creates an empty Brain.</summary>
    public YumaSimulation(SimulationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        Settings = settings;
    }

    /// <summary>Current settings (hyperparameters may change between blocks).</summary>
    public SimulationSettings Settings { get; set; }

    /// <summary>The current block.</summary>
    public ulong Block { get; set; }

    /// <summary>Number of UIDs.</summary>
    public int N => _keys.Count;

    /// <summary>Key of each UID.</summary>
    public IReadOnlyList<string> Keys => _keys;

    /// <summary>Stored validator permits.</summary>
    public IReadOnlyList<bool> Permits => _permit;

    /// <summary>Stored bonds rows.</summary>
    public IReadOnlyList<WeightEntry[]> Bonds => _bonds;

    /// <summary>Stored weights rows.</summary>
    public IReadOnlyList<WeightEntry[]> Weights => _weights;

    /// <summary>The UID of a key, or -1.</summary>
    public int UidOf(string key) => _uids.TryGetValue(key, out int uid) ? uid : -1;

    /// <summary>Total stake of a key.</summary>
    public ulong StakeOf(string key) => _stake.GetValueOrDefault(key);

    /// <summary>
    /// Registers <paramref name="key"/>: appends a UID while the Brain has room, otherwise replaces the UID with the lowest
    /// pruning score outside the immunity period (its weights, bonds and permit are cleared). Returns the UID.
    /// </summary>
    public int Register(string key)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        if (_uids.TryGetValue(key, out int existing))
        {
            throw new InvalidOperationException($"register: key '{key}' already holds UID {existing}");
        }
        if (N < Settings.MaxAllowedUids)
        {
            int uid = N;
            _keys.Add(key);
            _lastUpdate.Add(Block);
            _registeredAt.Add(Block);
            _permit.Add(false);
            _pruningScore.Add(0);
            _weights.Add([]);
            _bonds.Add([]);
            _uids[key] = uid;
            return uid;
        }
        int replaced = WeightRules.SelectPruneCandidate(Enumerable.Range(0, N).ToArray(), u => _pruningScore[u], u => _registeredAt[u], Block, Settings.ImmunityPeriod);
        if (replaced < 0)
        {
            throw new InvalidOperationException("register: the Brain has no UIDs to replace (max_allowed_uids is 0)");
        }
        _uids.Remove(_keys[replaced]);
        _keys[replaced] = key;
        _uids[key] = replaced;
        _lastUpdate[replaced] = Block;
        _registeredAt[replaced] = Block;
        _permit[replaced] = false;
        _pruningScore[replaced] = ushort.MaxValue;
        _weights[replaced] = [];
        _bonds[replaced] = [];
        return replaced;
    }

    /// <summary>Sets the total stake of a key (registered or not).</summary>
    public void SetStake(string key, ulong stake) => _stake[key] = stake;

    /// <summary>Checks and stores a weights row for the UID of <paramref name="key"/>; throws naming the failed check.</summary>
    public void SetWeights(string key, ReadOnlySpan<ushort> uids, ReadOnlySpan<ushort> values)
    {
        int uid = UidOf(key);
        if (uid < 0)
        {
            throw new InvalidOperationException($"weights: key '{key}' is not registered");
        }
        _weights[uid] = WeightRules.Validate(uid, N, _permit[uid], _lastUpdate[uid], Block, uids, values, Settings.Weights);
        _lastUpdate[uid] = Block;
    }

    /// <summary>Runs one epoch at the current block, stores its permits, bonds and pruning scores, and returns its outputs.</summary>
    public YumaEpochResult RunEpoch(ulong raoEmission)
    {
        int n = N;
        var input = new YumaEpochInput
        {
            N = n,
            Stake = _keys.Select(StakeOf).ToArray(),
            Weights = _weights.ToArray(),
            Bonds = _bonds.ToArray(),
            LastUpdate = _lastUpdate.ToArray(),
            BlockAtRegistration = _registeredAt.ToArray(),
            ValidatorPermit = _permit.ToArray(),
            CurrentBlock = Block,
            RaoEmission = raoEmission,
            Parameters = Settings.Yuma,
        };
        YumaEpochResult result = YumaEpoch.Run(input);
        for (int i = 0; i < n; i++)
        {
            _permit[i] = result.NewValidatorPermit[i];
            _pruningScore[i] = result.PruningScore[i];
            if (result.Bonds[i] is { } row)
            {
                _bonds[i] = row;
            }
        }
        return result;
    }
}
