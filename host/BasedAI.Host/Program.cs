using System.CommandLine;
using BasedAI.Host.Commands;

var root = new RootCommand("basedai: the BasedAI.Host command line (plugins, models, FHE, networking, ledger, devnet).");
foreach (Command command in CommandModules.Create())
{
    root.Subcommands.Add(command);
}
return await root.Parse(args).InvokeAsync();
