using System.CommandLine;

namespace BasedAI.Host.Commands;

/// <summary>
/// Wraps command handlers so every command reports errors the same way: one clear line on stderr and a meaningful exit code,
/// never a stack trace for bad input.
/// </summary>
internal static class CommandAction
{
    /// <summary>Sets <paramref name="handler"/> as the action of <paramref name="command"/>, mapping exceptions to <see cref="ExitCodes"/>.</summary>
    public static void SetHandler(this Command command, Func<ParseResult, CancellationToken, Task<int>> handler)
    {
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            try
            {
                return await handler(parseResult, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Console.Error.WriteLine("cancelled");
                return ExitCodes.Cancelled;
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.Unavailable;
            }
            catch (Exception e) when (e is FormatException or InvalidDataException or ArgumentException or System.Text.Json.JsonException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.InvalidInput;
            }
            catch (Exception e) when (e is IOException or TimeoutException or UnauthorizedAccessException or InvalidOperationException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.Failure;
            }
        });
    }

    /// <summary>Synchronous convenience overload.</summary>
    public static void SetHandler(this Command command, Func<ParseResult, int> handler) =>
        command.SetHandler((parseResult, _) => Task.FromResult(handler(parseResult)));
}
