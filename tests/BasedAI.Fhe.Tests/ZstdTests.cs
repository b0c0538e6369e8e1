using System.Buffers.Binary;
using System.Text;
using BasedAI.Fhe.Serialization.Zstd;

namespace BasedAI.Fhe.Tests;

public class ZstdTests
{
    [Fact]
    public void Decodes_reference_frames_with_huffman_literals_fse_sequences_and_checksums()
    {
        Assert.Equal(TextInput(), Decode(ZstdVectors.Text));
        Assert.Equal(WordsInput(), Decode(ZstdVectors.Words));
        Assert.Equal(BigInput(), Decode(ZstdVectors.Big19));
        Assert.Equal(BigInput(), Decode(ZstdVectors.Big1));
    }

    [Fact]
    public void Raw_block_frames_round_trip_including_empty_and_multi_block_content()
    {
        foreach (int length in new[] { 0, 1, 1000, (128 * 1024) + 17, 300_000 })
        {
            byte[] data = Enumerable.Range(0, length).Select(i => (byte)(i * 31)).ToArray();
            byte[] frame = ZstdFrameWriter.Compress(data);
            Assert.Equal(data, ZstdDecoder.Decompress(frame, length, "test"));
        }
    }

    [Fact]
    public void Xxh64_matches_the_reference()
    {
        Assert.Equal(0xEF46DB3751D8E999UL, ZstdDecoder.XxHash64([]));
        Assert.Equal(0x44BC2CF5AD770999UL, ZstdDecoder.XxHash64("abc"u8));
    }

    [Fact]
    public void Corrupt_or_oversized_frames_fail_cleanly()
    {
        byte[] frame = Convert.FromBase64String(ZstdVectors.Text);
        Assert.Throws<SealFormatException>(() => ZstdDecoder.Decompress(frame, 100, "test"));
        var random = new Random(5);
        for (int trial = 0; trial < 400; trial++)
        {
            byte[] mutated = (byte[])frame.Clone();
            int flips = 1 + random.Next(4);
            for (int f = 0; f < flips; f++)
            {
                mutated[random.Next(mutated.Length)] ^= (byte)(1 << random.Next(8));
            }

            try
            {
                byte[] result = ZstdDecoder.Decompress(mutated.AsSpan(0, random.Next(2) == 0 ? mutated.Length : random.Next(mutated.Length)), 1 << 20, "test");
                // A flip may leave a valid frame (e.g. in the checksum-free parts of a header); then it must still be bounded.
                Assert.True(result.Length <= 1 << 20);
            }
            catch (SealFormatException)
            {
            }
        }
    }

    private static byte[] Decode(string base64) => ZstdDecoder.Decompress(Convert.FromBase64String(base64), 1 << 20, "test");

    private static byte[] TextInput()
    {
        string[] words = "homomorphic encryption ciphertext plaintext rotate rescale relinearize galois key modulus prime slot scale level".Split(' ');
        long s = 0x12345;
        var output = new List<string>();
        for (int i = 0; i < 700; i++)
        {
            s = ((s * 1103515245) + 12345) & 0x7fffffff;
            output.Add(words[s % words.Length]);
        }

        return Encoding.ASCII.GetBytes(string.Join(' ', output));
    }

    private static byte[] WordsInput()
    {
        ulong s = 7;
        byte[] data = new byte[512 * 8];
        for (int i = 0; i < 512; i++)
        {
            s = (s * 6364136223846793005UL) + 1442695040888963407UL;
            BinaryPrimitives.WriteUInt64LittleEndian(data.AsSpan(8 * i), s >> 24);
        }

        return data;
    }

    private static byte[] BigInput()
    {
        long s = 11;
        byte[] block = new byte[997];
        for (int i = 0; i < block.Length; i++)
        {
            s = ((s * 1103515245) + 12345) & 0x7fffffff;
            block[i] = (byte)((s >> 16) & 0xff);
        }

        var data = new List<byte>();
        while (data.Count < 300_000)
        {
            s = ((s * 1103515245) + 12345) & 0x7fffffff;
            byte[] chunk = (byte[])block.Clone();
            chunk[(s >> 8) % 997] = (byte)((s >> 20) & 0xff);
            data.AddRange(chunk);
        }

        return data.Take(300_000).ToArray();
    }
}
