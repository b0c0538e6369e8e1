using BasedAI.Inference.Model;

namespace BasedAI.Squeezing.Calibration;

/// <summary>What removing one head does to the model's predictions on the calibration corpus.</summary>
/// <param name="Layer">Layer.</param>
/// <param name="Head">Query head.</param>
/// <param name="Significance">S(h): mean KL divergence (nats) from the original next-token distribution to the ablated one.</param>
/// <param name="LossIncrease">Mean next-token loss increase (nats per token); negative when removal helps the loss.</param>
/// <param name="TopOneChange">Fraction of positions whose most likely next token changes.</param>
public sealed record HeadScore(int Layer, int Head, double Significance, double LossIncrease, double TopOneChange);

/// <summary>
/// Per-head significance S(h) by ablation (paper §7.1.2): each head alone is removed (its output zeroed before the output
/// projection) and the change of the model's next-token distributions is measured over the calibration corpus. S(h) is
/// the mean KL divergence, which is never negative and grows with any change of the predictions; the loss change and
/// the top-1 change rate are reported beside it.
/// </summary>
public static class HeadSignificance
{
    /// <summary>Scores of every head, in (layer, head) order, and the unablated mean loss.</summary>
    public static (IReadOnlyList<HeadScore> Scores, double BaseLoss) Measure(TransformerModel model, CalibrationCorpus corpus, IProgress<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(corpus);
        TransformerConfig config = model.Config;
        int heads = config.HeadCount, total = config.LayerCount * heads;
        float[][] original = Logits(model, corpus, -1, -1);
        var scores = new HeadScore[total];
        double baseLoss = 0;
        int done = 0;
        Parallel.For(-1, total, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, index =>
        {
            if (index < 0)
            {
                baseLoss = Compare(original, original, corpus, config.VocabSize).Loss;
                return;
            }
            int layer = index / heads, head = index % heads;
            (double kl, double loss, double flips) = Compare(original, Logits(model, corpus, layer, head), corpus, config.VocabSize);
            scores[index] = new HeadScore(layer, head, kl, loss, flips);
            progress?.Report((double)Interlocked.Increment(ref done) / total);
        });
        return (scores.Select(s => s with { LossIncrease = s.LossIncrease - baseLoss }).ToArray(), baseLoss);
    }

    private static float[][] Logits(TransformerModel model, CalibrationCorpus corpus, int layer, int head)
    {
        int vocab = model.Config.VocabSize;
        using InferenceSession session = model.CreateSession(new InferenceOptions { Threads = 1 });
        if (layer >= 0)
        {
            session.HeadMask.Ablate(layer, head);
        }
        var result = new float[corpus.Sequences.Count][];
        for (int s = 0; s < corpus.Sequences.Count; s++)
        {
            int[] tokens = corpus.Sequences[s];
            result[s] = new float[tokens.Length * vocab];
            session.Reset();
            session.Forward(tokens, result[s]);
        }
        return result;
    }

    /// <summary>Mean KL(original ‖ other), mean loss of <paramref name="other"/>, and the top-1 change rate.</summary>
    private static (double Kl, double Loss, double Flips) Compare(float[][] original, float[][] other, CalibrationCorpus corpus, int vocab)
    {
        double kl = 0, loss = 0;
        int positions = 0, flips = 0;
        var p = new double[vocab];
        var q = new double[vocab];
        for (int s = 0; s < corpus.Sequences.Count; s++)
        {
            int[] tokens = corpus.Sequences[s];
            for (int i = 0; i + 1 < tokens.Length; i++)
            {
                int argP = LogSoftmax(original[s].AsSpan(i * vocab, vocab), p);
                int argQ = LogSoftmax(other[s].AsSpan(i * vocab, vocab), q);
                double sum = 0;
                for (int v = 0; v < vocab; v++)
                {
                    sum += Math.Exp(p[v]) * (p[v] - q[v]);
                }
                kl += Math.Max(0, sum);
                loss -= q[tokens[i + 1]];
                flips += argP == argQ ? 0 : 1;
                positions++;
            }
        }
        return (kl / positions, loss / positions, (double)flips / positions);
    }

    private static int LogSoftmax(ReadOnlySpan<float> logits, Span<double> output)
    {
        int best = 0;
        for (int v = 1; v < logits.Length; v++)
        {
            if (logits[v] > logits[best])
            {
                best = v;
            }
        }
        double max = logits[best], sum = 0;
        for (int v = 0; v < logits.Length; v++)
        {
            sum += Math.Exp(logits[v] - max);
        }
        double log = Math.Log(sum) + max;
        for (int v = 0; v < logits.Length; v++)
        {
            output[v] = logits[v] - log;
        }
        return best;
    }
}
