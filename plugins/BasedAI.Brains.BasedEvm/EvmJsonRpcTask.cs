using BasedAI.Abstractions;
using BasedAI.Brains.BasedEvm.JsonRpc;

namespace BasedAI.Brains.BasedEvm;

/// <summary>
/// The template's compute task: one Ethereum JSON-RPC request (or batch) as the payload, the JSON-RPC response as the result,
/// so the host can route EVM work to the Brain without going through HTTP.
/// </summary>
internal sealed class EvmJsonRpcTask(EthJsonRpc rpc) : IComputeTask
{
    public const string TaskName = "evm.jsonrpc";

    public string Name => TaskName;

    public ValueTask<WorkResult> ExecuteAsync(WorkItem item, IProgress<WorkProgress>? progress, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (item.Payload.Length > EthJsonRpc.MaxRequestBytes)
        {
            throw new ArgumentException($"JSON-RPC payload of {item.Payload.Length} bytes exceeds {EthJsonRpc.MaxRequestBytes}.", nameof(item));
        }
        byte[] response = rpc.Handle(item.Payload.Span);
        progress?.Report(new WorkProgress(1));
        return ValueTask.FromResult(new WorkResult(response, new Dictionary<string, string> { ["content-type"] = "application/json" }));
    }
}
