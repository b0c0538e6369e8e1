using BasedAI.Ledger.Yuma;

namespace BasedAI.Ledger.Tests;

/// <summary>
/// The remaining assertions of subtensor's tests/epoch.rs at 847da3d76 (test mock: immunity period 2, min_allowed_weights 0,
/// max_weight_limit 65535, max_allowed_validators 100), driven through the simulator exactly as the Rust tests drive the pallet.
/// </summary>
public class YumaReferenceTests
{
    private static YumaSimulation Brain(int n, int validators) => new(new SimulationSettings
    {
        MaxAllowedUids = n,
        ImmunityPeriod = 2,
        Yuma = new YumaParameters { MaxAllowedValidators = (ushort)validators },
        Weights = new WeightLimits { MinAllowedWeights = 0 },
    });

    private static void Register(YumaSimulation brain, int n, Func<int, ulong> stake)
    {
        for (int key = 0; key < n; key++)
        {
            brain.SetStake($"k{key}", stake(key));
            brain.Register($"k{key}");
        }
    }

    [Fact]
    public void Test_active_stake()
    {
        const int n = 4;
        YumaSimulation brain = Brain(n, n);
        Register(brain, n, _ => 1);
        brain.RunEpoch(1_000_000_000);
        brain.Block = 1;
        for (int uid = 0; uid < n / 2; uid++)
        {
            brain.SetWeights($"k{uid}", [2, 3], [32767, 32767]);
        }
        YumaEpochResult first = brain.RunEpoch(1_000_000_000);
        for (int uid = 0; uid < n; uid++)
        {
            if (uid < n / 2)
            {
                Assert.Equal(32767, first.Dividends[uid]);
            }
            Assert.Equal(250000000UL, first.Emission[uid]);
        }
        for (int validator = 0; validator < n / 2; validator++)
        {
            Assert.Equal(new[] { 65535, 65535 }, brain.Bonds[validator].Where(b => b.Uid >= 2).Select(b => (int)b.Value));
            Assert.DoesNotContain(brain.Bonds[validator], b => b.Uid < 2);
        }

        brain.Block = 5000 + 2;
        brain.SetWeights("k0", [2, 3], [32767, 32767]);
        YumaEpochResult second = brain.RunEpoch(1_000_000_000);
        Assert.Equal(36044, second.Dividends[0]);
        Assert.Equal(274999999UL, second.Emission[0]);
        Assert.Equal(29490, second.Dividends[1]);
        Assert.Equal(224999999UL, second.Emission[1]);
        Assert.All(brain.Bonds[0], b => Assert.Equal(65535, b.Value));
        Assert.All(brain.Bonds[1], b => Assert.Equal(53619, b.Value));

        brain.SetWeights("k1", [2, 3], [32767, 32767]);
        brain.Block = 5000 + 3;
        YumaEpochResult third = brain.RunEpoch(1_000_000_000);
        Assert.Equal(35716, third.Dividends[0]);
        Assert.Equal(272501132UL, third.Emission[0]);
        Assert.Equal(29818, third.Dividends[1]);
        Assert.Equal(227498866UL, third.Emission[1]);
        Assert.All(brain.Bonds[0], b => Assert.Equal(65535, b.Value));
        Assert.All(brain.Bonds[1], b => Assert.Equal(54712, b.Value));
    }

    [Fact]
    public void Test_outdated_weights()
    {
        const int n = 4;
        YumaSimulation brain = Brain(n, n);
        Register(brain, n, _ => 1);
        brain.RunEpoch(1_000_000_000);
        brain.Block = 1;
        for (int uid = 0; uid < n / 2; uid++)
        {
            brain.SetWeights($"k{uid}", [2, 3], [2 * (65535 / 3), 65535 / 3]);
        }
        for (ushort uid = n / 2; uid < n; uid++)
        {
            brain.SetWeights($"k{uid}", [uid], [65535]);
        }
        YumaEpochResult first = brain.RunEpoch(1_000_000_000);
        // The test's trace comment shows [49151, 49151, 65535, 32767] from before the rounding in vec_max_upscale_to_u16;
        // the code at 847da3d76 rounds 0.25/0.3333·65535 = 49151.6 up.
        Assert.Equal(new ushort[] { 49152, 49152, 65535, 32768 }, first.PruningScore);

        // A new key while full replaces UID 3 (lowest pruning score; every UID is still immune, so the lowest immune one).
        Assert.Equal(3, brain.Register("k4"));
        brain.Block = 2;
        brain.SetWeights("k0", [2, 3], [2 * (65535 / 3), 65535 / 3]);
        YumaEpochResult second = brain.RunEpoch(1_000_000_000);
        Assert.Equal(32767, second.Dividends[0]);
        Assert.Equal(250000000UL, second.Emission[0]);
        Assert.Equal(65535, brain.Bonds[0].Single(b => b.Uid == 2).Value);
        Assert.Equal(65535, brain.Bonds[0].Single(b => b.Uid == 3).Value);
        Assert.Equal(new ushort[] { 32768, 32768, 65535, 0 }, second.PruningScore);
    }

    [Fact]
    public void Test_zero_weights()
    {
        const int n = 2;
        YumaSimulation brain = Brain(n, 100);
        Register(brain, n, key => key < n / 2 ? 1UL : 0UL);
        YumaEpochResult noWeights = brain.RunEpoch(1_000_000_000);
        Assert.Equal(new ulong[] { 1000000000, 0 }, noWeights.Emission);

        brain.Block = 1;
        brain.SetWeights("k1", [1], [65535]);
        YumaEpochResult selfOnly = brain.RunEpoch(1_000_000_000);
        Assert.Equal(new ulong[] { 1000000000, 0 }, selfOnly.Emission);

        brain.Block = 2;
        brain.SetWeights("k0", [1], [65535]);
        Assert.Equal(1, brain.Register("k2")); // outdates the weights just set on UID 1
        YumaEpochResult outdated = brain.RunEpoch(1_000_000_000);
        Assert.Equal(new ulong[] { 1000000000, 0 }, outdated.Emission);

        brain.Block = 3;
        brain.SetWeights("k0", [1], [65535]);
        YumaEpochResult updated = brain.RunEpoch(1_000_000_000);
        Assert.Equal(new ulong[] { 500000000, 500000000 }, updated.Emission);
    }

    [Theory]
    [InlineData(2, 1, 0, 0)] [InlineData(2, 1, 0, 1)] [InlineData(2, 1, 1, 0)] [InlineData(2, 1, 1, 1)]
    [InlineData(4, 2, 0, 0)] [InlineData(4, 2, 0, 1)] [InlineData(4, 2, 1, 0)] [InlineData(4, 2, 1, 1)]
    [InlineData(8, 4, 0, 0)] [InlineData(8, 4, 0, 1)] [InlineData(8, 4, 1, 0)] [InlineData(8, 4, 1, 1)]
    public void Test_validator_permits(int n, int validatorsN, int interleave, int assignment)
    {
        (int[] validators, int[] servers) = Distribute(validatorsN, n, interleave);
        ulong StakeOf(int key) => validators.Contains(key)
            ? (assignment == 1 ? (ulong)(key + n) : 1UL)
            : (assignment == 1 ? (ulong)key : 0UL);
        YumaSimulation brain = Brain(n, validatorsN);
        Register(brain, n, StakeOf);
        brain.RunEpoch(1_000_000_000);
        Assert.All(validators, v => Assert.True(brain.Permits[v]));
        Assert.All(servers, s => Assert.False(brain.Permits[s]));
        foreach (int server in servers)
        {
            brain.SetStake($"k{server}", StakeOf(server) + 2 * (ulong)n);
        }
        brain.Block = 1;
        brain.RunEpoch(1_000_000_000);
        Assert.All(validators, v => Assert.False(brain.Permits[v]));
        Assert.All(servers, s => Assert.True(brain.Permits[s]));
    }

    [Theory]
    [InlineData(0, false)] [InlineData(0, true)] [InlineData(1, false)] [InlineData(1, true)]
    public void Test_512_graph(int interleave, bool serverSelf)
    {
        const int n = 512, validatorsN = 64;
        const ulong stakePerValidator = 328_125_000_000_000;
        (int[] validators, int[] servers) = Distribute(validatorsN, n, interleave);
        YumaSimulation brain = Brain(n, validatorsN);
        Register(brain, n, key => validators.Contains(key) ? stakePerValidator : 0);
        brain.RunEpoch(1_000_000_000);
        brain.Block = 1;
        ushort[] serverUids = servers.Select(s => (ushort)s).ToArray();
        ushort[] values = Enumerable.Repeat((ushort)(65535 / n), servers.Length).ToArray();
        foreach (int validator in validators)
        {
            brain.SetWeights($"k{validator}", serverUids, values);
        }
        if (serverSelf)
        {
            foreach (int server in servers)
            {
                brain.SetWeights($"k{server}", [(ushort)server], [65535]);
            }
        }
        YumaEpochResult result = null!;
        for (int epoch = 0; epoch < 3; epoch++)
        {
            result = brain.RunEpoch(1_000_000_000);
        }
        foreach (int v in validators)
        {
            Assert.Equal((0, 0, 0, 0, 1023), (result.Rank[v], result.Trust[v], result.Consensus[v], result.Incentive[v], result.Dividends[v]));
            Assert.Equal(7812500UL, result.Emission[v]);
            Assert.DoesNotContain(brain.Bonds[v], b => b.Uid == validators[0]);
            Assert.Equal(65535, brain.Bonds[v].Single(b => b.Uid == servers[0]).Value);
        }
        foreach (int s in servers)
        {
            Assert.Equal((146, 65535, 146, 146, 0), (result.Rank[s], result.Trust[s], result.Consensus[s], result.Incentive[s], result.Dividends[s]));
            Assert.Equal(1116071UL, result.Emission[s]);
            Assert.Empty(brain.Bonds[s]);
        }
    }

    /// <summary>distribute_nodes: blockwise (0) or regular interleaving (1).</summary>
    private static (int[] Validators, int[] Servers) Distribute(int validatorsN, int n, int interleave) => interleave == 0
        ? (Enumerable.Range(0, validatorsN).ToArray(), Enumerable.Range(validatorsN, n - validatorsN).ToArray())
        : (Enumerable.Range(0, n).Where(i => i % (n / validatorsN) == 0).ToArray(), Enumerable.Range(0, n).Where(i => i % (n / validatorsN) != 0).ToArray());
}
