using BasedAI.Network.Core;
using FsCheck;
using FsCheck.Fluent;

namespace BasedAI.Network.Tests.Unit;

public class CodecTests
{
    [Fact]
    public void Varint_round_trips_and_sizes()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<ulong>(), value =>
        {
            Span<byte> buffer = stackalloc byte[Varint.MaxLength];
            int n = Varint.Write(buffer, value);
            return n == Varint.SizeOf(value)
                && Varint.TryRead(buffer[..n], out ulong back, out int read) == VarintStatus.Done
                && back == value && read == n
                && (n == 1 || Varint.TryRead(buffer[..(n - 1)], out _, out _) == VarintStatus.NeedMoreData);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(500));
    }

    [Fact]
    public void Varint_rejects_overlong_and_overflowing_input()
    {
        Assert.Equal(VarintStatus.Invalid, Varint.TryRead([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01], out _, out _, Varint.MaxMultiformatsLength));
        Assert.Equal(VarintStatus.Invalid, Varint.TryRead([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02], out _, out _));
        Assert.Equal(VarintStatus.Done, Varint.TryRead([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01], out ulong max, out _));
        Assert.Equal(ulong.MaxValue, max);
    }

    [Fact]
    public void Base58_and_base32_round_trip()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), bytes =>
            Base58.Decode(Base58.Encode(bytes)).AsSpan().SequenceEqual(bytes)
            && Base32.Decode(Base32.Encode(bytes)).AsSpan().SequenceEqual(bytes))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(300));
        Assert.Equal("1112", Base58.Encode([0, 0, 0, 1]));
        Assert.Equal("mzxw6ytboi", Base32.Encode("foobar"u8));
        Assert.Throws<FormatException>(() => Base58.Decode("0OIl"));
        Assert.Throws<FormatException>(() => Base32.Decode("1"));
    }

    [Fact]
    public void Protobuf_reader_names_the_message_on_errors()
    {
        var e = Assert.Throws<FormatException>(() => Read([0x0a, 0x05, 0x01]));
        Assert.Contains("test message", e.Message);
        Assert.Contains("claims 5 bytes", e.Message);
        Assert.Contains("wire type 3", Assert.Throws<FormatException>(() => Read([0x0b])).Message);
        Assert.Contains("field number 0", Assert.Throws<FormatException>(() => Read([0x02, 0x00])).Message);

        static void Read(byte[] data)
        {
            var reader = new ProtobufReader(data, "test message");
            while (reader.TryReadTag(out _, out WireType wireType))
            {
                reader.Skip(wireType);
            }
        }
    }
}
