using System.Numerics;
using BasedAI.Squeezing.Planning;
using BasedAI.ZkLlm.Client;
using BasedAI.ZkLlm.Miner;
using BasedAI.ZkLlm.Protocol;
using BasedAI.ZkLlm.Slots;
using BasedAI.ZkLlm.Transport;

namespace BasedAI.ZkLlm.Tests;

/// <summary>
/// The CKKS backend computes what the plain backend computes: one program of every operation the executor uses, run on
/// both, decrypts to the same values within 1e-3 (values up to ~10 in magnitude; 2^30 scale, N = 8192: measured 1.5e-4).
/// </summary>
public class CkksBackendTests
{
    private static readonly CkksSettings Settings = new() { PolyModulusDegree = 8192, CoeffModulusBits = [40, 30, 30, 40], SecurityBits = 128 };
    private static readonly int[] Steps = [1, 2, 5, -3];

    [Fact]
    public void EveryOperation_AgreesWithThePlainBackend_Within1e3()
    {
        var random = new Random(7);
        Complex[] Random(int n) => Enumerable.Range(0, n).Select(_ => new Complex((random.NextDouble() * 2) - 1, (random.NextDouble() * 2) - 1)).ToArray();
        Complex[] x = Random(4096), y = Random(4096), weights = Random(4096);
        double scale = Math.Pow(2, 30);

        var plain = new PlainBackend(Settings.Slots, Settings.CoeffModulusBits);
        var miner = new CkksMinerBackend(Settings);
        using var client = new CkksClientBackend(Settings);
        (byte[] relin, byte[] galois) = client.CreateEvaluationKeys(Steps);
        using IMinerEvaluator ckks = miner.CreateEvaluator(relin, galois, Steps);
        using IMinerEvaluator clear = plain.CreateEvaluator(default, default, Steps);

        Complex[] expected = plain.Decrypt(clear.Serialize(Run(plain, clear, clear.Deserialize(plain.Encrypt(x, 2, scale), "x"), clear.Deserialize(plain.Encrypt(y, 2, scale), "y"), weights)), "result");
        SlotValue result = Run(miner, ckks, ckks.Deserialize(client.Encrypt(x, 2, scale), "x"), ckks.Deserialize(client.Encrypt(y, 2, scale), "y"), weights);
        Assert.Equal(0, result.Level);
        Complex[] actual = client.Decrypt(ckks.Serialize(result), "result");
        double worst = expected.Zip(actual).Max(p => Complex.Abs(p.First - p.Second));
        Assert.True(worst < 1e-3, $"largest difference {worst}");
        Assert.True(expected.Max(Complex.Abs) > 0.5, "the program computes something");
    }

    private static SlotValue Run(IMinerBackend backend, IMinerEvaluator ev, SlotValue x, SlotValue y, Complex[] weights)
    {
        SlotPlaintext w = backend.Encode(weights, 2, backend.Prime(2));
        SlotValue product = ev.Rescale(ev.MultiplyPlain(x, w));
        IReadOnlyList<SlotValue> rotated = ev.RotateMany(product, [1, 2, 5]);
        SlotValue sum = ev.Add(ev.Add(rotated[0], rotated[1]), ev.Add(rotated[2], ev.Rotate(product, -3)));
        SlotValue square = ev.Rescale(ev.Relinearize(ev.Multiply(sum, ev.ModSwitch(y, 1))));
        SlotValue affine = ev.AddConstant(ev.Rescale(ev.MultiplyConstant(ev.ModSwitch(x, 1), 0.75, backend.Prime(1))), -0.25);
        return ev.Add(ev.AddPlain(square, backend.Encode(weights, 0, square.Scale)), ev.MultiplyConstant(affine, 1, square.Scale / affine.Scale));
    }
}

/// <summary>Bad input reaches neither role unnoticed: each gets a specific error, and a miner session carries on.</summary>
public class CkksBadInputTests
{
    private static HePlan Plan => Fixtures.Squeezed.Plan;

    private static readonly Lazy<(CkksClientBackend Client, byte[] Relin, byte[] Galois)> Keys = new(() =>
    {
        var client = new CkksClientBackend(Plan.Ckks);
        (byte[] relin, byte[] galois) = client.CreateEvaluationKeys(Plan.RotationSteps);
        return (client, relin, galois);
    });

    private static readonly Lazy<ZkLlmMiner> SharedMiner = new(() => new ZkLlmMiner(Fixtures.Squeezed.Model, Plan, new CkksMinerBackend(Plan.Ckks)));

    private static async Task<Message> Send(ZkLlmMiner miner, Message message) =>
        MessageCodec.Decode((await miner.HandleAsync(MessageCodec.Encode(message))).Span);

    private static async Task<Guid> Open(ZkLlmMiner miner, byte[] relin, byte[] galois)
    {
        var opened = Assert.IsType<OpenedMessage>(await Send(miner, new OpenMessage(ZkLlmMiner.PlanDigest(Plan), Keys.Value.Client.Parameters)));
        Assert.IsType<AckMessage>(await Send(miner, new KeysMessage(opened.Session, KeyKind.Relinearization, 0, 1, relin)));
        Message reply = await Send(miner, new KeysMessage(opened.Session, KeyKind.Galois, 0, 1, galois));
        return reply is ErrorMessage error ? throw new ZkLlmException(error.Code, error.Text) : opened.Session;
    }

    private static void AssertError(Message reply, ErrorCode code, string text)
    {
        var error = Assert.IsType<ErrorMessage>(reply);
        Assert.Equal(code, error.Code);
        Assert.Contains(text, error.Text, StringComparison.Ordinal);
    }

    private static byte[] Input(CkksClientBackend client, int level, double scaleBits) =>
        client.Encrypt(new Complex[] { 0.5, -0.25 }, level, Math.Pow(2, scaleBits));

    [Fact]
    public async Task Miner_RefusesCiphertextsAtTheWrongLevelOrParametersOrCorrupted_AndCarriesOn()
    {
        ZkLlmMiner miner = SharedMiner.Value;
        var (client, relin, galois) = Keys.Value;
        Guid session = await Open(miner, relin, galois);
        StageInput input = Plan.Stages[0].Inputs[0];
        int count = SlotGeometry.Chunks(input.Width, Plan.BlockWidth) * SlotGeometry.EFormCiphertextsPerChunk(Plan.BlockWidth, Plan.Ckks.Slots);
        byte[][] Inputs(Func<byte[]> one) => Enumerable.Range(0, count).Select(_ => one()).ToArray();

        AssertError(await Send(miner, new StageMessage(session, 0, 0, [Inputs(() => Input(client, input.Level - 1, input.ScaleBits))])), ErrorCode.BadCiphertext, $"ciphertext at level {input.Level - 1}, the plan expects level {input.Level}");

        var foreignSettings = new CkksSettings { PolyModulusDegree = 8192, CoeffModulusBits = [40, 30, 30, 40], SecurityBits = 128 };
        using var foreign = new CkksClientBackend(foreignSettings);
        AssertError(await Send(miner, new StageMessage(session, 0, 0, [Inputs(() => foreign.Encrypt(new Complex[] { 1 }, 1, Math.Pow(2, 30)))])), ErrorCode.BadCiphertext, $"stage '{Plan.Stages[0].Name}' input 0 ciphertext 0");

        byte[] corrupted = Input(client, input.Level, input.ScaleBits);
        corrupted[0] ^= 0xFF;
        AssertError(await Send(miner, new StageMessage(session, 0, 0, [Inputs(() => corrupted)])), ErrorCode.BadCiphertext, "input 0 ciphertext 0");
        byte[] truncated = Input(client, input.Level, input.ScaleBits)[..100];
        AssertError(await Send(miner, new StageMessage(session, 0, 0, [Inputs(() => truncated)])), ErrorCode.BadCiphertext, "input 0 ciphertext 0");

        Assert.IsType<StageResultMessage>(await Send(miner, new StageMessage(session, 0, 0, [Inputs(() => Input(client, input.Level, input.ScaleBits))])));
        Assert.IsType<AckMessage>(await Send(miner, new CloseMessage(session)));
    }

    [Fact]
    public async Task Miner_RefusesGaloisKeysLackingAPlanStep_AndKeysForOtherParameters()
    {
        ZkLlmMiner miner = SharedMiner.Value;
        var (client, relin, _) = Keys.Value;
        int dropped = Plan.RotationSteps[^1];
        (_, byte[] partial) = client.CreateEvaluationKeys(Plan.RotationSteps.Where(s => s != dropped).ToArray());
        var e = await Assert.ThrowsAsync<ZkLlmException>(() => Open(miner, relin, partial));
        Assert.Equal(ErrorCode.BadCiphertext, e.Code);
        Assert.Contains($"lack the plan's rotation steps [{dropped}]", e.Message, StringComparison.Ordinal);

        using var foreign = new CkksClientBackend(new CkksSettings { PolyModulusDegree = 8192, CoeffModulusBits = [40, 30, 30, 40], SecurityBits = 128 });
        (byte[] foreignRelin, byte[] foreignGalois) = foreign.CreateEvaluationKeys([1]);
        e = await Assert.ThrowsAsync<ZkLlmException>(() => Open(miner, foreignRelin, foreignGalois));
        Assert.Contains("evaluation keys refused", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Client_RefusesAResultUnderOtherParameters_OrCorrupted()
    {
        var (client, _, _) = Keys.Value;
        using var foreign = new CkksClientBackend(new CkksSettings { PolyModulusDegree = 8192, CoeffModulusBits = [40, 30, 30, 40], SecurityBits = 128 });
        var e = Assert.Throws<InvalidDataException>(() => client.Decrypt(foreign.Encrypt(new Complex[] { 1 }, 0, Math.Pow(2, 30)), "stage 'L0.mlp-output' output MlpOutput"));
        Assert.Contains("stage 'L0.mlp-output' output MlpOutput", e.Message, StringComparison.Ordinal);
        byte[] corrupted = client.Encrypt(new Complex[] { 1 }, 0, Math.Pow(2, 30));
        corrupted[5] ^= 0x55;
        Assert.Throws<InvalidDataException>(() => client.Decrypt(corrupted, "result"));
    }

    [Fact]
    public void CorruptedPlan_IsRefusedByParsing_AndAPlanForOtherParametersByTheClient()
    {
        string json = Plan.ToJson();
        string corrupted = System.Text.RegularExpressions.Regex.Replace(json, "\"rotationSteps\":\\s*\\[\\s*1", "\"rotationSteps\": [ 3");
        Assert.NotEqual(json, corrupted);
        var e = Assert.Throws<InvalidDataException>(() => HePlan.Parse(corrupted, "plan.json"));
        Assert.Contains("plan.json: rotation steps", e.Message, StringComparison.Ordinal);
        HePlan other = HePlanCompiler.Compile(Fixtures.Squeezed.Model, new PlanPrecision { WorkingScaleBits = 28, HeadroomBits = 13 }, new PlanOptions { PolyModulusDegree = 16384 });
        var a = Assert.Throws<ArgumentException>(() => new ZkLlmClient(Fixtures.Squeezed.Model, other, new CkksClientBackend(Plan.Ckks), new InProcessTransport(SharedMiner.Value)));
        Assert.Contains("slots", a.Message, StringComparison.Ordinal);
    }
}
