using BasedAI.Inference.Model;
using BasedAI.Inference.Tokenizers;

namespace BasedAI.Squeezing.Calibration;

/// <summary>
/// Token sequences the compiler calibrates on and evaluates with: the text is cut into paragraphs (blank lines, or single
/// lines when there are none), each tokenized as a prompt would be (BOS first for Llama) and truncated to a window.
/// </summary>
public sealed class CalibrationCorpus
{
    private CalibrationCorpus(IReadOnlyList<int[]> sequences) => Sequences = sequences;

    /// <summary>The token sequences, each starting with the model's first prompt token.</summary>
    public IReadOnlyList<int[]> Sequences { get; }

    /// <summary>Total number of tokens.</summary>
    public int TokenCount => Sequences.Sum(s => s.Length);

    /// <summary>Positions at which a next token is predicted (every token but the first of each sequence).</summary>
    public int PredictionCount => Sequences.Sum(s => Math.Max(0, s.Length - 1));

    /// <summary>Builds a corpus from token sequences (each at least two tokens, ids checked against the vocabulary).</summary>
    public static CalibrationCorpus FromSequences(IEnumerable<int[]> sequences, int vocabSize)
    {
        ArgumentNullException.ThrowIfNull(sequences);
        var list = new List<int[]>();
        foreach (int[] sequence in sequences)
        {
            ArgumentNullException.ThrowIfNull(sequence);
            foreach (int id in sequence)
            {
                if ((uint)id >= (uint)vocabSize)
                {
                    throw new ArgumentException($"token id {id} is outside the vocabulary of {vocabSize}", nameof(sequences));
                }
            }
            if (sequence.Length >= 2)
            {
                list.Add(sequence);
            }
        }
        if (list.Count == 0)
        {
            throw new ArgumentException("the corpus has no sequence of two or more tokens", nameof(sequences));
        }
        return new CalibrationCorpus(list);
    }

    /// <summary>
    /// Tokenizes <paramref name="text"/> paragraph by paragraph for <paramref name="model"/>; sequences are cut at
    /// <paramref name="window"/> tokens (and at the model's context length).
    /// </summary>
    public static CalibrationCorpus FromText(string text, ITokenizer tokenizer, TransformerModel model, int window = 128)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 2);
        window = Math.Min(window, model.Config.MaxSequenceLength);
        bool addBos = model.Config.Architecture == ModelArchitecture.Llama;
        var sequences = new List<int[]>();
        foreach (string paragraph in Paragraphs(text))
        {
            IReadOnlyList<int> ids = tokenizer.Encode(paragraph, addBos);
            for (int start = 0; start < ids.Count; start += window)
            {
                int length = Math.Min(window, ids.Count - start);
                if (length >= 2)
                {
                    sequences.Add(ids.Skip(start).Take(length).ToArray());
                }
            }
        }
        if (sequences.Count == 0)
        {
            throw new InvalidDataException("the calibration text yields no sequence of two or more tokens");
        }
        return FromSequences(sequences, model.Config.VocabSize);
    }

    /// <summary>Splits off the last <paramref name="fraction"/> of the sequences (at least one each side) as held-out data.</summary>
    public (CalibrationCorpus Calibration, CalibrationCorpus HeldOut) Split(double fraction)
    {
        if (!(fraction > 0 && fraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "the held-out fraction must be between 0 and 1");
        }
        if (Sequences.Count < 2)
        {
            throw new InvalidOperationException("a corpus of one sequence cannot be split into calibration and held-out parts");
        }
        int heldOut = Math.Clamp((int)Math.Round(Sequences.Count * fraction), 1, Sequences.Count - 1);
        int keep = Sequences.Count - heldOut;
        return (new CalibrationCorpus(Sequences.Take(keep).ToList()), new CalibrationCorpus(Sequences.Skip(keep).ToList()));
    }

    private static IEnumerable<string> Paragraphs(string text)
    {
        string normalized = text.Replace("\r\n", "\n", StringComparison.Ordinal);
        string[] blocks = normalized.Split("\n\n", StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        IEnumerable<string> parts = blocks.Length > 1 ? blocks : normalized.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return parts.Select(p => p.Replace('\n', ' ')).Where(p => p.Length > 0);
    }
}
