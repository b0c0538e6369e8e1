using BasedAI.Inference.Formats;
using BasedAI.Inference.Model;
using BasedAI.Squeezing.Evaluation;
using BasedAI.Squeezing.Fusion;

namespace BasedAI.Squeezing.Tests;

/// <summary>The double-precision reference of the squeezed pipeline computes what the inference engine computes.</summary>
public class ReferenceTests
{
    private static readonly int[] Tokens = [1, 403, 407, 261, 378, 267, 291, 269, 301, 410];

    private static float[] EngineLogits(TransformerModel model, int[] tokens)
    {
        using InferenceSession session = model.CreateSession(new InferenceOptions { Threads = 1 });
        var logits = new float[tokens.Length * model.Config.VocabSize];
        session.Forward(tokens, logits);
        return logits;
    }

    private static void AssertClose(float[] expected, double[][] actual, int vocab, double tolerance)
    {
        for (int i = 0; i < actual.Length; i++)
        {
            for (int v = 0; v < vocab; v++)
            {
                Assert.True(Math.Abs(expected[(i * vocab) + v] - actual[i][v]) < tolerance,
                    $"position {i} token {v}: engine {expected[(i * vocab) + v]}, reference {actual[i][v]}");
            }
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Stories260K_ReferenceMatchesEngine_FusedOrNot(bool fused)
    {
        TransformerModel model = Fixtures.Stories.Model;
        var squeezed = SqueezedModel.Build(model, SqueezedModel.AllHeads(model.Config), fused ? FusionOptions.All : FusionOptions.None);
        double[][] logits = new SqueezedReference(squeezed).Run(Tokens);
        AssertClose(EngineLogits(model, Tokens), logits, model.Config.VocabSize, 2e-4);
    }

    [Fact]
    public void Gpt2_ReferenceMatchesEngine_WithBiasesFoldedIntoAColumn()
    {
        TransformerModel model = ModelLoader.Load(Fixtures.FakeGpt2).Model;
        int[] tokens = [50256, 464, 2068, 7586, 21831];
        foreach (FusionOptions fusion in new[] { FusionOptions.All, FusionOptions.None })
        {
            var squeezed = SqueezedModel.Build(model, SqueezedModel.AllHeads(model.Config), fusion);
            Assert.Equal(model.Config.HiddenSize + 1, squeezed.InputWidth);
            double[][] logits = new SqueezedReference(squeezed).Run(tokens);
            AssertClose(EngineLogits(model, tokens), logits, model.Config.VocabSize, 2e-4);
        }
    }

    [Fact]
    public void PrunedHeads_MatchTheEngineWithThoseHeadsAblated()
    {
        TransformerModel model = Fixtures.Stories.Model;
        int[][] kept = SqueezedModel.AllHeads(model.Config);
        kept[1] = [0, 2, 3, 5, 6, 7];
        kept[3] = [];
        var squeezed = SqueezedModel.Build(model, kept, FusionOptions.All);
        double[][] logits = new SqueezedReference(squeezed).Run(Tokens);
        using InferenceSession session = model.CreateSession(new InferenceOptions { Threads = 1 });
        session.HeadMask.Ablate(1, 1);
        session.HeadMask.Ablate(1, 4);
        for (int h = 0; h < 8; h++)
        {
            session.HeadMask.Ablate(3, h);
        }
        var expected = new float[Tokens.Length * model.Config.VocabSize];
        session.Forward(Tokens, expected);
        AssertClose(expected, logits, model.Config.VocabSize, 2e-4);
        Assert.DoesNotContain("layers.3.attn.q.weight", squeezed.Tensors.Keys);
        Assert.Equal([48, 64], squeezed.Tensor("layers.1.attn.q.weight").Shape);
    }

    [Fact]
    public void Fusion_FoldsNormScaleAttentionScaleAndFinalNormIntoWeights()
    {
        TransformerModel model = Fixtures.Stories.Model;
        var fused = SqueezedModel.Build(model, SqueezedModel.AllHeads(model.Config), FusionOptions.All);
        var plain = SqueezedModel.Build(model, SqueezedModel.AllHeads(model.Config), FusionOptions.None);
        Assert.DoesNotContain("layers.0.attn_norm.weight", fused.Tensors.Keys);
        Assert.Contains("layers.0.attn_norm.weight", plain.Tensors.Keys);
        float gamma = model.Blocks[0].AttentionNorm.Scale.Data[5];
        float w = model.Blocks[0].Query.Weight!.Data[(3 * 64) + 5];
        Assert.Equal(w * gamma / Math.Sqrt(8), fused.Tensor("layers.0.attn.q.weight").Data[(3 * 64) + 5], 5);
        // K rows of query head 3 are kv head 1's (grouped-query attention expanded per kept query head).
        Assert.Equal(model.Blocks[0].Key.Weight!.Data[(8 * 64) + 2], plain.Tensor("layers.0.attn.k.weight").Data[(24 * 64) + 2]);
    }

    [Fact]
    public void Rotary_MatchesTheEngineTable()
    {
        TransformerModel model = Fixtures.Stories.Model;
        var vector = new float[64];
        var doubles = new double[64];
        for (int i = 0; i < 64; i++)
        {
            vector[i] = (i * 0.37f) - 5;
            doubles[i] = vector[i];
        }
        model.Rotary!.Apply(vector, 17);
        (double[] cos, double[] sin) = ClientMath.Rotary(8, model.Config.RopeTheta, 17);
        ClientMath.ApplyRotary(doubles, 8, cos, sin);
        for (int i = 0; i < 64; i++)
        {
            Assert.Equal(vector[i], doubles[i], 4);
        }
    }
}
