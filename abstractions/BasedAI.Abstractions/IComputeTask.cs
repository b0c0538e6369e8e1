namespace BasedAI.Abstractions;

/// <summary>
/// A unit of work a Brain template performs (an encrypted inference step, an EVM transaction, a video proof).
/// Payloads cross the plugin boundary as bytes, so the host never needs the plugin's types.
/// </summary>
public interface IComputeTask
{
    /// <summary>A stable name, unique within the plugin, e.g. <c>evm.call</c>.</summary>
    string Name { get; }

    /// <summary>Executes one work item. Honour <paramref name="cancellationToken"/>; report progress when it is useful.</summary>
    ValueTask<WorkResult> ExecuteAsync(WorkItem item, IProgress<WorkProgress>? progress, CancellationToken cancellationToken);
}

/// <summary>A request for a compute task.</summary>
/// <param name="Id">Caller-chosen identifier, echoed in logs and results.</param>
/// <param name="Task">The <see cref="IComputeTask.Name"/> to run.</param>
/// <param name="Payload">Task-specific input bytes.</param>
/// <param name="Metadata">Optional string metadata (content type, caller, trace id).</param>
public sealed record WorkItem(string Id, string Task, ReadOnlyMemory<byte> Payload, IReadOnlyDictionary<string, string>? Metadata = null);

/// <summary>The output of a compute task.</summary>
/// <param name="Payload">Task-specific output bytes.</param>
/// <param name="Metadata">Optional string metadata.</param>
public sealed record WorkResult(ReadOnlyMemory<byte> Payload, IReadOnlyDictionary<string, string>? Metadata = null);

/// <summary>Progress of a running work item.</summary>
/// <param name="Fraction">Completed fraction in [0, 1].</param>
/// <param name="Message">An optional short status.</param>
public readonly record struct WorkProgress(double Fraction, string? Message = null);
