using System.Security.Cryptography;
using BasedAI.Inference.Formats;
using BasedAI.Inference.Hub;

namespace BasedAI.Inference.Tests;

public class HubTests
{
    private const string Repo = "basedai/fake-gpt2";

    private static Dictionary<string, byte[]> FakeGpt2Files() =>
        Directory.GetFiles(Fixtures.FakeGpt2).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);

    private static HubClient Client(FakeHub hub, string cache, bool offline = false) =>
        new(new HubOptions { Endpoint = hub.Endpoint, CacheDirectory = cache, Offline = offline, Token = null, MaxAttempts = 3 });

    private sealed class Recorded : IProgress<DownloadProgress>
    {
        public List<DownloadProgress> Reports { get; } = [];

        public void Report(DownloadProgress value)
        {
            lock (Reports)
            {
                Reports.Add(value);
            }
        }
    }

    [Fact]
    public async Task Pull_fills_a_huggingface_hub_style_cache_and_the_model_runs_from_it()
    {
        await using FakeHub hub = await FakeHub.StartAsync(Repo, FakeGpt2Files());
        string cache = Fixtures.TempDirectory();
        using HubClient client = Client(hub, cache);
        var progress = new Recorded();
        string snapshot = await client.DownloadModelAsync(ModelReference.Parse(Repo), progress);

        string root = Path.Combine(cache, "models--basedai--fake-gpt2");
        Assert.Equal(Path.Combine(root, "snapshots", FakeHub.Commit), snapshot);
        Assert.Equal(FakeHub.Commit, File.ReadAllText(Path.Combine(root, "refs", "main")));
        string weights = Path.Combine(snapshot, "model.safetensors");
        string sha256 = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(Fixtures.FakeGpt2, "model.safetensors"))));
        Assert.Equal("../../blobs/" + sha256, new FileInfo(weights).LinkTarget);
        Assert.True(File.Exists(Path.Combine(root, "blobs", sha256)));
        Assert.Equal(FakeGpt2Files().Keys.Order(), Directory.GetFiles(snapshot).Select(Path.GetFileName).Order());
        Assert.Empty(Directory.GetFiles(Path.Combine(root, "blobs"), "*.incomplete"));
        Assert.Contains(progress.Reports, r => r.File == "model.safetensors" && r.Downloaded == r.Total);

        LoadedModel loaded = ModelLoader.Load(snapshot);
        Assert.Equal(50257, loaded.Model.Config.VocabSize);

        // A second pull finds everything cached: metadata requests only, no content transfer.
        int before = hub.Requests.Count;
        await client.DownloadModelAsync(ModelReference.Parse(Repo));
        Assert.DoesNotContain(hub.Requests.Skip(before), r => r.StartsWith("GET /basedai/fake-gpt2/resolve", StringComparison.Ordinal) || r.StartsWith("GET /cdn", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Interrupted_transfer_resumes_with_a_range_request()
    {
        await using FakeHub hub = await FakeHub.StartAsync(Repo, FakeGpt2Files());
        hub.InterruptTransfers = 1;
        using HubClient client = Client(hub, Fixtures.TempDirectory());
        string path = await client.DownloadFileAsync(ModelReference.Parse(Repo), "model.safetensors");
        Assert.Equal(File.ReadAllBytes(Path.Combine(Fixtures.FakeGpt2, "model.safetensors")), File.ReadAllBytes(path));
        Assert.Contains(hub.Requests, r => r.StartsWith("GET /cdn/", StringComparison.Ordinal) && r.Contains("bytes=", StringComparison.Ordinal) && !r.EndsWith("bytes=0-", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Corrupted_content_fails_checksum_verification_and_leaves_nothing_in_the_cache()
    {
        await using FakeHub hub = await FakeHub.StartAsync(Repo, FakeGpt2Files());
        hub.Corrupt.Add("model.safetensors");
        hub.Corrupt.Add("config.json");
        string cache = Fixtures.TempDirectory();
        using HubClient client = Client(hub, cache);
        var lfs = await Assert.ThrowsAsync<InvalidDataException>(() => client.DownloadFileAsync(ModelReference.Parse(Repo), "model.safetensors"));
        Assert.Contains("checksum mismatch", lfs.Message, StringComparison.Ordinal);
        var git = await Assert.ThrowsAsync<InvalidDataException>(() => client.DownloadFileAsync(ModelReference.Parse(Repo), "config.json"));
        Assert.Contains("checksum mismatch", git.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(cache, "models--basedai--fake-gpt2", "blobs")));
    }

    [Fact]
    public async Task Offline_mode_uses_the_cache_and_names_what_is_missing()
    {
        string cache = Fixtures.TempDirectory();
        string endpoint;
        await using (FakeHub hub = await FakeHub.StartAsync(Repo, FakeGpt2Files()))
        {
            endpoint = hub.Endpoint;
            using HubClient online = Client(hub, cache);
            await online.DownloadModelAsync(ModelReference.Parse(Repo));
        }
        // The server is gone: only the cache can answer.
        using var offline = new HubClient(new HubOptions { Endpoint = endpoint, CacheDirectory = cache, Offline = true });
        string snapshot = await offline.DownloadModelAsync(ModelReference.Parse(Repo));
        Assert.True(File.Exists(Path.Combine(snapshot, "config.json")));
        var missing = await Assert.ThrowsAsync<FileNotFoundException>(() => offline.DownloadModelAsync(ModelReference.Parse("someone/else")));
        Assert.Contains("offline", missing.Message, StringComparison.Ordinal);
        using var online2 = new HubClient(new HubOptions { Endpoint = endpoint, CacheDirectory = cache, Offline = false });
        await Assert.ThrowsAsync<IOException>(() => online2.DownloadFileAsync(ModelReference.Parse("someone/else"), "config.json"));
    }

    [Fact]
    public async Task Missing_file_repository_and_revision_get_clear_errors()
    {
        await using FakeHub hub = await FakeHub.StartAsync(Repo, FakeGpt2Files());
        using HubClient client = Client(hub, Fixtures.TempDirectory());
        var file = await Assert.ThrowsAsync<HubEntryNotFoundException>(() => client.DownloadFileAsync(ModelReference.Parse(Repo), "pytorch_model.bin"));
        Assert.Equal("pytorch_model.bin does not exist in basedai/fake-gpt2 at revision main", file.Message);
        var repo = await Assert.ThrowsAsync<FileNotFoundException>(() => client.DownloadModelAsync(ModelReference.Parse("nobody/nothing")));
        Assert.Contains("does not exist", repo.Message, StringComparison.Ordinal);
        var revision = await Assert.ThrowsAsync<FileNotFoundException>(() => client.DownloadFileAsync(ModelReference.Parse(Repo + "@v9"), "config.json"));
        Assert.Contains("revision 'v9'", revision.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidDataException>(() => client.DownloadFileAsync(ModelReference.Parse(Repo), "../escape.json"));
    }

    [Fact]
    public async Task Sharded_weights_are_fetched_through_the_index_without_the_listing_api()
    {
        string dir = ModelTests.WriteRandomGpt2(hidden: 8, heads: 2, layers: 2, vocab: 300, positions: 8);
        // Split the random model into two shards with an index, as large models are published.
        string single = Path.Combine(dir, "model.safetensors");
        var names = new List<string>();
        var tensors = new List<BasedAI.Inference.Tensors.Tensor>();
        using (SafeTensorFile file = SafeTensorFile.Open(single))
        {
            foreach (string name in file.Tensors.Keys)
            {
                names.Add(name);
                tensors.Add(file.Read(name));
            }
        }
        File.Delete(single);
        var map = new Dictionary<string, string>();
        for (int shard = 0; shard < 2; shard++)
        {
            string shardName = $"model-0000{shard + 1}-of-00002.safetensors";
            SafeTensorFile.Write(Path.Combine(dir, shardName), tensors.Where((_, i) => i % 2 == shard));
            names.Where((_, i) => i % 2 == shard).ToList().ForEach(n => map[n] = shardName);
        }
        File.WriteAllText(Path.Combine(dir, "model.safetensors.index.json"), System.Text.Json.JsonSerializer.Serialize(new { weight_map = map }));
        var files = Directory.GetFiles(dir).ToDictionary(f => Path.GetFileName(f), File.ReadAllBytes);
        await using FakeHub hub = await FakeHub.StartAsync("basedai/sharded", files);
        hub.ListingEnabled = false;
        using HubClient client = Client(hub, Fixtures.TempDirectory());
        string snapshot = await client.DownloadModelAsync(ModelReference.Parse("basedai/sharded"));
        Assert.True(File.Exists(Path.Combine(snapshot, "model-00002-of-00002.safetensors")));
        Assert.Equal(2, HuggingFaceModel.Load(snapshot).Config.LayerCount);
    }

    [Fact]
    public async Task Renamed_repository_redirect_is_followed()
    {
        await using FakeHub hub = await FakeHub.StartAsync(Repo, FakeGpt2Files());
        using HubClient client = Client(hub, Fixtures.TempDirectory());
        string path = await client.DownloadFileAsync(ModelReference.Parse(hub.RenamedFrom), "config.json");
        Assert.Equal(File.ReadAllText(Path.Combine(Fixtures.FakeGpt2, "config.json")), File.ReadAllText(path));
    }

    [Theory]
    [InlineData("openai-community/gpt2", "openai-community/gpt2", "main", null)]
    [InlineData("karpathy/tinyllamas@v1.0", "karpathy/tinyllamas", "v1.0", null)]
    [InlineData("https://huggingface.co/owner/name", "owner/name", "main", "https://huggingface.co")]
    [InlineData("http://127.0.0.1:5000/owner/name/tree/dev", "owner/name", "dev", "http://127.0.0.1:5000")]
    public void Model_references_parse(string text, string repo, string revision, string? endpoint)
    {
        ModelReference reference = ModelReference.Parse(text);
        Assert.Equal((repo, revision, endpoint), (reference.RepoId, reference.Revision, reference.Endpoint));
    }

    [Theory]
    [InlineData("noslash")]
    [InlineData("a/b/c")]
    [InlineData("owner/na--me")]
    [InlineData("owner/name@../x")]
    public void Invalid_model_references_are_rejected(string text) =>
        Assert.Throws<ArgumentException>(() => ModelReference.Parse(text));
}
