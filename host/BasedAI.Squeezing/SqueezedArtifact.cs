using System.Text.Json;
using BasedAI.Inference.Tokenizers;
using BasedAI.Squeezing.Fusion;
using BasedAI.Squeezing.Planning;
using BasedAI.Squeezing.Polynomials;
using BasedAI.Squeezing.Reporting;

namespace BasedAI.Squeezing;

/// <summary>
/// A squeezed model on disk: <c>model.safetensors</c> (weights), <c>plan.json</c> (hybrid HE plan),
/// <c>baseline-plan.json</c> (the unsqueezed plan, for comparison), <c>polynomials.json</c> (full-mode approximations),
/// <c>report.json</c> and <c>report.md</c>, and the tokenizer file. Loading checks that the plan belongs to the weights.
/// </summary>
public sealed class SqueezedArtifact
{
    /// <summary>Weights file name.</summary>
    public const string ModelFile = "model.safetensors";

    /// <summary>Plan file name.</summary>
    public const string PlanFile = "plan.json";

    /// <summary>Baseline plan file name.</summary>
    public const string BaselinePlanFile = "baseline-plan.json";

    /// <summary>Polynomials file name.</summary>
    public const string PolynomialsFile = "polynomials.json";

    /// <summary>Report file name (JSON).</summary>
    public const string ReportFile = "report.json";

    /// <summary>Report file name (markdown).</summary>
    public const string ReportMarkdownFile = "report.md";

    private SqueezedArtifact(SqueezedModel model, HePlan plan, HePlan? baselinePlan, PolynomialSet? polynomials, SqueezeReport? report, ITokenizer tokenizer, string directory)
    {
        Model = model;
        Plan = plan;
        BaselinePlan = baselinePlan;
        Polynomials = polynomials;
        Report = report;
        Tokenizer = tokenizer;
        Directory = directory;
    }

    /// <summary>The weights.</summary>
    public SqueezedModel Model { get; }

    /// <summary>The hybrid plan.</summary>
    public HePlan Plan { get; }

    /// <summary>The unsqueezed baseline plan, if saved.</summary>
    public HePlan? BaselinePlan { get; }

    /// <summary>Full-mode polynomials, if saved.</summary>
    public PolynomialSet? Polynomials { get; }

    /// <summary>The report, if saved.</summary>
    public SqueezeReport? Report { get; }

    /// <summary>The tokenizer.</summary>
    public ITokenizer Tokenizer { get; }

    /// <summary>Where it was loaded from.</summary>
    public string Directory { get; }

    /// <summary>Whether <paramref name="path"/> is a directory holding a squeezed model.</summary>
    public static bool IsArtifact(string path) =>
        System.IO.Directory.Exists(path) && File.Exists(Path.Combine(path, ModelFile)) && File.Exists(Path.Combine(path, PlanFile));

    /// <summary>Writes a squeeze result into <paramref name="directory"/> with a copy of the tokenizer file.</summary>
    public static void Save(string directory, SqueezeResult result, string tokenizerPath)
    {
        ArgumentNullException.ThrowIfNull(directory);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(tokenizerPath);
        if (!File.Exists(tokenizerPath))
        {
            throw new FileNotFoundException($"tokenizer not found: {tokenizerPath}", tokenizerPath);
        }
        System.IO.Directory.CreateDirectory(directory);
        result.Model.Save(Path.Combine(directory, ModelFile));
        result.Plan.Save(Path.Combine(directory, PlanFile));
        result.BaselinePlan.Save(Path.Combine(directory, BaselinePlanFile));
        File.WriteAllText(Path.Combine(directory, PolynomialsFile), JsonSerializer.Serialize(result.Polynomials, SqueezeJson.Options));
        File.WriteAllText(Path.Combine(directory, ReportFile), result.Report.ToJson());
        File.WriteAllText(Path.Combine(directory, ReportMarkdownFile), result.Report.ToMarkdown());
        File.Copy(tokenizerPath, Path.Combine(directory, "tokenizer" + Path.GetExtension(tokenizerPath)), overwrite: true);
    }

    /// <summary>Loads a squeezed model directory; every file is validated and the plan must match the weights.</summary>
    public static SqueezedArtifact Load(string directory)
    {
        ArgumentNullException.ThrowIfNull(directory);
        if (!System.IO.Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"no squeezed model at {directory}");
        }
        string modelPath = Path.Combine(directory, ModelFile), planPath = Path.Combine(directory, PlanFile);
        if (!File.Exists(modelPath) || !File.Exists(planPath))
        {
            throw new FileNotFoundException($"{directory} is not a squeezed model: it needs {ModelFile} and {PlanFile}");
        }
        SqueezedModel model = SqueezedModel.Load(modelPath);
        HePlan plan = HePlan.Load(planPath);
        CheckPlan(plan, model, planPath);
        string baselinePath = Path.Combine(directory, BaselinePlanFile);
        HePlan? baseline = File.Exists(baselinePath) ? HePlan.Load(baselinePath) : null;
        string polynomialsPath = Path.Combine(directory, PolynomialsFile);
        PolynomialSet? polynomials = File.Exists(polynomialsPath) ? ReadJson<PolynomialSet>(polynomialsPath) : null;
        string reportPath = Path.Combine(directory, ReportFile);
        SqueezeReport? report = File.Exists(reportPath) ? ReadJson<SqueezeReport>(reportPath) : null;
        string? tokenizerPath = System.IO.Directory.EnumerateFiles(directory, "tokenizer.*").FirstOrDefault(p => Path.GetExtension(p) is ".bin" or ".json" or ".model")
            ?? throw new FileNotFoundException($"{directory} holds no tokenizer (tokenizer.bin, tokenizer.json or tokenizer.model)");
        ITokenizer tokenizer = TokenizerLoader.Load(tokenizerPath, model.Config.VocabSize);
        return new SqueezedArtifact(model, plan, baseline, polynomials, report, tokenizer, directory);
    }

    /// <summary>Throws <see cref="InvalidDataException"/> unless <paramref name="plan"/> was compiled for <paramref name="model"/>.</summary>
    public static void CheckPlan(HePlan plan, SqueezedModel model, string source)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(model);
        string digest = WeightsDigest.Compute(model);
        if (!string.Equals(plan.Model.WeightsSha256, digest, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{source}: the plan was compiled for weights {plan.Model.WeightsSha256[..Math.Min(12, plan.Model.WeightsSha256.Length)]}…, these are {digest[..12]}…");
        }
        if (plan.Model.Layers != model.Config.LayerCount || plan.Model.HiddenSize != model.Config.HiddenSize ||
            !plan.Model.KeptHeads.Zip(model.KeptHeads).All(p => p.First.SequenceEqual(p.Second)))
        {
            throw new InvalidDataException($"{source}: the plan's model shape or kept heads differ from the weights");
        }
    }

    private static T ReadJson<T>(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), SqueezeJson.Options) ?? throw new InvalidDataException($"{path}: empty document");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: not valid JSON for {typeof(T).Name}: {e.Message}", e);
        }
    }
}
