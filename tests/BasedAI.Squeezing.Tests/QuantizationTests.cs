using BasedAI.Squeezing.Quantization;
using FsCheck;
using FsCheck.Fluent;

namespace BasedAI.Squeezing.Tests;

/// <summary>Dynamic quantization with adaptive scaling (paper §5.1).</summary>
public class QuantizationTests
{
    [Fact]
    public void PaperDefaults_Are256Levels_Threshold01_Alpha05()
    {
        Assert.Equal(256, QuantizationSettings.PaperDefault.Levels);
        Assert.Equal(0.1, QuantizationSettings.PaperDefault.Threshold);
        Assert.Equal(0.5, QuantizationSettings.PaperDefault.Alpha);
    }

    [Fact]
    public void AdaptiveScale_IsAlphaAboveTheThreshold_AndItsInverseBelow()
    {
        var settings = QuantizationSettings.PaperDefault;
        double[] wide = [0, 1, -1, 2];
        double[] narrow = [0.01, 0.02, 0.03, 0.0];
        Assert.Equal(0.5, AdaptiveQuantizer.Quantize(wide, settings).Scale);
        Assert.Equal(2.0, AdaptiveQuantizer.Quantize(narrow, settings).Scale);
        Assert.Equal(Math.Sqrt(1.25), AdaptiveQuantizer.Sigma([0, 1, -1, 2]), 12);
    }

    [Fact]
    public void Quantize_MapsToLevelsBetweenMinAndMax_OfTheScaledSample()
    {
        double[] sample = [-1, 0, 0.3, 1];
        QuantizedSample q = AdaptiveQuantizer.Quantize(sample, new QuantizationSettings { Levels = 5 });
        Assert.Equal(0.5, q.Scale);
        Assert.Equal(-0.5, q.Min);
        Assert.Equal(0.25, q.Step, 12);
        Assert.Equal([-0.5, 0, 0.25, 0.5], sample);
    }

    [Fact]
    public void FakeQuantize_Properties()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<double[]>(), ArbMap.Default.ArbFor<byte>(), (raw, levelSeed) =>
        {
            double[] values = raw.Where(double.IsFinite).Select(v => Math.Clamp(v, -1e6, 1e6)).ToArray();
            if (values.Length == 0)
            {
                return true;
            }
            int levels = 2 + levelSeed;
            var settings = new QuantizationSettings { Levels = levels };
            double[] copy = values.ToArray();
            QuantizedSample q = AdaptiveQuantizer.FakeQuantize(copy, settings);
            double unscaledStep = q.Step / q.Scale;
            bool withinHalfStep = values.Zip(copy).All(p => Math.Abs(p.First - p.Second) <= (unscaledStep / 2) + (1e-9 * (1 + Math.Abs(p.First))));
            bool fewLevels = copy.Distinct().Count() <= levels;
            bool keepsRange = copy.Min() >= values.Min() - 1e-9 * (1 + Math.Abs(values.Min())) && copy.Max() <= values.Max() + 1e-9 * (1 + Math.Abs(values.Max()));
            return withinHalfStep && fewLevels && keepsRange;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }

    [Fact]
    public void ConstantSample_IsUnchanged()
    {
        double[] values = [3, 3, 3];
        AdaptiveQuantizer.FakeQuantize(values, QuantizationSettings.PaperDefault);
        Assert.Equal([3, 3, 3], values);
    }

    [Theory]
    [InlineData(1, 0.1, 0.5)]
    [InlineData(256, -1, 0.5)]
    [InlineData(256, 0.1, 0)]
    [InlineData(256, double.NaN, 0.5)]
    public void InvalidSettings_AreRejectedByName(int levels, double threshold, double alpha)
    {
        var e = Assert.Throws<ArgumentException>(() => new QuantizationSettings { Levels = levels, Threshold = threshold, Alpha = alpha }.Validate());
        Assert.Matches("levels|threshold|factor", e.Message);
    }
}
