using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using BasedAI.Abstractions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BasedAI.Brains.BasedEvm.Tests;

/// <summary>Runs the template the way the host does (Describe, ConfigureServices, StartAsync … StopAsync) and talks JSON-RPC to it.</summary>
internal sealed class TemplateHarness : IAsyncDisposable
{
    private readonly HttpClient _http = new();
    private int _nextId = 1;

    public BasedEvmTemplate Template { get; } = new();
    public IServiceProvider Services { get; private set; } = null!;
    public Uri Endpoint => Template.RpcEndpoint ?? throw new InvalidOperationException("not started");

    /// <summary>The funded test key used by the tests (its address is <see cref="Sender"/>).</summary>
    public static readonly byte[] Key = Convert.FromHexString("4646464646464646464646464646464646464646464646464646464646464646");
    public static readonly BasedAI.Evm.Primitives.Address Sender =
        new(BasedAI.Crypto.EthereumAddress.FromPrivateKey(Key).Bytes);
    public const ulong ChainId = 1337;

    public static async Task<TemplateHarness> StartAsync(Dictionary<string, string?>? settings = null)
    {
        var harness = new TemplateHarness();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings ?? new Dictionary<string, string?>
        {
            ["Port"] = "0",
            ["ChainId"] = ChainId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Accounts:0:PrivateKey"] = "0x" + Convert.ToHexString(Key),
            ["Accounts:0:Balance"] = "1000000000000000000000",
        }).Build();
        var host = new HostContext(configuration);
        var registration = new RegistrationContext(host);
        harness.Template.Describe();
        harness.Template.ConfigureServices(registration);
        harness.Services = registration.Services.BuildServiceProvider();
        await harness.Template.StartAsync(harness.Services, CancellationToken.None);
        return harness;
    }

    /// <summary>Sends one request and returns the parsed response object.</summary>
    public async Task<JsonElement> RequestAsync(string method, params object?[] parameters)
    {
        string body = JsonSerializer.Serialize(new { jsonrpc = "2.0", id = _nextId++, method, @params = parameters });
        return await PostAsync(body);
    }

    public async Task<JsonElement> PostAsync(string body)
    {
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using HttpResponseMessage response = await _http.PostAsync(Endpoint, content);
        string text = await response.Content.ReadAsStringAsync();
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>The result of a call that must succeed.</summary>
    public async Task<JsonElement> ResultAsync(string method, params object?[] parameters)
    {
        JsonElement response = await RequestAsync(method, parameters);
        if (response.TryGetProperty("error", out JsonElement error))
        {
            throw new InvalidOperationException($"{method} failed: {error}");
        }
        return response.GetProperty("result");
    }

    public async ValueTask DisposeAsync()
    {
        await Template.StopAsync(CancellationToken.None);
        await Template.DisposeAsync();
        _http.Dispose();
        if (Services is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }

    private sealed class HostContext(IConfiguration configuration) : IBrainHostContext
    {
        public string PluginId => "ai.based.evm";
        public string PluginVersion => "0.1.0";
        public int? BrainId => 1;
        public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "basedevm-tests");
        public IConfiguration Configuration => configuration;
        public ILoggerFactory LoggerFactory => NullLoggerFactory.Instance;
        public TimeProvider Clock => TimeProvider.System;
    }

    private sealed class RegistrationContext : IBrainRegistrationContext
    {
        public RegistrationContext(IBrainHostContext host)
        {
            Host = host;
            Services.AddSingleton(host);
            Services.AddSingleton(host.Configuration);
            Services.AddSingleton(host.LoggerFactory);
            Services.AddSingleton(host.Clock);
        }

        public IServiceCollection Services { get; } = new ServiceCollection();
        public IBrainHostContext Host { get; }

        public void AddComputeTask<TTask>() where TTask : class, IComputeTask =>
            Services.AddSingleton<IComputeTask, TTask>();
    }
}
