using BasedAI.Squeezing.Evaluation;
using BasedAI.Squeezing.Planning;
using BasedAI.Squeezing.Quantization;

namespace BasedAI.Squeezing.Tests;

/// <summary>The whole compiler on stories260K: selection, quantization, report.</summary>
public class SqueezerTests
{
    [Fact]
    public void DefaultSqueeze_KeepsQualityAndReportsBeforeAndAfter()
    {
        SqueezeResult result = Fixtures.Squeezed;
        var report = result.Report;
        Assert.Equal(40, report.Heads.Count);
        Assert.Equal(2, report.Plans.Count);
        Assert.True(report.QuantizedCalibrationAgreement >= 0.995);
        Assert.All(report.Heads, h => Assert.True(h.Score.Significance >= 0));
        Assert.All(report.Quantization, q => Assert.True(q.Settings is null || q.Settings.Levels >= 256));
        Assert.True(report.Plans[1].Cost.Counts.Total < report.Plans[0].Cost.Counts.Total);
        Assert.Equal(1.0, report.Plans[0].Quality.Top1Agreement);
        Assert.True(report.Plans[1].Quality.Top1Agreement >= 0.98, $"held-out agreement {report.Plans[1].Quality.Top1Agreement}");
        string markdown = report.ToMarkdown();
        Assert.Contains("| rotations / token |", markdown, StringComparison.Ordinal);
        Assert.Contains("S(h) = KL", markdown, StringComparison.Ordinal);
        Assert.Equal(report.ToJson(), Reporting.SqueezeReport.Parse(report.ToJson()).ToJson());
    }

    [Fact]
    public void Report_ExplainsFullModesReduction_WithMeasuredNumbers()
    {
        var full = Fixtures.Squeezed.Report.FullMode;
        Assert.Equal(128, full.Plan.Ckks.SecurityBits);
        Assert.Equal(32768, full.Plan.Ckks.PolyModulusDegree);
        Assert.True(full.Depth > 14, $"depth {full.Depth}");
        Assert.True(full.Plan.Quality.Top1Agreement >= 0.95, $"full-mode agreement {full.Plan.Quality.Top1Agreement}");
        Assert.True(full.PolynomialSoftmaxQuality.Top1Agreement < 0.5, $"polynomial softmax agreement {full.PolynomialSoftmaxQuality.Top1Agreement}");
        Assert.Contains("keeps the softmax", full.Note, StringComparison.Ordinal);
        Assert.Contains("## Full mode (reduced configuration)", Fixtures.Squeezed.Report.ToMarkdown(), StringComparison.Ordinal);
    }

    [Fact]
    public void Theta_RemovesInsignificantHeads_WhenQualityAllows()
    {
        var small = Fixtures.SmallCalibration;
        SqueezeResult result = CerberusSqueezer.Squeeze(Fixtures.Stories.Model, small, small,
            new SqueezeOptions { Theta = 0.008, MinAgreement = 0, Quantization = null });
        var removed = result.Report.Heads.Where(h => !h.Kept).ToList();
        Assert.NotEmpty(removed);
        Assert.All(removed, h => Assert.True(h.Score.Significance <= 0.008));
        Assert.All(result.Report.Heads.Where(h => h.Kept), h => Assert.True(h.Score.Significance > 0.008));
        Assert.Equal(40 - removed.Count, result.Model.KeptHeadCount);
    }

    [Fact]
    public void QualityFloor_StopsPruning_AndSaysWhy()
    {
        var small = Fixtures.SmallCalibration;
        SqueezeResult result = CerberusSqueezer.Squeeze(Fixtures.Stories.Model, small, small,
            new SqueezeOptions { Theta = 1, MinAgreement = 0.999, Quantization = null });
        Assert.Equal(40, result.Model.KeptHeadCount);
        Assert.Contains(result.Report.Heads, h => h.Reason.Contains("drops calibration top-1 agreement", StringComparison.Ordinal));
    }

    [Fact]
    public void Budget_PrunesUntilThePredictedCostFits()
    {
        var small = Fixtures.SmallCalibration;
        double full = Fixtures.Squeezed.Plan.Cost.MinerUnits;
        SqueezeResult result = CerberusSqueezer.Squeeze(Fixtures.Stories.Model, small, small,
            new SqueezeOptions { Budget = full * 0.7, MinAgreement = 0, Quantization = null });
        Assert.True(result.Plan.Cost.MinerUnits <= full * 0.7 + 1e-9, $"cost {result.Plan.Cost.MinerUnits} vs budget {full * 0.7}");
        Assert.Contains("Budget met", result.Report.BudgetNote, StringComparison.Ordinal);
    }

    [Fact]
    public void QuantizationAwareEvaluation_ChangesLittleAtThePaperDefaults()
    {
        var model = Fixtures.Squeezed.Model;
        var corpus = Fixtures.SmallCalibration;
        int[][] predictions = Quality.Original(Fixtures.Stories.Model, corpus).Predictions;
        var exact = Quality.Measure(t => new SqueezedReference(model).Run(t), corpus, predictions);
        var quantized = Quality.Measure(t => new SqueezedReference(model, new ReferenceOptions { Quantization = QuantizationMap.Uniform(5, QuantizationSettings.PaperDefault) }).Run(t), corpus, predictions);
        Assert.Equal(1.0, exact.Top1Agreement);
        Assert.InRange(quantized.Top1Agreement, 0.95, 1.0);
        Assert.InRange(quantized.Perplexity / exact.Perplexity, 0.98, 1.02);
    }
}
