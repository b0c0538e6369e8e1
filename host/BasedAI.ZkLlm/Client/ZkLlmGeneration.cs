using System.Runtime.CompilerServices;
using BasedAI.Inference.Generation;
using BasedAI.Inference.Model;
using BasedAI.Inference.Tokenizers;

namespace BasedAI.ZkLlm.Client;

/// <summary>One token of an encrypted generation: its id, its text, whether it came from the prompt, and its step's cost.</summary>
/// <param name="Token">Token id.</param>
/// <param name="Text">Decoded text it adds (may be empty until a UTF-8 sequence completes).</param>
/// <param name="IsPrompt">Whether it is a prompt token.</param>
/// <param name="Step">Time and traffic of the step that processed it (generated tokens: the step that produced it).</param>
public readonly record struct EncryptedToken(int Token, string Text, bool IsPrompt, TokenStep Step);

/// <summary>Text generation through a <see cref="ZkLlmClient"/>: prompt tokens one position at a time, then sampling.</summary>
public static class ZkLlmGeneration
{
    /// <summary>The prompt's tokens as the inference engine encodes them (BOS first for Llama; GPT-2's end-of-text for an empty prompt).</summary>
    public static IReadOnlyList<int> EncodePrompt(ITokenizer tokenizer, TransformerConfig config, string prompt)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(prompt);
        var tokens = tokenizer.Encode(prompt, addBos: config.Architecture == ModelArchitecture.Llama).ToList();
        if (tokens.Count == 0 && tokenizer.BosTokenId >= 0)
        {
            tokens.Add(tokenizer.BosTokenId);
        }
        return tokens.Count > 0 ? tokens : throw new ArgumentException("the prompt is empty and the tokenizer has no BOS token to start from", nameof(prompt));
    }

    /// <summary>
    /// Streams the prompt's tokens, then up to <paramref name="maxNewTokens"/> generated ones (stopping at a stop token or
    /// the context end). Every step runs encrypted through <paramref name="client"/>.
    /// </summary>
    public static async IAsyncEnumerable<EncryptedToken> GenerateAsync(ZkLlmClient client, ITokenizer tokenizer, TransformerConfig config,
        IReadOnlyList<int> prompt, int maxNewTokens, SamplingOptions sampling, IReadOnlyCollection<int>? stopTokens = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(sampling);
        if (prompt.Count >= config.MaxSequenceLength)
        {
            throw new ArgumentException($"the prompt has {prompt.Count} tokens; the context holds {config.MaxSequenceLength}", nameof(prompt));
        }
        IReadOnlyCollection<int> stops = stopTokens ?? config.EosTokenIds;
        var sampler = new Sampler(config.VocabSize, sampling);
        var decoder = new StreamingDecoder(tokenizer);
        var logits = new float[config.VocabSize];
        for (int i = 0; i < prompt.Count; i++)
        {
            double[] output = await client.StepAsync(prompt[i], cancellationToken).ConfigureAwait(false);
            Copy(output, logits);
            yield return new EncryptedToken(prompt[i], decoder.Push(prompt[i]), true, client.LastStep);
        }
        for (int generated = 0; generated < maxNewTokens; generated++)
        {
            int next = sampler.Sample(logits);
            if (stops.Contains(next))
            {
                break;
            }
            TokenStep producedBy = client.LastStep;
            bool last = generated + 1 == maxNewTokens || client.Position >= config.MaxSequenceLength;
            if (!last)
            {
                double[] output = await client.StepAsync(next, cancellationToken).ConfigureAwait(false);
                Copy(output, logits);
            }
            yield return new EncryptedToken(next, decoder.Push(next), false, producedBy);
            if (last)
            {
                break;
            }
        }
        string rest = decoder.Flush();
        if (rest.Length > 0)
        {
            yield return new EncryptedToken(-1, rest, false, default);
        }
    }

    private static void Copy(double[] source, float[] destination)
    {
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = (float)source[i];
        }
    }
}
