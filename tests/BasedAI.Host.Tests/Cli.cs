using System.Diagnostics;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;

namespace BasedAI.Host.Tests;

/// <summary>Runs the built <c>basedai</c> executable as a separate process in a private home directory.</summary>
internal sealed class Cli : IDisposable
{
    private static readonly string Root = FindRoot();
    private static readonly string Configuration = typeof(Cli).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";

    public Cli()
    {
        Home = Path.Combine(Path.GetTempPath(), "basedai-cli-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Home);
    }

    public string Home { get; }

    public string PluginsDirectory => Path.Combine(Home, "plugins");

    public static string Executable => Path.Combine(Root, "host", "BasedAI.Host", "bin", Configuration, "net10.0", "basedai.dll");

    public static string TestPlugin(string name) => Path.Combine(Root, "artifacts", "test-plugins", Configuration, "BasedAI.TestPlugins." + name);

    /// <summary>A copy of test plugin <paramref name="name"/> with its manifest edited.</summary>
    public string PluginCopy(string name, string folder, Action<JsonObject> edit)
    {
        string target = Path.Combine(Home, "sources", folder);
        Directory.CreateDirectory(target);
        foreach (string file in Directory.GetFiles(TestPlugin(name)))
        {
            File.Copy(file, Path.Combine(target, Path.GetFileName(file)));
        }
        string manifest = Path.Combine(target, "brain.json");
        var json = JsonNode.Parse(File.ReadAllText(manifest))!.AsObject();
        edit(json);
        File.WriteAllText(manifest, json.ToJsonString());
        return target;
    }

    public Process Start(IEnumerable<string> arguments, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Home,
        };
        start.ArgumentList.Add(Executable);
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["BASEDAI_Host__Home"] = Home;
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }
        return Process.Start(start)!;
    }

    public async Task<(int ExitCode, string Out, string Error)> RunAsync(params string[] arguments) => await RunAsync(arguments, null);

    public async Task<(int ExitCode, string Out, string Error)> RunAsync(string[] arguments, IDictionary<string, string>? environment)
    {
        using var process = Start(arguments, environment);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "BasedAI.Host.sln")))
            {
                return directory.FullName;
            }
        }
        throw new InvalidOperationException("BasedAI.Host.sln not found");
    }

    public void Dispose()
    {
        try { Directory.Delete(Home, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Collects a process's output lines as they arrive so a test can wait for one.</summary>
internal sealed class OutputWatcher
{
    private readonly StringBuilder _text = new();

    public OutputWatcher(Process process)
    {
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Text
    {
        get { lock (_text) { return _text.ToString(); } }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_text) { _text.AppendLine(line); }
        }
    }

    public async Task WaitForAsync(string fragment, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Text.Contains(fragment, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out waiting for '{fragment}'; output so far:\n{Text}");
            await Task.Delay(50);
        }
    }
}
