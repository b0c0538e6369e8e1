using System.Text.Json;
using BasedAI.Ledger.Yuma;

namespace BasedAI.Ledger.Tests;

/// <summary>
/// The reference vectors of specs/yuma.md section 6 (subtensor epoch.rs at 847da3d76) and the other assertions of that test
/// file, reproduced bit for bit.
/// </summary>
public class YumaVectorTests
{
    internal static JsonElement[] RunScenarioFile(string name)
    {
        string json = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Scenarios", name));
        using JsonDocument output = JsonDocument.Parse(YumaScenario.Run(json));
        return output.RootElement.GetProperty("epochs").EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    private static ulong[] Emission(JsonElement epoch) => epoch.GetProperty("emission").EnumerateArray().Select(e => e.GetUInt64()).ToArray();

    private static ushort Bond(JsonElement epoch, int row, int column) =>
        epoch.GetProperty("bonds")[row].EnumerateArray().Where(e => e[0].GetInt32() == column).Select(e => e[1].GetUInt16()).SingleOrDefault();

    [Fact]
    public void Test_bonds_vector_A()
    {
        JsonElement[] epochs = RunScenarioFile("test_bonds.json");
        Assert.Equal(9, epochs.Length);
        ulong[][] expectedEmission =
        [
            [49999998, 99999999, 150000000, 200000001, 49998779, 100000610, 149996337, 200004272],
            [44998351, 101110561, 151667215, 202223870, 49998779, 100000610, 149996337, 200004272],
            [40496805, 90999783, 157929636, 210573773, 49998779, 100000610, 149996337, 200004272],
            [99999999, 199999999, 299999999, 399999999, 0, 0, 0, 0],
            [36443733, 81898628, 163565493, 218092144, 0, 0, 0, 500000000],
            [32799427, 73706612, 168638129, 224855830, 0, 0, 0, 500000000],
            [29518068, 66336137, 173203134, 230942659, 0, 0, 0, 500000000],
            [26565175, 59701871, 177311856, 236421095, 0, 0, 0, 500000000],
        ];
        (int Column, ushort[] Values)?[] expectedBonds =
        [
            (4, [16383, 32767, 49151, 65535]),
            (4, [14582, 32767, 49151, 65535]),
            (4, [12603, 28321, 49151, 65535]),
            (7, [12602, 28320, 49150, 65535]),
            (7, [10951, 24609, 49150, 65535]),
            (7, [9559, 21482, 49150, 65535]),
            (7, [8376, 18824, 49150, 65535]),
            null,
        ];
        for (int e = 0; e < expectedEmission.Length; e++)
        {
            JsonElement epoch = epochs[e + 1];
            Assert.Equal(expectedEmission[e], Emission(epoch));
            if (expectedBonds[e] is var (column, values))
            {
                Assert.Equal(values, Enumerable.Range(0, 4).Select(row => Bond(epoch, row, column)).ToArray());
            }
        }
        // Block 5, the clipping case: C7 = 0.400008545, I7 = 1.
        JsonElement clip = epochs[5];
        Assert.Equal(I32F32.FromDouble(0.400008545).ToProportionU16(), clip.GetProperty("consensus")[7].GetUInt16());
        Assert.Equal(65535, clip.GetProperty("incentive")[7].GetUInt16());
        Assert.Equal((ushort)(0.6087041323 * 65535), clip.GetProperty("trust")[7].GetUInt16());
    }

    [Fact]
    public void Test_1_graph_and_test_10_graph_vector_D()
    {
        var one = new YumaSimulation(new SimulationSettings { ImmunityPeriod = 2 });
        one.SetStake("k0", 1);
        one.Register("k0");
        one.Block = 1;
        one.SetWeights("k0", [0], [65535]);
        YumaEpochResult single = one.RunEpoch(1_000_000_000);
        Assert.Equal(1_000_000_000UL, single.Emission[0]);
        Assert.Equal(0, single.Rank[0] + single.Trust[0] + single.Consensus[0] + single.Incentive[0] + single.Dividends[0]);

        var ten = new YumaSimulation(new SimulationSettings { ImmunityPeriod = 2, MaxAllowedUids = 10 });
        for (int i = 0; i < 10; i++)
        {
            ten.SetStake($"k{i}", 1);
            ten.Register($"k{i}");
        }
        ten.Block = 1;
        for (ushort i = 0; i < 10; i++)
        {
            ten.SetWeights($"k{i}", [i], [65535]);
        }
        YumaEpochResult result = ten.RunEpoch(1_000_000_000);
        Assert.All(result.Emission, e => Assert.Equal(99999999UL, e));
        Assert.All(result.Rank.Concat(result.Trust).Concat(result.Consensus).Concat(result.Incentive).Concat(result.Dividends), v => Assert.Equal(0, v));
    }

    [Fact]
    public void Math_vec_max_upscale_to_u16_vector_E()
    {
        double[] first = [0.000001, 0.000006, 0.000007, 0.0001, 0.001, 0.01, 0.1, 0.2, 0.3, 0.4];
        Assert.Equal(new ushort[] { 0, 1, 1, 16, 164, 1638, 16384, 32768, 49151, 65535 },
            YumaMath.MaxUpscaleToU16(first.Select(v => I32F32.FromDouble(v).Bits).ToArray()));
        double[] second = [0, 0.5, 1, 1.5, 2, 32768, 32769];
        Assert.Equal(new ushort[] { 0, 1, 2, 3, 4, 65533, 65535 },
            YumaMath.MaxUpscaleToU16(second.Select(v => I32F32.FromDouble(v).Bits).ToArray()));
    }

    [Fact]
    public void Fixed_point_constants_match_the_spec()
    {
        Assert.Equal(2147450879L, (I32F32.FromInt(32767) / I32F32.FromInt(65535)).Bits);
        Assert.Equal(429496729L, YumaEpoch.NormalizedStake([1, 1, 1, 1, 1, 1, 1, 1, 1, 1])[0]);
    }
}
