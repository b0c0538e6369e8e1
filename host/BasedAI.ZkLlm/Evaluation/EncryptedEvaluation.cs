using System.Diagnostics;
using BasedAI.Inference.Model;
using BasedAI.Squeezing;
using BasedAI.Squeezing.Calibration;
using BasedAI.Squeezing.Evaluation;
using BasedAI.Squeezing.Fusion;
using BasedAI.Squeezing.Planning;
using BasedAI.Squeezing.Reporting;
using BasedAI.ZkLlm.Client;
using BasedAI.ZkLlm.Miner;
using BasedAI.ZkLlm.Slots;
using BasedAI.ZkLlm.Transport;

namespace BasedAI.ZkLlm.Evaluation;

/// <summary>What an encrypted, teacher-forced run over held-out text measured.</summary>
/// <param name="Quality">Top-1 agreement with the original model and perplexity, decrypted logits.</param>
/// <param name="SecondsPerToken">Mean wall time of a token step (client and miner).</param>
/// <param name="ClientSecondsPerToken">Mean client time per step (encode, encrypt, decrypt, non-linear steps, LM head).</param>
/// <param name="MinerSecondsPerToken">Mean miner compute time per step.</param>
/// <param name="BytesPerToken">Mean bytes exchanged per step, both directions.</param>
/// <param name="KeyBytes">Evaluation-key bytes uploaded per session.</param>
public sealed record EncryptedRun(QualityMetrics Quality, double SecondsPerToken, double ClientSecondsPerToken, double MinerSecondsPerToken, double BytesPerToken, long KeyBytes);

/// <summary>Runs plans under CKKS encryption on held-out text (client and miner in one process) and records the results in a squeeze report.</summary>
public static class EncryptedEvaluation
{
    /// <summary>
    /// Runs <paramref name="plan"/> over <paramref name="model"/> encrypted, teacher-forced over every sequence of
    /// <paramref name="corpus"/>, comparing each position's decrypted logits with <paramref name="reference"/> predictions.
    /// </summary>
    public static async Task<EncryptedRun> RunAsync(SqueezedModel model, HePlan plan, CalibrationCorpus corpus, int[][] reference,
        IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(corpus);
        ArgumentNullException.ThrowIfNull(reference);
        using var miner = new ZkLlmMiner(model, plan, new CkksMinerBackend(plan.Ckks));
        int steps = 0, done = 0, total = corpus.Sequences.Sum(s => s.Length);
        TimeSpan wall = TimeSpan.Zero, client = TimeSpan.Zero;
        long bytes = 0, keyBytes = 0;
        TimeSpan minerStart = miner.ComputeTime;
        async Task<double[][]> Run(int[] tokens)
        {
            await using var session = new ZkLlmClient(model, plan, new CkksClientBackend(plan.Ckks), new InProcessTransport(miner));
            await session.OpenAsync(cancellationToken).ConfigureAwait(false);
            keyBytes = session.KeyBytes;
            minerStart = miner.ComputeTime;
            var logits = new double[tokens.Length][];
            for (int i = 0; i < tokens.Length; i++)
            {
                logits[i] = await session.StepAsync(tokens[i], cancellationToken).ConfigureAwait(false);
                TokenStep step = session.LastStep;
                wall += step.Total;
                client += step.Client;
                bytes += step.BytesSent + step.BytesReceived;
                steps++;
                progress?.Report((double)++done / total);
            }
            return logits;
        }
        var runs = new List<double[][]>();
        TimeSpan minerTime = TimeSpan.Zero;
        foreach (int[] sequence in corpus.Sequences)
        {
            runs.Add(await Run(sequence).ConfigureAwait(false));
            minerTime += miner.ComputeTime - minerStart;
        }
        int index = 0;
        QualityMetrics quality = Quality.Measure(_ => runs[index++], corpus, reference);
        return new EncryptedRun(quality, wall.TotalSeconds / steps, client.TotalSeconds / steps, minerTime.TotalSeconds / steps, (double)bytes / steps, keyBytes);
    }

    /// <summary>
    /// Runs the squeezed plan and the unsqueezed baseline encrypted over the first <paramref name="tokensPerSequence"/>
    /// tokens of up to <paramref name="sequences"/> held-out sequences, and fills each plan's encrypted quality and measured
    /// seconds per token in <paramref name="result"/>'s report.
    /// </summary>
    public static async Task<(EncryptedRun Baseline, EncryptedRun Squeezed)> AddToReportAsync(SqueezeResult result, TransformerModel original,
        CalibrationCorpus heldOut, int sequences, int tokensPerSequence, IProgress<SqueezeProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(heldOut);
        CalibrationCorpus corpus = CalibrationCorpus.FromSequences(
            heldOut.Sequences.Take(sequences).Select(s => s.Take(tokensPerSequence).ToArray()).Where(s => s.Length >= 2), original.Config.VocabSize);
        int[][] reference = Quality.Original(original, corpus).Predictions;
        SqueezedModel baseline = SqueezedModel.Build(original, SqueezedModel.AllHeads(original.Config), FusionOptions.None);
        EncryptedRun before = await RunAsync(baseline, result.BaselinePlan, corpus, reference,
            new Progress<double>(f => progress?.Report(new SqueezeProgress("encrypted run (unsqueezed)", f))), cancellationToken).ConfigureAwait(false);
        EncryptedRun after = await RunAsync(result.Model, result.Plan, corpus, reference,
            new Progress<double>(f => progress?.Report(new SqueezeProgress("encrypted run (squeezed)", f))), cancellationToken).ConfigureAwait(false);
        Record(result.Report.Plans[0], before);
        Record(result.Report.Plans[^1], after);
        return (before, after);
    }

    private static void Record(PlanSummary summary, EncryptedRun run)
    {
        summary.EncryptedQuality = run.Quality;
        summary.MeasuredSecondsPerToken = run.SecondsPerToken;
    }
}
