using System.Text.Json.Nodes;
using BasedAI.Squeezing.Fusion;
using BasedAI.Squeezing.Planning;

namespace BasedAI.Squeezing.Tests;

/// <summary>The HE execution plan: what the compiler emits, and how a damaged plan is refused.</summary>
public class PlanTests
{
    private static HePlan Squeezed => Fixtures.Squeezed.Plan;

    private static HePlan Baseline => Fixtures.Squeezed.BaselinePlan;

    [Fact]
    public void SqueezedPlan_HasFewerOperationsRotationsAndLevelsThanTheBaseline_AndIsSecure()
    {
        Assert.True(Squeezed.Cost.Counts.Total < Baseline.Cost.Counts.Total);
        Assert.True(Squeezed.Cost.Counts.Rotations < Baseline.Cost.Counts.Rotations);
        Assert.True(Squeezed.Cost.Counts.Rescales < Baseline.Cost.Counts.Rescales);
        Assert.True(Squeezed.Cost.Depth < Baseline.Cost.Depth);
        Assert.True(Squeezed.Ckks.DataLevels < Baseline.Ckks.DataLevels);
        Assert.True(Squeezed.Cost.MinerUnits < Baseline.Cost.MinerUnits);
        Assert.Equal(128, Squeezed.Ckks.SecurityBits);
        Assert.True(Squeezed.Ckks.CoeffModulusBits.Sum() <= HePlanCompiler.SecurityBound(Squeezed.Ckks.PolyModulusDegree));
        Assert.True(Squeezed.Squeezed);
        Assert.False(Baseline.Squeezed);
    }

    [Fact]
    public void Stages_AreFourPerLayer_WithOneE_FormInputForQueriesKeysAndValues()
    {
        Assert.Equal(4 * 5, Squeezed.Stages.Count);
        HeStage scores = Squeezed.Stages[0];
        Assert.Equal(StageKind.AttentionScores, scores.Kind);
        Assert.Single(scores.Inputs);
        Assert.Equal(InputLayout.EForm, scores.Inputs[0].Layout);
        Assert.Equal(2, scores.Ops.OfType<EFormProductOp>().Count());
        Assert.Contains(scores.Ops.OfType<EFormProductOp>(), op => op.Weights.Imaginary == "layers.0.attn.v.weight" && op.Weights.RotaryReal);
        Assert.Single(scores.Ops.OfType<CacheAppendOp>(), op => op.Cache == CachePart.Packed);
        Assert.Empty(scores.Ops.OfType<RotaryOp>());
        Assert.Equal(3, Baseline.Stages[0].Ops.OfType<EFormProductOp>().Count());
        Assert.Equal(2, Baseline.Stages[0].Ops.OfType<RotaryOp>().Count());
        Assert.Single(Baseline.Stages[0].Ops.OfType<NormAffineOp>());
        Assert.Single(Baseline.Stages[0].Ops.OfType<ScaleOp>());
    }

    [Fact]
    public void RotationSteps_AreExactlyThoseTheOperationsUse()
    {
        int slots = Squeezed.Ckks.Slots;
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 16, 24, 32, 40, 48, 56, 64, 128, 256, 512, 1024, 2048], Squeezed.RotationSteps);
        Assert.Contains(-4, Baseline.RotationSteps);
        Assert.Contains(4, Baseline.RotationSteps);
        Assert.Equal(4096, slots);
    }

    [Fact]
    public void Json_RoundTripsIdentically()
    {
        string json = Squeezed.ToJson();
        HePlan parsed = HePlan.Parse(json);
        Assert.Equal(json, parsed.ToJson());
    }

    public static TheoryData<string, string, string> Corruptions => new()
    {
        { "truncated", "__truncate__", "not a valid HE plan" },
        { "unknown op", "$.stages[0].ops[0].op=teleport", "not a valid HE plan" },
        { "level mismatch", "$.stages[0].ops[1].level=4", "expects level 4" },
        { "read before write", "$.stages[0].ops[1].in=nothing", "reads register 'nothing'" },
        { "missing rotation step", "__dropstep__", "rotation steps" },
        { "bad degree", "$.ckks.polyModulusDegree=1000", "polynomial modulus degree" },
        { "wrong format", "$.format=other", "format 'other'" },
        { "unknown property", "$.extra=1", "not a valid HE plan" },
        { "stage order", "__swapstages__", "stages are not" },
        { "attention block", "$.attentionBlocks[0]=32", "attention block of layer 0" },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public void CorruptedPlan_IsRefusedWithAClearError(string name, string edit, string expected)
    {
        string json = Squeezed.ToJson();
        JsonNode root = JsonNode.Parse(json)!;
        switch (edit)
        {
            case "__truncate__":
                json = json[..(json.Length / 2)];
                break;
            case "__dropstep__":
                root["rotationSteps"]!.AsArray().RemoveAt(0);
                json = root.ToJsonString();
                break;
            case "__swapstages__":
                var stages = root["stages"]!.AsArray();
                JsonNode first = stages[0]!.DeepClone(), second = stages[1]!.DeepClone();
                stages[0] = second;
                stages[1] = first;
                json = root.ToJsonString();
                break;
            default:
                string[] parts = edit[2..].Split('=');
                Set(root, parts[0], parts[1]);
                json = root.ToJsonString();
                break;
        }
        var e = Assert.Throws<InvalidDataException>(() => HePlan.Parse(json, name));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.StartsWith(name, e.Message, StringComparison.Ordinal);
    }

    private static void Set(JsonNode root, string path, string value)
    {
        JsonNode node = root;
        string[] segments = path.Split('.');
        for (int i = 0; i < segments.Length; i++)
        {
            string segment = segments[i];
            int bracket = segment.IndexOf('[', StringComparison.Ordinal);
            string key = bracket < 0 ? segment : segment[..bracket];
            bool last = i == segments.Length - 1;
            if (bracket < 0)
            {
                if (last)
                {
                    node[key] = int.TryParse(value, out int n) ? JsonValue.Create(n) : JsonValue.Create(value);
                    return;
                }
                node = node[key]!;
                continue;
            }
            node = node[key]!;
            int index = int.Parse(segment[(bracket + 1)..^1], System.Globalization.CultureInfo.InvariantCulture);
            if (last)
            {
                node[index] = int.TryParse(value, out int n) ? JsonValue.Create(n) : JsonValue.Create(value);
                return;
            }
            node = node[index]!;
        }
    }

    [Fact]
    public void ChainChoice_UsesTheSmallestSecureDegree_AndRefusesInsecureUnlessAllowed()
    {
        var precision = new PlanPrecision { WorkingScaleBits = 30, HeadroomBits = 10 };
        Assert.Equal(8192, HePlanCompiler.ChooseChain(5, precision, 64, new PlanOptions()).PolyModulusDegree);
        Assert.Equal(16384, HePlanCompiler.ChooseChain(6, precision, 64, new PlanOptions()).PolyModulusDegree);
        var e = Assert.Throws<ArgumentException>(() => HePlanCompiler.ChooseChain(5, precision, 64, new PlanOptions { PolyModulusDegree = 4096 }));
        Assert.Contains("exceeds the 128-bit bound", e.Message, StringComparison.Ordinal);
        CkksSettings insecure = HePlanCompiler.ChooseChain(5, precision, 64, new PlanOptions { PolyModulusDegree = 4096, AllowInsecure = true });
        Assert.Equal(0, insecure.SecurityBits);
    }

    [Fact]
    public void PrunedLayer_DropsItsAttentionStages_AndNarrowsTheAttentionBlock()
    {
        var model = Fixtures.Stories.Model;
        int[][] kept = SqueezedModel.AllHeads(model.Config);
        kept[2] = [];
        kept[4] = [1, 3, 6];
        var squeezed = SqueezedModel.Build(model, kept, FusionOptions.All);
        HePlan plan = HePlanCompiler.Compile(squeezed, new PlanPrecision { WorkingScaleBits = 27, HeadroomBits = 12 });
        Assert.Equal(4 * 5 - 2, plan.Stages.Count);
        Assert.Equal([64, 64, 0, 64, 32], plan.AttentionBlocks);
        Assert.True(plan.Cost.MinerUnits < Squeezed.Cost.MinerUnits);
    }
}
