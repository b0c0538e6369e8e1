using System.Buffers.Binary;
using System.Numerics;
using System.Text;
using BasedAI.Inference.Formats;
using BasedAI.Inference.Generation;
using BasedAI.Inference.Tokenizers;
using BasedAI.Inference.Model;
using BasedAI.Squeezing.Fusion;
using BasedAI.Squeezing.Planning;
using BasedAI.ZkLlm.Client;
using BasedAI.ZkLlm.Miner;
using BasedAI.ZkLlm.Protocol;
using BasedAI.ZkLlm.Slots;
using BasedAI.ZkLlm.Transport;
using Xunit.Abstractions;

namespace BasedAI.ZkLlm.Tests;

/// <summary>Hybrid mode under real CKKS encryption (N = 8192, 128-bit security), client and miner in one process.</summary>
public class HybridModeTests(ITestOutputHelper output)
{
    private static readonly SamplingOptions Greedy = new() { Temperature = 0 };

    private static async Task<List<int>> GenerateEncrypted(SqueezedModel model, HePlan plan, string prompt, int tokens, Action<TokenStep>? onStep = null)
    {
        LoadedModel stories = Fixtures.Stories;
        using var miner = new ZkLlmMiner(model, plan, new CkksMinerBackend(plan.Ckks));
        await using var client = new ZkLlmClient(model, plan, new CkksClientBackend(plan.Ckks), new InProcessTransport(miner));
        await client.OpenAsync();
        IReadOnlyList<int> promptTokens = ZkLlmGeneration.EncodePrompt(stories.Tokenizer, stories.Model.Config, prompt);
        var generated = new List<int>();
        await foreach (EncryptedToken token in ZkLlmGeneration.GenerateAsync(client, stories.Tokenizer, stories.Model.Config, promptTokens, tokens, Greedy))
        {
            if (!token.IsPrompt && token.Token >= 0)
            {
                generated.Add(token.Token);
                onStep?.Invoke(token.Step);
            }
        }
        return generated;
    }

    [Fact]
    public async Task Stories260K_Unsqueezed_Hybrid_GeneratesExactlyThePlaintextEnginesGreedyTokens_For32Tokens()
    {
        const string prompt = "Once upon a time";
        const int count = 32;
        using var engine = new Generator(Fixtures.Stories.Model, Fixtures.Stories.Tokenizer);
        int[] expected = engine.Generate(prompt, new GenerationOptions { MaxNewTokens = count, Sampling = Greedy })
            .Where(t => !t.IsPrompt && t.Id >= 0).Select(t => t.Id).ToArray();
        Assert.Equal(count, expected.Length);

        HePlan plan = CkksFixtures.UnsqueezedPlan;
        Assert.Equal(8192, plan.Ckks.PolyModulusDegree);
        Assert.Equal(128, plan.Ckks.SecurityBits);
        Assert.Equal(Fixtures.Stories.Model.Config.HeadCount, plan.Model.KeptHeads[0].Length);
        List<int> actual = await GenerateEncrypted(Fixtures.Unsqueezed, plan, prompt, count);
        output.WriteLine(Fixtures.Stories.Tokenizer.Decode(actual));
        Assert.Equal(expected, actual);
    }

    [Fact]
    public async Task Stories260K_Squeezed_Hybrid_AgreesWithThePlaintextModel_OnHeldOutText()
    {
        SqueezeResultView squeezed = new(Fixtures.Squeezed.Model, Fixtures.Squeezed.Plan);
        Assert.True(squeezed.Plan.Cost.Counts.Rotations < CkksFixtures.UnsqueezedPlan.Cost.Counts.Rotations);
        using var miner = new ZkLlmMiner(squeezed.Model, squeezed.Plan, new CkksMinerBackend(squeezed.Plan.Ckks));
        TransformerModel reference = Fixtures.Stories.Model;
        int agree = 0, total = 0;
        foreach (int[] sequence in Fixtures.HeldOut.Sequences.Take(2))
        {
            int[] tokens = sequence.Take(33).ToArray();
            await using var client = new ZkLlmClient(squeezed.Model, squeezed.Plan, new CkksClientBackend(squeezed.Plan.Ckks), new InProcessTransport(miner));
            await client.OpenAsync();
            using InferenceSession session = reference.CreateSession();
            var expected = new float[tokens.Length * reference.Config.VocabSize];
            session.Forward(tokens, expected);
            for (int i = 0; i + 1 < tokens.Length; i++)
            {
                double[] logits = await client.StepAsync(tokens[i]);
                int mine = Array.IndexOf(logits, logits.Max());
                int theirs = Sampler.ArgMax(expected.AsSpan(i * reference.Config.VocabSize, reference.Config.VocabSize));
                agree += mine == theirs ? 1 : 0;
                total++;
            }
        }
        double agreement = (double)agree / total;
        output.WriteLine($"top-1 agreement {agree}/{total} = {agreement:0.0000}");
        Assert.True(agreement >= 0.99, $"top-1 agreement {agree}/{total}");
    }

    private readonly record struct SqueezeResultView(SqueezedModel Model, HePlan Plan);
}

/// <summary>
/// What a miner receives and stores during an encrypted generation holds nothing of the prompt: not its token ids (in
/// any integer or float encoding), not its embeddings (as float or double bytes, nor by decrypting without the key),
/// and no secret-key bytes.
/// </summary>
public class LeakTests
{
    [Fact]
    public async Task EverythingTheMinerReceivesOrStores_HoldsNoTokenIdsEmbeddingsOrSecretKey()
    {
        const string prompt = "Lily and Max played with the red ball";
        HePlan plan = Fixtures.Squeezed.Plan;
        SqueezedModel model = Fixtures.Squeezed.Model;
        var stories = Fixtures.Stories;
        using var miner = new ZkLlmMiner(model, plan, new CkksMinerBackend(plan.Ckks));
        var tap = new CapturingTransport(new InProcessTransport(miner));
        var backend = new CkksClientBackend(plan.Ckks);
        byte[] secretKey = backend.ExportSecretKeyForAudit();
        IReadOnlyList<int> promptTokens = ZkLlmGeneration.EncodePrompt(stories.Tokenizer, stories.Model.Config, prompt);
        Assert.True(promptTokens.Count >= 6);
        var stored = new List<byte[]>();
        var decryptedByOwner = new List<Complex[]>();
        var decryptedByStranger = new List<Complex[]>();
        await using (var client = new ZkLlmClient(model, plan, backend, tap))
        {
            await client.OpenAsync();
            await foreach (EncryptedToken _ in ZkLlmGeneration.GenerateAsync(client, stories.Tokenizer, stories.Model.Config, promptTokens, 3, new() { Temperature = 0 }))
            {
            }
            stored.AddRange(miner.StoredState().Select(m => m.ToArray()));
            Assert.NotEmpty(stored);

            // Decrypting what the miner received: the owner's key gives the values, another key gives noise unrelated to them.
            using var stranger = new CkksClientBackend(plan.Ckks);
            foreach (StageMessage stage in tap.Requests.Select(r => MessageCodec.Decode(r)).OfType<StageMessage>().Where(s => s.Stage == 0))
            {
                decryptedByOwner.Add(backend.Decrypt(stage.Inputs[0][0], "owner"));
                decryptedByStranger.Add(stranger.Decrypt(stage.Inputs[0][0], "stranger"));
            }
        }
        List<byte[]> seen = [.. tap.Requests, .. stored];
        Assert.Equal(promptTokens.Count + 2, decryptedByOwner.Count);

        // Token ids, as a run of the prompt's ids in every common encoding, and the prompt's text.
        int[] run = promptTokens.Skip(1).Take(5).ToArray();
        foreach (byte[] pattern in IntegerEncodings(run).Append(Encoding.UTF8.GetBytes(prompt)).Append(Encoding.UTF8.GetBytes("Lily and Max")))
        {
            AssertAbsent(seen, pattern, "the prompt's token ids or text");
        }

        // Embeddings: every prompt token's embedding row as float and double bytes (first 4 values, then 4 from the middle).
        int d = stories.Model.Config.HiddenSize;
        foreach (int token in promptTokens)
        {
            float[] row = stories.Model.TokenEmbedding.Row(token).ToArray();
            foreach (int start in new[] { 0, d / 2 })
            {
                float[] part = row.AsSpan(start, 4).ToArray();
                AssertAbsent(seen, Floats(part), $"embedding of token {token} as float32");
                AssertAbsent(seen, Doubles(part.Select(v => (double)v).ToArray()), $"embedding of token {token} as float64");
            }
        }
        for (int i = 0; i < decryptedByOwner.Count; i++)
        {
            double[] owner = decryptedByOwner[i].Select(c => c.Real).ToArray(), stranger = decryptedByStranger[i].Select(c => c.Real).ToArray();
            int[] used = Enumerable.Range(0, owner.Length).Where(s => Math.Abs(owner[s]) > 1e-3).ToArray();
            Assert.True(used.Length >= d, $"position {i}: the owner decrypts the input vector");
            double correlation = Correlation(used.Select(s => owner[s]).ToArray(), used.Select(s => stranger[s]).ToArray());
            Assert.True(Math.Abs(correlation) < 0.3, $"position {i}: decrypting without the key correlates {correlation:0.000} with the input");
            Assert.True(used.Max(s => Math.Abs(stranger[s])) > 1e3 * used.Max(s => Math.Abs(owner[s])), $"position {i}: decrypting without the key gives values near the input's");
        }

        // Secret key: 32-byte windows across its serialized coefficients appear nowhere (and the search does find them in the key).
        for (int offset = 64; offset + 32 <= secretKey.Length; offset += (secretKey.Length - 96) / 24)
        {
            byte[] window = secretKey.AsSpan(offset, 32).ToArray();
            Assert.True(secretKey.AsSpan().IndexOf(window) >= 0);
            AssertAbsent(seen, window, $"secret-key bytes at offset {offset}");
        }
    }

    private static void AssertAbsent(List<byte[]> seen, byte[] pattern, string what)
    {
        for (int i = 0; i < seen.Count; i++)
        {
            Assert.True(seen[i].AsSpan().IndexOf(pattern) < 0, $"{what} found in captured message/state {i}");
        }
    }

    private static IEnumerable<byte[]> IntegerEncodings(int[] values)
    {
        foreach (int width in new[] { 2, 4, 8 })
        {
            foreach (bool little in new[] { true, false })
            {
                var bytes = new byte[values.Length * width];
                for (int i = 0; i < values.Length; i++)
                {
                    Span<byte> slot = bytes.AsSpan(i * width, width);
                    switch (width, little)
                    {
                        case (2, true): BinaryPrimitives.WriteInt16LittleEndian(slot, (short)values[i]); break;
                        case (2, false): BinaryPrimitives.WriteInt16BigEndian(slot, (short)values[i]); break;
                        case (4, true): BinaryPrimitives.WriteInt32LittleEndian(slot, values[i]); break;
                        case (4, false): BinaryPrimitives.WriteInt32BigEndian(slot, values[i]); break;
                        case (8, true): BinaryPrimitives.WriteInt64LittleEndian(slot, values[i]); break;
                        default: BinaryPrimitives.WriteInt64BigEndian(slot, values[i]); break;
                    }
                }
                yield return bytes;
            }
        }
        yield return Floats(values.Select(v => (float)v).ToArray());
        yield return Doubles(values.Select(v => (double)v).ToArray());
    }

    private static byte[] Floats(float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        }
        return bytes;
    }

    private static byte[] Doubles(double[] values)
    {
        var bytes = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(i * 8), values[i]);
        }
        return bytes;
    }

    private static double Correlation(double[] a, double[] b)
    {
        double ma = a.Average(), mb = b.Average(), ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            ab += (a[i] - ma) * (b[i] - mb);
            aa += (a[i] - ma) * (a[i] - ma);
            bb += (b[i] - mb) * (b[i] - mb);
        }
        return ab / Math.Sqrt(aa * bb);
    }
}
