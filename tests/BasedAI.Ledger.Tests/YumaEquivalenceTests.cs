using BasedAI.Ledger.Yuma;
using FsCheck;
using FsCheck.Fluent;

namespace BasedAI.Ledger.Tests;

/// <summary>
/// The optimized <see cref="YumaEpoch"/> equals the plain <see cref="YumaEpochReference"/> bit for bit on random Brains
/// (bounded sizes, fixed replay seed), including inputs the ledger never stores: duplicate, unsorted, self and out-of-range
/// entries, zero and huge stakes, every hyperparameter range.
/// </summary>
public class YumaEquivalenceTests
{
    /// <summary>The shape of one random Brain; <see cref="Seed"/> drives everything drawn per entry.</summary>
    public sealed record BrainShape(int N, int Validators, int Density, int StakeScale, bool Eligibility, bool Messy, int Seed);

    private static readonly Arbitrary<BrainShape> Shapes =
        (from n in Gen.Choose(1, 48)
         from validators in Gen.Choose(0, 48)
         from density in Gen.Choose(0, 100)
         from stakeScale in Gen.Choose(0, 3)
         from eligibility in Gen.Elements(false, true)
         from messy in Gen.Elements(false, false, true)
         from seed in Gen.Choose(0, int.MaxValue)
         select new BrainShape(n, Math.Min(validators, n), density, stakeScale, eligibility, messy, seed)).ToArbitrary();

    internal static YumaEpochInput RandomBrain(BrainShape shape)
    {
        var random = new Random(shape.Seed);
        int n = shape.N;
        ulong Stake() => shape.StakeScale switch
        {
            0 => (ulong)random.Next(0, 4),
            1 => (ulong)random.NextInt64(0, 1_000_000) * 1_000_000_000,
            2 => random.Next(3) == 0 ? 0 : (ulong)random.NextInt64(long.MaxValue) * 2, // totals far beyond 64 bits
            _ => (ulong)random.NextInt64(1, 1000),
        };
        WeightEntry[]? Row(int uid, int percent)
        {
            if (random.Next(8) == 0)
            {
                return random.Next(2) == 0 ? null : [];
            }
            var row = new List<WeightEntry>();
            for (int j = 0; j < n; j++)
            {
                if (random.Next(100) < percent)
                {
                    ushort value = random.Next(10) == 0 ? (ushort)random.Next(0, 3) : (ushort)random.Next(0, 65536);
                    row.Add(new WeightEntry((ushort)j, value));
                }
            }
            if (shape.Messy)
            {
                row.Add(new WeightEntry((ushort)uid, (ushort)random.Next(65536)));
                if (row.Count > 0)
                {
                    row.Add(row[random.Next(row.Count)] with { Value = (ushort)random.Next(65536) }); // a duplicate column
                }
                row.Add(new WeightEntry((ushort)(n + random.Next(3)), (ushort)random.Next(65536)));
                row = row.OrderBy(_ => random.Next()).ToList();
            }
            return row.ToArray();
        }
        return new YumaEpochInput
        {
            N = n,
            Stake = Enumerable.Range(0, n).Select(i => i < shape.Validators || random.Next(4) == 0 ? Stake() : 0).ToArray(),
            Weights = Enumerable.Range(0, n).Select(i => i < shape.Validators || random.Next(6) == 0 ? Row(i, shape.Density) : null).ToArray(),
            Bonds = Enumerable.Range(0, n).Select(i => i < shape.Validators && random.Next(3) > 0 ? Row(i, shape.Density) : null).ToArray(),
            LastUpdate = Enumerable.Range(0, n).Select(_ => (ulong)random.Next(0, 40)).ToArray(),
            BlockAtRegistration = Enumerable.Range(0, n).Select(_ => random.Next(5) == 0 ? (ulong)random.Next(0, 40) : 0).ToArray(),
            ValidatorPermit = Enumerable.Range(0, n).Select(i => i < shape.Validators ? random.Next(10) > 0 : random.Next(8) == 0).ToArray(),
            PermitEligible = shape.Eligibility ? Enumerable.Range(0, n).Select(_ => random.Next(4) > 0).ToArray() : null,
            CurrentBlock = (ulong)random.Next(0, 60),
            RaoEmission = random.Next(10) == 0 ? ulong.MaxValue : (ulong)random.NextInt64(0, 1_000_000_000_000),
            Parameters = new YumaParameters
            {
                Kappa = random.Next(3) == 0 ? (ushort)random.Next(65536) : (ushort)32767,
                BondsMovingAverage = random.Next(3) == 0 ? (ulong)random.Next(0, 1_000_001) : 900_000,
                ActivityCutoff = (ulong)random.Next(0, 50),
                MaxAllowedValidators = (ushort)random.Next(0, n + 2),
                ActiveValidatorPercentile = random.Next(2) == 0 ? (byte)0 : (byte)random.Next(0, 101),
            },
        };
    }

    internal static void AssertSame(YumaEpochResult expected, YumaEpochResult actual)
    {
        Assert.Equal(expected.Active, actual.Active);
        Assert.Equal(expected.NewValidatorPermit, actual.NewValidatorPermit);
        Assert.Equal(expected.CreditsDelta, actual.CreditsDelta);
        Assert.Equal(expected.Consensus, actual.Consensus);
        Assert.Equal(expected.ValidatorTrust, actual.ValidatorTrust);
        Assert.Equal(expected.Rank, actual.Rank);
        Assert.Equal(expected.Trust, actual.Trust);
        Assert.Equal(expected.Incentive, actual.Incentive);
        Assert.Equal(expected.Dividends, actual.Dividends);
        Assert.Equal(expected.ConsensusRankSum, actual.ConsensusRankSum);
        Assert.Equal(expected.UsedStakeFallback, actual.UsedStakeFallback);
        Assert.Equal(expected.ServerEmission, actual.ServerEmission);
        Assert.Equal(expected.ValidatorEmission, actual.ValidatorEmission);
        Assert.Equal(expected.Emission, actual.Emission);
        Assert.Equal(expected.PruningScore, actual.PruningScore);
        Assert.Equal(expected.Bonds.Length, actual.Bonds.Length);
        for (int i = 0; i < expected.Bonds.Length; i++)
        {
            Assert.Equal(expected.Bonds[i], actual.Bonds[i]);
        }
    }

    /// <summary>Runs both, then a second epoch on the bonds and permits the first produced (bonds shaped as the ledger stores them).</summary>
    private static bool BothEpochsAgree(YumaEpochInput input, int parallelism = 0)
    {
        YumaEpochResult expected = YumaEpochReference.Run(input);
        AssertSame(expected, YumaEpoch.Run(input, parallelism));
        var next = new YumaEpochInput
        {
            N = input.N, Stake = input.Stake, Weights = input.Weights, LastUpdate = input.LastUpdate,
            BlockAtRegistration = input.BlockAtRegistration, PermitEligible = input.PermitEligible, Parameters = input.Parameters,
            Bonds = expected.Bonds.Select((row, i) => row ?? input.Bonds[i]).ToArray(),
            ValidatorPermit = expected.NewValidatorPermit,
            CurrentBlock = input.CurrentBlock + 1,
            RaoEmission = input.RaoEmission,
        };
        AssertSame(YumaEpochReference.Run(next), YumaEpoch.Run(next, parallelism));
        return true;
    }

    [Fact]
    public void Optimized_epoch_equals_the_reference_on_random_small_brains()
    {
        int cases = 0, withConsensus = 0, withClipping = 0, withDividends = 0;
        Prop.ForAll(Shapes, shape =>
        {
            YumaEpochInput input = RandomBrain(shape);
            YumaEpochResult result = YumaEpochReference.Run(input);
            cases++;
            withConsensus += result.Consensus.Any(c => c > 0) ? 1 : 0;
            withClipping += result.Consensus.Any(c => c > 0) && result.ConsensusRankSum < (1L << 32) - 16 ? 1 : 0;
            withDividends += !result.UsedStakeFallback && result.Dividends.Any(d => d > 0) ? 1 : 0;
            return BothEpochsAgree(input, parallelism: shape.Seed % 4);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300).WithReplay(20261122UL, 7UL));
        // The generator must reach the interesting paths, not only empty Brains and the stake fallback.
        Assert.True(withConsensus > cases / 3 && withClipping > cases / 5 && withDividends > cases / 4,
            $"{cases} cases: {withConsensus} with consensus, {withClipping} clipped, {withDividends} with dividends");
    }

    [Fact]
    public void Optimized_epoch_equals_the_reference_on_dense_brains_in_any_number_of_chunks()
    {
        // Dense rows over a few hundred UIDs: the shapes the full-Brain benchmark has, at a size the reference runs quickly,
        // split into 1 to 7 row and column chunks (the parallel merge must not change a bit).
        foreach (int seed in new[] { 1, 2, 3 })
        {
            YumaEpochInput input = RandomBrain(new BrainShape(N: 320, Validators: 48, Density: 95, StakeScale: 1, Eligibility: seed == 2, Messy: seed == 3, Seed: seed));
            BothEpochsAgree(input, parallelism: 2);
            YumaEpochResult expected = YumaEpochReference.Run(input);
            foreach (int parallelism in new[] { 1, 3, 7 })
            {
                AssertSame(expected, YumaEpoch.Run(input, parallelism));
            }
        }
    }

    [Fact]
    public void Concurrent_epochs_do_not_share_buffers()
    {
        // The engine's buffers are pooled: epochs running at once must each get their own. Brains of different sizes, large
        // enough that the epochs overlap; each is checked against the same epoch run alone.
        YumaEpochInput[] inputs = Enumerable.Range(1, 8)
            .Select(seed => RandomBrain(new BrainShape(N: 300 + 40 * seed, Validators: 64, Density: 90, StakeScale: 1, Eligibility: false, Messy: seed % 2 == 0, Seed: seed)))
            .ToArray();
        YumaEpochResult[] expected = inputs.Select(input => YumaEpoch.Run(input, parallelism: 1)).ToArray();
        const int threads = 4, rounds = 3;
        var actual = new YumaEpochResult[threads, rounds * inputs.Length];
        var failures = new System.Collections.Concurrent.ConcurrentBag<Exception>();
        using var start = new Barrier(threads);
        Thread[] workers = Enumerable.Range(0, threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            try
            {
                for (int k = 0; k < rounds * inputs.Length; k++)
                {
                    actual[t, k] = YumaEpoch.Run(inputs[(k + t) % inputs.Length]);
                }
            }
            catch (Exception e)
            {
                failures.Add(e);
            }
        })).ToArray();
        foreach (Thread worker in workers)
        {
            worker.Start();
        }
        foreach (Thread worker in workers)
        {
            worker.Join();
        }
        Assert.Empty(failures);
        for (int t = 0; t < threads; t++)
        {
            for (int k = 0; k < rounds * inputs.Length; k++)
            {
                AssertSame(expected[(k + t) % inputs.Length], actual[t, k]);
            }
        }
    }

    [Fact]
    public void Optimized_epoch_equals_the_reference_on_the_benchmark_shape_scaled_down()
    {
        // The full-Brain benchmark at a quarter of its size: validators weighting every miner, then bonds from that epoch.
        const int n = 512, validators = 64;
        var random = new Random(5);
        ushort[] servers = Enumerable.Range(validators, n - validators).Select(s => (ushort)s).ToArray();
        var weights = new WeightEntry[]?[n];
        for (int v = 0; v < validators; v++)
        {
            weights[v] = servers.Select(s => new WeightEntry(s, (ushort)random.Next(1, 65536))).ToArray();
        }
        var input = new YumaEpochInput
        {
            N = n,
            Stake = Enumerable.Range(0, n).Select(i => i < validators ? (ulong)random.Next(1, 1000) * 1_000_000_000 : 0).ToArray(),
            Weights = weights,
            Bonds = new WeightEntry[]?[n],
            LastUpdate = Enumerable.Repeat(10UL, n).ToArray(),
            BlockAtRegistration = new ulong[n],
            ValidatorPermit = Enumerable.Range(0, n).Select(i => i < validators).ToArray(),
            CurrentBlock = 100,
            RaoEmission = 1_000_000_000,
        };
        BothEpochsAgree(input, parallelism: 2);
    }
}

/// <summary>The pivot-free column median equals subtensor's mid-pivot recursion on columns built to break it: ties, zero stakes, every minority.</summary>
public class WeightedMedianTests
{
    /// <summary>One random column: voter count, how scores and stakes are drawn, which minority case, and a seed.</summary>
    public sealed record ColumnShape(int Voters, int ValueKind, int StakeKind, int MinorityKind, int PresentPercent, int Seed);

    private static readonly Arbitrary<ColumnShape> Columns =
        (from voters in Gen.Choose(1, 300)
         from valueKind in Gen.Choose(0, 3)
         from stakeKind in Gen.Choose(0, 2)
         from minorityKind in Gen.Choose(0, 5)
         from present in Gen.Choose(0, 100)
         from seed in Gen.Choose(0, int.MaxValue)
         select new ColumnShape(voters, valueKind, stakeKind, minorityKind, present, seed)).ToArbitrary();

    private static bool Agrees(ColumnShape shape)
    {
        var random = new Random(shape.Seed);
        int k = shape.Voters;
        long[] stake = Enumerable.Range(0, k).Select(_ => shape.StakeKind switch
        {
            0 => (long)random.Next(0, 3),
            1 => random.Next(5) == 0 ? 0 : random.NextInt64(1, 1L << 32),
            _ => random.NextInt64(1, (1L << 33) / k),
        }).ToArray();
        long[] score = Enumerable.Range(0, k).Select(_ => random.Next(100) >= shape.PresentPercent ? 0 : shape.ValueKind switch
        {
            0 => (long)random.Next(0, 4) << 30, // few distinct values: ties everywhere
            1 => random.NextInt64(0, (1L << 32) + 1),
            2 => random.NextInt64(1_000_000, 1_000_050),
            _ => random.Next(2) == 0 ? 1L << 32 : random.NextInt64(0, 5_000_000),
        }).ToArray();
        long total = stake.Sum();
        long minority = shape.MinorityKind switch
        {
            0 => -random.NextInt64(1, 1L << 32),
            1 => 0,
            2 => total,
            3 => total + random.Next(1, 1000),
            4 => total - 1,
            _ => random.NextInt64(0, total + 1),
        };
        long expected = YumaEpochReference.WeightedMedian(stake, score, Enumerable.Range(0, k).ToArray(), minority, 0, total);

        // The optimized kernel sees only the present entries (a present entry may still score 0).
        int[] present = Enumerable.Range(0, k).Where(r => score[r] != 0 || random.Next(4) == 0).ToArray();
        long actual = WeightedMedian.Column(present.Select(r => score[r]).ToArray(), present.Select(r => stake[r]).ToArray(),
            present.Length < k, total, minority);
        Assert.Equal(expected, actual);
        return true;
    }

    [Fact]
    public void Column_median_equals_the_mid_pivot_recursion()
    {
        Prop.ForAll(Columns, Agrees).Check(Config.QuickThrowOnFailure.WithMaxTest(2000).WithReplay(20261122UL, 11UL));
    }
}
