using System.Numerics;
using System.Text;
using System.Text.Json;
using BasedAI.Evm.Rlp;

namespace BasedAI.Evm.Tests;

/// <summary>The official RLPTests vectors plus a bounded fuzz of the decoder.</summary>
public class RlpTests
{
    private static string RlpDirectory => Path.Combine(TestPaths.EthereumTests, "RLPTests");

    public static TheoryData<string, string> Vectors()
    {
        var data = new TheoryData<string, string>();
        foreach (string file in Directory.EnumerateFiles(RlpDirectory, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllText(file));
            foreach (JsonProperty test in document.RootElement.EnumerateObject())
            {
                data.Add(Path.GetRelativePath(RlpDirectory, file), test.Name);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Official_vector(string file, string name)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(Path.Combine(RlpDirectory, file)));
        JsonElement test = document.RootElement.GetProperty(name);
        string hex = test.GetProperty("out").GetString()!;
        byte[] encoded = Convert.FromHexString(hex.StartsWith("0x", StringComparison.Ordinal) ? hex[2..] : hex);
        JsonElement input = test.GetProperty("in");

        if (input.ValueKind == JsonValueKind.String && input.GetString() == "INVALID")
        {
            Assert.ThrowsAny<RlpException>(() => DecodeAll(encoded));
            return;
        }
        if (input.ValueKind == JsonValueKind.String && input.GetString() == "VALID")
        {
            DecodeAll(encoded);
            return;
        }

        var writer = new RlpWriter();
        Encode(writer, input);
        Assert.Equal(Convert.ToHexString(encoded), Convert.ToHexString(writer.ToArray()));
        DecodeAll(encoded);
    }

    private static void Encode(RlpWriter writer, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Array:
                writer.StartList();
                foreach (JsonElement item in value.EnumerateArray())
                {
                    Encode(writer, item);
                }
                writer.EndList();
                break;
            case JsonValueKind.Number:
                writer.WriteUInt64(value.GetUInt64());
                break;
            case JsonValueKind.String when value.GetString()!.StartsWith('#'):
                BigInteger big = BigInteger.Parse(value.GetString()![1..], System.Globalization.CultureInfo.InvariantCulture);
                writer.WriteBytes(big.IsZero ? [] : big.ToByteArray(isUnsigned: true, isBigEndian: true));
                break;
            case JsonValueKind.String:
                writer.WriteBytes(Encoding.UTF8.GetBytes(value.GetString()!));
                break;
            default:
                throw new InvalidDataException($"Unexpected RLP test input kind {value.ValueKind}.");
        }
    }

    /// <summary>Decodes one top-level item completely (every nested item), requiring no trailing bytes.</summary>
    private static void DecodeAll(byte[] encoded)
    {
        var reader = new RlpReader(encoded);
        Walk(ref reader);
        reader.EnsureAtEnd("RLP test input");
    }

    private static void Walk(ref RlpReader reader)
    {
        if (reader.NextIsList)
        {
            RlpReader inner = reader.ReadList();
            while (!inner.IsAtEnd)
            {
                Walk(ref inner);
            }
        }
        else
        {
            reader.ReadBytes();
        }
    }

    [Fact]
    public void Decoder_fuzz_never_fails_except_with_RlpException()
    {
        var random = new Random(20241024);
        int rejected = 0;
        for (int i = 0; i < 20_000; i++)
        {
            byte[] input = new byte[random.Next(0, 64)];
            random.NextBytes(input);
            if (input.Length > 0 && random.Next(3) == 0)
            {
                input[0] = (byte)(0xb8 + random.Next(0, 72)); // bias toward long-form headers
            }
            try
            {
                DecodeAll(input);
                // Anything accepted must re-encode to exactly the input (canonical).
                Assert.Equal(input, ReEncode(input));
            }
            catch (RlpException)
            {
                rejected++;
            }
        }
        Assert.InRange(rejected, 1, 20_000);
    }

    [Fact]
    public void Mutated_valid_encodings_are_accepted_canonically_or_rejected()
    {
        var random = new Random(7);
        for (int i = 0; i < 5_000; i++)
        {
            var writer = new RlpWriter();
            RandomItem(writer, random, depth: 0);
            byte[] valid = writer.ToArray();
            Assert.Equal(valid, ReEncode(valid));

            byte[] mutated = (byte[])valid.Clone();
            mutated[random.Next(mutated.Length)] ^= (byte)(1 << random.Next(8));
            try
            {
                DecodeAll(mutated);
                Assert.Equal(mutated, ReEncode(mutated));
            }
            catch (RlpException)
            {
            }
        }
    }

    [Fact]
    public void Errors_name_what_was_wrong()
    {
        Assert.Contains("leading zero", Assert.Throws<RlpException>(() => ReadInt([0x82, 0x00, 0x01])).Message);
        Assert.Contains("must be encoded as itself", Assert.Throws<RlpException>(() => DecodeAll([0x81, 0x05])).Message);
        Assert.Contains("long form", Assert.Throws<RlpException>(() => DecodeAll([0xb8, 0x02, 0x01, 0x02])).Message);
        Assert.Contains("remain", Assert.Throws<RlpException>(() => DecodeAll([0x85, 0x01])).Message);
        Assert.Contains("trailing", Assert.Throws<RlpException>(() => DecodeAll([0x01, 0x02])).Message);
    }

    private static ulong ReadInt(byte[] data)
    {
        var reader = new RlpReader(data);
        return reader.ReadUInt64();
    }

    private static void RandomItem(RlpWriter writer, Random random, int depth)
    {
        if (depth < 3 && random.Next(3) == 0)
        {
            writer.StartList();
            int count = random.Next(0, 5);
            for (int i = 0; i < count; i++)
            {
                RandomItem(writer, random, depth + 1);
            }
            writer.EndList();
            return;
        }
        byte[] payload = new byte[random.Next(0, random.Next(2) == 0 ? 3 : 80)];
        random.NextBytes(payload);
        writer.WriteBytes(payload);
    }

    private static byte[] ReEncode(byte[] encoded)
    {
        var reader = new RlpReader(encoded);
        var writer = new RlpWriter();
        Copy(ref reader, writer);
        return writer.ToArray();
    }

    private static void Copy(ref RlpReader reader, RlpWriter writer)
    {
        if (reader.NextIsList)
        {
            RlpReader inner = reader.ReadList();
            writer.StartList();
            while (!inner.IsAtEnd)
            {
                Copy(ref inner, writer);
            }
            writer.EndList();
        }
        else
        {
            writer.WriteBytes(reader.ReadBytes());
        }
    }
}
