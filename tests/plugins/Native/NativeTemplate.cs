using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using BasedAI.Abstractions;

namespace BasedAI.TestPlugins.Native;

public sealed class NativeTemplate : IBrainTemplate
{
    public BrainTemplateDescription Describe() => new("Native", ["native.pid", "native.pid-deps"], ["native"]);

    public void ConfigureServices(IBrainRegistrationContext context)
    {
        context.AddComputeTask<PidTask>();
        context.AddComputeTask<PidFromDepsTask>();
    }

    public Task StartAsync(IServiceProvider services, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<BrainHealth> CheckHealthAsync(CancellationToken cancellationToken) => Task.FromResult(BrainHealth.Healthy);
}

/// <summary>Returns the process id as reported by the native library, which only the plugin's load context can find.</summary>
public sealed class PidTask : IComputeTask
{
    public string Name => "native.pid";

    public ValueTask<WorkResult> ExecuteAsync(WorkItem item, IProgress<WorkProgress>? progress, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new WorkResult(Encoding.UTF8.GetBytes(NativeMethods.GetPid().ToString(CultureInfo.InvariantCulture))));
}

/// <summary>The same through a library that only the plugin's deps.json locates (under native/, where no folder probe looks).</summary>
public sealed class PidFromDepsTask : IComputeTask
{
    public string Name => "native.pid-deps";

    public ValueTask<WorkResult> ExecuteAsync(WorkItem item, IProgress<WorkProgress>? progress, CancellationToken cancellationToken) =>
        ValueTask.FromResult(new WorkResult(Encoding.UTF8.GetBytes(NativeMethods.GetPidThroughDeps().ToString(CultureInfo.InvariantCulture))));
}

internal static partial class NativeMethods
{
    [LibraryImport("basedai_native_deps", EntryPoint = "SystemNative_GetPid")]
    internal static partial int GetPidThroughDeps();

    [LibraryImport("basedai_native_probe", EntryPoint = "SystemNative_GetPid")]
    internal static partial int GetPid();
}
