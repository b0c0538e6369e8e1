using System.CommandLine;
using System.Globalization;
using System.Text;
using BasedAI.Abstractions;
using BasedAI.Host.Hosting;
using BasedAI.Plugins;
using BasedAI.Plugins.Hosting;
using BasedAI.Plugins.Manifest;
using BasedAI.Plugins.Runtime;
using Microsoft.Extensions.Configuration;

namespace BasedAI.Host.Commands;

/// <summary><c>basedai plugins list|install|remove|swap|inspect</c>: manage the plugins directory a host runs.</summary>
internal static class PluginsCommands
{
    public static Command Create()
    {
        var command = new Command("plugins", "Manage Brain template plugins: list, install, remove, hot swap and inspect them. " +
            "A running host watching the same plugins directory applies every change live.");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Install());
        command.Subcommands.Add(Swap());
        command.Subcommands.Add(Remove());
        command.Subcommands.Add(Inspect());
        return command;
    }

    private static Command List()
    {
        var home = HostOptionsBinding.Home();
        var pluginsDirectory = HostOptionsBinding.PluginsDirectory();
        var command = new Command("list", "List the plugins installed in the plugins directory (invalid ones with the reason).") { home, pluginsDirectory };
        command.SetHandler(parseResult =>
        {
            var directory = new PluginDirectory(HostConfiguration.PluginsDirectory(HostOptionsBinding.Configuration(parseResult, home, pluginsDirectory)));
            var plugins = directory.List();
            Console.WriteLine($"{plugins.Count} plugin(s) in {directory.Path}");
            foreach (var plugin in plugins)
            {
                Console.WriteLine(plugin.Manifest is { } m
                    ? $"  {m.Id,-32} {m.Version,-14} {m.DisplayName}  [{Path.GetFileName(plugin.Folder)}]"
                    : $"  {Path.GetFileName(plugin.Folder),-32} INVALID        {plugin.Error}");
            }
            return plugins.Any(p => p.Manifest is null) ? ExitCodes.InvalidInput : ExitCodes.Success;
        });
        return command;
    }

    private static Command Install() => InstallOrSwap(swap: false);

    private static Command Swap() => InstallOrSwap(swap: true);

    private static Command InstallOrSwap(bool swap)
    {
        var home = HostOptionsBinding.Home();
        var pluginsDirectory = HostOptionsBinding.PluginsDirectory();
        var brain = new Argument<string>("brain") { Description = "The id of the installed plugin (the Brain's task) to replace." };
        var source = new Argument<string>("source") { Description = "A plugin folder (with brain.json and its build output), or a .nupkg/.zip holding one." };
        var noVerify = new Option<bool>("--no-verify") { Description = "Skip the trial load (load, start, health check, run, unload) before copying." };
        var task = new Option<string?>("--task") { Description = "During the trial, run this compute task once (default: the plugin's first task)." };
        var payload = new Option<string>("--payload") { Description = "UTF-8 payload for the trial work item.", DefaultValueFactory = _ => "basedai trial" };
        var command = swap
            ? new Command("swap", "Hot swap a plugin to a new version: verify it, then atomically replace its folder. A host watching the " +
                "directory loads the new version beside the old, health-checks it, switches, drains and unloads the old one; on failure it rolls back.")
            { brain, source }
            : new Command("install", "Install a plugin: validate its manifest, trial-load it (load, start, health check, run one work item, " +
                "verified unload), then copy it into the plugins directory, where a running host picks it up.")
            { source };
        foreach (var option in new Option[] { home, pluginsDirectory, noVerify, task, payload })
        {
            command.Options.Add(option);
        }
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            var configuration = HostOptionsBinding.Configuration(parseResult, home, pluginsDirectory);
            var directory = new PluginDirectory(HostConfiguration.PluginsDirectory(configuration));
            try
            {
                using var staged = directory.Stage(parseResult.GetValue(source)!);
                var manifest = staged.Manifest;
                if (swap && manifest.Id != parseResult.GetValue(brain))
                {
                    throw new PluginLoadException(PluginErrorKind.Conflict, staged.Folder, manifest.Id,
                        $"plugin ids are immutable: the new version is '{manifest.Id}', not '{parseResult.GetValue(brain)}'");
                }
                if (swap && directory.Find(manifest.Id) is null)
                {
                    throw new PluginLoadException(PluginErrorKind.Conflict, staged.Folder, manifest.Id, $"'{manifest.Id}' is not installed; use 'basedai plugins install'");
                }
                Console.WriteLine($"{manifest.Id} {manifest.Version}: {manifest.DisplayName}");
                if (manifest.Permissions.Count > 0)
                {
                    Console.WriteLine($"  permissions requested: {string.Join(", ", manifest.Permissions)}");
                }
                if (!parseResult.GetValue(noVerify))
                {
                    await TrialAsync(configuration, staged.Folder, parseResult.GetValue(task), parseResult.GetValue(payload)!, cancellationToken);
                }
                var previous = directory.Find(manifest.Id)?.Manifest?.Version;
                string folder = directory.Commit(staged, replace: swap);
                Console.WriteLine(swap
                    ? $"swapped {manifest.Id} {previous} -> {manifest.Version} in {folder}; a host watching {directory.Path} switches to it after its own health check, or keeps {previous} if that fails"
                    : $"installed {manifest.Id} {manifest.Version} into {folder}");
                return ExitCodes.Success;
            }
            catch (PluginLoadException e)
            {
                return HostOptionsBinding.Report(e);
            }
        });
        return command;
    }

    private static Command Remove()
    {
        var home = HostOptionsBinding.Home();
        var pluginsDirectory = HostOptionsBinding.PluginsDirectory();
        var id = new Argument<string>("brain") { Description = "The id of the plugin to remove." };
        var command = new Command("remove", "Remove an installed plugin; a host watching the directory drains and unloads it.") { id, home, pluginsDirectory };
        command.SetHandler(parseResult =>
        {
            var directory = new PluginDirectory(HostConfiguration.PluginsDirectory(HostOptionsBinding.Configuration(parseResult, home, pluginsDirectory)));
            if (directory.Find(parseResult.GetValue(id)!) is null)
            {
                Console.Error.WriteLine($"error: no plugin with id '{parseResult.GetValue(id)}' is installed in '{directory.Path}'");
                return ExitCodes.Unavailable;
            }
            string folder = directory.Remove(parseResult.GetValue(id)!);
            Console.WriteLine($"removed {parseResult.GetValue(id)} ({folder})");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Inspect()
    {
        var home = HostOptionsBinding.Home();
        var pluginsDirectory = HostOptionsBinding.PluginsDirectory();
        var target = new Argument<string>("plugin") { Description = "An installed plugin id, or a plugin folder / .nupkg / .zip." };
        var load = new Option<bool>("--load") { Description = "Also trial-load it: report its compute tasks, health and unload." };
        var command = new Command("inspect", "Show a plugin's manifest (validated), files and, with --load, what it does when loaded.") { target, home, pluginsDirectory, load };
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            var configuration = HostOptionsBinding.Configuration(parseResult, home, pluginsDirectory);
            var directory = new PluginDirectory(HostConfiguration.PluginsDirectory(configuration));
            string value = parseResult.GetValue(target)!;
            try
            {
                string source = Directory.Exists(value) || File.Exists(value) ? value
                    : directory.Find(value)?.Folder ?? throw new FileNotFoundException($"'{value}' is neither an installed plugin id in {directory.Path} nor a folder or package");
                using var staged = directory.Stage(source);
                Print(staged.Manifest, staged.Folder);
                if (parseResult.GetValue(load))
                {
                    await TrialAsync(configuration, staged.Folder, null, "basedai inspect", cancellationToken);
                }
                return ExitCodes.Success;
            }
            catch (PluginLoadException e)
            {
                return HostOptionsBinding.Report(e);
            }
        });
        return command;
    }

    private static void Print(PluginManifest manifest, string folder)
    {
        Console.WriteLine($"id:           {manifest.Id}");
        Console.WriteLine($"version:      {manifest.Version}");
        Console.WriteLine($"name:         {manifest.DisplayName}");
        if (manifest.Description is { } description) { Console.WriteLine($"description:  {description}"); }
        if (manifest.Authors.Count > 0) { Console.WriteLine($"authors:      {string.Join(", ", manifest.Authors)}"); }
        Console.WriteLine($"apiVersion:   {manifest.ApiVersion} (host implements {PluginApi.Version}: {(PluginManifestReader.IsApiVersionSupported(manifest.ApiVersion, out string why) ? "compatible" : why)})");
        Console.WriteLine($"hostVersion:  {manifest.HostVersion ?? "any"} (this host is {PluginRuntime.DefaultHostVersion})");
        Console.WriteLine($"entry:        {manifest.Entry.Type} in {manifest.Entry.Assembly}");
        Console.WriteLine($"capabilities: {(manifest.Capabilities.Count > 0 ? string.Join(", ", manifest.Capabilities) : "none")}");
        Console.WriteLine($"permissions:  {(manifest.Permissions.Count > 0 ? string.Join(", ", manifest.Permissions) : "none")}");
        Console.WriteLine($"dependencies: {(manifest.Dependencies.Count > 0 ? string.Join(", ", manifest.Dependencies.Select(d => $"{d.Id} {d.Version ?? "any"}{(d.Optional ? " (optional)" : "")}")) : "none")}");
        Console.WriteLine($"unloadable:   {(manifest.Unloadable ? "yes (hot swappable)" : "no (pinned until restart)")}");
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Select(f => new FileInfo(f)).ToList();
        Console.WriteLine($"files:        {files.Count}, {files.Sum(f => f.Length).ToString("N0", CultureInfo.InvariantCulture)} bytes");
    }

    /// <summary>
    /// Loads the plugin in a throw-away runtime (its own versioned copies and data directory), runs one work item, and verifies
    /// that it unloads: the same gate the host applies before switching traffic, run before anything is copied.
    /// </summary>
    internal static async Task TrialAsync(IConfiguration configuration, string folder, string? taskName, string payload, CancellationToken cancellationToken)
    {
        string scratch = Path.Combine(Path.GetTempPath(), "basedai-trial-" + Guid.NewGuid().ToString("N")[..12]);
        var options = HostConfiguration.RuntimeOptions(configuration);
        options.ShadowDirectory = Path.Combine(scratch, "shadow");
        options.DataDirectory = Path.Combine(scratch, "data");
        // The trial reports its outcome on stdout; only warnings and errors from the plugin and loader go to the log.
        using var loggerFactory = BasedAIHost.CreateLoggerFactory(configuration, Microsoft.Extensions.Logging.LogLevel.Warning);
        try
        {
            var runtime = new PluginRuntime(options, loggerFactory, configuration);
            await using (runtime.ConfigureAwait(false))
            {
                var status = await runtime.LoadAsync(folder, cancellationToken);
                Console.WriteLine($"  loaded: tasks [{string.Join(", ", status.ComputeTasks)}], health {status.Health.Status}{(status.Health.Description is { } d ? $" ({d})" : "")}");
                string? task = taskName ?? (status.ComputeTasks.Count > 0 ? status.ComputeTasks[0] : null);
                if (task is not null)
                {
                    var result = await runtime.ExecuteAsync(status.Id, new WorkItem("trial", task, Encoding.UTF8.GetBytes(payload)), null, cancellationToken);
                    Console.WriteLine($"  ran {task}: {Describe(result.Payload.Span)}");
                }
                var report = await runtime.RemoveAsync(status.Id, cancellationToken);
                Console.WriteLine($"  {report.Describe()}");
                if (!report.Unloaded)
                {
                    throw new PluginLoadException(PluginErrorKind.Conflict, folder, status.Id, "it does not unload cleanly, so it cannot be hot swapped; fix the leak above");
                }
            }
        }
        finally
        {
            try { Directory.Delete(scratch, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>Results are bytes: shown as text when they are printable UTF-8, otherwise as hex.</summary>
    internal static string Describe(ReadOnlySpan<byte> payload)
    {
        try
        {
            string text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(payload);
            if (!text.Any(c => char.IsControl(c) && c is not ('\n' or '\r' or '\t')))
            {
                return text.Length > 200 ? text[..200] + "…" : text;
            }
        }
        catch (DecoderFallbackException)
        {
        }
        return $"{payload.Length} bytes 0x{Convert.ToHexString(payload[..Math.Min(payload.Length, 32)])}{(payload.Length > 32 ? "…" : "")}";
    }
}
