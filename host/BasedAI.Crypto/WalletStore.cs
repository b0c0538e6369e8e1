using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace BasedAI.Crypto;

/// <summary>A wallet's public view: its name, personalkey (cold) address and computekeys (hot).</summary>
/// <param name="Name">Wallet name (a folder under the store root).</param>
/// <param name="Personalkey">Address of the personalkey, or null when the wallet holds only computekeys.</param>
/// <param name="Computekeys">Computekey names and addresses, sorted by name.</param>
public sealed record WalletInfo(string Name, EthereumAddress? Personalkey, IReadOnlyList<ComputekeyInfo> Computekeys);

/// <summary>A computekey's name and address.</summary>
/// <param name="Name">Key name (a file under the wallet's computekeys folder).</param>
/// <param name="Address">The key's address.</param>
public sealed record ComputekeyInfo(string Name, EthereumAddress Address);

/// <summary>
/// Wallets on disk, one folder each under a root (default <c>~/.basedai/wallets</c>):
/// <c>personalkey.json</c> (the cold key that holds funds and owns Brains) and <c>computekeys/NAME.json</c> (hot keys that
/// miners and validators run with). Every key file is an Ethereum v3 keystore encrypted with a password-derived key, written
/// with mode 0600 in folders with mode 0700. New keys come from BIP-39 mnemonics at <see cref="Bip32Key.EthereumAccountPath"/>,
/// so a personalkey mnemonic restores the same address in any Ethereum wallet.
/// </summary>
public sealed partial class WalletStore
{
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Opens the store at <paramref name="root"/> (created on first write).</summary>
    public WalletStore(string root, ScryptCost? cost = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(root);
        Root = Path.GetFullPath(root);
        Cost = cost ?? ScryptCost.Standard;
    }

    /// <summary>The default root: <c>$BASEDAI_WALLET_PATH</c> or <c>~/.basedai/wallets</c>.</summary>
    public static string DefaultRoot =>
        Environment.GetEnvironmentVariable("BASEDAI_WALLET_PATH") is { Length: > 0 } path
            ? path
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".basedai", "wallets");

    /// <summary>The store's folder.</summary>
    public string Root { get; }

    /// <summary>The scrypt cost used for new key files.</summary>
    public ScryptCost Cost { get; }

    /// <summary>Derives the private key of a BIP-39 mnemonic at a BIP-32 path (default: the first Ethereum account).</summary>
    public static byte[] DerivePrivateKey(string mnemonic, string passphrase = "", string path = Bip32Key.EthereumAccountPath)
    {
        byte[] seed = Bip39.ToSeed(mnemonic, passphrase);
        try
        {
            using Bip32Key key = Bip32Key.FromSeed(seed, path);
            return key.PrivateKey.ToArray();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <summary>Lists the wallets in the store, sorted by name.</summary>
    public IReadOnlyList<WalletInfo> List()
    {
        if (!Directory.Exists(Root))
        {
            return [];
        }
        return Directory.GetDirectories(Root)
            .Select(Path.GetFileName)
            .Where(name => name is not null && NamePattern().IsMatch(name))
            .Order(StringComparer.Ordinal)
            .Select(name => Get(name!))
            .ToList();
    }

    /// <summary>True when a wallet folder exists.</summary>
    public bool Exists(string wallet) => Directory.Exists(WalletFolder(wallet));

    /// <summary>Reads a wallet's public view; throws <see cref="DirectoryNotFoundException"/> when it does not exist.</summary>
    public WalletInfo Get(string wallet)
    {
        string folder = WalletFolder(wallet);
        if (!Directory.Exists(folder))
        {
            throw new DirectoryNotFoundException($"Wallet '{wallet}' does not exist in {Root}.");
        }
        string personalkeyPath = Path.Combine(folder, "personalkey.json");
        EthereumAddress? personalkey = File.Exists(personalkeyPath) ? KeyStore.ReadAddress(File.ReadAllText(personalkeyPath)) : null;
        string computeFolder = Path.Combine(folder, "computekeys");
        var computekeys = new List<ComputekeyInfo>();
        if (Directory.Exists(computeFolder))
        {
            foreach (string file in Directory.GetFiles(computeFolder, "*.json").Order(StringComparer.Ordinal))
            {
                if (KeyStore.ReadAddress(File.ReadAllText(file)) is { } address)
                {
                    computekeys.Add(new ComputekeyInfo(Path.GetFileNameWithoutExtension(file), address));
                }
            }
        }
        return new WalletInfo(wallet, personalkey, computekeys);
    }

    /// <summary>
    /// Creates a wallet with a new personalkey and one computekey, each from its own fresh mnemonic (returned once; never stored).
    /// </summary>
    public (string PersonalkeyMnemonic, string ComputekeyMnemonic) Create(string wallet, string password, string computekey = "default", int words = 12, string? computekeyPassword = null)
    {
        ValidateName(wallet, "wallet");
        ValidateName(computekey, "computekey");
        if (Exists(wallet))
        {
            throw new IOException($"Wallet '{wallet}' already exists in {Root}; pick another name or import into it.");
        }
        string personalMnemonic = Bip39.Generate(words);
        string computeMnemonic = Bip39.Generate(words);
        ImportPersonalkey(wallet, personalMnemonic, password);
        ImportComputekey(wallet, computekey, computeMnemonic, computekeyPassword ?? password);
        return (personalMnemonic, computeMnemonic);
    }

    /// <summary>Adds a new computekey from a fresh mnemonic (returned once).</summary>
    public string AddComputekey(string wallet, string computekey, string password, int words = 12)
    {
        string mnemonic = Bip39.Generate(words);
        ImportComputekey(wallet, computekey, mnemonic, password);
        return mnemonic;
    }

    /// <summary>Stores the personalkey of a mnemonic (at <paramref name="path"/>); refuses to overwrite an existing personalkey.</summary>
    public EthereumAddress ImportPersonalkey(string wallet, string mnemonic, string password, string passphrase = "", string path = Bip32Key.EthereumAccountPath)
    {
        byte[] key = DerivePrivateKey(mnemonic, passphrase, path);
        try
        {
            return ImportPersonalkey(wallet, key, password);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Stores a raw personalkey; refuses to overwrite an existing personalkey.</summary>
    public EthereumAddress ImportPersonalkey(string wallet, ReadOnlySpan<byte> privateKey, string password) =>
        WriteKey(wallet, PersonalkeyPath(wallet), KeyStore.Encrypt(privateKey, password, Cost), EthereumAddress.FromPrivateKey(privateKey));

    /// <summary>Stores the computekey of a mnemonic (at <paramref name="path"/>) under <paramref name="computekey"/>.</summary>
    public EthereumAddress ImportComputekey(string wallet, string computekey, string mnemonic, string password, string passphrase = "", string path = Bip32Key.EthereumAccountPath)
    {
        byte[] key = DerivePrivateKey(mnemonic, passphrase, path);
        try
        {
            return ImportComputekey(wallet, computekey, key, password);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Stores a raw computekey under <paramref name="computekey"/>.</summary>
    public EthereumAddress ImportComputekey(string wallet, string computekey, ReadOnlySpan<byte> privateKey, string password)
    {
        ValidateName(computekey, "computekey");
        return WriteKey(wallet, ComputekeyPath(wallet, computekey), KeyStore.Encrypt(privateKey, password, Cost), EthereumAddress.FromPrivateKey(privateKey));
    }

    /// <summary>Imports an existing v3 key file (from geth, MetaMask, or <see cref="ExportKeyFile"/>) as the personalkey or a computekey, after checking the password opens it.</summary>
    public EthereumAddress ImportKeyFile(string wallet, string keyFileJson, string password, string? computekey = null)
    {
        byte[] key = KeyStore.Decrypt(keyFileJson, password);
        try
        {
            EthereumAddress address = EthereumAddress.FromPrivateKey(key);
            if (KeyStore.ReadAddress(keyFileJson) is { } declared && declared != address)
            {
                throw new FormatException($"Key file declares address {declared} but its key belongs to {address}.");
            }
            string path = computekey is null ? PersonalkeyPath(wallet) : ComputekeyPath(wallet, computekey);
            return WriteKey(wallet, path, keyFileJson, address);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>The encrypted key file text of the personalkey (or a computekey) for export; it stays encrypted.</summary>
    public string ExportKeyFile(string wallet, string? computekey = null)
    {
        string path = computekey is null ? PersonalkeyPath(wallet) : ComputekeyPath(wallet, computekey);
        return File.Exists(path) ? File.ReadAllText(path) : throw new FileNotFoundException($"No {Describe(wallet, computekey)} key file at {path}.", path);
    }

    /// <summary>Decrypts the personalkey. Throws <see cref="WrongPasswordException"/> for a wrong password.</summary>
    public byte[] UnlockPersonalkey(string wallet, string password) => Unlock(wallet, null, password);

    /// <summary>Decrypts a computekey. Throws <see cref="WrongPasswordException"/> for a wrong password.</summary>
    public byte[] UnlockComputekey(string wallet, string computekey, string password) => Unlock(wallet, computekey, password);

    private byte[] Unlock(string wallet, string? computekey, string password)
    {
        string json = ExportKeyFile(wallet, computekey);
        try
        {
            return KeyStore.Decrypt(json, password);
        }
        catch (WrongPasswordException e)
        {
            throw new WrongPasswordException($"wrong password for the {Describe(wallet, computekey)}", e);
        }
    }

    private static string Describe(string wallet, string? computekey) =>
        computekey is null ? $"personalkey of wallet '{wallet}'" : $"computekey '{computekey}' of wallet '{wallet}'";

    private EthereumAddress WriteKey(string wallet, string path, string json, EthereumAddress address)
    {
        ValidateName(wallet, "wallet");
        if (File.Exists(path))
        {
            throw new IOException($"{path} already exists; refusing to overwrite a key.");
        }
        CreateFolder(Root);
        CreateFolder(WalletFolder(wallet));
        CreateFolder(Path.GetDirectoryName(path)!);
        string temporary = path + ".tmp-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));
        var options = new FileStreamOptions { Mode = System.IO.FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode;
        }
        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(json);
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }
        File.Move(temporary, path, overwrite: false);
        return address;
    }

    private static void CreateFolder(string folder)
    {
        if (Directory.Exists(folder))
        {
            return;
        }
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, FolderMode);
        }
    }

    private string WalletFolder(string wallet)
    {
        ValidateName(wallet, "wallet");
        return Path.Combine(Root, wallet);
    }

    private string PersonalkeyPath(string wallet) => Path.Combine(WalletFolder(wallet), "personalkey.json");

    private string ComputekeyPath(string wallet, string computekey)
    {
        ValidateName(computekey, "computekey");
        return Path.Combine(WalletFolder(wallet), "computekeys", computekey + ".json");
    }

    private static void ValidateName(string name, string what)
    {
        if (name is null || !NamePattern().IsMatch(name))
        {
            throw new ArgumentException($"A {what} name is 1 to 64 letters, digits, '_' or '-' (got '{name}').");
        }
    }

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")]
    private static partial Regex NamePattern();
}
