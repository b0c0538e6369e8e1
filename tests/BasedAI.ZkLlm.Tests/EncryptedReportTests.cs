using BasedAI.Squeezing.Reporting;
using BasedAI.ZkLlm.Evaluation;
using Xunit.Abstractions;

namespace BasedAI.ZkLlm.Tests;

/// <summary>The squeeze report, completed by encrypted runs: the squeezed plan has fewer HE operations and lower latency.</summary>
public class EncryptedReportTests(ITestOutputHelper output)
{
    [Fact]
    public async Task SqueezedPlan_HasFewerHeOperations_AndLowerMeasuredLatency_ThanUnsqueezed()
    {
        var result = Fixtures.Squeezed;
        (EncryptedRun before, EncryptedRun after) = await EncryptedEvaluation.AddToReportAsync(result, Fixtures.Stories.Model, Fixtures.HeldOut, sequences: 1, tokensPerSequence: 6);
        output.WriteLine($"unsqueezed: {before}");
        output.WriteLine($"squeezed:   {after}");
        PlanSummary unsqueezed = result.Report.Plans[0], squeezed = result.Report.Plans[^1];
        Assert.True(squeezed.Cost.Counts.Total < unsqueezed.Cost.Counts.Total);
        Assert.True(squeezed.Cost.Counts.Rotations < unsqueezed.Cost.Counts.Rotations);
        Assert.True(squeezed.MeasuredSecondsPerToken < unsqueezed.MeasuredSecondsPerToken, $"squeezed {squeezed.MeasuredSecondsPerToken} s/token, unsqueezed {unsqueezed.MeasuredSecondsPerToken}");
        Assert.Equal(5, squeezed.EncryptedQuality!.Positions);
        Assert.Equal(1.0, unsqueezed.EncryptedQuality!.Top1Agreement);
        Assert.True(squeezed.EncryptedQuality.Top1Agreement >= 0.8);
        string markdown = result.Report.ToMarkdown();
        Assert.DoesNotContain("not run", markdown, StringComparison.Ordinal);
        output.WriteLine(markdown[..markdown.IndexOf("## Heads", StringComparison.Ordinal)]);
    }
}
