namespace BasedAI.Crypto.Tests;

public sealed class WalletStoreTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "basedai-wallets-" + Guid.NewGuid().ToString("N"));
    private readonly WalletStore _store;

    public WalletStoreTests() => _store = new WalletStore(_root, new ScryptCost(1 << 10, 8, 1));

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Create_writes_encrypted_owner_only_key_files_that_the_mnemonics_restore()
    {
        (string personal, string compute) = _store.Create("alice", "pw");
        WalletInfo info = _store.Get("alice");
        Assert.Equal(EthereumAddress.FromPrivateKey(WalletStore.DerivePrivateKey(personal)), info.Personalkey);
        Assert.Equal("default", Assert.Single(info.Computekeys).Name);
        Assert.Equal(EthereumAddress.FromPrivateKey(WalletStore.DerivePrivateKey(compute)), info.Computekeys[0].Address);

        string keyFile = Path.Combine(_root, "alice", "personalkey.json");
        Assert.DoesNotContain(Convert.ToHexStringLower(_store.UnlockPersonalkey("alice", "pw")), File.ReadAllText(keyFile), StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_root, "alice", "computekeys", "default.json")));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.Combine(_root, "alice")));
        }

        // Restoring from the mnemonic into another store yields the same address.
        var other = new WalletStore(Path.Combine(_root, "restore"), new ScryptCost(1 << 10, 8, 1));
        Assert.Equal(info.Personalkey, other.ImportPersonalkey("alice2", personal, "other"));
    }

    [Fact]
    public void A_wrong_password_fails_cleanly()
    {
        _store.Create("bob", "right");
        var error = Assert.Throws<WrongPasswordException>(() => _store.UnlockPersonalkey("bob", "wrong"));
        Assert.Contains("personalkey of wallet 'bob'", error.Message, StringComparison.Ordinal);
        Assert.Throws<WrongPasswordException>(() => _store.UnlockComputekey("bob", "default", "wrong"));
    }

    [Fact]
    public void Export_then_import_moves_a_key_between_stores()
    {
        _store.Create("carol", "pw");
        string exported = _store.ExportKeyFile("carol");
        var other = new WalletStore(Path.Combine(_root, "other"), new ScryptCost(1 << 10, 8, 1));
        Assert.Throws<WrongPasswordException>(() => other.ImportKeyFile("carol", exported, "nope"));
        Assert.Equal(_store.Get("carol").Personalkey, other.ImportKeyFile("carol", exported, "pw"));
        Assert.False(other.Get("carol").Computekeys.Any());
    }

    [Fact]
    public void Existing_keys_are_never_overwritten_and_names_are_checked()
    {
        _store.Create("dave", "pw");
        Assert.Throws<IOException>(() => _store.Create("dave", "pw"));
        Assert.Throws<IOException>(() => _store.ImportPersonalkey("dave", Secp256k1.CreatePrivateKey(), "pw"));
        Assert.Throws<ArgumentException>(() => _store.Create("../evil", "pw"));
        Assert.Throws<DirectoryNotFoundException>(() => _store.Get("nobody"));
        _store.AddComputekey("dave", "miner2", "pw");
        Assert.Equal(["default", "miner2"], _store.Get("dave").Computekeys.Select(k => k.Name));
        Assert.Equal(["dave"], _store.List().Select(w => w.Name));
    }
}
