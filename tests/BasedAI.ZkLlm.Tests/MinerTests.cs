using BasedAI.Squeezing.Planning;
using BasedAI.ZkLlm.Client;
using BasedAI.ZkLlm.Miner;
using BasedAI.ZkLlm.Protocol;
using BasedAI.ZkLlm.Slots;
using BasedAI.ZkLlm.Transport;

namespace BasedAI.ZkLlm.Tests;

/// <summary>The miner refuses bad input with a reason and keeps serving (plain backend: no keys needed).</summary>
public class MinerTests
{
    private static HePlan Plan => Fixtures.Squeezed.Plan;

    private static ZkLlmMiner NewMiner() =>
        new(Fixtures.Squeezed.Model, Plan, new PlainBackend(Plan.Ckks.Slots, Plan.Ckks.CoeffModulusBits));

    private static async Task<Message> Send(ZkLlmMiner miner, Message message) =>
        MessageCodec.Decode((await miner.HandleAsync(MessageCodec.Encode(message))).Span);

    private static async Task<Guid> OpenWithKeys(ZkLlmMiner miner)
    {
        var opened = (OpenedMessage)await Send(miner, new OpenMessage(ZkLlmMiner.PlanDigest(Plan), new PlainBackend(Plan.Ckks.Slots, Plan.Ckks.CoeffModulusBits).Parameters));
        Assert.IsType<AckMessage>(await Send(miner, new KeysMessage(opened.Session, KeyKind.Relinearization, 0, 1, [])));
        Assert.IsType<AckMessage>(await Send(miner, new KeysMessage(opened.Session, KeyKind.Galois, 0, 1, [])));
        return opened.Session;
    }

    private static byte[][] Inputs(int count, int level, double scaleBits) =>
        Enumerable.Range(0, count).Select(_ => new PlainBackend(Plan.Ckks.Slots, Plan.Ckks.CoeffModulusBits).Encrypt(new System.Numerics.Complex[4], level, Math.Pow(2, scaleBits))).ToArray();

    private static void AssertError(Message reply, ErrorCode code, string text)
    {
        var error = Assert.IsType<ErrorMessage>(reply);
        Assert.Equal(code, error.Code);
        Assert.Contains(text, error.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GarbageBytes_AreRefusedAsMalformed()
    {
        using ZkLlmMiner miner = NewMiner();
        AssertError(MessageCodec.Decode((await miner.HandleAsync(new byte[] { 1, 2, 3 })).Span), ErrorCode.Malformed, "magic");
    }

    [Fact]
    public async Task ForeignPlanOrParameters_AreRefused()
    {
        using ZkLlmMiner miner = NewMiner();
        AssertError(await Send(miner, new OpenMessage(new byte[32], [])), ErrorCode.Mismatch, "plan differs");
        AssertError(await Send(miner, new OpenMessage(ZkLlmMiner.PlanDigest(Plan), [1, 2])), ErrorCode.Mismatch, "encryption parameters differ");
    }

    [Fact]
    public async Task StagesOutOfOrder_OrBeforeKeys_AreRefused_AndTheSessionCarriesOn()
    {
        using ZkLlmMiner miner = NewMiner();
        var opened = (OpenedMessage)await Send(miner, new OpenMessage(ZkLlmMiner.PlanDigest(Plan), new PlainBackend(Plan.Ckks.Slots, Plan.Ckks.CoeffModulusBits).Parameters));
        StageInput input = Plan.Stages[0].Inputs[0];
        AssertError(await Send(miner, new StageMessage(opened.Session, 0, 0, [Inputs(1, input.Level, input.ScaleBits)])), ErrorCode.OutOfOrder, "keys are not complete");
        Guid session = await OpenWithKeys(miner);
        AssertError(await Send(miner, new StageMessage(session, 1, 0, [])), ErrorCode.OutOfOrder, "expected stage 0 of position 0");
        AssertError(await Send(miner, new StageMessage(session, 0, 5, [])), ErrorCode.OutOfOrder, "expected stage 0 of position 0");
        AssertError(await Send(miner, new StageMessage(session, 99, 0, [])), ErrorCode.OutOfOrder, "does not exist");
        AssertError(await Send(miner, new StageMessage(Guid.NewGuid(), 0, 0, [])), ErrorCode.UnknownSession, "no session");
        Assert.IsType<StageResultMessage>(await Send(miner, new StageMessage(session, 0, 0, [Inputs(1, input.Level, input.ScaleBits)])));
    }

    [Fact]
    public async Task CiphertextsAtTheWrongLevelScaleOrCount_AreRefused()
    {
        using ZkLlmMiner miner = NewMiner();
        Guid session = await OpenWithKeys(miner);
        StageInput input = Plan.Stages[0].Inputs[0];
        AssertError(await Send(miner, new StageMessage(session, 0, 0, [Inputs(1, input.Level - 1, input.ScaleBits)])), ErrorCode.BadCiphertext, $"the plan expects level {input.Level}");
        AssertError(await Send(miner, new StageMessage(session, 0, 0, [Inputs(1, input.Level, input.ScaleBits + 1)])), ErrorCode.BadCiphertext, "the plan expects 2^");
        AssertError(await Send(miner, new StageMessage(session, 0, 0, [Inputs(2, input.Level, input.ScaleBits)])), ErrorCode.BadCiphertext, "needs 1 ciphertexts, got 2");
        AssertError(await Send(miner, new StageMessage(session, 0, 0, [[new byte[] { 1, 2, 3 }]])), ErrorCode.BadCiphertext, "not a plain-mode slot vector");
        AssertError(await Send(miner, new StageMessage(session, 0, 0, [])), ErrorCode.BadCiphertext, "takes 1 inputs, got 0");
        Assert.IsType<StageResultMessage>(await Send(miner, new StageMessage(session, 0, 0, [Inputs(1, input.Level, input.ScaleBits)])));
    }

    [Fact]
    public async Task Client_ReportsAMinersRefusal_WithItsCode()
    {
        using ZkLlmMiner miner = NewMiner();
        var otherPlan = Plan with { WorkingScaleBits = Plan.WorkingScaleBits + 1 };
        await using var client = new ZkLlmClient(Fixtures.Squeezed.Model, otherPlan, new PlainBackend(Plan.Ckks.Slots, Plan.Ckks.CoeffModulusBits), new InProcessTransport(miner));
        var e = await Assert.ThrowsAsync<ZkLlmException>(() => client.OpenAsync());
        Assert.Equal(ErrorCode.Mismatch, e.Code);
    }

    [Fact]
    public async Task Client_RefusesAMalformedResponse()
    {
        await using var client = new ZkLlmClient(Fixtures.Squeezed.Model, Plan, new PlainBackend(Plan.Ckks.Slots, Plan.Ckks.CoeffModulusBits), new Garbage());
        var e = await Assert.ThrowsAsync<ZkLlmException>(() => client.OpenAsync());
        Assert.Contains("malformed", e.Message, StringComparison.Ordinal);
    }

    private sealed class Garbage : IZkLlmTransport
    {
        public Task<ReadOnlyMemory<byte>> ExchangeAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken = default) =>
            Task.FromResult<ReadOnlyMemory<byte>>(new byte[] { 0x42, 0x5A, 0x4B, 0x31, 0xEE });
    }
}
