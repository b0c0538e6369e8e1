using BasedAI.Inference.Formats;
using BasedAI.Squeezing.Calibration;

namespace BasedAI.Squeezing.Tests;

/// <summary>Shared fixtures: stories260K from ../shared, the calibration and held-out texts in Data/.</summary>
internal static class Fixtures
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Stories260K => Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "models", "stories260K", "stories260K.bin"));

    public static string FakeGpt2 => Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "models", "fake_gpt2"));

    public static string CalibrationText => Path.Combine(AppContext.BaseDirectory, "Data", "calibration.txt");

    public static string HeldOutText => Path.Combine(AppContext.BaseDirectory, "Data", "heldout.txt");

    private static readonly Lazy<LoadedModel> LazyStories = new(() => ModelLoader.Load(Stories260K));

    /// <summary>stories260K loaded once (tests never mutate it).</summary>
    public static LoadedModel Stories => LazyStories.Value;

    public static CalibrationCorpus Calibration => CalibrationCorpus.FromText(File.ReadAllText(CalibrationText), Stories.Tokenizer, Stories.Model);

    public static CalibrationCorpus HeldOut => CalibrationCorpus.FromText(File.ReadAllText(HeldOutText), Stories.Tokenizer, Stories.Model);

    /// <summary>The first six calibration paragraphs: enough for the pipeline, small enough for a fast test.</summary>
    public static CalibrationCorpus SmallCalibration => CalibrationCorpus.FromSequences(Calibration.Sequences.Take(6), Stories.Model.Config.VocabSize);

    private static readonly Lazy<SqueezeResult> LazySqueeze = new(() =>
        CerberusSqueezer.Squeeze(Stories.Model, SmallCalibration, HeldOut, new SqueezeOptions()));

    /// <summary>stories260K squeezed once with default options on the small corpus.</summary>
    public static SqueezeResult Squeezed => LazySqueeze.Value;

    public static string TempDirectory()
    {
        string path = Path.Combine(Path.GetTempPath(), "basedai-squeezing-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }

    private static string FindRoot()
    {
        for (string? dir = AppContext.BaseDirectory; dir != null; dir = Path.GetDirectoryName(dir))
        {
            if (File.Exists(Path.Combine(dir, "BasedAI.Host.sln")))
            {
                return dir;
            }
        }
        throw new InvalidOperationException("cannot find the repository root (BasedAI.Host.sln) above " + AppContext.BaseDirectory);
    }
}
