using BasedAI.Inference.Model;
using BasedAI.Inference.Tokenizers;

namespace BasedAI.Inference.Formats;

/// <summary>A model with its tokenizer and where it came from.</summary>
/// <param name="Model">The transformer.</param>
/// <param name="Tokenizer">Its tokenizer.</param>
/// <param name="Format">"huggingface" or "llama2.c".</param>
/// <param name="Source">The path it was loaded from.</param>
public sealed record LoadedModel(TransformerModel Model, ITokenizer Tokenizer, string Format, string Source);

/// <summary>Loads a model from a Hugging Face directory or a llama2.c checkpoint, with its tokenizer.</summary>
public static class ModelLoader
{
    /// <summary>
    /// Loads <paramref name="path"/>: a directory with <c>config.json</c>, or a llama2.c <c>.bin</c> whose tokenizer is
    /// <paramref name="tokenizerPath"/>, else <c>tokenizer.bin</c> or <c>tok{vocab}.bin</c> beside it.
    /// </summary>
    public static LoadedModel Load(string path, string? tokenizerPath = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (Directory.Exists(path))
        {
            TransformerModel model = HuggingFaceModel.Load(path);
            ITokenizer tokenizer = TokenizerLoader.Load(tokenizerPath ?? path, model.Config.VocabSize);
            return new LoadedModel(model, CheckVocabulary(model, tokenizer), "huggingface", path);
        }
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"no model at {path} (expected a Hugging Face directory or a llama2.c .bin)", path);
        }
        if (Path.GetExtension(path).Equals(".safetensors", StringComparison.OrdinalIgnoreCase))
        {
            return Load(Path.GetDirectoryName(Path.GetFullPath(path))!, tokenizerPath);
        }
        TransformerModel llama = Llama2CCheckpoint.Load(path);
        string? found = tokenizerPath;
        if (found == null)
        {
            string directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
            found = new[] { "tokenizer.bin", $"tok{llama.Config.VocabSize}.bin" }.Select(n => Path.Combine(directory, n)).FirstOrDefault(File.Exists)
                ?? throw new FileNotFoundException($"no tokenizer for {path}: pass one (tokenizer.bin, tokenizer.model or tokenizer.json) or put tokenizer.bin beside it");
        }
        ITokenizer tok = TokenizerLoader.Load(found, llama.Config.VocabSize);
        return new LoadedModel(llama, CheckVocabulary(llama, tok), "llama2.c", path);
    }

    private static ITokenizer CheckVocabulary(TransformerModel model, ITokenizer tokenizer) =>
        tokenizer.VocabSize <= model.Config.VocabSize ? tokenizer :
        throw new InvalidDataException($"the tokenizer has {tokenizer.VocabSize} tokens but the model only {model.Config.VocabSize}");
}
