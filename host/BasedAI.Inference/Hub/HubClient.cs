using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace BasedAI.Inference.Hub;

/// <summary>Where and how the hub client works. Defaults follow <c>huggingface_hub</c>'s environment variables.</summary>
public sealed record HubOptions
{
    /// <summary>Hub address (<c>HF_ENDPOINT</c>, default https://huggingface.co).</summary>
    public string Endpoint { get; init; } = Environment.GetEnvironmentVariable("HF_ENDPOINT") is { Length: > 0 } e ? e : "https://huggingface.co";

    /// <summary>Cache root (<c>HF_HUB_CACHE</c>, else <c>$HF_HOME/hub</c>, else <c>~/.cache/huggingface/hub</c>).</summary>
    public string CacheDirectory { get; init; } = DefaultCache();

    /// <summary>Use only the cache, never the network (<c>HF_HUB_OFFLINE=1</c>).</summary>
    public bool Offline { get; init; } = Environment.GetEnvironmentVariable("HF_HUB_OFFLINE") is "1" or "true" or "TRUE";

    /// <summary>Bearer token for gated or private repositories (<c>HF_TOKEN</c>).</summary>
    public string? Token { get; init; } = Environment.GetEnvironmentVariable("HF_TOKEN");

    /// <summary>Attempts per file when a transfer breaks; each attempt resumes where the last one stopped.</summary>
    public int MaxAttempts { get; init; } = 4;

    private static string DefaultCache()
    {
        if (Environment.GetEnvironmentVariable("HF_HUB_CACHE") is { Length: > 0 } cache)
        {
            return cache;
        }
        string home = Environment.GetEnvironmentVariable("HF_HOME") is { Length: > 0 } h ? h :
            Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "huggingface");
        return Path.Combine(home, "hub");
    }
}

/// <summary>A model repository on the hub and a revision (branch, tag or commit).</summary>
/// <param name="RepoId"><c>owner/name</c>.</param>
/// <param name="Revision">Branch, tag or 40-hex commit; default <c>main</c>.</param>
/// <param name="Endpoint">Hub address when the reference was a URL, else null (use <see cref="HubOptions.Endpoint"/>).</param>
public sealed partial record ModelReference(string RepoId, string Revision = "main", string? Endpoint = null)
{
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,95}/[A-Za-z0-9][A-Za-z0-9_.\-]{0,95}$")]
    private static partial Regex RepoIdPattern();

    /// <summary>Whether <paramref name="text"/> looks like a hub id or URL rather than a local path.</summary>
    public static bool LooksLikeHubReference(string text) =>
        text.StartsWith("http://", StringComparison.Ordinal) || text.StartsWith("https://", StringComparison.Ordinal) ||
        (!File.Exists(text) && !Directory.Exists(text) && RepoIdPattern().IsMatch(text.Split('@')[0]));

    /// <summary>
    /// Parses <c>owner/name</c>, <c>owner/name@revision</c>, or a hub URL (<c>https://host/owner/name</c>,
    /// <c>…/tree/revision</c>, <c>…/resolve/revision/…</c>).
    /// </summary>
    public static ModelReference Parse(string text, string? revision = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(text);
        string? endpoint = null;
        string id = text;
        string? rev = revision;
        if (Uri.TryCreate(text, UriKind.Absolute, out Uri? uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            endpoint = uri.GetLeftPart(UriPartial.Authority);
            string[] parts = uri.AbsolutePath.Trim('/').Split('/');
            if (parts.Length < 2)
            {
                throw new ArgumentException($"'{text}' is not a model URL (expected {endpoint}/owner/name)");
            }
            id = parts[0] + "/" + parts[1];
            if (parts.Length >= 4 && parts[2] is "tree" or "resolve" or "blob")
            {
                rev ??= Uri.UnescapeDataString(parts[3]);
            }
        }
        else if (text.Contains('@', StringComparison.Ordinal))
        {
            int at = text.IndexOf('@', StringComparison.Ordinal);
            id = text[..at];
            rev ??= text[(at + 1)..];
        }
        if (!RepoIdPattern().IsMatch(id) || id.Contains("..", StringComparison.Ordinal) || id.Contains("--", StringComparison.Ordinal))
        {
            throw new ArgumentException($"'{id}' is not a valid model id (expected owner/name)");
        }
        rev ??= "main";
        if (rev.Length == 0 || rev.Contains("..", StringComparison.Ordinal) || rev.IndexOfAny(['\\', '\0']) >= 0)
        {
            throw new ArgumentException($"'{rev}' is not a valid revision");
        }
        return new ModelReference(id, rev, endpoint);
    }

    /// <summary>The cache folder name, <c>models--owner--name</c>.</summary>
    public string CacheFolderName => "models--" + RepoId.Replace("/", "--", StringComparison.Ordinal);
}

/// <summary>Progress of one file's download.</summary>
/// <param name="File">File name in the repository.</param>
/// <param name="Downloaded">Bytes on disk so far (a resumed download starts above 0).</param>
/// <param name="Total">Expected size, when the hub announced it.</param>
public readonly record struct DownloadProgress(string File, long Downloaded, long? Total);

/// <summary>A file that is not in the repository at that revision.</summary>
public sealed class HubEntryNotFoundException(string message) : FileNotFoundException(message);

/// <summary>
/// Downloads model files from a Hugging Face hub into a cache laid out like <c>huggingface_hub</c>'s:
/// <c>models--owner--name/blobs/{etag}</c> (content), <c>snapshots/{commit}/{file}</c> (relative symlinks to blobs) and
/// <c>refs/{revision}</c> (commit of a branch or tag). Per file it asks <c>HEAD /{repo}/resolve/{revision}/{file}</c> for
/// the commit (<c>X-Repo-Commit</c>) and the content hash (<c>X-Linked-Etag</c> or <c>ETag</c>: SHA-256 for LFS files,
/// git blob SHA-1 otherwise), follows the hub's redirects, resumes partial downloads with HTTP ranges, and verifies the
/// hash before a blob enters the cache.
/// </summary>
public sealed class HubClient : IDisposable
{
    private static readonly string[] OptionalFiles =
        ["generation_config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "tokenizer.model", "vocab.json", "merges.txt"];

    private readonly HttpClient _http;
    private readonly HubOptions _options;

    /// <summary>Creates a client; <paramref name="handler"/> replaces the HTTP stack (tests).</summary>
    public HubClient(HubOptions? options = null, HttpMessageHandler? handler = null)
    {
        _options = options ?? new HubOptions();
        _http = new HttpClient(handler ?? new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.None })
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd("basedai-inference/0.1");
        if (!string.IsNullOrEmpty(_options.Token))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _options.Token);
        }
    }

    /// <summary>The cache folder of a repository.</summary>
    public string RepositoryCache(ModelReference model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Path.Combine(_options.CacheDirectory, model.CacheFolderName);
    }

    /// <summary>
    /// Makes the model's config, tokenizer and weights (single file or every shard of the index) available in the cache
    /// and returns the snapshot directory. Offline, returns the cached snapshot or fails naming what is missing.
    /// </summary>
    public async Task<string> DownloadModelAsync(ModelReference model, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (_options.Offline)
        {
            string snapshot = CachedSnapshot(model) ?? throw new FileNotFoundException(
                $"offline mode: {model.RepoId}@{model.Revision} is not in the cache {_options.CacheDirectory}; run `basedai model pull {model.RepoId}` while online");
            return File.Exists(Path.Combine(snapshot, "config.json")) ? snapshot :
                throw new FileNotFoundException($"offline mode: the cached snapshot {snapshot} has no config.json");
        }
        IReadOnlyList<string>? listing = await ListFilesAsync(model, cancellationToken).ConfigureAwait(false);
        string config = await DownloadFileAsync(model, "config.json", progress, cancellationToken).ConfigureAwait(false);
        foreach (string optional in OptionalFiles)
        {
            if (listing == null || listing.Contains(optional))
            {
                await DownloadOptionalAsync(model, optional, progress, cancellationToken).ConfigureAwait(false);
            }
        }
        string? index = listing == null || listing.Contains("model.safetensors.index.json")
            ? await DownloadOptionalAsync(model, "model.safetensors.index.json", progress, cancellationToken).ConfigureAwait(false)
            : null;
        if (index != null)
        {
            foreach (string shard in ShardsOf(index))
            {
                await DownloadFileAsync(model, shard, progress, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            await DownloadFileAsync(model, "model.safetensors", progress, cancellationToken).ConfigureAwait(false);
        }
        return Path.GetDirectoryName(config)!;
    }

    private async Task<string?> DownloadOptionalAsync(ModelReference model, string file, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        try
        {
            return await DownloadFileAsync(model, file, progress, cancellationToken).ConfigureAwait(false);
        }
        catch (HubEntryNotFoundException)
        {
            return null;
        }
    }

    private static string[] ShardsOf(string indexPath)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(indexPath));
            string[] shards = document.RootElement.GetProperty("weight_map").EnumerateObject().Select(p => p.Value.GetString()!).Distinct().ToArray();
            foreach (string shard in shards)
            {
                CheckRelativePath(shard);
            }
            return shards;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new InvalidDataException($"{indexPath}: malformed shard index ({e.Message})", e);
        }
    }

    /// <summary>The repository's file list from <c>/api/models/{repo}/revision/{revision}</c>, or null when the hub has no such API.</summary>
    private async Task<IReadOnlyList<string>?> ListFilesAsync(ModelReference model, CancellationToken cancellationToken)
    {
        var url = new Uri($"{EndpointOf(model)}/api/models/{model.RepoId}/revision/{Uri.EscapeDataString(model.Revision)}");
        using HttpResponseMessage response = await _http.GetAsync(url, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            // Mirrors may lack the API; the per-file requests that follow report a missing repository precisely.
            return null;
        }
        try
        {
            using JsonDocument document = JsonDocument.Parse(await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false));
            return document.RootElement.GetProperty("siblings").EnumerateArray().Select(s => s.GetProperty("rfilename").GetString()!).ToArray();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The snapshot directory of a cached revision, or null.</summary>
    public string? CachedSnapshot(ModelReference model)
    {
        ArgumentNullException.ThrowIfNull(model);
        string root = RepositoryCache(model);
        string commit = model.Revision;
        if (!IsCommitHash(commit))
        {
            string reference = Path.Combine(root, "refs", model.Revision);
            if (!File.Exists(reference))
            {
                return null;
            }
            commit = File.ReadAllText(reference).Trim();
        }
        string snapshot = Path.Combine(root, "snapshots", commit);
        return Directory.Exists(snapshot) ? snapshot : null;
    }

    /// <summary>Downloads one file (or finds it in the cache) and returns its path in the snapshot.</summary>
    public async Task<string> DownloadFileAsync(ModelReference model, string file, IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        CheckRelativePath(file);
        if (_options.Offline)
        {
            string? snapshot = CachedSnapshot(model);
            string cached = snapshot == null ? "" : Path.Combine(snapshot, file);
            return File.Exists(cached) ? cached : throw new FileNotFoundException($"offline mode: {file} of {model.RepoId}@{model.Revision} is not in the cache");
        }
        FileMetadata meta = await HeadAsync(model, file, cancellationToken).ConfigureAwait(false);
        string root = RepositoryCache(model);
        if (!string.Equals(meta.Commit, model.Revision, StringComparison.Ordinal))
        {
            string refPath = Path.Combine(root, "refs", model.Revision);
            Directory.CreateDirectory(Path.GetDirectoryName(refPath)!);
            await File.WriteAllTextAsync(refPath, meta.Commit, cancellationToken).ConfigureAwait(false);
        }
        string pointer = Path.Combine(root, "snapshots", meta.Commit, file);
        string blob = Path.Combine(root, "blobs", meta.Etag);
        if (File.Exists(pointer) && File.Exists(blob))
        {
            return pointer;
        }
        if (!File.Exists(blob))
        {
            Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
            await FetchBlobAsync(meta, file, blob, progress, cancellationToken).ConfigureAwait(false);
        }
        LinkPointer(pointer, blob, file);
        return pointer;
    }

    private sealed record FileMetadata(string Commit, string Etag, long? Size, Uri Location);

    private string EndpointOf(ModelReference model) => (model.Endpoint ?? _options.Endpoint).TrimEnd('/');

    private async Task<FileMetadata> HeadAsync(ModelReference model, string file, CancellationToken cancellationToken)
    {
        string escaped = string.Join('/', file.Split('/').Select(Uri.EscapeDataString));
        var url = new Uri($"{EndpointOf(model)}/{model.RepoId}/resolve/{Uri.EscapeDataString(model.Revision)}/{escaped}");
        for (int redirects = 0; redirects < 5; redirects++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Head, url);
            request.Headers.AcceptEncoding.ParseAdd("identity");
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e)
            {
                throw new IOException($"cannot reach the hub at {EndpointOf(model)} ({e.Message}); use --offline to work from the cache", e);
            }
            using (response)
            {
                int status = (int)response.StatusCode;
                Uri? location = response.Headers.Location;
                // A relative redirect is a renamed repository: ask again there. An absolute one points at the content (CDN).
                if (status is >= 300 and < 400 && location != null && !location.IsAbsoluteUri)
                {
                    url = new Uri(url, location);
                    continue;
                }
                if (status >= 400)
                {
                    ThrowForRepositoryErrors(response, model, file);
                    throw new IOException($"hub answered {status} {response.ReasonPhrase} for {file} of {model.RepoId}@{model.Revision}");
                }
                string commit = Header(response, "X-Repo-Commit") ?? throw new InvalidDataException($"hub response for {file} lacks X-Repo-Commit");
                string etag = NormalizeEtag(Header(response, "X-Linked-Etag") ?? response.Headers.ETag?.Tag
                    ?? throw new InvalidDataException($"hub response for {file} lacks an ETag"));
                if (!IsCommitHash(commit) || etag.Length == 0 || etag.IndexOfAny(['/', '\\', '.']) >= 0)
                {
                    throw new InvalidDataException($"hub response for {file} has a malformed commit '{commit}' or ETag '{etag}'");
                }
                long? size = long.TryParse(Header(response, "X-Linked-Size"), out long linked) ? linked : response.Content.Headers.ContentLength;
                Uri content = status is >= 300 and < 400 && location != null ? location : url;
                return new FileMetadata(commit, etag, size, content);
            }
        }
        throw new IOException($"too many redirects for {file} of {model.RepoId}");
    }

    private static void ThrowForRepositoryErrors(HttpResponseMessage response, ModelReference model, string file)
    {
        string? code = Header(response, "X-Error-Code");
        switch (code)
        {
            case "EntryNotFound":
                throw new HubEntryNotFoundException($"{file} does not exist in {model.RepoId} at revision {model.Revision}");
            case "RevisionNotFound":
                throw new FileNotFoundException($"revision '{model.Revision}' does not exist in {model.RepoId}");
            case "RepoNotFound":
                throw new FileNotFoundException($"model repository {model.RepoId} does not exist (or is private: set HF_TOKEN)");
            case "GatedRepo":
                throw new UnauthorizedAccessException($"{model.RepoId} is gated: accept its terms on the hub and set HF_TOKEN");
        }
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            throw new UnauthorizedAccessException($"the hub refused access to {model.RepoId} ({(int)response.StatusCode}); set HF_TOKEN");
        }
        if (response.StatusCode == HttpStatusCode.NotFound && file.Length > 0)
        {
            throw new HubEntryNotFoundException($"{file} does not exist in {model.RepoId} at revision {model.Revision}");
        }
    }

    private async Task FetchBlobAsync(FileMetadata meta, string file, string blob, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        string incomplete = blob + ".incomplete";
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                await TransferAsync(meta, file, incomplete, progress, cancellationToken).ConfigureAwait(false);
                break;
            }
            catch (Exception e) when (e is IOException or HttpRequestException && e is not HubEntryNotFoundException && attempt < _options.MaxAttempts)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), cancellationToken).ConfigureAwait(false);
            }
        }
        long length = new FileInfo(incomplete).Length;
        if (meta.Size is long expected && length != expected)
        {
            File.Delete(incomplete);
            throw new InvalidDataException($"{file}: downloaded {length} bytes, the hub announced {expected}");
        }
        string? actual = await HashAsync(incomplete, meta.Etag, cancellationToken).ConfigureAwait(false);
        if (actual != null && !string.Equals(actual, meta.Etag, StringComparison.OrdinalIgnoreCase))
        {
            File.Delete(incomplete);
            throw new InvalidDataException($"{file}: checksum mismatch (expected {meta.Etag}, got {actual}); the corrupt download was discarded");
        }
        File.Move(incomplete, blob, overwrite: true);
    }

    private async Task TransferAsync(FileMetadata meta, string file, string incomplete, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        long have = File.Exists(incomplete) ? new FileInfo(incomplete).Length : 0;
        if (meta.Size is long size && have == size)
        {
            return;
        }
        Uri url = meta.Location;
        for (int redirects = 0; ; redirects++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.AcceptEncoding.ParseAdd("identity");
            if (have > 0)
            {
                request.Headers.Range = new RangeHeaderValue(have, null);
            }
            using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location && redirects < 5)
            {
                url = new Uri(url, location);
                continue;
            }
            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                // The partial file is not a prefix the server recognises: start over.
                File.Delete(incomplete);
                throw new IOException($"{file}: the server refused to resume at byte {have}");
            }
            if (!response.IsSuccessStatusCode)
            {
                throw new IOException($"{file}: download failed with {(int)response.StatusCode} {response.ReasonPhrase}");
            }
            bool resumed = response.StatusCode == HttpStatusCode.PartialContent;
            await using var output = new FileStream(incomplete, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
            long written = resumed ? have : 0;
            long? total = meta.Size;
            await using Stream input = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            byte[] buffer = new byte[1 << 16];
            int read;
            progress?.Report(new DownloadProgress(file, written, total));
            while ((read = await input.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await output.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                written += read;
                progress?.Report(new DownloadProgress(file, written, total));
            }
            return;
        }
    }

    /// <summary>SHA-256 for 64-hex ETags (LFS), git blob SHA-1 for 40-hex ETags, null when the ETag is no content hash.</summary>
    private static async Task<string?> HashAsync(string path, string etag, CancellationToken cancellationToken)
    {
        bool hex = etag.All(char.IsAsciiHexDigit);
        if (hex && etag.Length == 64)
        {
            await using FileStream stream = File.OpenRead(path);
            return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
        }
        if (hex && etag.Length == 40)
        {
            using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            sha1.AppendData(Encoding.ASCII.GetBytes($"blob {new FileInfo(path).Length}\0"));
            await using FileStream stream = File.OpenRead(path);
            byte[] buffer = new byte[1 << 16];
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                sha1.AppendData(buffer, 0, read);
            }
            return Convert.ToHexStringLower(sha1.GetHashAndReset());
        }
        return null;
    }

    private static void LinkPointer(string pointer, string blob, string file)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(pointer)!);
        if (File.Exists(pointer) || new FileInfo(pointer).LinkTarget != null)
        {
            File.Delete(pointer);
        }
        // snapshots/{commit}/{file} → ../../blobs/{etag}, one more ../ per folder in the file name (as huggingface_hub).
        string relative = string.Concat(Enumerable.Repeat("../", 2 + file.Count(c => c == '/'))) + "blobs/" + Path.GetFileName(blob);
        try
        {
            File.CreateSymbolicLink(pointer, relative);
        }
        catch (IOException)
        {
            File.Copy(blob, pointer);
        }
        catch (UnauthorizedAccessException)
        {
            File.Copy(blob, pointer);
        }
    }

    private static void CheckRelativePath(string file)
    {
        if (string.IsNullOrEmpty(file) || file.StartsWith('/') || file.Contains('\\', StringComparison.Ordinal) ||
            file.Split('/').Any(part => part is "" or "." or ".."))
        {
            throw new InvalidDataException($"'{file}' is not a safe file name inside a repository");
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out IEnumerable<string>? values) ? values.FirstOrDefault() : null;

    private static string NormalizeEtag(string etag)
    {
        string e = etag.StartsWith("W/", StringComparison.Ordinal) ? etag[2..] : etag;
        return e.Trim('"');
    }

    private static bool IsCommitHash(string text) => text.Length == 40 && text.All(char.IsAsciiHexDigit);

    /// <summary>Releases the HTTP client.</summary>
    public void Dispose() => _http.Dispose();
}
