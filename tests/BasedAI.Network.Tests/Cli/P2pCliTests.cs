using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.Json;
using BasedAI.Network.Tests.Support;
using Xunit.Abstractions;

namespace BasedAI.Network.Tests.Cli;

/// <summary>Runs the real <c>basedai</c> executable: <c>p2p id|listen|dial</c>, against itself and the js peer.</summary>
[Collection("js-interop")]
public sealed class P2pCliTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("basedai-p2p-").FullName;

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private sealed class Cli : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly ConcurrentQueue<JsonElement> _events = new();
        private readonly ConcurrentQueue<string> _lines = new();

        public Cli(string home, params string[] args)
        {
            var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "basedai.dll"));
            info.ArgumentList.Add("p2p");
            foreach (string arg in args)
            {
                info.ArgumentList.Add(arg);
            }
            info.Environment["BASEDAI_HOME"] = home;
            _process = Process.Start(info)!;
            _process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is null)
                {
                    return;
                }
                _lines.Enqueue(e.Data);
                try
                {
                    using var doc = JsonDocument.Parse(e.Data);
                    _events.Enqueue(doc.RootElement.Clone());
                }
                catch (JsonException)
                {
                    // Usage text after a parse error is not JSON; it stays in the transcript.
                }
            };
            _process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null)
                {
                    _lines.Enqueue("stderr: " + e.Data);
                }
            };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public string Transcript => string.Join('\n', _lines);

        public async Task<JsonElement> WaitForAsync(string name, int seconds = 20)
        {
            var deadline = DateTime.UtcNow.AddSeconds(seconds);
            while (DateTime.UtcNow < deadline)
            {
                JsonElement? match = _events.Cast<JsonElement?>().FirstOrDefault(e => e!.Value.GetProperty("event").GetString() == name);
                if (match is not null)
                {
                    return match.Value;
                }
                await Task.Delay(50);
            }
            throw new TimeoutException($"basedai printed no '{name}' event.\n{Transcript}");
        }

        public async Task<int> ExitCodeAsync(int seconds = 30)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
            await _process.WaitForExitAsync(cts.Token);
            _process.WaitForExit();
            return _process.ExitCode;
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
        }
    }

    [Fact]
    public async Task Id_creates_the_key_once_and_rejects_a_corrupt_key_file()
    {
        await using var first = new Cli(_home, "id");
        Assert.Equal(0, await first.ExitCodeAsync());
        JsonElement created = await first.WaitForAsync("id");
        Assert.True(created.GetProperty("created").GetBoolean());
        await using var second = new Cli(_home, "id");
        Assert.Equal(0, await second.ExitCodeAsync());
        JsonElement shown = await second.WaitForAsync("id");
        Assert.False(shown.GetProperty("created").GetBoolean());
        Assert.Equal(created.GetProperty("peerId").GetString(), shown.GetProperty("peerId").GetString());

        string bad = Path.Combine(_home, "bad.key");
        await File.WriteAllBytesAsync(bad, [1, 2, 3]);
        await using var corrupt = new Cli(_home, "id", "--key-file", bad);
        Assert.Equal(2, await corrupt.ExitCodeAsync());
        Assert.Contains("not a libp2p private key", corrupt.Transcript);
    }

    [Fact]
    public async Task Listen_and_dial_check_connectivity_between_two_hosts()
    {
        await using var listener = new Cli(_home, "listen", "--port", "0", "--topic", "blocks", "--timeout", "30", "--key-file", Path.Combine(_home, "a.key"));
        try
        {
            string address = (await listener.WaitForAsync("listening")).GetProperty("addr").GetString()!;
            Assert.Matches("^/ip4/127.0.0.1/tcp/[0-9]+/p2p/12D3KooW", address);
            await using var dialer = new Cli(_home, "dial", address, "--ping", "2", "--echo", "hello", "--topic", "blocks", "--publish", "block-7", "--key-file", Path.Combine(_home, "b.key"));
            Assert.Equal(0, await dialer.ExitCodeAsync());
            Assert.True((await dialer.WaitForAsync("echo")).GetProperty("ok").GetBoolean());
            Assert.True((await dialer.WaitForAsync("ping")).GetProperty("rttMs").GetDouble() > 0);
            Assert.Equal(1, (await dialer.WaitForAsync("published")).GetProperty("recipients").GetInt32());
            Assert.Equal("block-7", (await listener.WaitForAsync("message")).GetProperty("data").GetString());
            await listener.WaitForAsync("echo");
            await listener.WaitForAsync("ping");
        }
        catch
        {
            output.WriteLine(listener.Transcript);
            throw;
        }
    }

    [Fact]
    public async Task Dial_reaches_the_js_peer()
    {
        await using JsPeer js = await JsPeer.StartAsync("--topic", "cli", "--expect", "1", "--timeout", "20", "--ping-count", "0");
        await using var dialer = new Cli(_home, "dial", js.Address, "--ping", "1", "--echo", "to-js", "--topic", "cli", "--publish", "from-cli");
        try
        {
            Assert.Equal(0, await dialer.ExitCodeAsync());
            Assert.StartsWith("js-libp2p/", (await dialer.WaitForAsync("identify")).GetProperty("agentVersion").GetString());
            Assert.Equal("from-cli", (await js.WaitForAsync("message")).GetProperty("data").GetString());
        }
        catch
        {
            output.WriteLine(dialer.Transcript);
            output.WriteLine(js.Transcript());
            throw;
        }
    }

    [Theory]
    [InlineData(3, "dial", "/ip4/127.0.0.1/tcp/1", "--timeout", "3")]
    [InlineData(2, "dial", "/ip4/1.2.3/tcp/1")]
    [InlineData(2, "dial", "/ip4/127.0.0.1/tcp/1", "--key-type", "rsa")]
    [InlineData(1, "dial", "/ip4/127.0.0.1/tcp/1", "--publish", "x")]
    [InlineData(1, "listen", "--port", "70000")]
    public async Task Failures_exit_non_zero_with_a_reason(int exitCode, params string[] args)
    {
        await using var cli = new Cli(_home, args);
        Assert.Equal(exitCode, await cli.ExitCodeAsync());
        Assert.Contains("stderr:", cli.Transcript);
    }
}
