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
        yield return EvmCommands.Create();
        yield break;
    }
}
