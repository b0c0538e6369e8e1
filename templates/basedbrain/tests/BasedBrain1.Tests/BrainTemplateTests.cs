using System.Text;
using BasedAI.Abstractions;

namespace BasedBrain1.Tests;

public sealed class BrainTemplateTests
{
    [Fact]
    public void Describes_its_digest_task()
    {
        var description = new BrainTemplate().Describe();
        Assert.Equal(["digest"], description.ComputeTasks);
    }

    [Fact]
    public async Task Starts_healthy_and_digests_payloads()
    {
        await using var host = new TestHost(new BrainTemplate());
        Assert.Equal(BrainHealthStatus.Healthy, (await host.StartAsync()).Status);

        var result = await host.Task("digest").ExecuteAsync(new WorkItem("1", "digest", Encoding.UTF8.GetBytes("abc")), null, CancellationToken.None);

        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Encoding.ASCII.GetString(result.Payload.Span));
    }

    [Fact]
    public async Task Reports_progress_per_configured_chunk_and_honours_cancellation()
    {
        await using var host = new TestHost(new BrainTemplate(), new Dictionary<string, string?> { ["ChunkSize"] = "10" });
        await host.StartAsync();
        var reports = new List<double>();
        var item = new WorkItem("2", "digest", new byte[95]);

        await host.Task("digest").ExecuteAsync(item, new SynchronousProgress(reports.Add), CancellationToken.None);

        Assert.Equal(10, reports.Count);
        Assert.Equal(1.0, reports[^1]);
        await Assert.ThrowsAsync<OperationCanceledException>(async () =>
            await host.Task("digest").ExecuteAsync(item, null, new CancellationToken(canceled: true)));
    }

    private sealed class SynchronousProgress(Action<double> report) : IProgress<WorkProgress>
    {
        public void Report(WorkProgress value) => report(value.Fraction);
    }
}
