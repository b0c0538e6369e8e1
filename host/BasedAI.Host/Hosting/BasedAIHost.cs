using BasedAI.Plugins.Hosting;
using BasedAI.Plugins.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace BasedAI.Host.Hosting;

/// <summary>The composition root: the generic host with logging, the plugin runtime and the plugin host service.</summary>
internal static class BasedAIHost
{
    public static IHost Build(IConfiguration configuration) => Build(configuration, null);

    /// <summary>The host with extra services (network roles) registered after the plugin host, so they stop before it.</summary>
    public static IHost Build(IConfiguration configuration, Action<IServiceCollection>? configure)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings
        {
            EnvironmentName = Environment.GetEnvironmentVariable("BASEDAI_ENVIRONMENT") ?? Environments.Production,
            ContentRootPath = Directory.GetCurrentDirectory(),
        });
        builder.Configuration.AddConfiguration(configuration);
        AddLogging(builder.Logging, configuration);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(HostConfiguration.HostOptions(configuration));
        builder.Services.AddSingleton(HostConfiguration.RuntimeOptions(configuration));
        builder.Services.AddSingleton(provider => new PluginRuntime(
            provider.GetRequiredService<PluginRuntimeOptions>(),
            provider.GetRequiredService<ILoggerFactory>(),
            provider.GetRequiredService<IConfiguration>(),
            provider.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<PluginHostService>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<PluginHostService>());
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = TimeSpan.FromSeconds(90));
        configure?.Invoke(builder.Services);
        return builder.Build();
    }

    /// <summary>Structured logs on stderr (stdout stays for command output): one line per event, or JSON with <c>Logging:Format=json</c>.</summary>
    public static void AddLogging(ILoggingBuilder logging, IConfiguration configuration)
    {
        logging.ClearProviders();
        logging.AddConfiguration(configuration.GetSection("Logging"));
        logging.AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
        if (string.Equals(configuration["Logging:Format"], "json", StringComparison.OrdinalIgnoreCase))
        {
            logging.AddJsonConsole(options => options.TimestampFormat = "O");
        }
        else
        {
            logging.AddSimpleConsole(options =>
            {
                options.SingleLine = true;
                options.TimestampFormat = "HH:mm:ss.fff ";
                options.ColorBehavior = LoggerColorBehavior.Disabled;
            });
        }
    }

    /// <summary>A logger factory for commands that do not start the host.</summary>
    public static ILoggerFactory CreateLoggerFactory(IConfiguration configuration, LogLevel minimum) =>
        LoggerFactory.Create(logging =>
        {
            AddLogging(logging, configuration);
            logging.SetMinimumLevel(minimum);
            logging.AddFilter((_, level) => level >= minimum);
        });
}
