using BasedAI.Inference.Model;
using BasedAI.Squeezing.Evaluation;
using BasedAI.Squeezing.Planning;
using BasedAI.ZkLlm.Client;
using BasedAI.ZkLlm.Miner;
using BasedAI.ZkLlm.Slots;
using BasedAI.ZkLlm.Transport;
using Xunit.Abstractions;

namespace BasedAI.ZkLlm.Tests;

/// <summary>
/// Full mode under CKKS, in its reduced configuration. At 128-bit security the deepest stage's chain (19 data levels of
/// 2^30) needs N = 32768, and its 38 Galois keys then serialize to ~3.9 GB (8 × the 486 MB measured at N = 4096; the
/// serializer refuses past 2 GB), so the end-to-end run uses N = 4096 with the same chain: NOT secure, the same program
/// and the same noise behaviour per slot.
/// </summary>
public class FullModeCkksTests(ITestOutputHelper output)
{
    [Fact]
    public void SecureFullPlan_NeedsN32768()
    {
        var result = Fixtures.Squeezed;
        HePlan secure = FullModeCompiler.Compile(result.Model, result.Polynomials, FullModeCompiler.Precision(result.Plan));
        Assert.Equal(32768, secure.Ckks.PolyModulusDegree);
        Assert.Equal(128, secure.Ckks.SecurityBits);
        Assert.True(secure.Ckks.DataLevels >= 16, $"{secure.Ckks.DataLevels} levels");
    }

    [Fact]
    public async Task FullMode_OnCkks_MatchesItsPolynomialReference_AndAgreesWithThePlaintextModel()
    {
        var result = Fixtures.Squeezed;
        HePlan plan = FullModeCompiler.Compile(result.Model, result.Polynomials, FullModeCompiler.Precision(result.Plan), new PlanOptions { PolyModulusDegree = 4096, AllowInsecure = true });
        Assert.Equal(ExecutionMode.Full, plan.Mode);
        Assert.Equal(0, plan.Ckks.SecurityBits);
        using var miner = new ZkLlmMiner(result.Model, plan, new CkksMinerBackend(plan.Ckks));
        await using var client = new ZkLlmClient(result.Model, plan, new CkksClientBackend(plan.Ckks), new InProcessTransport(miner));
        await client.OpenAsync();

        int[] tokens = Fixtures.HeldOut.Sequences[0].Take(4).ToArray();
        var reference = new SqueezedReference(result.Model, new ReferenceOptions { Functions = new FullModeFunctions(result.Polynomials) });
        TransformerModel original = Fixtures.Stories.Model;
        using InferenceSession session = original.CreateSession();
        var expected = new float[tokens.Length * original.Config.VocabSize];
        session.Forward(tokens, expected);
        int agree = 0;
        for (int i = 0; i < tokens.Length; i++)
        {
            double[] encrypted = await client.StepAsync(tokens[i]);
            double[] polynomial = reference.Step(tokens[i]);
            double worst = encrypted.Zip(polynomial).Max(p => Math.Abs(p.First - p.Second));
            Assert.True(worst < 5e-3, $"position {i}: encrypted logits differ from the polynomial reference by {worst}");
            agree += ClientMath.ArgMax(encrypted) == ClientMath.ArgMax(expected.AsSpan(i * original.Config.VocabSize, original.Config.VocabSize).ToArray().Select(v => (double)v).ToArray()) ? 1 : 0;
            output.WriteLine($"position {i}: {client.LastStep.Total.TotalSeconds:0.00} s, largest logit difference {worst:0.0e0}");
        }
        output.WriteLine($"top-1 agreement with the plaintext model {agree}/{tokens.Length}; keys {client.KeyBytes / 1e6:0} MB");
        Assert.True(agree >= tokens.Length - 1, $"top-1 agreement {agree}/{tokens.Length}");
    }
}
