using BasedAI.Abstractions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace BasedBrain1.Tests;

/// <summary>
/// Runs a template the way BasedAI.Host does (ConfigureServices, build its container, StartAsync, health, tasks, StopAsync),
/// in-process and without loading contexts, so its logic can be unit tested. `basedai plugins install` tests the real loading.
/// </summary>
internal sealed class TestHost : IBrainHostContext, IBrainRegistrationContext, IAsyncDisposable
{
    private readonly IBrainTemplate _template;
    private ServiceProvider? _services;

    public TestHost(IBrainTemplate template, IDictionary<string, string?>? configuration = null)
    {
        _template = template;
        Configuration = new ConfigurationBuilder().AddInMemoryCollection(configuration ?? new Dictionary<string, string?>()).Build();
        Services.AddSingleton<IBrainHostContext>(this);
        Services.AddSingleton(LoggerFactory);
        Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        Services.AddSingleton(Configuration);
        Services.AddSingleton(Clock);
    }

    public string PluginId => "test.plugin";
    public string PluginVersion => "0.0.0-test";
    public int? BrainId => null;
    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("basedbrain-test-").FullName;
    public IConfiguration Configuration { get; }
    public ILoggerFactory LoggerFactory => NullLoggerFactory.Instance;
    public TimeProvider Clock => TimeProvider.System;
    public IServiceCollection Services { get; } = new ServiceCollection();
    public IBrainHostContext Host => this;

    public void AddComputeTask<TTask>() where TTask : class, IComputeTask
    {
        Services.AddSingleton<TTask>();
        Services.AddSingleton<IComputeTask>(provider => provider.GetRequiredService<TTask>());
    }

    public async Task<BrainHealth> StartAsync()
    {
        _template.ConfigureServices(this);
        _services = Services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        await _template.StartAsync(_services, CancellationToken.None);
        return await _template.CheckHealthAsync(CancellationToken.None);
    }

    public IComputeTask Task(string name) =>
        _services!.GetServices<IComputeTask>().Single(t => t.Name == name);

    public async ValueTask DisposeAsync()
    {
        await _template.StopAsync(CancellationToken.None);
        if (_services is not null)
        {
            await _services.DisposeAsync();
        }
        Directory.Delete(DataDirectory, recursive: true);
    }
}
