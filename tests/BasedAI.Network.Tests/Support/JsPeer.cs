using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace BasedAI.Network.Tests.Support;

/// <summary>
/// Drives the js-libp2p reference peer (peer.mjs): starts node with arguments, collects its JSON-line events.
/// </summary>
public sealed class JsPeer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<JsonElement> _events = new();
    private readonly StringBuilder _stderr = new();
    private readonly StringBuilder _stdout = new();
    private readonly SemaphoreSlim _arrived = new(0);

    private JsPeer(Process process) => _process = process;

    public IReadOnlyList<JsonElement> Events => [.. _events];

    public string PeerId { get; private set; } = "";

    public string Address { get; private set; } = "";

    /// <summary>
    /// Finds peer.mjs: the CI copy under artifacts/ (installed by scripts/test.sh), else the shared folder when its
    /// node_modules is installed. A missing peer is a failure with instructions, never a silent skip.
    /// </summary>
    public static string LocateScript()
    {
        string root = RepositoryRoot();
        string[] candidates =
        [
            Path.Combine(root, "artifacts", "interop", "libp2p"),
            Path.GetFullPath(Path.Combine(root, "..", "shared", "interop", "libp2p")),
        ];
        foreach (string dir in candidates)
        {
            if (Directory.Exists(Path.Combine(dir, "node_modules")) && File.Exists(Path.Combine(dir, "peer.mjs")))
            {
                return Path.Combine(dir, "peer.mjs");
            }
        }
        throw new InvalidOperationException(
            "The js-libp2p interop peer is not installed. Looked for node_modules in: " + string.Join(", ", candidates) +
            ". Run scripts/test.sh (which copies ../shared/interop/libp2p to artifacts/interop/libp2p and runs npm ci there)" +
            (Environment.GetEnvironmentVariable("CI") == "true" ? " — in CI a missing peer fails the interop tests." : "."));
    }

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "BasedAI.Host.sln")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("BasedAI.Host.sln not found above " + AppContext.BaseDirectory);
    }

    public static async Task<JsPeer> StartAsync(params string[] args)
    {
        string script = LocateScript();
        var info = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(script)!,
        };
        info.ArgumentList.Add(script);
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var peer = new JsPeer(process);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }
            lock (peer._stdout)
            {
                peer._stdout.AppendLine(e.Data);
            }
            try
            {
                using var doc = JsonDocument.Parse(e.Data);
                peer._events.Enqueue(doc.RootElement.Clone());
                peer._arrived.Release();
            }
            catch (JsonException)
            {
                // peer.mjs prints only JSON on stdout; anything else is kept in the transcript.
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (peer._stderr)
                {
                    peer._stderr.AppendLine(e.Data);
                }
            }
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        JsonElement listening = await peer.WaitForAsync("listening", timeoutSeconds: 30);
        peer.PeerId = listening.GetProperty("peerId").GetString()!;
        peer.Address = listening.GetProperty("addr").GetString()!;
        return peer;
    }

    public async Task<JsonElement> WaitForAsync(string eventName, Func<JsonElement, bool>? predicate = null, int timeoutSeconds = 20)
    {
        var deadline = DateTime.UtcNow.AddSeconds(timeoutSeconds);
        while (true)
        {
            foreach (JsonElement e in _events)
            {
                if (e.GetProperty("event").GetString() == eventName && (predicate is null || predicate(e)))
                {
                    return e;
                }
            }
            TimeSpan left = deadline - DateTime.UtcNow;
            if (_process.HasExited && _arrived.CurrentCount == 0)
            {
                // Drain what the exited process printed last, then give up at once.
                _process.WaitForExit();
                if (!_events.Any(e => e.GetProperty("event").GetString() == eventName && (predicate is null || predicate(e))))
                {
                    throw new InvalidOperationException($"js peer exited (code {_process.ExitCode}) without a '{eventName}' event.\n{Transcript()}");
                }
                continue;
            }
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"js peer: no '{eventName}' event within {timeoutSeconds} s.\n{Transcript()}");
            }
            await _arrived.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    public async Task<int> WaitForExitAsync(int timeoutSeconds = 60)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public string Transcript()
    {
        lock (_stdout)
        {
            lock (_stderr)
            {
                return "--- js stdout\n" + _stdout + "--- js stderr\n" + _stderr;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        _process.Dispose();
        _arrived.Dispose();
    }
}
