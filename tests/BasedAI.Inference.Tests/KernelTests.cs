using BasedAI.Inference.Model;
using BasedAI.Inference.Tensors;
using FsCheck;
using FsCheck.Fluent;

namespace BasedAI.Inference.Tests;

public class KernelTests
{
    private static double[] Naive(float[] x, float[] w, float[]? bias, int rows, int inDim, int outDim)
    {
        var y = new double[rows * outDim];
        for (int r = 0; r < rows; r++)
        {
            for (int o = 0; o < outDim; o++)
            {
                double s = bias?[o] ?? 0;
                for (int i = 0; i < inDim; i++)
                {
                    s += (double)x[(r * inDim) + i] * w[(o * inDim) + i];
                }
                y[(r * outDim) + o] = s;
            }
        }
        return y;
    }

    private static float[] Random(System.Random random, int count) => Enumerable.Range(0, count).Select(_ => random.NextSingle() - 0.5f).ToArray();

    [Fact]
    public void Float_and_int8_products_match_a_naive_product_for_any_shape()
    {
        using var pool = new WorkerPool(2);
        Prop.ForAll(ArbMap.Default.ArbFor<(byte, byte, byte, int)>(), t =>
        {
            (byte r, byte i, byte o, int seed) = t;
            int rows = 1 + (r % 6), inDim = 1 + (i % 70), outDim = 1 + (o % 40);
            var random = new System.Random(seed);
            float[] x = Random(random, rows * inDim), w = Random(random, outDim * inDim), bias = Random(random, outDim);
            double[] expected = Naive(x, w, bias, rows, inDim, outDim);
            var y = new float[rows * outDim];
            MatMul.Multiply(x, w, bias, y, rows, inDim, outDim, pool);
            for (int k = 0; k < y.Length; k++)
            {
                Assert.Equal(expected[k], y[k], 1e-4);
            }
            var linear = new Linear(new Tensor("w", [outDim, inDim], w), new Tensor("b", [outDim], bias));
            linear.QuantizeInt8();
            float[] dequantized = linear.Dequantize().Data;
            double[] expectedQ = Naive(x, dequantized, bias, rows, inDim, outDim);
            linear.Forward(x, y, rows, pool);
            for (int k = 0; k < y.Length; k++)
            {
                Assert.Equal(expectedQ[k], y[k], 1e-4);
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(150));
    }

    [Fact]
    public void Large_products_split_across_threads_equal_single_threaded_ones()
    {
        var random = new System.Random(5);
        const int Rows = 3, In = 300, Out = 517;
        float[] x = Random(random, Rows * In), w = Random(random, Out * In);
        var single = new float[Rows * Out];
        var parallel = new float[Rows * Out];
        MatMul.Multiply(x, w, default, single, Rows, In, Out);
        using var pool = new WorkerPool(3);
        for (int repeat = 0; repeat < 20; repeat++)
        {
            MatMul.Multiply(x, w, default, parallel, Rows, In, Out, pool);
            Assert.Equal(single, parallel);
        }
    }

    [Fact]
    public void Attention_steps_match_their_definition()
    {
        var random = new System.Random(3);
        const int Positions = 21, Stride = 48, Offset = 16, HeadDim = 16;
        float[] keys = Random(random, Positions * Stride), values = Random(random, Positions * Stride), q = Random(random, HeadDim);
        var scores = new float[Positions];
        Attention.Scores(q, keys, Stride, Offset, scores);
        for (int t = 0; t < Positions; t++)
        {
            double dot = 0;
            for (int i = 0; i < HeadDim; i++)
            {
                dot += q[i] * keys[(t * Stride) + Offset + i];
            }
            Assert.Equal(dot / 4, scores[t], 1e-5);
        }
        NonLinearities.Exact.Softmax(scores);
        Assert.Equal(1.0, scores.Sum(), 5);
        var output = new float[HeadDim];
        Attention.WeightedSum(scores, values, Stride, Offset, output);
        for (int i = 0; i < HeadDim; i++)
        {
            double sum = 0;
            for (int t = 0; t < Positions; t++)
            {
                sum += scores[t] * values[(t * Stride) + Offset + i];
            }
            Assert.Equal(sum, output[i], 1e-5);
        }
        Assert.Throws<ArgumentException>(() => Attention.Scores(q, keys.AsSpan(0, 100), Stride, Offset, scores));
    }
}
