using System.Diagnostics;
using BasedAI.Inference.Model;
using BasedAI.Inference.Tokenizers;
using BasedAI.Squeezing.Fusion;
using BasedAI.Squeezing.Planning;
using BasedAI.ZkLlm.Client;
using BasedAI.ZkLlm.Miner;
using BasedAI.ZkLlm.Slots;
using BasedAI.ZkLlm.Transport;

namespace BasedAI.Generation;

/// <summary>
/// The encrypted LLM task of a model (<see cref="TaskName"/>): the ZK-LLM in hybrid mode under CKKS (N = 8192, 128-bit
/// security). The model is served unsqueezed (every head, no fusion), so encrypted answers equal plaintext greedy ones; the plan
/// is compiled the same way by every client, miner and validator, so their plan digests agree.
/// </summary>
public sealed class EncryptedTask
{
    /// <summary>The compute task name of the encrypted LLM task.</summary>
    public const string TaskName = "zkllm.ckks";

    // 2^28 working scale with 11 bits of headroom: a modulus chain of [39, 28×5, 39] = 218 bits, the 128-bit bound of N = 8192.
    private static readonly PlanPrecision Precision = new() { WorkingScaleBits = 28, HeadroomBits = 11 };

    private EncryptedTask(TransformerModel model, SqueezedModel squeezed, HePlan plan)
    {
        Source = model;
        Model = squeezed;
        Plan = plan;
    }

    /// <summary>The plaintext model (embeddings and LM head stay with the client).</summary>
    public TransformerModel Source { get; }

    /// <summary>The model as the plan runs it.</summary>
    public SqueezedModel Model { get; }

    /// <summary>The HE plan: stages, layouts, rotation steps and CKKS settings.</summary>
    public HePlan Plan { get; }

    /// <summary>Compiles the task for <paramref name="model"/>.</summary>
    public static EncryptedTask Create(TransformerModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        SqueezedModel squeezed = SqueezedModel.Build(model, SqueezedModel.AllHeads(model.Config), FusionOptions.None);
        return new EncryptedTask(model, squeezed, HePlanCompiler.Compile(squeezed, Precision, squeezed: false));
    }

    /// <summary>The miner role: runs the plan's stages on ciphertexts with the clients' evaluation keys, never a secret key.</summary>
    public ZkLlmMiner CreateMiner(ZkLlmMinerOptions? options = null) => new(Model, Plan, new CkksMinerBackend(Plan.Ckks), options);
}

/// <summary>
/// The client side of the encrypted LLM task (<see cref="EncryptedTask"/>): per miner it opens a ZK-LLM session with a fresh CKKS
/// secret key (uploading evaluation keys for exactly the plan's rotations), then per token embeds, encrypts each stage's input,
/// decrypts the miner's result and computes the non-linear steps, the final norm and the LM head itself. Only ciphertexts and
/// evaluation keys leave it. A session moved to another miner starts there from the prompt again (a new key, the context
/// re-encrypted) and continues with the tokens it already has.
/// </summary>
public sealed class EncryptedClientRole(EncryptedTask task, ITokenizer tokenizer) : ILlmTaskClient
{
    // Evaluation keys travel in parts under brainport's 8 MiB request limit.
    private static readonly ZkLlmClientOptions ClientOptions = new() { KeyPartBytes = 4 << 20 };

    private readonly EncryptedTask _task = task ?? throw new ArgumentNullException(nameof(task));
    private readonly ITokenizer _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));

    /// <inheritdoc />
    public string TaskName => EncryptedTask.TaskName;

    /// <inheritdoc />
    public GenerationMode Mode => GenerationMode.Hybrid;

    /// <inheritdoc />
    public GenerationSession Start(string prompt, GenerationRequest? request = null) => GenerationSession.Create(_task.Source, _tokenizer, prompt, request);

    /// <inheritdoc />
    public string Decode(GenerationSession session) => GenerationSession.Decode(_tokenizer, session);

    /// <inheritdoc />
    /// <remarks>The first step's time includes opening the session (key generation and upload) and the prompt.</remarks>
    public async Task RunAsync(GenerationSession session, IMinerTransport transport, IProgress<int>? tokens = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(transport);
        if (session.IsComplete)
        {
            return;
        }
        session.Attempts++;
        var counted = new CountingTransport(transport);
        using var backend = new CkksClientBackend(_task.Plan.Ckks); // disposed here too: the client skips it when closing fails
        var client = new ZkLlmClient(_task.Model, _task.Plan, backend, counted, ClientOptions);
        int capacity = _task.Source.Config.MaxSequenceLength;
        var logits = new float[_task.Source.Config.VocabSize];
        try
        {
            long started = Stopwatch.GetTimestamp();
            await client.OpenAsync(cancellationToken).ConfigureAwait(false);
            foreach (int token in (int[])[.. session.PromptTokens, .. session.GeneratedTokens])
            {
                Copy(await client.StepAsync(token, cancellationToken).ConfigureAwait(false), logits);
            }
            while (true)
            {
                TimeSpan step = Stopwatch.GetElapsedTime(started);
                int token = session.Sampler.Sample(logits);
                if (session.StopTokens.Contains(token))
                {
                    session.AddStep(step);
                    session.IsComplete = true;
                    break;
                }
                session.Add(token, step);
                tokens?.Report(token);
                if (session.GeneratedTokens.Count >= session.Request.MaxNewTokens || client.Position >= capacity)
                {
                    session.IsComplete = true;
                    break;
                }
                started = Stopwatch.GetTimestamp();
                Copy(await client.StepAsync(token, cancellationToken).ConfigureAwait(false), logits);
            }
        }
        catch (ZkLlmException e)
        {
            throw new InvalidDataException(e.Message, e);
        }
        finally
        {
            session.BytesSent += counted.BytesSent;
            session.BytesReceived += counted.BytesReceived;
            await CloseQuietlyAsync(client).ConfigureAwait(false);
        }
    }

    private static async Task CloseQuietlyAsync(ZkLlmClient client)
    {
        try
        {
            await client.DisposeAsync().ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Closing only frees the miner's memory early (sessions expire there); the key is wiped either way.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private static void Copy(double[] source, float[] destination)
    {
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = (float)source[i];
        }
    }

    private sealed class CountingTransport(IMinerTransport inner) : IZkLlmTransport
    {
        public long BytesSent { get; private set; }

        public long BytesReceived { get; private set; }

        public async Task<ReadOnlyMemory<byte>> ExchangeAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken = default)
        {
            ReadOnlyMemory<byte> response = await inner.SendAsync(request, cancellationToken).ConfigureAwait(false);
            BytesSent += request.Length;
            BytesReceived += response.Length;
            return response;
        }
    }
}
