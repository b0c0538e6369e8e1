using BasedAI.Inference.Model;
using BasedAI.Squeezing.Calibration;

namespace BasedAI.Squeezing.Evaluation;

/// <summary>Quality of a model against the original on held-out text.</summary>
/// <param name="Top1Agreement">Fraction of positions whose most likely next token equals the original model's.</param>
/// <param name="Perplexity">exp(mean negative log-likelihood of the actual next tokens).</param>
/// <param name="Positions">Positions measured.</param>
public sealed record QualityMetrics(double Top1Agreement, double Perplexity, int Positions);

/// <summary>Teacher-forced measurements over a corpus: the original model's predictions, and any model's agreement with them.</summary>
public static class Quality
{
    /// <summary>The original model's greedy prediction at every position of every sequence, and its quality.</summary>
    public static (int[][] Predictions, QualityMetrics Metrics) Original(TransformerModel model, CalibrationCorpus corpus)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(corpus);
        int vocab = model.Config.VocabSize;
        var predictions = new int[corpus.Sequences.Count][];
        double nll = 0;
        int positions = 0;
        using InferenceSession session = model.CreateSession(new InferenceOptions { Threads = 1 });
        var row = new double[vocab];
        for (int s = 0; s < corpus.Sequences.Count; s++)
        {
            int[] tokens = corpus.Sequences[s];
            var logits = new float[tokens.Length * vocab];
            session.Reset();
            session.Forward(tokens, logits);
            predictions[s] = new int[tokens.Length];
            for (int i = 0; i < tokens.Length; i++)
            {
                for (int v = 0; v < vocab; v++)
                {
                    row[v] = logits[(i * vocab) + v];
                }
                predictions[s][i] = ClientMath.ArgMax(row);
                if (i + 1 < tokens.Length)
                {
                    nll += ClientMath.NegativeLogLikelihood(row, tokens[i + 1]);
                    positions++;
                }
            }
        }
        return (predictions, new QualityMetrics(1, Math.Exp(nll / positions), positions));
    }

    /// <summary>
    /// Agreement of <paramref name="run"/> (logits of every position of a sequence) with <paramref name="reference"/>
    /// predictions, and its perplexity, over the positions that predict a next token.
    /// </summary>
    public static QualityMetrics Measure(Func<int[], double[][]> run, CalibrationCorpus corpus, int[][] reference)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(reference);
        double nll = 0;
        int positions = 0, agree = 0;
        for (int s = 0; s < corpus.Sequences.Count; s++)
        {
            int[] tokens = corpus.Sequences[s];
            double[][] logits = run(tokens);
            for (int i = 0; i + 1 < tokens.Length; i++)
            {
                nll += ClientMath.NegativeLogLikelihood(logits[i], tokens[i + 1]);
                if (ClientMath.ArgMax(logits[i]) == reference[s][i])
                {
                    agree++;
                }
                positions++;
            }
        }
        return new QualityMetrics((double)agree / positions, Math.Exp(nll / positions), positions);
    }
}
