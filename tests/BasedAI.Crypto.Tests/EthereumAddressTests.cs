namespace BasedAI.Crypto.Tests;

public class EthereumAddressTests
{
    [Theory]
    [InlineData("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")]
    [InlineData("0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359")]
    [InlineData("0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB")]
    [InlineData("0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb")]
    public void Eip55_vectors_round_trip(string checksummed)
    {
        Assert.Equal(checksummed, EthereumAddress.Parse(checksummed.ToLowerInvariant()).ToChecksumString());
        Assert.Equal(checksummed, EthereumAddress.Parse(checksummed).ToString());
    }

    [Theory]
    [InlineData("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", "checksum")]
    [InlineData("5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "40 hexadecimal")]
    [InlineData("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe", "40 hexadecimal")]
    [InlineData("0xZZAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "40 hexadecimal")]
    public void Invalid_text_names_the_problem(string text, string expectedFragment)
    {
        Assert.False(EthereumAddress.TryParse(text, out _, out string? error));
        Assert.Contains(expectedFragment, error, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => EthereumAddress.Parse(text));
    }

    [Fact]
    public void Equality_is_by_value()
    {
        var a = EthereumAddress.Parse("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed");
        var b = EthereumAddress.Parse("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed");
        Assert.Equal(a, b);
        Assert.True(a == b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, EthereumAddress.Zero);
    }
}
