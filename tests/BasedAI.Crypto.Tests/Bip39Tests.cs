using FsCheck;
using FsCheck.Fluent;

namespace BasedAI.Crypto.Tests;

public class Bip39Tests
{
    // Vectors from the BIP-39 reference (trezor/python-mnemonic vectors.json), passphrase "TREZOR".
    [Theory]
    [InlineData("00000000000000000000000000000000",
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about",
        "c55257c360c07c72029aebc1b53c05ed0362ada38ead3e3e9efa3708e53495531f09a6987599d18264c1e1c92f2cf141630c7a3c4ab7c81b2f001698e7463b04")]
    [InlineData("7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f7f",
        "legal winner thank year wave sausage worth useful legal winner thank yellow",
        "2e8905819b8723fe2c1d161860e5ee1830318dbf49a83bd451cfb8440c28bd6fa457fe1296106559a3c80937a1c1069be3a3a5bd381ee6260e8d9739fce1f607")]
    [InlineData("ffffffffffffffffffffffffffffffff",
        "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo wrong",
        "ac27495480225222079d7be181583751e86f571027b0497b5b5d11218e0a8a13332572917f0f8e5a589620c6f15b11c61dee327651a14c34e18231052e48c069")]
    [InlineData("0000000000000000000000000000000000000000000000000000000000000000",
        "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art",
        "bda85446c68413707090a52022edd26a1c9462295029f2e60cd7c4f2bbd3097170af7a4d73245cafa9c3cca8d561a7c3de6f5d4a10be8ed2a5e608d68f92fcc8")]
    public void Reference_vectors(string entropyHex, string mnemonic, string seedHex)
    {
        Assert.Equal(mnemonic, Bip39.FromEntropy(Convert.FromHexString(entropyHex)));
        Assert.Equal(entropyHex, Convert.ToHexStringLower(Bip39.ToEntropy(mnemonic)));
        Assert.Equal(seedHex, Convert.ToHexStringLower(Bip39.ToSeed(mnemonic, "TREZOR")));
    }

    [Fact]
    public void Wordlist_has_2048_sorted_words()
    {
        Assert.Equal(2048, Bip39.Words.Count);
        Assert.Equal("abandon", Bip39.Words[0]);
        Assert.Equal("zoo", Bip39.Words[2047]);
        Assert.Equal(Bip39.Words.Order(StringComparer.Ordinal), Bip39.Words);
    }

    [Fact]
    public void Generated_mnemonics_validate_and_round_trip_entropy()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), Gen.Elements(16, 20, 24, 28, 32).ToArbitrary(), (bytes, length) =>
        {
            byte[] entropy = new byte[length];
            bytes.AsSpan(0, Math.Min(bytes.Length, length)).CopyTo(entropy);
            string mnemonic = Bip39.FromEntropy(entropy);
            return Bip39.TryValidate(mnemonic, out _)
                && mnemonic.Split(' ').Length == length * 3 / 4
                && Bip39.ToEntropy(mnemonic).AsSpan().SequenceEqual(entropy);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));
        Assert.True(Bip39.TryValidate(Bip39.Generate(24), out _));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("abandon abandon abandon", "12, 15, 18, 21 or 24 words, not 3")]
    [InlineData("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon", "checksum")]
    [InlineData("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon bitcoinz", "word 12 ('bitcoinz')")]
    public void Bad_mnemonics_are_rejected_with_a_reason(string mnemonic, string reason)
    {
        Assert.False(Bip39.TryValidate(mnemonic, out string? error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => Bip39.ToSeed(mnemonic));
    }

    [Fact]
    public void Case_and_extra_spaces_do_not_change_the_seed()
    {
        string canonical = "legal winner thank year wave sausage worth useful legal winner thank yellow";
        Assert.Equal(Bip39.ToSeed(canonical), Bip39.ToSeed("  Legal WINNER thank year wave sausage worth useful legal winner thank   yellow "));
    }
}
