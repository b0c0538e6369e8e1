using BasedAI.Crypto;
using BasedAI.Protocols.Brainport;

namespace BasedAI.Protocols.Tests;

public class BrainportMessageTests
{
    private static readonly byte[] Caller = Secp256k1.CreatePrivateKey();
    private static readonly byte[] Miner = Secp256k1.CreatePrivateKey();
    private static readonly EthereumAddress MinerAddress = EthereumAddress.FromPrivateKey(Miner);

    private static BrainportRequest Request(byte[]? body = null) =>
        BrainportRequest.Sign(Caller, MinerAddress, 7, "zkllm.infer", body ?? [1, 2, 3], TimeSpan.FromSeconds(12), 1_700_000_000_000_000, Guid.NewGuid());

    [Fact]
    public void A_request_round_trips_and_its_signature_recovers_the_sender()
    {
        BrainportRequest request = Request();
        BrainportRequest decoded = BrainportRequest.Decode(request.Encode(), 1024);
        Assert.Equal(request.Nonce, decoded.Nonce);
        Assert.Equal(EthereumAddress.FromPrivateKey(Caller), decoded.Sender);
        Assert.Equal(MinerAddress, decoded.Receiver);
        Assert.Equal(request.Uuid, decoded.Uuid);
        Assert.Equal((ushort)7, decoded.Brain);
        Assert.Equal(12_000u, decoded.TimeoutMilliseconds);
        Assert.Equal("zkllm.infer", decoded.Task);
        Assert.Equal([1, 2, 3], decoded.Body.ToArray());
        Assert.True(decoded.HasValidSignature());
        Assert.StartsWith("1700000000000000.0x", decoded.SigningText, StringComparison.Ordinal);
        Assert.EndsWith(decoded.BodyHash.ToString(), decoded.SigningText, StringComparison.Ordinal);
    }

    [Fact]
    public void Changing_any_signed_field_breaks_the_signature()
    {
        byte[] encoded = Request().Encode();
        // version(1) nonce(8) sender(20) receiver(20) uuid(16) brain(2) timeout(4) task(4+11) body(4+3) signature(65)
        int[] offsets = [1, 9, 29, 49, 65, 67, 75, 90, 92];
        foreach (int offset in offsets)
        {
            byte[] tampered = encoded.ToArray();
            tampered[offset] ^= 0x01;
            BrainportRequest decoded = BrainportRequest.Decode(tampered, 1024);
            Assert.False(decoded.HasValidSignature(), $"flipping byte {offset} kept the signature valid");
        }
    }

    [Fact]
    public void A_high_s_twin_of_a_valid_signature_is_refused()
    {
        BrainportRequest request = Request();
        byte[] encoded = request.Encode();
        Span<byte> signature = encoded.AsSpan(encoded.Length - 65);
        // s' = n - s recovers the same key with the other recovery id: the malleated twin.
        var n = new Org.BouncyCastle.Math.BigInteger("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16);
        var s = new Org.BouncyCastle.Math.BigInteger(1, signature.Slice(32, 32).ToArray());
        byte[] high = n.Subtract(s).ToByteArrayUnsigned();
        high.CopyTo(signature.Slice(32 + 32 - high.Length, high.Length));
        signature[64] ^= 1;
        Assert.False(BrainportRequest.Decode(encoded, 1024).HasValidSignature());
    }

    [Fact]
    public void A_response_is_countersigned_for_exactly_one_request()
    {
        BrainportRequest request = Request();
        BrainportResponse response = BrainportResponse.Sign(Miner, request.Nonce, request.Sender, request.Uuid, BrainportStatus.Ok, new byte[] { 9, 9 }, 42);
        BrainportResponse decoded = BrainportResponse.Decode(response.Encode(), 1024);
        Assert.True(decoded.HasValidSignature());
        Assert.Equal(MinerAddress, decoded.Responder);
        Assert.Equal(request.Sender, decoded.Requester);
        Assert.Equal(request.Nonce, decoded.Nonce);
        Assert.Equal(42u, decoded.ProcessingMilliseconds);
        byte[] tampered = response.Encode();
        tampered[1] = (byte)BrainportStatus.Overloaded; // the status is signed too
        Assert.False(BrainportResponse.Decode(tampered, 1024).HasValidSignature());
    }

    [Fact]
    public void Malformed_envelopes_throw_format_errors_naming_the_field()
    {
        byte[] encoded = Request().Encode();
        Assert.Contains("version 9", Assert.Throws<FormatException>(() => BrainportRequest.Decode([9, .. encoded.Skip(1)], 1024)).Message);
        Assert.Contains("truncated", Assert.Throws<FormatException>(() => BrainportRequest.Decode(encoded.Take(40).ToArray(), 1024)).Message);
        Assert.Contains("body length", Assert.Throws<FormatException>(() => BrainportRequest.Decode(encoded, 2)).Message);
        Assert.Contains("trailing", Assert.Throws<FormatException>(() => BrainportRequest.Decode([.. encoded, 0], 1024)).Message);
        Assert.Throws<ArgumentException>(() => BrainportRequest.Sign(Caller, MinerAddress, 0, "", ReadOnlyMemory<byte>.Empty, TimeSpan.FromSeconds(1), 1, Guid.NewGuid()));
    }

    [Fact]
    public void Decoders_survive_random_and_mutated_input()
    {
        var random = new Random(20261122);
        byte[] request = Request().Encode();
        byte[] response = BrainportResponse.Sign(Miner, 1, MinerAddress, Guid.NewGuid(), BrainportStatus.TaskFailed, "no"u8.ToArray(), 1).Encode();
        for (int i = 0; i < 3000; i++)
        {
            byte[] input = (i % 3) switch
            {
                0 => RandomBytes(random, random.Next(0, 300)),
                1 => Mutate(random, request),
                _ => Mutate(random, response),
            };
            try
            {
                BrainportRequest.Decode(input, 4096).HasValidSignature();
            }
            catch (FormatException)
            {
            }
            try
            {
                BrainportResponse.Decode(input, 4096).HasValidSignature();
            }
            catch (FormatException)
            {
            }
        }
    }

    internal static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    internal static byte[] Mutate(Random random, byte[] original)
    {
        byte[] copy = original.ToArray();
        switch (random.Next(3))
        {
            case 0:
                copy[random.Next(copy.Length)] = (byte)random.Next(256);
                return copy;
            case 1:
                return copy[..random.Next(copy.Length)];
            default:
                return [.. copy, .. RandomBytes(random, random.Next(1, 16))];
        }
    }
}
