using BasedAI.ZkLlm.Protocol;

namespace BasedAI.ZkLlm.Tests;

/// <summary>The binary protocol: round trips, and damaged bytes refused with a reason, never a crash.</summary>
public class ProtocolTests
{
    public static TheoryData<int> Samples => [0, 1, 2, 3, 4, 5, 6, 7];

    private static Message Sample(int index) => index switch
    {
        0 => new OpenMessage(new byte[32], [1, 2, 3]),
        1 => new KeysMessage(Guid.NewGuid(), KeyKind.Galois, 2, 5, [9, 8, 7, 6]),
        2 => new StageMessage(Guid.NewGuid(), 3, 17, [[[1, 2], [3]], [[4, 5, 6]]]),
        3 => new CloseMessage(Guid.NewGuid()),
        4 => new OpenedMessage(Guid.NewGuid()),
        5 => new AckMessage(),
        6 => new StageResultMessage([[[1], [2, 3], []]]),
        _ => new ErrorMessage(ErrorCode.BadCiphertext, "level 3, expected 2 — ünïcode"),
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void EveryMessage_RoundTrips(int index)
    {
        Message message = Sample(index);
        byte[] bytes = MessageCodec.Encode(message);
        Message decoded = MessageCodec.Decode(bytes);
        Assert.Equal(message.Type, decoded.Type);
        Assert.Equal(bytes, MessageCodec.Encode(decoded));
    }

    [Fact]
    public void Truncations_AreRefusedByName()
    {
        byte[] bytes = MessageCodec.Encode(Sample(2));
        for (int length = 0; length < bytes.Length; length++)
        {
            var e = Assert.Throws<InvalidDataException>(() => MessageCodec.Decode(bytes.AsSpan(0, length)));
            Assert.False(string.IsNullOrWhiteSpace(e.Message));
        }
        var trailing = Assert.Throws<InvalidDataException>(() => MessageCodec.Decode([.. bytes, 0]));
        Assert.Contains("unexpected bytes", trailing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fuzz_RandomMutationsNeverThrowAnythingButInvalidData()
    {
        var random = new Random(20260522);
        for (int iteration = 0; iteration < 4000; iteration++)
        {
            byte[] bytes = MessageCodec.Encode(Sample(iteration % 8));
            int mutations = 1 + random.Next(4);
            for (int m = 0; m < mutations; m++)
            {
                bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
            }
            if (random.Next(4) == 0)
            {
                bytes = bytes[..random.Next(bytes.Length)];
            }
            try
            {
                MessageCodec.Decode(bytes);
            }
            catch (InvalidDataException)
            {
            }
        }
    }

    [Fact]
    public void OversizedCounts_AreRefusedBeforeAllocating()
    {
        byte[] bytes = MessageCodec.Encode(new StageResultMessage([[[1]]]));
        bytes[5] = 0xFF;
        bytes[6] = 0xFF;
        var e = Assert.Throws<InvalidDataException>(() => MessageCodec.Decode(bytes));
        Assert.Contains("list count", e.Message, StringComparison.Ordinal);
    }
}
