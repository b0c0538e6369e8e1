using System.Text;
using BasedAI.Fhe.Hashing;

namespace BasedAI.Fhe.Tests;

public class HashTests
{
    [Fact]
    public void Blake2b_matches_rfc7693_test_vector()
    {
        Span<byte> hash = stackalloc byte[64];
        Blake2b.Hash(Encoding.ASCII.GetBytes("abc"), hash);
        Assert.Equal(
            "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923",
            Convert.ToHexStringLower(hash));
    }

    [Fact]
    public void Blake2b_handles_block_boundaries_and_keys()
    {
        // Official BLAKE2b keyed KAT: key 00..3f, message of length 0 and 128.
        byte[] key = Enumerable.Range(0, 64).Select(i => (byte)i).ToArray();
        byte[] message = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        Span<byte> hash = stackalloc byte[64];
        Blake2b.Hash([], hash, key);
        Assert.Equal(
            "10ebb67700b1868efb4417987acf4690ae9d972fb7a590c2f02871799aaa4786b5e996e8f0f4eb981fc214b005f42d2ff4233499391653df7aefcbc13fc51568",
            Convert.ToHexStringLower(hash));
        Blake2b.Hash(message.AsSpan(0, 128), hash, key);
        Assert.Equal(
            "72065ee4dd91c2d8509fa1fc28a37c7fc9fa7d5b3f8ad3d0d7a25626b57b1b44788d4caf806290425f9890a3a2a35a905ab4b37acfd0da6e4517b2525c9651e4",
            Convert.ToHexStringLower(hash));
    }

    [Fact]
    public void Blake2xb_matches_the_reference_keyed_vectors()
    {
        // From the BLAKE2 reference package (blake2-kat.h, blake2xb_keyed_kat): key 00..3f, input 00..ff, output length 1 and 256.
        byte[] key = Enumerable.Range(0, 64).Select(i => (byte)i).ToArray();
        byte[] input = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        byte[] one = new byte[1];
        Blake2b.HashXof(input, one, key);
        Assert.Equal("64", Convert.ToHexStringLower(one));
        byte[] two = new byte[2];
        Blake2b.HashXof(input, two, key);
        Assert.Equal("f457", Convert.ToHexStringLower(two));
    }
}
