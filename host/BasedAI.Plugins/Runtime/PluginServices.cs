using BasedAI.Abstractions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BasedAI.Plugins.Runtime;

/// <summary>The host services given to one plugin version.</summary>
internal sealed class PluginHostContext(string pluginId, string pluginVersion, int? brainId, string dataDirectory,
    IConfiguration configuration, ILoggerFactory loggerFactory, TimeProvider clock) : IBrainHostContext
{
    public string PluginId { get; } = pluginId;
    public string PluginVersion { get; } = pluginVersion;
    public int? BrainId { get; } = brainId;
    public string DataDirectory { get; } = dataDirectory;
    public IConfiguration Configuration { get; } = configuration;
    public ILoggerFactory LoggerFactory { get; } = loggerFactory;
    public TimeProvider Clock { get; } = clock;
}

/// <summary>The registration surface handed to <see cref="IBrainTemplate.ConfigureServices"/>.</summary>
internal sealed class PluginRegistrationContext : IBrainRegistrationContext
{
    public PluginRegistrationContext(IBrainHostContext host)
    {
        Host = host;
        Services = new ServiceCollection();
        Services.AddSingleton(host);
        Services.AddSingleton(host.LoggerFactory);
        Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        Services.AddSingleton(host.Configuration);
        Services.AddSingleton(host.Clock);
    }

    public IServiceCollection Services { get; }

    public IBrainHostContext Host { get; }

    public void AddComputeTask<TTask>() where TTask : class, IComputeTask
    {
        Services.AddSingleton<TTask>();
        Services.AddSingleton<IComputeTask>(static provider => provider.GetRequiredService<TTask>());
    }
}

/// <summary>
/// A plugin's view of the host's logging: categories are prefixed with the plugin id, and the plugin cannot add providers to
/// (or dispose) the host's factory, which would otherwise keep the plugin's context alive after unload.
/// </summary>
internal sealed class PluginLoggerFactory(ILoggerFactory host, string pluginId) : ILoggerFactory
{
    public ILogger CreateLogger(string categoryName) => host.CreateLogger($"{pluginId}/{categoryName}");

    public void AddProvider(ILoggerProvider provider) =>
        throw new InvalidOperationException($"plugin {pluginId} may not add logging providers to the host; logging is configured by the host");

    public void Dispose()
    {
        // The host owns the factory.
    }
}
