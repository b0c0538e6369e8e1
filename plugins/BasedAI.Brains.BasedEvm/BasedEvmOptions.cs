using System.Globalization;
using BasedAI.Crypto;
using BasedAI.Evm.Numerics;
using BasedAI.Evm.Primitives;
using Microsoft.Extensions.Configuration;

namespace BasedAI.Brains.BasedEvm;

/// <summary>A genesis account: its address, balance, and the private key when it is a development account the node reports.</summary>
/// <param name="Address">The account.</param>
/// <param name="Balance">Its genesis balance in wei.</param>
/// <param name="PrivateKey">The key for development accounts; null for plain allocations.</param>
internal sealed record GenesisAccount(Address Address, UInt256 Balance, byte[]? PrivateKey);

/// <summary>Settings of the BasedEVM template, read from the plugin's configuration section.</summary>
internal sealed record BasedEvmOptions
{
    public const int DefaultPort = 8545;
    public const ulong DefaultChainId = 32323;

    /// <summary>Loopback port (0 = any free port).</summary>
    public int Port { get; init; } = DefaultPort;

    public ulong ChainId { get; init; } = DefaultChainId;

    public long BlockGasLimit { get; init; } = 30_000_000;

    public UInt256 InitialBaseFee { get; init; } = new(1_000_000_000);

    public Address Coinbase { get; init; } = Address.Parse("0xc014ba5ec014ba5ec014ba5ec014ba5ec014ba5e");

    public IReadOnlyList<GenesisAccount> Accounts { get; init; } = DevelopmentAccounts();

    /// <summary>Ten development accounts with 10 000 ether each; key i is keccak("BasedEVM development account i").</summary>
    public static IReadOnlyList<GenesisAccount> DevelopmentAccounts()
    {
        var accounts = new List<GenesisAccount>();
        UInt256 balance = UInt256.Parse("10000000000000000000000");
        for (int i = 0; i < 10; i++)
        {
            byte[] key = Keccak256.Hash(System.Text.Encoding.ASCII.GetBytes($"BasedEVM development account {i}"));
            accounts.Add(new GenesisAccount(new Address(EthereumAddress.FromPrivateKey(key).Bytes), balance, key));
        }
        return accounts;
    }

    /// <summary>Reads options; throws <see cref="FormatException"/> naming the setting that is malformed.</summary>
    public static BasedEvmOptions From(IConfiguration configuration)
    {
        var options = new BasedEvmOptions();
        if (configuration["Port"] is string port)
        {
            options = options with { Port = int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out int p) && p <= 65535 ? p : throw Bad("Port", port) };
        }
        if (configuration["ChainId"] is string chainId)
        {
            options = options with { ChainId = ulong.TryParse(chainId, NumberStyles.None, CultureInfo.InvariantCulture, out ulong c) && c > 0 ? c : throw Bad("ChainId", chainId) };
        }
        if (configuration["BlockGasLimit"] is string gasLimit)
        {
            options = options with { BlockGasLimit = long.TryParse(gasLimit, NumberStyles.None, CultureInfo.InvariantCulture, out long g) && g >= 21000 ? g : throw Bad("BlockGasLimit", gasLimit) };
        }
        if (configuration["InitialBaseFee"] is string baseFee)
        {
            options = options with { InitialBaseFee = UInt256.TryParse(baseFee, out UInt256 f) ? f : throw Bad("InitialBaseFee", baseFee) };
        }
        if (configuration["Coinbase"] is string coinbase)
        {
            options = options with { Coinbase = Address.TryParse(coinbase, out Address a) ? a : throw Bad("Coinbase", coinbase) };
        }
        IConfigurationSection accounts = configuration.GetSection("Accounts");
        if (accounts.GetChildren().Any())
        {
            var list = new List<GenesisAccount>();
            foreach (IConfigurationSection account in accounts.GetChildren())
            {
                list.Add(ReadAccount(account));
            }
            options = options with { Accounts = list };
        }
        return options;
    }

    private static GenesisAccount ReadAccount(IConfigurationSection section)
    {
        string where = $"Accounts:{section.Key}";
        string balanceText = section["Balance"] ?? throw new FormatException($"{where}: Balance is required.");
        UInt256 balance = UInt256.TryParse(balanceText, out UInt256 b) ? b : throw Bad($"{where}:Balance", balanceText);
        if (section["PrivateKey"] is string keyText)
        {
            byte[] key;
            try
            {
                key = Convert.FromHexString(keyText.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? keyText[2..] : keyText);
            }
            catch (FormatException)
            {
                throw Bad($"{where}:PrivateKey", "(hidden)");
            }
            if (!Secp256k1.IsValidPrivateKey(key))
            {
                throw new FormatException($"{where}:PrivateKey is not a valid secp256k1 private key.");
            }
            return new GenesisAccount(new Address(EthereumAddress.FromPrivateKey(key).Bytes), balance, key);
        }
        string addressText = section["Address"] ?? throw new FormatException($"{where}: Address or PrivateKey is required.");
        return new GenesisAccount(Address.TryParse(addressText, out Address address) ? address : throw Bad($"{where}:Address", addressText), balance, null);
    }

    private static FormatException Bad(string setting, string value) => new($"Setting {setting} has an invalid value '{value}'.");
}
