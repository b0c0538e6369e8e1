using BasedAI.Squeezing.Polynomials;

namespace BasedAI.Squeezing.Tests;

/// <summary>Chebyshev fits of the non-linear functions.</summary>
public class PolynomialTests
{
    [Fact]
    public void Interpolation_ReproducesAPolynomialExactly()
    {
        static double F(double x) => (3 * x * x * x) - (2 * x) + 0.5;
        double[] c = Chebyshev.Interpolate(F, -2, 3, 3);
        foreach (double x in new[] { -2.0, -0.7, 0, 1.3, 3 })
        {
            Assert.Equal(F(x), Chebyshev.Evaluate(c, -2, 3, x), 9);
        }
    }

    [Theory]
    [InlineData(ApproximatedFunction.Silu, -6, 6)]
    [InlineData(ApproximatedFunction.Gelu, -5, 5)]
    [InlineData(ApproximatedFunction.InverseSqrt, 0.05, 4)]
    [InlineData(ApproximatedFunction.Exp, -30, 0.5)]
    [InlineData(ApproximatedFunction.Reciprocal, 0.5, 100)]
    public void Fit_MeetsTheToleranceOverTheRange(ApproximatedFunction function, double lower, double upper)
    {
        Approximation a = Approximation.Fit(function, lower, upper, 1e-3);
        Assert.True(a.MaxRelativeError <= 1e-3, $"{function}: relative error {a.MaxRelativeError} with degree {a.Degree}");
        for (double x = lower; x <= upper; x += (upper - lower) / 97)
        {
            double exact = Approximation.Exact(function, x);
            Assert.True(Math.Abs(a.Evaluate(x) - exact) <= a.MaxAbsoluteError * 1.5 + 1e-12, $"{function}({x})");
        }
        Assert.True(a.Depth >= 2);
    }

    [Fact]
    public void Fit_RejectsEmptyOrNonPositiveIntervalsByName()
    {
        Assert.Throws<ArgumentException>(() => Approximation.Fit(ApproximatedFunction.Reciprocal, -1, 1, 1e-3));
        Assert.Throws<ArgumentException>(() => Approximation.Fit(ApproximatedFunction.Silu, 2, 1, 1e-3));
        Assert.Throws<ArgumentException>(() => Approximation.Fit(ApproximatedFunction.Exp, double.NaN, 1, 1e-3));
    }

    [Fact]
    public void Depth_CountsTheMapTheChebyshevPowersTheSumAndRefinements()
    {
        Approximation a = Approximation.Build(ApproximatedFunction.Reciprocal, 1, 10, 7, newtonIterations: 2);
        Assert.Equal(2 + 3 + 4, a.Depth);
        Approximation e = Approximation.Build(ApproximatedFunction.Exp, -8, 0, 4, squarings: 3);
        Assert.Equal(2 + 2 + 3, e.Depth);
    }
}
