namespace BasedAI.Crypto.Tests;

public class Bip32Tests
{
    // BIP-32 test vector 1 (seed 000102...0f): private keys and chain codes along m/0H/1/2H/2/1000000000.
    [Theory]
    [InlineData("m", "e8f32e723decf4051aefac8e2c93c9c5b214313817cdb01a1494b917c8436b35", "873dff81c02f525623fd1fe5167eac3a55a049de3d314bb42ee227ffed37d508")]
    [InlineData("m/0H", "edb2e14f9ee77d26dd93b4ecede8d16ed408ce149b6cd80b0715a2d911a0afea", "47fdacbd0f1097043b78c63c20c34ef4ed9a111d980047ad16282c7ae6236141")]
    [InlineData("m/0'/1", "3c6cb8d0f6a264c91ea8b5030fadaa8e538b020f0a387421a12de9319dc93368", "2a7857631386ba23dacac34180dd1983734e444fdbf774041578e9b6adb37c19")]
    [InlineData("m/0'/1/2'", "cbce0d719ecf7431d88e6a89fa1483e02e35092af60c042b1df2ff59fa424dca", null)]
    [InlineData("m/0'/1/2'/2", "0f479245fb19a38a1954c5c7c0ebab2f9bdfd96a17563ef28a6a4b1a2a764ef4", null)]
    [InlineData("m/0'/1/2'/2/1000000000", "471b76e389e528d6de6d816857e012c5455051cad6660850e58372a6c3e6e7c8", null)]
    public void Reference_vector_one(string path, string keyHex, string? chainHex)
    {
        using Bip32Key key = Bip32Key.FromSeed(Convert.FromHexString("000102030405060708090a0b0c0d0e0f"), path);
        Assert.Equal(keyHex, Convert.ToHexStringLower(key.PrivateKey));
        if (chainHex is not null)
        {
            Assert.Equal(chainHex, Convert.ToHexStringLower(key.ChainCode));
        }
    }

    [Fact]
    public void The_abandon_about_mnemonic_gives_the_well_known_Ethereum_account()
    {
        byte[] key = WalletStore.DerivePrivateKey("abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about");
        Assert.Equal("0x9858EfFD232B4033E47d90003D41EC34EcaEda94", EthereumAddress.FromPrivateKey(key).ToChecksumString());
    }

    [Theory]
    [InlineData("44'/60'")]
    [InlineData("m/44x")]
    [InlineData("m//1")]
    [InlineData("m/2147483648")]
    public void Bad_paths_are_rejected(string path) => Assert.Throws<FormatException>(() => Bip32Key.ParsePath(path));
}
