using System.CommandLine;

namespace BasedAI.Host.Commands;

/// <summary>
/// The top-level command groups. Each capability contributes one module (a static class in this folder
/// with a <c>Create()</c> method) and one line here.
/// </summary>
internal static class CommandModules
{
    public static IEnumerable<Command> Create()
    {
        yield return RunCommands.Create();
        yield return PluginsCommands.Create();
        foreach (Command command in LedgerCommands.Create())
        {
            yield return command;
        }
        yield return ModelCommands.Create();
        yield return P2pCommands.Create();
        foreach (Command command in NetworkCommands.Create())
        {
            yield return command;
        }
        yield return PromptCommands.Create();
        yield return DevnetCommands.Create();
        yield return FheCommands.Create();
        yield return EvmCommands.Create();
        yield return SqueezeCommands.Create();
    }
}
