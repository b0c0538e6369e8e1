using BasedAI.Inference.Formats;
using BasedAI.Squeezing;
using BasedAI.Squeezing.Calibration;
using BasedAI.Squeezing.Evaluation;
using BasedAI.Squeezing.Fusion;
using BasedAI.Squeezing.Planning;

namespace BasedAI.ZkLlm.Tests;

/// <summary>Shared fixtures: stories260K, its calibration text, and plans compiled once.</summary>
internal static class Fixtures
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Stories260K => Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "models", "stories260K", "stories260K.bin"));

    public static string Stories260KTokenizer => Path.Combine(Path.GetDirectoryName(Stories260K)!, "tok512.bin");

    public static string FakeGpt2 => Path.GetFullPath(Path.Combine(RepositoryRoot, "..", "shared", "models", "fake_gpt2"));

    public static string CalibrationText => Path.Combine(AppContext.BaseDirectory, "Data", "calibration.txt");

    public static string HeldOutText => Path.Combine(AppContext.BaseDirectory, "Data", "heldout.txt");

    private static readonly Lazy<LoadedModel> LazyStories = new(() => ModelLoader.Load(Stories260K));

    public static LoadedModel Stories => LazyStories.Value;

    public static CalibrationCorpus SmallCalibration => CalibrationCorpus.FromSequences(
        CalibrationCorpus.FromText(File.ReadAllText(CalibrationText), Stories.Tokenizer, Stories.Model).Sequences.Take(6), Stories.Model.Config.VocabSize);

    public static CalibrationCorpus HeldOut => CalibrationCorpus.FromText(File.ReadAllText(HeldOutText), Stories.Tokenizer, Stories.Model);

    private static readonly Lazy<SqueezeResult> LazySqueeze = new(() =>
        CerberusSqueezer.Squeeze(Stories.Model, SmallCalibration, HeldOut, new SqueezeOptions()));

    /// <summary>stories260K squeezed once (default options, small corpus).</summary>
    public static SqueezeResult Squeezed => LazySqueeze.Value;

    /// <summary>The unsqueezed model: all heads, no fusion.</summary>
    public static SqueezedModel Unsqueezed { get; } = SqueezedModel.Build(Stories.Model, SqueezedModel.AllHeads(Stories.Model.Config), FusionOptions.None);

    /// <summary>The squeezed model's quantization as the reference applies it.</summary>
    public static QuantizationMap QuantizationOf(HePlan plan)
    {
        QuantizationMap map = QuantizationMap.None;
        foreach (HeStage stage in plan.Stages)
        {
            foreach (StageInput input in stage.Inputs)
            {
                map = map.With(input.Value, stage.Layer, input.Quantization);
            }
        }
        return map;
    }

    public static string TempDirectory()
    {
        string path = Path.Combine(Path.GetTempPath(), "basedai-zkllm-tests", Guid.NewGuid().ToString("N"));
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

/// <summary>CKKS fixtures: the unsqueezed plan at a precision whose chain fits N = 8192 at 128-bit security.</summary>
internal static class CkksFixtures
{
    /// <summary>2^28 working scale, 11 bits of headroom: [39, 28×5, 39] = 218 bits, the 128-bit bound of N = 8192.</summary>
    public static PlanPrecision UnsqueezedPrecision { get; } = new() { WorkingScaleBits = 28, HeadroomBits = 11 };

    private static readonly Lazy<HePlan> LazyUnsqueezedPlan = new(() => HePlanCompiler.Compile(Fixtures.Unsqueezed, UnsqueezedPrecision, squeezed: false));

    public static HePlan UnsqueezedPlan => LazyUnsqueezedPlan.Value;
}
