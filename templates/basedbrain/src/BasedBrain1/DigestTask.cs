using System.Security.Cryptography;
using System.Text;
using BasedAI.Abstractions;

namespace BasedBrain1;

/// <summary>Settings read from the plugin's configuration section (host configuration Plugins:&lt;id&gt;).</summary>
public sealed class DigestOptions
{
    public int ChunkSize { get; init; } = 64 * 1024;
}

/// <summary>
/// The compute task: returns the lower-case hex SHA-256 of the payload. Work crosses the plugin boundary as bytes, so the host
/// never needs this plugin's types. Long work reports progress and honours cancellation.
/// </summary>
public sealed class DigestTask(DigestOptions options) : IComputeTask
{
    public const string TaskName = "digest";

    public string Name => TaskName;

    public ValueTask<WorkResult> ExecuteAsync(WorkItem item, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var payload = item.Payload.Span;
        for (int offset = 0; offset < payload.Length; offset += options.ChunkSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            hash.AppendData(payload.Slice(offset, Math.Min(options.ChunkSize, payload.Length - offset)));
            progress?.Report(new WorkProgress((double)Math.Min(offset + options.ChunkSize, payload.Length) / payload.Length));
        }
        string digest = Convert.ToHexStringLower(hash.GetHashAndReset());
        return ValueTask.FromResult(new WorkResult(Encoding.ASCII.GetBytes(digest), new Dictionary<string, string> { ["algorithm"] = "sha256" }));
    }
}
