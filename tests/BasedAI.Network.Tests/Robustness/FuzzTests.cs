using System.Text;
using BasedAI.Network.Core;
using BasedAI.Network.Identity;
using BasedAI.Network.Multistream;
using BasedAI.Network.Noise;
using BasedAI.Network.Protocols;
using BasedAI.Network.PubSub;
using BasedAI.Network.Tests.Support;
using BasedAI.Network.Yamux;
using Microsoft.Extensions.Logging.Abstractions;

namespace BasedAI.Network.Tests.Robustness;

/// <summary>
/// Bounded, seeded fuzzing of every decoder that reads peer input: valid encodings mutated (bit flips, byte swaps, truncation,
/// extension) and random bytes. Each decoder may only fail with its documented exception types.
/// </summary>
public class FuzzTests
{
    private const int Iterations = 3000;

    private static IEnumerable<byte[]> Mutations(Random random, IReadOnlyList<byte[]> corpus, int count)
    {
        for (int i = 0; i < count; i++)
        {
            byte[] input = (byte[])corpus[random.Next(corpus.Count)].Clone();
            switch (random.Next(6))
            {
                case 0 when input.Length > 0:
                    input[random.Next(input.Length)] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when input.Length > 0:
                    input[random.Next(input.Length)] = (byte)random.Next(256);
                    break;
                case 2:
                    input = input[..random.Next(input.Length + 1)];
                    break;
                case 3:
                    byte[] tail = new byte[random.Next(1, 16)];
                    random.NextBytes(tail);
                    input = [.. input, .. tail];
                    break;
                case 4:
                    input = new byte[random.Next(64)];
                    random.NextBytes(input);
                    break;
                default:
                    for (int k = 0; k < 3 && input.Length > 0; k++)
                    {
                        input[random.Next(input.Length)] = (byte)random.Next(256);
                    }
                    break;
            }
            yield return input;
        }
    }

    private static void FuzzDecoder(int seed, IReadOnlyList<byte[]> corpus, Action<byte[]> decode, params Type[] allowed)
    {
        var random = new Random(seed);
        int rejected = 0;
        foreach (byte[] input in Mutations(random, corpus, Iterations))
        {
            try
            {
                decode(input);
            }
            catch (Exception e) when (allowed.Any(t => t.IsInstanceOfType(e)))
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message));
                rejected++;
            }
        }
        Assert.True(rejected > 0, "the fuzzer never produced an invalid input; the corpus or mutations are broken");
    }

    private static readonly PrivateKey Key = PrivateKey.FromEd25519Seed(new byte[32]);

    [Fact]
    public void Varint_never_throws()
    {
        var random = new Random(1);
        byte[] buffer = new byte[12];
        for (int i = 0; i < Iterations; i++)
        {
            random.NextBytes(buffer);
            VarintStatus status = Varint.TryRead(buffer.AsSpan(0, random.Next(13)), out _, out int read);
            Assert.True(status != VarintStatus.Done || read is > 0 and <= Varint.MaxLength);
        }
    }

    [Fact]
    public void Yamux_header() => FuzzDecoder(2, [new byte[12], [0, 1, 0, 1, 0, 0, 0, 1, 0, 4, 0, 0], [0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]],
        b => YamuxHeader.Read(b), typeof(ProtocolViolationException));

    [Fact]
    public void Keys_peer_ids_and_multiaddrs()
    {
        byte[] publicKey = Key.PublicKey.ToProtobuf();
        byte[] k1 = PrivateKey.FromSecp256k1(Enumerable.Repeat((byte)1, 32).ToArray()).PublicKey.ToProtobuf();
        FuzzDecoder(3, [publicKey, k1], b => PublicKey.FromProtobuf(b), typeof(FormatException));
        FuzzDecoder(4, [Key.ToProtobuf()], b => PrivateKey.FromProtobuf(b).Dispose(), typeof(FormatException));
        FuzzDecoder(5, [Key.PublicKey.ToPeerId().ToBytes(), PeerId.Parse("QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N").ToBytes()], b => PeerId.FromBytes(b), typeof(FormatException));
        FuzzDecoder(6,
            [Multiaddr.Parse("/ip4/127.0.0.1/tcp/1/p2p/12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB").ToBytes(), Multiaddr.Parse("/dns4/a.b/tcp/2").ToBytes(), Multiaddr.Parse("/ip6/::1/udp/3/quic-v1").ToBytes()],
            b => Multiaddr.FromBytes(b), typeof(FormatException));
        FuzzDecoder(7, [Encoding.UTF8.GetBytes("/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB"), "/dns/x/tcp/1"u8.ToArray()],
            b => Multiaddr.Parse(Encoding.Latin1.GetString(b)), typeof(FormatException));
        FuzzDecoder(8, [Encoding.UTF8.GetBytes("12D3KooWA4Xop1JaT3MHxwYMkCepYsv4iPVopMXwCz5iHYdBfeSB"), "bafzaajaiaejcaa5ba677htqqxyoxbxiy45f4bglh4tldbg5fbvpr3xegmqjfkmny"u8.ToArray()],
            b => PeerId.Parse(Encoding.Latin1.GetString(b)), typeof(FormatException));
    }

    [Fact]
    public void Noise_payload_identify_and_rpc()
    {
        byte[] payload = new NoisePayload { IdentityKey = Key.PublicKey.ToProtobuf(), IdentitySignature = new byte[64], StreamMuxers = ["/yamux/1.0.0"] }.Encode();
        FuzzDecoder(9, [payload], b => NoisePayload.Decode(b), typeof(FormatException));
        byte[] identify = new IdentifyInfo
        {
            AgentVersion = "a",
            ProtocolVersion = "p",
            PublicKey = Key.PublicKey,
            Protocols = ["/x/1", "/y/2"],
            ListenAddresses = [Multiaddr.Parse("/ip4/1.2.3.4/tcp/5")],
            ObservedAddress = Multiaddr.Parse("/ip6/::1/tcp/7"),
        }.Encode();
        FuzzDecoder(10, [identify], b => IdentifyInfo.Decode(b, out _), typeof(FormatException));
        var rpc = new Rpc();
        rpc.Subscriptions.Add((true, "t"));
        rpc.Messages.Add(new RpcMessage { From = [1], Data = [2], Seqno = new byte[8], Topic = "t", Signature = [3] });
        rpc.IHave.Add(new IHave("t", [[1, 2]]));
        rpc.IWant.Add([4]);
        rpc.Graft.Add("t");
        rpc.Prune.Add(new Prune("t", 5));
        rpc.IDontWant.Add([6]);
        FuzzDecoder(11, [rpc.Encode()], b => Rpc.Decode(b, new RpcLimits(64, 64, 256)), typeof(FormatException));
    }

    [Fact]
    public void Multistream_and_length_prefixed_readers()
    {
        byte[] valid = [.. RawClient.Message("/multistream/1.0.0"), .. RawClient.Message("/ipfs/ping/1.0.0")];
        FuzzDecoder(12, [valid], b =>
        {
            using var stream = new MemoryStream(b);
            while (MultistreamSelect.ReadMessageAsync(stream, default).AsTask().GetAwaiter().GetResult() is not null)
            {
            }
        }, typeof(ProtocolViolationException), typeof(EndOfStreamException));
        FuzzDecoder(13, [[0x03, 1, 2, 3, 0x01, 9]], b =>
        {
            using var stream = new MemoryStream(b);
            while (LengthPrefixed.ReadAsync(stream, 64, "test").AsTask().GetAwaiter().GetResult() is not null)
            {
            }
        }, typeof(MessageTooLargeException), typeof(EndOfStreamException), typeof(FormatException));
    }

    [Fact]
    public async Task Noise_transport_frames()
    {
        byte[] key = new byte[32];
        byte[] frame = new byte[2 + 5 + NoiseCipherState.TagSize];
        using (var cipher = new NoiseCipherState(key))
        {
            frame[1] = (byte)(5 + NoiseCipherState.TagSize);
            cipher.Encrypt([], "hello"u8, frame.AsSpan(2));
        }
        var random = new Random(14);
        int rejected = 0;
        foreach (byte[] input in Mutations(random, [frame, [.. frame, .. frame]], 1000))
        {
            using var stream = new NoiseSecureStream(new MemoryStream(input), new NoiseCipherState(key), new NoiseCipherState(key));
            try
            {
                byte[] buffer = new byte[64];
                while (await stream.ReadAsync(buffer) > 0)
                {
                }
            }
            catch (Exception e) when (e is ProtocolViolationException or EndOfStreamException)
            {
                rejected++;
            }
        }
        Assert.True(rejected > 0);
    }

    [Fact]
    public async Task Noise_handshake_messages()
    {
        var random = new Random(15);
        using var identity = new NodeIdentity(PrivateKey.FromEd25519Seed(new byte[32]));
        using var staticKey = new X25519KeyPair();
        for (int i = 0; i < 200; i++)
        {
            byte[] message1 = new byte[random.Next(0, 80)];
            random.NextBytes(message1);
            byte[] message3 = new byte[random.Next(0, 200)];
            random.NextBytes(message3);
            byte[] wire = [(byte)(message1.Length >> 8), (byte)message1.Length, .. message1, (byte)(message3.Length >> 8), (byte)message3.Length, .. message3];
            (DuplexStream a, DuplexStream b) = DuplexStream.CreatePair();
            await a.WriteAsync(wire);
            await a.FlushAsync();
            a.Dispose();
            using var handshake = new NoiseHandshake(identity, staticKey, []);
            await Assert.ThrowsAsync<HandshakeException>(() => handshake.RespondAsync(b, default));
            b.Dispose();
        }
    }

    [Fact]
    public async Task Yamux_session_survives_random_frame_sequences()
    {
        var random = new Random(16);
        for (int round = 0; round < 150; round++)
        {
            (DuplexStream local, DuplexStream remote) = DuplexStream.CreatePair();
            var options = new YamuxOptions { KeepAliveInterval = null, StreamLinger = TimeSpan.FromMilliseconds(50) };
            int inbound = 0;
            var session = new YamuxSession(local, isClient: false, options, NullLogger.Instance, s => { Interlocked.Increment(ref inbound); s.Reset(); }, "fuzz");
            session.Start();
            var bytes = new List<byte>();
            for (int f = random.Next(1, 12); f > 0; f--)
            {
                var type = (YamuxFrameType)random.Next(5);
                var flags = (YamuxFlags)random.Next(16);
                uint id = (uint)random.Next(0, 8);
                uint length = (uint)(random.Next(4) == 0 ? random.Next() : random.Next(64));
                byte[] header = new byte[12];
                new YamuxHeader((YamuxFrameType)Math.Min((int)type, 3), flags, id, length).Write(header);
                if ((int)type == 4)
                {
                    header[1] = (byte)random.Next(4, 256);
                }
                bytes.AddRange(header);
                if (type == YamuxFrameType.Data && length < 64)
                {
                    byte[] data = new byte[length];
                    random.NextBytes(data);
                    bytes.AddRange(data);
                }
            }
            await remote.WriteAsync(bytes.ToArray());
            await remote.FlushAsync();
            remote.Dispose();
            // Whatever the frames, the session ends (the input ends) without an unhandled exception.
            string reason = await session.Closed.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.False(string.IsNullOrEmpty(reason));
            await session.DisposeAsync();
        }
    }
}
