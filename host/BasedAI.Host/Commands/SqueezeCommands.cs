using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using BasedAI.Inference.Formats;
using BasedAI.Squeezing;
using BasedAI.Squeezing.Calibration;
using BasedAI.Squeezing.Quantization;
using BasedAI.Squeezing.Reporting;
using BasedAI.ZkLlm.Evaluation;

namespace BasedAI.Host.Commands;

/// <summary><c>basedai squeeze</c>: Cerberus Squeezing of a model into a squeezed model and its HE execution plan.</summary>
internal static class SqueezeCommands
{
    public static Command Create()
    {
        var model = new Argument<string>("model") { Description = "Model to squeeze: a Hugging Face folder or a llama2.c .bin checkpoint." };
        var calibration = new Option<string>("--calibration", "-c") { Description = "Calibration text (paragraphs separated by blank lines).", Required = true };
        var heldOut = new Option<string?>("--held-out") { Description = "Held-out text for the quality report (default: the last part of the calibration text)." };
        var heldOutFraction = new Option<double>("--held-out-fraction") { Description = "Fraction of the calibration paragraphs kept aside when --held-out is not given.", DefaultValueFactory = _ => 0.2 };
        var theta = new Option<double>("--theta") { Description = "Head significance threshold θ: heads whose S(h) (mean KL divergence when removed) is ≤ θ are removed while quality allows.", DefaultValueFactory = _ => 0 };
        var budget = new Option<double?>("--budget") { Description = "Compute budget C_max in HE cost units per token (≈ ms on the reference machine); heads are removed until the plan fits." };
        var levels = new Option<int>("--levels") { Description = "Quantization levels L of the paper's dynamic quantization (raised per site when quality needs it).", DefaultValueFactory = _ => 256 };
        var threshold = new Option<double>("--threshold") { Description = "Adaptive-scaling threshold T on a sample's standard deviation.", DefaultValueFactory = _ => 0.1 };
        var alpha = new Option<double>("--alpha") { Description = "Adaptive-scaling factor α.", DefaultValueFactory = _ => 0.5 };
        var noQuantization = new Option<bool>("--no-quantization") { Description = "Encrypt full-precision values (no dynamic quantization)." };
        var minAgreement = new Option<double>("--min-agreement") { Description = "Calibration top-1 agreement with the original that pruning and quantization must keep.", DefaultValueFactory = _ => 0.995 };
        var context = new Option<int>("--context") { Description = "Context length the per-token cost is reported at.", DefaultValueFactory = _ => 64 };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "Tokenizer file (default: found beside the model)." };
        var encryptedTokens = new Option<int>("--encrypted-tokens") { Description = "Held-out tokens to run both plans on under CKKS for the report's measured latency and encrypted agreement (0 = skip).", DefaultValueFactory = _ => 6 };
        encryptedTokens.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 0 or 1)
            {
                r.AddError("--encrypted-tokens must be 0 or at least 2");
            }
        });
        var output = new Option<string>("--output", "-o") { Description = "Directory to write the squeezed model into (model.safetensors, plan.json, report).", Required = true };
        var command = new Command("squeeze", "Cerberus Squeezing: calibrate, select heads, quantize, fuse, fit polynomials and compile the HE execution plan; runs both plans briefly under CKKS and prints the report.");
        command.Arguments.Add(model);
        foreach (Option option in new Option[] { calibration, heldOut, heldOutFraction, theta, budget, levels, threshold, alpha, noQuantization, minAgreement, context, tokenizer, encryptedTokens, output })
        {
            command.Options.Add(option);
        }
        command.SetHandler(async (result, cancellationToken) =>
        {
            string modelPath = result.GetValue(model)!;
            string? tokenizerPath = result.GetValue(tokenizer) ?? FindTokenizer(modelPath);
            LoadedModel loaded = ModelLoader.Load(modelPath, tokenizerPath);
            if (tokenizerPath == null)
            {
                throw new FileNotFoundException($"no tokenizer file found beside {modelPath}; pass --tokenizer");
            }
            CalibrationCorpus corpus = CalibrationCorpus.FromText(File.ReadAllText(result.GetValue(calibration)!), loaded.Tokenizer, loaded.Model);
            CalibrationCorpus calibrationSet, heldOutSet;
            if (result.GetValue(heldOut) is { } heldOutPath)
            {
                calibrationSet = corpus;
                heldOutSet = CalibrationCorpus.FromText(File.ReadAllText(heldOutPath), loaded.Tokenizer, loaded.Model);
            }
            else
            {
                (calibrationSet, heldOutSet) = corpus.Split(result.GetValue(heldOutFraction));
            }
            var options = new SqueezeOptions
            {
                Theta = result.GetValue(theta),
                Budget = result.GetValue(budget),
                Quantization = result.GetValue(noQuantization) ? null : new QuantizationSettings { Levels = result.GetValue(levels), Threshold = result.GetValue(threshold), Alpha = result.GetValue(alpha) },
                MinAgreement = result.GetValue(minAgreement),
                ContextLength = result.GetValue(context),
            };
            var clock = Stopwatch.StartNew();
            var progress = new ProgressBar();
            SqueezeResult squeezed = CerberusSqueezer.Squeeze(loaded.Model, calibrationSet, heldOutSet, options, progress);
            if (result.GetValue(encryptedTokens) is > 0 and int tokens)
            {
                await EncryptedEvaluation.AddToReportAsync(squeezed, loaded.Model, heldOutSet, sequences: 1, tokensPerSequence: tokens, progress, cancellationToken);
            }
            string directory = result.GetValue(output)!;
            SqueezedArtifact.Save(directory, squeezed, tokenizerPath);
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"squeezed in {clock.Elapsed.TotalSeconds:F1} s → {directory}"));
            Console.Write(Summary(squeezed.Report, directory));
            return ExitCodes.Success;
        });
        return command;
    }

    private static readonly string[] TokenizerNames = ["tokenizer.json", "tokenizer.model"];

    /// <summary>The tokenizer file ModelLoader would use for <paramref name="model"/>.</summary>
    internal static string? FindTokenizer(string model)
    {
        if (Directory.Exists(model))
        {
            return TokenizerNames.Select(n => Path.Combine(model, n)).FirstOrDefault(File.Exists);
        }
        if (!File.Exists(model))
        {
            return null;
        }
        string directory = Path.GetDirectoryName(Path.GetFullPath(model))!;
        string? named = Directory.EnumerateFiles(directory, "tok*.bin").Order(StringComparer.Ordinal).FirstOrDefault();
        string plain = Path.Combine(directory, "tokenizer.bin");
        return File.Exists(plain) ? plain : named;
    }

    private static string Summary(SqueezeReport report, string directory)
    {
        string markdown = report.ToMarkdown();
        int heads = markdown.IndexOf("## Heads", StringComparison.Ordinal);
        string head = heads > 0 ? markdown[..heads] : markdown;
        return head + string.Create(CultureInfo.InvariantCulture,
            $"Kept heads: {report.Heads.Count(h => h.Kept)} of {report.Heads.Count}. {report.BudgetNote}\nQuantization: {string.Join(", ", report.Quantization.Select(q => $"{q.Site} L={q.Settings?.Levels.ToString(CultureInfo.InvariantCulture) ?? "off"}"))}; calibration agreement {report.QuantizedCalibrationAgreement:0.0000}.\nFull report: {Path.Combine(directory, SqueezedArtifact.ReportMarkdownFile)}\n");
    }

    private sealed class ProgressBar : IProgress<SqueezeProgress>
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private string _stage = "";
        private long _lastDraw = -1000;

        public void Report(SqueezeProgress value)
        {
            bool done = value.Fraction >= 1, newStage = value.Stage != _stage;
            if (!done && !newStage && _clock.ElapsedMilliseconds - _lastDraw < 100)
            {
                return;
            }
            _stage = value.Stage;
            _lastDraw = _clock.ElapsedMilliseconds;
            int filled = (int)(Math.Clamp(value.Fraction, 0, 1) * 30);
            string line = string.Create(CultureInfo.InvariantCulture, $"{value.Stage,-26} [{new string('#', filled)}{new string('.', 30 - filled)}] {value.Fraction * 100,5:F1}%");
            if (Console.IsErrorRedirected)
            {
                if (done)
                {
                    Console.Error.WriteLine(line);
                }
                return;
            }
            Console.Error.Write("\r" + line + (done ? "\n" : ""));
        }
    }
}
