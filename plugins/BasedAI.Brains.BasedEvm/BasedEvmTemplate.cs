using BasedAI.Abstractions;
using BasedAI.Brains.BasedEvm.JsonRpc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BasedAI.Brains.BasedEvm;

/// <summary>
/// The BasedEVM Brain template: runs a local Cancun EVM chain and serves it over Ethereum JSON-RPC on a loopback port
/// (configuration key <c>Port</c>, default 8545, 0 for any free port), so wallets and tools (ethers, Hardhat scripts, Foundry's
/// cast) can deploy and call contracts on the Brain. Also registers the <c>evm.jsonrpc</c> compute task.
/// </summary>
public sealed class BasedEvmTemplate : IBrainTemplate, IAsyncDisposable
{
    private readonly JsonRpcServer _server = new();
    private LocalChain? _chain;
    private BasedEvmOptions? _options;

    /// <summary>The client version reported by web3_clientVersion.</summary>
    public static string ClientVersion { get; } = $"BasedEVM/v{typeof(BasedEvmTemplate).Assembly.GetName().Version?.ToString(3)}/dotnet{Environment.Version}";

    /// <summary>The JSON-RPC endpoint once started (http://127.0.0.1:port/), otherwise null.</summary>
    public Uri? RpcEndpoint => _server.Endpoint;

    /// <inheritdoc />
    public BrainTemplateDescription Describe() =>
        new("BasedEVM", [EvmJsonRpcTask.TaskName], ["evm", "json-rpc", "smart-contracts"]);

    /// <inheritdoc />
    public void ConfigureServices(IBrainRegistrationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        BasedEvmOptions options = BasedEvmOptions.From(context.Host.Configuration);
        _options = options;
        context.Services.AddSingleton(options);
        context.Services.AddSingleton(_ => new LocalChain(options, context.Host.Clock));
        context.Services.AddSingleton(services => new EthJsonRpc(services.GetRequiredService<LocalChain>(), ClientVersion));
        context.AddComputeTask<EvmJsonRpcTask>();
    }

    /// <inheritdoc />
    public async Task StartAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (_options is null)
        {
            throw new InvalidOperationException("ConfigureServices must run before StartAsync.");
        }
        _chain = services.GetRequiredService<LocalChain>();
        await _server.StartAsync(_options.Port, services.GetRequiredService<EthJsonRpc>(), cancellationToken);
        ILogger logger = services.GetRequiredService<ILoggerFactory>().CreateLogger<BasedEvmTemplate>();
        logger.LogInformation("BasedEVM chain {ChainId} serving JSON-RPC on {Endpoint}", _chain.ChainId, _server.Endpoint);
        foreach (GenesisAccount account in _options.Accounts.Where(a => a.PrivateKey is not null))
        {
            logger.LogInformation("Development account {Address} (private key 0x{Key})", account.Address, Convert.ToHexStringLower(account.PrivateKey!));
        }
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => _server.StopAsync(cancellationToken);

    /// <inheritdoc />
    public Task<BrainHealth> CheckHealthAsync(CancellationToken cancellationToken) =>
        Task.FromResult(_server.Endpoint is Uri endpoint && _chain is not null
            ? new BrainHealth(BrainHealthStatus.Healthy, $"JSON-RPC on {endpoint}, head block {_chain.HeadNumber}")
            : new BrainHealth(BrainHealthStatus.Unhealthy, "the JSON-RPC server is not running"));

    /// <inheritdoc />
    public ValueTask DisposeAsync() => _server.DisposeAsync();
}
