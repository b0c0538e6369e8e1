using System.Text;
using Org.BouncyCastle.Crypto.Digests;

namespace BasedAI.Crypto.Tests;

public class Keccak256Tests
{
    [Theory]
    [InlineData("", "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")]
    [InlineData("abc", "4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45")]
    [InlineData("The quick brown fox jumps over the lazy dog", "4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15")]
    public void Known_vectors(string input, string expectedHex)
    {
        Assert.Equal(expectedHex, Convert.ToHexStringLower(Keccak256.Hash(Encoding.ASCII.GetBytes(input))));
    }

    [Fact]
    public void Matches_an_independent_implementation_at_every_length_around_block_boundaries()
    {
        var random = new Random(1234);
        for (int length = 0; length < 700; length++)
        {
            byte[] data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(BouncyKeccak(data), Keccak256.Hash(data));
        }
    }

    [Fact]
    public void Incremental_absorption_in_arbitrary_chunks_equals_one_shot()
    {
        var random = new Random(99);
        for (int trial = 0; trial < 200; trial++)
        {
            byte[] data = new byte[random.Next(0, 1500)];
            random.NextBytes(data);
            var hasher = new Keccak256();
            int offset = 0;
            while (offset < data.Length)
            {
                int chunk = Math.Min(random.Next(0, 300), data.Length - offset);
                hasher.Append(data.AsSpan(offset, chunk));
                offset += chunk;
            }
            byte[] digest = new byte[32];
            hasher.Finish(digest);
            Assert.Equal(Keccak256.Hash(data), digest);
        }
    }

    [Fact]
    public void Finish_rejects_a_short_destination()
    {
        var hasher = new Keccak256();
        Assert.Throws<ArgumentException>(() => hasher.Finish(new byte[31]));
    }

    private static byte[] BouncyKeccak(byte[] data)
    {
        var digest = new KeccakDigest(256);
        digest.BlockUpdate(data, 0, data.Length);
        byte[] output = new byte[32];
        digest.DoFinal(output, 0);
        return output;
    }
}
