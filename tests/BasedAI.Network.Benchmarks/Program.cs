using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using BasedAI.Network;
using BasedAI.Network.Identity;

// Network benchmark: connection setup latency (TCP + Noise + Yamux), single-stream throughput and 100 concurrent streams,
// for C#→C#, C#→JS, JS→C# and JS→JS in one run. Every server runs in its own process; the C# dialer runs here,
// the JS dialer is node (bench.mjs). Usage:
//   dotnet run -c Release --project tests/BasedAI.Network.Benchmarks [-- --dials 50 --mb 64 --runs 3 --streams 100 --stream-kb 1024]
//   (internal) ... -- serve          C# sink server for the other processes
const string SinkProtocol = "/bench/sink/1.0.0";

if (args.Length > 0 && args[0] == "serve")
{
    await ServeAsync();
    return 0;
}

int dials = Arg("--dials", 50);
int megabytes = Arg("--mb", 64);
int runs = Arg("--runs", 3);
int streams = Arg("--streams", 100);
int streamKb = Arg("--stream-kb", 1024);
long bytes = (long)megabytes << 20;
long streamBytes = (long)streamKb << 10;

string benchDirectory = PrepareJs();
string self = Environment.ProcessPath!;
await using var csServer = await Server.StartAsync(self, Path.GetFileNameWithoutExtension(self) == "dotnet" ? [typeof(Result).Assembly.Location, "serve"] : ["serve"]);
await using var jsServer = await Server.StartAsync("node", [Path.Combine(benchDirectory, "bench.mjs"), "serve"]);

var results = new List<(string Pair, Result Result)>();
foreach ((string pair, Func<Task<Result>> measure) in new (string, Func<Task<Result>>)[]
{
    ("C# → C#", () => CSharpDialAsync(csServer.Address)),
    ("C# → JS", () => CSharpDialAsync(jsServer.Address)),
    ("JS → C#", () => JsDialAsync(csServer.Address)),
    ("JS → JS", () => JsDialAsync(jsServer.Address)),
})
{
    Console.Error.WriteLine($"measuring {pair} ...");
    results.Add((pair, await measure()));
}

Console.WriteLine();
Console.WriteLine($"dials={dials} single-stream={megabytes} MiB x {runs} runs, concurrent={streams} streams x {streamKb} KiB");
Console.WriteLine("| pair | setup median (ms) | setup p90 (ms) | single stream median (MB/s) | 100 streams total (s) | 100 streams (MB/s) |");
Console.WriteLine("|---|---:|---:|---:|---:|---:|");
foreach ((string pair, Result r) in results)
{
    double[] setup = [.. r.SetupMs.Order()];
    double[] throughput = [.. r.ThroughputMBps.Order()];
    double aggregate = streams * streamBytes / r.ConcurrentSeconds / 1e6;
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {pair} | {Percentile(setup, 0.5):0.00} | {Percentile(setup, 0.9):0.00} | {Percentile(throughput, 0.5):0} | {r.ConcurrentSeconds:0.00} | {aggregate:0} |"));
}
return 0;

int Arg(string name, int fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];

async Task<Result> CSharpDialAsync(string address)
{
    var options = new Libp2pOptions();
    await using var peer = new Libp2pPeer(NodeIdentity.Generate(), options, ownsIdentity: true);
    Multiaddr target = Multiaddr.Parse(address);
    for (int i = 0; i < 3; i++)
    {
        await (await peer.DialAsync(target)).CloseAsync();
    }
    var setup = new List<double>();
    for (int i = 0; i < dials; i++)
    {
        long start = Stopwatch.GetTimestamp();
        ISession connection = await peer.DialAsync(target);
        setup.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        await connection.CloseAsync();
        await Peers.UntilClosedAsync(peer);
    }
    ISession session = await peer.DialAsync(target);
    await SinkAsync(session, 1 << 20);
    var throughput = new List<double>();
    for (int r = 0; r < runs; r++)
    {
        long start = Stopwatch.GetTimestamp();
        await SinkAsync(session, bytes);
        throughput.Add(bytes / Stopwatch.GetElapsedTime(start).TotalSeconds / 1e6);
    }
    long concurrentStart = Stopwatch.GetTimestamp();
    await Task.WhenAll(Enumerable.Range(0, streams).Select(_ => SinkAsync(session, streamBytes)));
    double concurrent = Stopwatch.GetElapsedTime(concurrentStart).TotalSeconds;
    return new Result([.. setup], [.. throughput], concurrent);
}

async Task<Result> JsDialAsync(string address)
{
    var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, UseShellExecute = false };
    foreach (string a in new[] { Path.Combine(benchDirectory, "bench.mjs"), "dial", address, dials.ToString(CultureInfo.InvariantCulture), bytes.ToString(CultureInfo.InvariantCulture), runs.ToString(CultureInfo.InvariantCulture), streams.ToString(CultureInfo.InvariantCulture), streamBytes.ToString(CultureInfo.InvariantCulture) })
    {
        info.ArgumentList.Add(a);
    }
    using Process process = Process.Start(info)!;
    string line = await process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException("bench.mjs dial printed nothing.");
    await process.WaitForExitAsync();
    using var doc = JsonDocument.Parse(line);
    JsonElement root = doc.RootElement;
    return new Result(
        [.. root.GetProperty("setupMs").EnumerateArray().Select(e => e.GetDouble())],
        [.. root.GetProperty("throughputMBps").EnumerateArray().Select(e => e.GetDouble())],
        root.GetProperty("concurrentSeconds").GetDouble());
}

static async Task SinkAsync(ISession session, long total)
{
    await using Libp2pStream stream = await session.OpenStreamAsync(SinkProtocol);
    byte[] chunk = new byte[256 * 1024];
    long sent = 0;
    while (sent < total)
    {
        int n = (int)Math.Min(chunk.Length, total - sent);
        await stream.WriteAsync(chunk.AsMemory(0, n));
        sent += n;
    }
    await stream.CloseWriteAsync();
    using var reply = new MemoryStream();
    await stream.CopyToAsync(reply);
    long counted = long.Parse(Encoding.ASCII.GetString(reply.ToArray()), CultureInfo.InvariantCulture);
    if (counted != total)
    {
        throw new InvalidOperationException($"The sink counted {counted} of {total} bytes.");
    }
}

static async Task ServeAsync()
{
    await using var peer = new Libp2pPeer(NodeIdentity.Generate(), new Libp2pOptions(), ownsIdentity: true);
    peer.Options.Yamux.MaxInboundStreams = 1000;
    peer.Handle(SinkProtocol, async (stream, ct) =>
    {
        byte[] buffer = new byte[256 * 1024];
        long count = 0;
        int n;
        while ((n = await stream.ReadAsync(buffer, ct)) > 0)
        {
            count += n;
        }
        await stream.WriteAsync(Encoding.ASCII.GetBytes(count.ToString(CultureInfo.InvariantCulture)), ct);
        await stream.CloseWriteAsync(ct);
    });
    Multiaddr bound = await peer.ListenAsync(Multiaddr.Parse("/ip4/127.0.0.1/tcp/0"));
    Console.WriteLine(JsonSerializer.Serialize(new { addr = bound.WithPeerId(peer.PeerId).ToString() }));
    await Console.In.ReadToEndAsync();
}

static string PrepareJs()
{
    // bench.mjs imports js-libp2p from the interop peer's node_modules, linked next to a copy of the script.
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "BasedAI.Host.sln")))
    {
        dir = dir.Parent;
    }
    string root = dir?.FullName ?? throw new InvalidOperationException("BasedAI.Host.sln not found.");
    string? modules = new[]
    {
        Path.Combine(root, "artifacts", "interop", "libp2p", "node_modules"),
        Path.GetFullPath(Path.Combine(root, "..", "shared", "interop", "libp2p", "node_modules")),
    }.FirstOrDefault(Directory.Exists) ?? throw new InvalidOperationException("js-libp2p is not installed (run scripts/test.sh, or npm ci in ../shared/interop/libp2p).");
    string bench = Path.Combine(root, "artifacts", "bench-js");
    Directory.CreateDirectory(bench);
    File.Copy(Path.Combine(AppContext.BaseDirectory, "js", "bench.mjs"), Path.Combine(bench, "bench.mjs"), overwrite: true);
    File.WriteAllText(Path.Combine(bench, "package.json"), "{\"type\":\"module\",\"private\":true}");
    string link = Path.Combine(bench, "node_modules");
    if (Directory.Exists(link))
    {
        Directory.Delete(link);
    }
    Directory.CreateSymbolicLink(link, modules);
    return bench;
}

internal sealed record Result(double[] SetupMs, double[] ThroughputMBps, double ConcurrentSeconds);

internal static class Peers
{
    public static async Task UntilClosedAsync(ILocalPeer peer)
    {
        while (peer.Sessions.Count > 0)
        {
            await Task.Delay(1);
        }
    }
}

internal sealed class Server : IAsyncDisposable
{
    private readonly Process _process;

    private Server(Process process, string address)
    {
        _process = process;
        Address = address;
    }

    public string Address { get; }

    public static async Task<Server> StartAsync(string file, string[] arguments)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (string a in arguments)
        {
            info.ArgumentList.Add(a);
        }
        Process process = Process.Start(info)!;
        string line = await process.StandardOutput.ReadLineAsync() ?? throw new InvalidOperationException($"{file} server printed nothing.");
        using var doc = JsonDocument.Parse(line);
        return new Server(process, doc.RootElement.GetProperty("addr").GetString()!);
    }

    public async ValueTask DisposeAsync()
    {
        _process.StandardInput.Close();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
        _process.Dispose();
    }
}
