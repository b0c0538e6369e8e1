using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace BasedAI.Inference.Tests;

/// <summary>
/// A loopback HTTP server that behaves like the Hugging Face hub for one repository: <c>/{repo}/resolve/{rev}/{file}</c>
/// answers HEAD and GET with X-Repo-Commit and ETag (git blob SHA-1) for small files, and for LFS files (*.safetensors)
/// a 302 to a content URL with X-Linked-Etag (SHA-256) and X-Linked-Size; the content URL honours Range requests.
/// Errors carry X-Error-Code like the hub's. A renamed repository answers with a relative redirect.
/// </summary>
internal sealed class FakeHub : IAsyncDisposable
{
    public const string Commit = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678";
    private readonly WebApplication _app;
    private readonly string _repo;
    private readonly Dictionary<string, byte[]> _files;
    private int _interruptions;

    private FakeHub(WebApplication app, string repo, Dictionary<string, byte[]> files)
    {
        _app = app;
        _repo = repo;
        _files = files;
    }

    public string Endpoint { get; private set; } = "";

    /// <summary>Old name that redirects to the repository.</summary>
    public string RenamedFrom { get; set; } = "old-owner/old-name";

    /// <summary>Abort this many content transfers half way (to exercise resume).</summary>
    public int InterruptTransfers { get => _interruptions; set => _interruptions = value; }

    /// <summary>Files served with one byte flipped (to exercise checksum verification).</summary>
    public HashSet<string> Corrupt { get; } = [];

    public bool ListingEnabled { get; set; } = true;

    public ConcurrentQueue<string> Requests { get; } = new();

    public static async Task<FakeHub> StartAsync(string repo, Dictionary<string, byte[]> files)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        WebApplication app = builder.Build();
        var hub = new FakeHub(app, repo, files);
        app.Run(hub.HandleAsync);
        await app.StartAsync();
        hub.Endpoint = app.Urls.First();
        return hub;
    }

    private static bool IsLfs(string file) => file.EndsWith(".safetensors", StringComparison.Ordinal);

    private static string Sha256(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

#pragma warning disable CA5350 // git names blobs by SHA-1; the hub's ETag for small files is that id.
    private static string GitSha1(byte[] data) =>
        Convert.ToHexStringLower(SHA1.HashData([.. Encoding.ASCII.GetBytes($"blob {data.Length}\0"), .. data]));
#pragma warning restore CA5350

    private async Task HandleAsync(HttpContext context)
    {
        string path = context.Request.Path.Value ?? "";
        Requests.Enqueue($"{context.Request.Method} {path} {context.Request.Headers.Range}");
        HttpResponse response = context.Response;
        if (path.StartsWith("/cdn/", StringComparison.Ordinal))
        {
            await ServeContentAsync(context, path["/cdn/".Length..]);
            return;
        }
        if (path.StartsWith("/api/models/", StringComparison.Ordinal))
        {
            string rest = path["/api/models/".Length..];
            if (!ListingEnabled || !rest.StartsWith(_repo + "/revision/", StringComparison.Ordinal))
            {
                response.StatusCode = 404;
                response.Headers["X-Error-Code"] = "RepoNotFound";
                return;
            }
            response.ContentType = "application/json";
            await response.WriteAsync(JsonSerializer.Serialize(new { sha = Commit, siblings = _files.Keys.Select(f => new { rfilename = f }) }));
            return;
        }
        if (path.StartsWith("/" + RenamedFrom + "/", StringComparison.Ordinal))
        {
            response.StatusCode = 307;
            response.Headers.Location = "/" + _repo + path[(RenamedFrom.Length + 1)..];
            return;
        }
        string prefix = "/" + _repo + "/resolve/";
        if (!path.StartsWith(prefix, StringComparison.Ordinal))
        {
            response.StatusCode = 404;
            response.Headers["X-Error-Code"] = "RepoNotFound";
            return;
        }
        string[] parts = path[prefix.Length..].Split('/', 2);
        if (parts[0] != "main" && parts[0] != Commit)
        {
            response.StatusCode = 404;
            response.Headers["X-Error-Code"] = "RevisionNotFound";
            return;
        }
        string file = Uri.UnescapeDataString(parts.Length > 1 ? parts[1] : "");
        if (!_files.TryGetValue(file, out byte[]? data))
        {
            response.StatusCode = 404;
            response.Headers["X-Error-Code"] = "EntryNotFound";
            return;
        }
        response.Headers["X-Repo-Commit"] = Commit;
        if (IsLfs(file))
        {
            string sha = Sha256(data);
            response.StatusCode = 302;
            response.Headers["X-Linked-Etag"] = $"\"{sha}\"";
            response.Headers["X-Linked-Size"] = data.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
            response.Headers.ETag = $"\"{GitSha1(data)}\"";
            response.Headers.Location = $"{Endpoint}/cdn/{sha}";
            return;
        }
        response.Headers.ETag = $"\"{GitSha1(data)}\"";
        response.ContentLength = data.Length;
        if (HttpMethods.IsGet(context.Request.Method))
        {
            await response.Body.WriteAsync(Served(file, data));
        }
    }

    private byte[] Served(string file, byte[] data)
    {
        if (!Corrupt.Contains(file))
        {
            return data;
        }
        byte[] copy = (byte[])data.Clone();
        copy[copy.Length / 2] ^= 0xFF;
        return copy;
    }

    private async Task ServeContentAsync(HttpContext context, string sha)
    {
        (string file, byte[] data) = _files.Select(kv => (kv.Key, kv.Value)).First(kv => Sha256(kv.Value) == sha);
        byte[] served = Served(file, data);
        long start = 0;
        string range = context.Request.Headers.Range.ToString();
        if (range.StartsWith("bytes=", StringComparison.Ordinal))
        {
            start = long.Parse(range["bytes=".Length..].TrimEnd('-'), System.Globalization.CultureInfo.InvariantCulture);
            if (start >= served.Length)
            {
                context.Response.StatusCode = 416;
                return;
            }
            context.Response.StatusCode = 206;
            context.Response.Headers.ContentRange = $"bytes {start}-{served.Length - 1}/{served.Length}";
        }
        context.Response.ContentLength = served.Length - start;
        if (HttpMethods.IsHead(context.Request.Method))
        {
            return;
        }
        if (Interlocked.Decrement(ref _interruptions) >= 0)
        {
            int half = (int)((served.Length - start) / 2);
            await context.Response.Body.WriteAsync(served.AsMemory((int)start, half));
            await context.Response.Body.FlushAsync();
            context.Abort();
            return;
        }
        await context.Response.Body.WriteAsync(served.AsMemory((int)start));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
