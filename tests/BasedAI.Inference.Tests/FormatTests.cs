using System.Buffers.Binary;
using System.Text;
using BasedAI.Inference.Formats;
using BasedAI.Inference.Tensors;

namespace BasedAI.Inference.Tests;

public class FormatTests
{
    private static string WriteRaw(string header, int dataBytes, string? name = null)
    {
        string path = Path.Combine(Fixtures.TempDirectory(), name ?? "model.safetensors");
        byte[] json = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + json.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)json.Length);
        json.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void Safetensors_round_trip_with_f16_and_bf16_reading()
    {
        string dir = Fixtures.TempDirectory();
        string path = Path.Combine(dir, "t.safetensors");
        SafeTensorFile.Write(path, [new Tensor("b", [2, 3], [1, 2, 3, 4, 5, 6]), new Tensor("a", [1], [-0.5f])]);
        using (SafeTensorFile file = SafeTensorFile.Open(path))
        {
            Assert.Equal([1f, 2, 3, 4, 5, 6], file.Read("b").Data);
            Assert.Equal([2, 3], file.Read("b").Shape);
            Assert.Equal([-0.5f], file.Read("a").Data);
        }
        // 1.5 as F16 is 0x3E00, as BF16 0x3FC0.
        string half = WriteRaw("{\"h\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]},\"b\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[2,4]}}", 4);
        byte[] bytes = File.ReadAllBytes(half);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(bytes.Length - 4), 0x3E00);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(bytes.Length - 2), 0x3FC0);
        File.WriteAllBytes(half, bytes);
        using SafeTensorFile mixed = SafeTensorFile.Open(half);
        Assert.Equal(1.5f, mixed.Read("h").Data[0]);
        Assert.Equal(1.5f, mixed.Read("b").Data[0]);
    }

    [Theory]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8, "truncated")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,16]}}", 16, "needs 12 bytes")]
    [InlineData("{\"w\":{\"dtype\":\"Q4\",\"shape\":[4],\"data_offsets\":[0,16]}}", 16, "unknown dtype")]
    [InlineData("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "overlaps")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "invalid dimension")]
    [InlineData("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "data_offsets")]
    [InlineData("[1,2,3]", 0, "JSON object")]
    [InlineData("{\"w\":", 0, "not valid JSON")]
    public void Malformed_safetensors_headers_are_rejected_with_the_reason(string header, int dataBytes, string reason)
    {
        string path = WriteRaw(header, dataBytes);
        var error = Assert.Throws<InvalidDataException>(() => SafeTensorFile.Open(path).Dispose());
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Header_length_beyond_the_file_and_tiny_files_are_rejected()
    {
        string path = Path.Combine(Fixtures.TempDirectory(), "x.safetensors");
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1000);
        File.WriteAllBytes(path, bytes);
        Assert.Contains("does not fit", Assert.Throws<InvalidDataException>(() => SafeTensorFile.Open(path)).Message, StringComparison.Ordinal);
        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Throws<InvalidDataException>(() => SafeTensorFile.Open(path));
    }

    [Fact]
    public void Safetensors_header_fuzzing_only_raises_invalid_data()
    {
        string dir = ModelTests.WriteRandomGpt2(hidden: 8, heads: 2, layers: 1, vocab: 20, positions: 8);
        byte[] original = File.ReadAllBytes(Path.Combine(dir, "model.safetensors"));
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(original);
        var random = new Random(99);
        string path = Path.Combine(dir, "fuzz.safetensors");
        for (int i = 0; i < 300; i++)
        {
            byte[] mutated = (byte[])original.Clone();
            int flips = random.Next(1, 4);
            for (int k = 0; k < flips; k++)
            {
                mutated[random.Next(8 + headerLength)] = (byte)random.Next(32, 127);
            }
            File.WriteAllBytes(path, random.Next(4) == 0 ? mutated[..random.Next(mutated.Length)] : mutated);
            try
            {
                using SafeTensorFile file = SafeTensorFile.Open(path);
                foreach (string name in file.Tensors.Keys)
                {
                    file.Read(name);
                }
            }
            catch (InvalidDataException)
            {
            }
        }
    }

    [Fact]
    public void Shape_mismatch_unknown_model_type_and_missing_tensors_are_named()
    {
        string dir = ModelTests.WriteRandomGpt2(hidden: 8, heads: 2, layers: 1, vocab: 20, positions: 8);
        string config = Path.Combine(dir, "config.json");
        string original = File.ReadAllText(config);

        File.WriteAllText(config, original.Replace("\"n_embd\":8", "\"n_embd\":16", StringComparison.Ordinal));
        var shape = Assert.Throws<InvalidDataException>(() => HuggingFaceModel.Load(dir));
        Assert.Contains("shape", shape.Message, StringComparison.Ordinal);

        File.WriteAllText(config, original.Replace("\"gpt2\"", "\"mamba\"", StringComparison.Ordinal));
        Assert.Contains("unknown model_type 'mamba'", Assert.Throws<InvalidDataException>(() => HuggingFaceModel.Load(dir)).Message, StringComparison.Ordinal);

        File.WriteAllText(config, original.Replace("\"n_layer\":1", "\"n_layer\":2", StringComparison.Ordinal));
        Assert.Contains("missing tensor 'layers.1.attn_norm.weight'", Assert.Throws<InvalidDataException>(() => HuggingFaceModel.Load(dir)).Message, StringComparison.Ordinal);

        File.WriteAllText(config, original.Replace("\"n_head\":2", "\"n_head\":3", StringComparison.Ordinal));
        Assert.Contains("multiple of the head count", Assert.Throws<InvalidDataException>(() => HuggingFaceModel.Load(dir)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Truncated_llama2c_checkpoint_is_rejected_with_sizes()
    {
        byte[] bytes = File.ReadAllBytes(Fixtures.Stories260K);
        string path = Path.Combine(Fixtures.TempDirectory(), "cut.bin");
        File.WriteAllBytes(path, bytes[..(bytes.Length - 100)]);
        var error = Assert.Throws<InvalidDataException>(() => Llama2CCheckpoint.Load(path));
        Assert.Contains("implies", error.Message, StringComparison.Ordinal);
        File.WriteAllBytes(path, bytes[..10]);
        Assert.Throws<InvalidDataException>(() => Llama2CCheckpoint.Load(path));
    }

    [Fact]
    public void Sharded_checkpoints_load_through_their_index()
    {
        string dir = ModelTests.WriteRandomGpt2(hidden: 8, heads: 2, layers: 2, vocab: 20, positions: 8);
        string single = Path.Combine(dir, "model.safetensors");
        var tensors = new List<(string Name, Tensor Tensor)>();
        using (SafeTensorFile file = SafeTensorFile.Open(single))
        {
            tensors.AddRange(file.Tensors.Keys.Select(n => (n, file.Read(n))));
        }
        var reference = HuggingFaceModel.Load(dir);
        File.Delete(single);
        var map = new Dictionary<string, string>();
        for (int shard = 0; shard < 2; shard++)
        {
            string name = $"model-0000{shard + 1}-of-00002.safetensors";
            var part = tensors.Where((_, i) => i % 2 == shard).ToList();
            SafeTensorFile.Write(Path.Combine(dir, name), part.Select(p => p.Tensor));
            part.ForEach(p => map[p.Name] = name);
        }
        File.WriteAllText(Path.Combine(dir, "model.safetensors.index.json"), System.Text.Json.JsonSerializer.Serialize(new { metadata = new { }, weight_map = map }));
        var sharded = HuggingFaceModel.Load(dir);
        Assert.Equal(reference.Tensors.Keys.Order(), sharded.Tensors.Keys.Order());
        foreach (string key in reference.Tensors.Keys)
        {
            Assert.Equal(reference.Tensors[key].Data, sharded.Tensors[key].Data);
        }
    }
}
