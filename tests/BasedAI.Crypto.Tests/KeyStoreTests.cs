using System.Text.Json.Nodes;

namespace BasedAI.Crypto.Tests;

public class KeyStoreTests
{
    private const string VectorKey = "7a28b5ba57c53603b0b07b56bba752f7784bf506fa95edc395f5cf6c7514fe9d";
    private static readonly ScryptCost Cheap = new(1 << 10, 8, 1);

    // The two test vectors of the Web3 Secret Storage Definition (password "testpassword").
    [Fact]
    public void Decrypts_the_Web3_secret_storage_pbkdf2_vector()
    {
        const string json = """
            {"crypto":{"cipher":"aes-128-ctr","cipherparams":{"iv":"6087dab2f9fdbbfaddc31a909735c1e6"},
             "ciphertext":"5318b4d5bcd28de64ee5559e671353e16f075ecae9f99c7a79a38af5f869aa46","kdf":"pbkdf2",
             "kdfparams":{"c":262144,"dklen":32,"prf":"hmac-sha256","salt":"ae3cd4e7013836a3df6bd7241b12db061dbe2c6785853cce422d148a624ce0bd"},
             "mac":"517ead924a9d0dc3124507e3393d175ce3ff7c1e96529c6c555ce9e51205e9b2"},"id":"3198bc9c-6672-5ab3-d995-4942343ae5b6","version":3}
            """;
        Assert.Equal(VectorKey, Convert.ToHexStringLower(KeyStore.Decrypt(json, "testpassword")));
    }

    [Fact]
    public void Decrypts_the_Web3_secret_storage_scrypt_vector()
    {
        const string json = """
            {"crypto":{"cipher":"aes-128-ctr","cipherparams":{"iv":"83dbcc02d8ccb40e466191a123791e0e"},
             "ciphertext":"d172bf743a674da9cdad04534d56926ef8358534d458fffccd4e6ad2fbde479c","kdf":"scrypt",
             "kdfparams":{"dklen":32,"n":262144,"p":8,"r":1,"salt":"ab0c7876052600dd703518d6fc3fe8984592145b591fc8fb5c6d43190334ba19"},
             "mac":"2103ac29920d71da29f15d75b4a16dbe95cfd7ff8faea1056c33131d846e3097"},"id":"3198bc9c-6672-5ab3-d995-4942343ae5b6","version":3}
            """;
        Assert.Equal(VectorKey, Convert.ToHexStringLower(KeyStore.Decrypt(json, "testpassword")));
    }

    [Fact]
    public void Round_trips_and_rejects_a_wrong_password()
    {
        byte[] key = Secp256k1.CreatePrivateKey();
        string json = KeyStore.Encrypt(key, "correct horse", Cheap);
        Assert.Equal(key, KeyStore.Decrypt(json, "correct horse"));
        Assert.Equal(EthereumAddress.FromPrivateKey(key), KeyStore.ReadAddress(json));
        var error = Assert.Throws<WrongPasswordException>(() => KeyStore.Decrypt(json, "correct horse!"));
        Assert.Contains("wrong password", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[]", "JSON object")]
    [InlineData("{\"version\":2}", "'version' must be 3")]
    [InlineData("{\"version\":3}", "'crypto' object is missing")]
    public void Malformed_files_are_rejected_with_the_reason(string json, string reason)
    {
        var error = Assert.Throws<FormatException>(() => KeyStore.Decrypt(json, "x"));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("cipher", "aes-256-gcm", "cipher 'aes-256-gcm' is not supported")]
    [InlineData("kdf", "argon2", "kdf 'argon2' is not supported")]
    [InlineData("ciphertext", "abcd", "'ciphertext' must be 32 bytes")]
    [InlineData("mac", "zz", "'mac' is not hexadecimal")]
    public void Tampered_fields_are_named(string field, string value, string reason)
    {
        var node = JsonNode.Parse(KeyStore.Encrypt(Secp256k1.CreatePrivateKey(), "pw", Cheap))!;
        node["crypto"]![field] = value;
        var error = Assert.Throws<FormatException>(() => KeyStore.Decrypt(node.ToJsonString(), "pw"));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Oversized_scrypt_parameters_are_refused_before_any_work()
    {
        var node = JsonNode.Parse(KeyStore.Encrypt(Secp256k1.CreatePrivateKey(), "pw", Cheap))!;
        node["crypto"]!["kdfparams"]!["n"] = 1 << 24;
        var error = Assert.Throws<FormatException>(() => KeyStore.Decrypt(node.ToJsonString(), "pw"));
        Assert.Contains("power of two in [2, 2^20]", error.Message, StringComparison.Ordinal);
    }
}

public class ScryptTests
{
    // RFC 7914 section 12 vectors (the two cheaper ones).
    [Theory]
    [InlineData("", "", 16, 1, 1, "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906")]
    [InlineData("password", "NaCl", 1024, 8, 16, "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640")]
    public void Rfc7914_vectors(string password, string salt, int n, int r, int p, string expected) =>
        Assert.Equal(expected, Convert.ToHexStringLower(Scrypt.DeriveKey(
            System.Text.Encoding.ASCII.GetBytes(password), System.Text.Encoding.ASCII.GetBytes(salt), n, r, p, 64)));
}
