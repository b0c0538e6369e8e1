using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace BasedAI.Network.Tests.Support;

/// <summary>Captures log entries so tests can assert that a peer was cut off with a logged reason.</summary>
public sealed class TestLog : ILoggerProvider, ILoggerFactory
{
    private readonly ConcurrentQueue<(LogLevel Level, string Category, string Message)> _entries = new();

    public IReadOnlyList<(LogLevel Level, string Category, string Message)> Entries => [.. _entries];

    public bool Contains(string fragment, LogLevel minimum = LogLevel.Debug) =>
        _entries.Any(e => e.Level >= minimum && e.Message.Contains(fragment, StringComparison.OrdinalIgnoreCase));

    public async Task<bool> WaitForAsync(string fragment, TimeSpan timeout, LogLevel minimum = LogLevel.Debug)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (Contains(fragment, minimum))
            {
                return true;
            }
            await Task.Delay(20);
        }
        return Contains(fragment, minimum);
    }

    public string Dump() => string.Join('\n', _entries.Select(e => $"{e.Level} {e.Category}: {e.Message}"));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public void Dispose()
    {
    }

    private sealed class Logger(TestLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            log._entries.Enqueue((logLevel, category, formatter(state, exception) + (exception is null ? "" : " | " + exception.Message)));
    }
}
