using BasedAI.Inference.Formats;
using BasedAI.Inference.Model;

namespace BasedAI.Inference.Tests;

/// <summary>The surface the squeezing compiler builds on: steps, observers, head masks, substitutable non-linearities.</summary>
public class StepApiTests
{
    private static readonly int[] Tokens = [1, 403, 407, 261, 378, 267, 291, 269];

    private sealed class Recorder : IActivationObserver
    {
        public List<(ActivationEvent Event, float[] Values)> Events { get; } = [];

        public void Observe(in ActivationEvent activation, ReadOnlySpan<float> values) => Events.Add((activation, values.ToArray()));
    }

    private sealed class CountingNonLinearities : NonLinearities
    {
        public int Softmaxes, Silus, InverseSqrts;

        public override void Softmax(Span<float> values) { Interlocked.Increment(ref Softmaxes); base.Softmax(values); }

        public override void Silu(Span<float> values) { Interlocked.Increment(ref Silus); base.Silu(values); }

        public override float InverseSqrt(float value) { Interlocked.Increment(ref InverseSqrts); return base.InverseSqrt(value); }
    }

    /// <summary>SiLU replaced by a degree-2 polynomial, as a squeezed model would do.</summary>
    private sealed class PolynomialSilu : NonLinearities
    {
        public override void Silu(Span<float> values)
        {
            for (int i = 0; i < values.Length; i++)
            {
                float x = values[i];
                values[i] = 0.125f * x * x + 0.5f * x + 0.25f;
            }
        }
    }

    private static float[] LastLogits(TransformerModel model, Action<InferenceSession>? configure = null)
    {
        using InferenceSession session = model.CreateSession(new InferenceOptions { Threads = 1 });
        configure?.Invoke(session);
        return session.Forward(Tokens).ToArray();
    }

    [Fact]
    public void Manual_steps_reproduce_forward()
    {
        TransformerModel model = Fixtures.Stories.Model;
        using InferenceSession session = model.CreateSession(new InferenceOptions { Threads = 1 });
        session.Embed(Tokens);
        for (int layer = 0; layer < model.Config.LayerCount; layer++)
        {
            session.AttentionNorm(layer);
            session.ProjectQueryKeyValue(layer);
            session.ApplyRotary();
            session.Attend(layer);
            session.ProjectAttentionOutput(layer);
            session.MlpNorm(layer);
            session.MlpUp(layer);
            session.MlpActivate(layer);
            session.MlpDown(layer);
        }
        session.FinalNorm();
        var logits = new float[model.Config.VocabSize];
        session.LmHead(logits, allRows: false);
        session.Commit();
        Assert.Equal(Tokens.Length, session.Position);
        Assert.Equal(LastLogits(model), logits);
    }

    [Fact]
    public void Rows_embedded_elsewhere_run_like_tokens_and_bad_shapes_are_refused()
    {
        TransformerModel model = Fixtures.Stories.Model;
        int d = model.Config.HiddenSize;
        var rows = new float[Tokens.Length * d];
        for (int r = 0; r < Tokens.Length; r++)
        {
            model.TokenEmbedding.Row(Tokens[r]).CopyTo(rows.AsSpan(r * d, d)); // Llama: no position embedding
        }
        using InferenceSession session = model.CreateSession(new InferenceOptions { Threads = 1 });
        session.EmbedRows(rows);
        for (int layer = 0; layer < model.Config.LayerCount; layer++)
        {
            session.RunBlock(layer);
        }
        session.FinalNorm();
        var logits = new float[model.Config.VocabSize];
        session.LmHead(logits, allRows: false);
        session.Commit();
        Assert.Equal(LastLogits(model), logits);

        Assert.Throws<ArgumentException>(() => session.EmbedRows(rows.AsSpan(0, d + 1)));
        Assert.Throws<ArgumentException>(() => session.EmbedRows([]));
    }

    [Fact]
    public void Observer_sees_every_site_of_every_layer_with_shapes()
    {
        TransformerModel model = Fixtures.Stories.Model;
        var recorder = new Recorder();
        float[] observed = LastLogits(model, s => s.Observer = recorder);
        Assert.Equal(LastLogits(model), observed);
        TransformerConfig c = model.Config;
        foreach (ActivationSite site in Enum.GetValues<ActivationSite>())
        {
            Assert.Contains(recorder.Events, e => e.Event.Site == site);
        }
        var probabilities = recorder.Events.Where(e => e.Event.Site == ActivationSite.AttentionProbabilities).ToList();
        Assert.Equal(c.LayerCount * c.HeadCount * Tokens.Length, probabilities.Count);
        Assert.All(probabilities, p =>
        {
            Assert.Equal(p.Event.StartPosition + 1, p.Values.Length);
            Assert.Equal(1.0, p.Values.Sum(), 4);
        });
        var mlp = recorder.Events.Single(e => e.Event.Site == ActivationSite.MlpActivation && e.Event.Layer == 2);
        Assert.Equal((Tokens.Length, c.IntermediateSize), (mlp.Event.Rows, mlp.Event.Width));
        Assert.Equal(Tokens.Length * c.IntermediateSize, mlp.Values.Length);
    }

    [Fact]
    public void Ablating_a_head_equals_zeroing_its_columns_of_the_output_projection()
    {
        TransformerModel model = Fixtures.Stories.Model;
        const int Layer = 3, Head = 5;
        float[] masked = LastLogits(model, s => s.HeadMask.Ablate(Layer, Head));
        Assert.NotEqual(LastLogits(model), masked);

        TransformerModel edited = Llama2CCheckpoint.Load(Fixtures.Stories260K);
        float[] o = edited.Blocks[Layer].Output.Weight!.Data;
        int hd = edited.Config.HeadDim, width = edited.Config.HiddenSize;
        for (int row = 0; row < width; row++)
        {
            Array.Clear(o, (row * width) + (Head * hd), hd);
        }
        float[] zeroed = LastLogits(edited);
        for (int i = 0; i < masked.Length; i++)
        {
            Assert.Equal(zeroed[i], masked[i], 1e-4f);
        }
    }

    [Fact]
    public void Non_linearities_can_be_counted_and_substituted()
    {
        TransformerModel model = Fixtures.Stories.Model;
        TransformerConfig c = model.Config;
        var counting = new CountingNonLinearities();
        Assert.Equal(LastLogits(model), LastLogits(model, s => s.NonLinearities = counting));
        Assert.Equal(c.LayerCount * c.HeadCount * Tokens.Length, counting.Softmaxes);
        Assert.Equal(c.LayerCount * Tokens.Length, counting.Silus);
        Assert.Equal(((2 * c.LayerCount) + 1) * Tokens.Length, counting.InverseSqrts);

        float[] approximated = LastLogits(model, s => s.NonLinearities = new PolynomialSilu());
        Assert.NotEqual(LastLogits(model), approximated);
        Assert.All(approximated, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Weights_are_reachable_by_canonical_name_with_their_shapes()
    {
        TransformerModel model = Fixtures.Stories.Model;
        Assert.Equal([64, 64], model.Tensors["layers.0.attn.q.weight"].Shape);
        Assert.Equal([32, 64], model.Tensors["layers.4.attn.k.weight"].Shape);
        Assert.Equal([172, 64], model.Tensors["layers.1.mlp.gate.weight"].Shape);
        Assert.Same(model.TokenEmbedding, model.Tensors["lm_head.weight"]);
        Assert.Same(model.Blocks[2].Down.Weight, model.Tensors["layers.2.mlp.down.weight"]);
        Assert.Equal(5 * 9 + 3, model.Tensors.Count);
    }
}
