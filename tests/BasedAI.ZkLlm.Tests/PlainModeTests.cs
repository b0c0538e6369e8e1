using BasedAI.Squeezing.Evaluation;
using BasedAI.Squeezing.Fusion;
using BasedAI.Squeezing.Planning;
using BasedAI.ZkLlm.Client;
using BasedAI.ZkLlm.Miner;
using BasedAI.ZkLlm.Slots;
using BasedAI.ZkLlm.Transport;

namespace BasedAI.ZkLlm.Tests;

/// <summary>
/// Plain mode runs the plan's exact slot program without encryption: it must reproduce the reference's logits to
/// rounding, which proves every layout, level and scale of the plan before any ciphertext is involved.
/// </summary>
public class PlainModeTests
{
    private static readonly int[] Tokens = [1, 403, 407, 261, 378, 267, 291, 269, 301, 410];

    private static async Task<double[][]> RunPlain(SqueezedModel model, HePlan plan, int[] tokens)
    {
        var backend = new PlainBackend(plan.Ckks.Slots, plan.Ckks.CoeffModulusBits);
        using var miner = new ZkLlmMiner(model, plan, backend);
        await using var client = new ZkLlmClient(model, plan, new PlainBackend(plan.Ckks.Slots, plan.Ckks.CoeffModulusBits), new InProcessTransport(miner));
        await client.OpenAsync();
        var logits = new double[tokens.Length][];
        for (int i = 0; i < tokens.Length; i++)
        {
            logits[i] = await client.StepAsync(tokens[i]);
        }
        return logits;
    }

    private static void AssertClose(double[][] expected, double[][] actual, double tolerance)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            for (int v = 0; v < expected[i].Length; v++)
            {
                Assert.True(Math.Abs(expected[i][v] - actual[i][v]) < tolerance, $"position {i} token {v}: reference {expected[i][v]}, plan {actual[i][v]}");
            }
        }
    }

    [Fact]
    public async Task SqueezedPlan_InPlainMode_EqualsTheQuantizedReference()
    {
        var result = Fixtures.Squeezed;
        double[][] actual = await RunPlain(result.Model, result.Plan, Tokens);
        double[][] expected = new SqueezedReference(result.Model, new ReferenceOptions { Quantization = Fixtures.QuantizationOf(result.Plan) }).Run(Tokens);
        AssertClose(expected, actual, 1e-6);
    }

    [Fact]
    public async Task UnsqueezedPlan_InPlainMode_EqualsTheReference()
    {
        HePlan plan = HePlanCompiler.Compile(Fixtures.Unsqueezed, PlanPrecision.Uncalibrated, squeezed: false);
        double[][] actual = await RunPlain(Fixtures.Unsqueezed, plan, Tokens);
        double[][] expected = new SqueezedReference(Fixtures.Unsqueezed).Run(Tokens);
        AssertClose(expected, actual, 1e-6);
    }
}

/// <summary>Full mode's polynomial program, run exactly in plain mode, equals the reference with the same polynomials.</summary>
public class FullModePlainTests
{
    private static readonly int[] Tokens = [1, 403, 407, 261, 378, 267];

    [Fact]
    public async Task FullPlan_InPlainMode_EqualsTheReferenceWithPolynomialNormsAndActivations()
    {
        var result = Fixtures.Squeezed;
        HePlan plan = FullModeCompiler.Compile(result.Model, result.Polynomials, new PlanPrecision { WorkingScaleBits = 30, HeadroomBits = 12 });
        Assert.Equal(ExecutionMode.Full, plan.Mode);
        Assert.Equal(3 * 5, plan.Stages.Count);
        var backend = new PlainBackend(plan.Ckks.Slots, plan.Ckks.CoeffModulusBits);
        using var miner = new ZkLlmMiner(result.Model, plan, backend);
        await using var client = new ZkLlmClient(result.Model, plan, new PlainBackend(plan.Ckks.Slots, plan.Ckks.CoeffModulusBits), new InProcessTransport(miner));
        await client.OpenAsync();
        var reference = new SqueezedReference(result.Model, new ReferenceOptions { Functions = new FullModeFunctions(result.Polynomials) });
        foreach (int token in Tokens)
        {
            double[] actual = await client.StepAsync(token);
            double[] expected = reference.Step(token);
            for (int v = 0; v < expected.Length; v++)
            {
                Assert.True(Math.Abs(expected[v] - actual[v]) < 1e-6, $"token {token} logit {v}: reference {expected[v]}, full mode {actual[v]}");
            }
        }
    }
}
