using System.Text;
using BasedAI.Abstractions;
using BasedAI.TestLib;

namespace BasedAI.TestPlugins.ConflictA;

public sealed class Template : IBrainTemplate
{
    public BrainTemplateDescription Describe() => new("Conflict A", ["library"], []);

    public void ConfigureServices(IBrainRegistrationContext context) => context.AddComputeTask<LibraryTask>();

    public Task StartAsync(IServiceProvider services, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<BrainHealth> CheckHealthAsync(CancellationToken cancellationToken) => Task.FromResult(BrainHealth.Healthy);
}

/// <summary>Answers "&lt;library version&gt;:&lt;Transform(payload)&gt;" using the BasedAI.TestLib this plugin shipped with.</summary>
public sealed class LibraryTask : IComputeTask
{
    public string Name => "library";

    public ValueTask<WorkResult> ExecuteAsync(WorkItem item, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        string input = Encoding.UTF8.GetString(item.Payload.Span);
        string output = $"{LibraryInfo.Version}:{LibraryInfo.Transform(input)}";
        return ValueTask.FromResult(new WorkResult(Encoding.UTF8.GetBytes(output)));
    }
}
