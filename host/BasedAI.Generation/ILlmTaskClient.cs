namespace BasedAI.Generation;

/// <summary>
/// The client side of a Brain's LLM task, whichever way its traffic is protected: the user's <c>prompt</c>, the validator's
/// challenges and the benchmarks pick an implementation (<see cref="PlainClientRole"/> or <see cref="EncryptedClientRole"/>)
/// and talk to miners only through this. The miner side is the plugin's compute task of the same <see cref="TaskName"/>.
/// </summary>
public interface ILlmTaskClient
{
    /// <summary>The compute task the miner runs (the brainport request's task name).</summary>
    string TaskName { get; }

    /// <summary>How the activations travel.</summary>
    GenerationMode Mode { get; }

    /// <summary>Tokenizes <paramref name="prompt"/> (as the inference engine does) and starts a session.</summary>
    GenerationSession Start(string prompt, GenerationRequest? request = null);

    /// <summary>
    /// Continues <paramref name="session"/> on the miner behind <paramref name="transport"/> until it completes. Throws whatever
    /// the transport throws, or <see cref="InvalidDataException"/> for an answer that does not fit or a refusal by the task; the
    /// session keeps its tokens, so a call with another miner's transport continues it.
    /// </summary>
    Task RunAsync(GenerationSession session, IMinerTransport transport, IProgress<int>? tokens = null, CancellationToken cancellationToken = default);

    /// <summary>The text of the generated tokens.</summary>
    string Decode(GenerationSession session);
}

/// <summary>Picks the LLM task's client by mode.</summary>
public static class LlmTaskClients
{
    /// <summary>The mode a command line names: <c>encrypted</c> (<see cref="GenerationMode.Hybrid"/>) or <c>plain</c>.</summary>
    public static GenerationMode ParseMode(string text) => text?.Trim().ToLowerInvariant() switch
    {
        "encrypted" or "hybrid" => GenerationMode.Hybrid,
        "plain" => GenerationMode.Plain,
        _ => throw new FormatException($"task mode '{text}' is not 'encrypted' or 'plain'"),
    };

    /// <summary>The command-line name of <paramref name="mode"/>.</summary>
    public static string Name(GenerationMode mode) => mode == GenerationMode.Plain ? "plain" : "encrypted";

    /// <summary>The client role of <paramref name="mode"/> for <paramref name="model"/>; the encrypted one compiles its plan here.</summary>
    public static ILlmTaskClient Create(GenerationMode mode, BasedAI.Inference.Model.TransformerModel model, BasedAI.Inference.Tokenizers.ITokenizer tokenizer) => mode switch
    {
        GenerationMode.Plain => new PlainClientRole(model, tokenizer),
        GenerationMode.Hybrid => new EncryptedClientRole(EncryptedTask.Create(model), tokenizer),
        _ => throw new ArgumentException($"mode {mode} is not served (encrypted hybrid or plain)", nameof(mode)),
    };
}
