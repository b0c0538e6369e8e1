using BasedAI.Inference.Formats;
using BasedAI.Squeezing.Fusion;
using BasedAI.Squeezing.Planning;

namespace BasedAI.Squeezing.Tests;

/// <summary>Squeezed artifacts on disk load back identically; damaged ones are refused by name.</summary>
public class ArtifactTests
{
    private static string Tokenizer => Path.Combine(Path.GetDirectoryName(Fixtures.Stories260K)!, "tok512.bin");

    [Fact]
    public void SaveThenLoad_GivesIdenticalWeightsPlanAndReport()
    {
        string dir = Fixtures.TempDirectory();
        SqueezeResult result = Fixtures.Squeezed;
        SqueezedArtifact.Save(dir, result, Tokenizer);
        SqueezedArtifact loaded = SqueezedArtifact.Load(dir);
        Assert.Equal(result.Model.Tensors.Keys.Order(), loaded.Model.Tensors.Keys.Order());
        foreach ((string name, var tensor) in result.Model.Tensors)
        {
            Assert.Equal(tensor.Shape, loaded.Model.Tensors[name].Shape);
            Assert.Equal(tensor.Data, loaded.Model.Tensors[name].Data);
        }
        Assert.Equal(result.Model.KeptHeads, loaded.Model.KeptHeads);
        Assert.Equal(result.Model.Fusion, loaded.Model.Fusion);
        Assert.Equal(result.Model.Config with { EosTokenIds = [] }, loaded.Model.Config with { EosTokenIds = [] });
        Assert.Equal(result.Plan.ToJson(), loaded.Plan.ToJson());
        Assert.Equal(result.BaselinePlan.ToJson(), loaded.BaselinePlan!.ToJson());
        Assert.Equal(result.Report.ToJson(), loaded.Report!.ToJson());
        Assert.Equal(WeightsDigest.Compute(result.Model), WeightsDigest.Compute(loaded.Model));
        Assert.Equal(512, loaded.Tokenizer.VocabSize);
        Assert.True(File.Exists(Path.Combine(dir, SqueezedArtifact.ReportMarkdownFile)));
    }

    [Fact]
    public void PlanForOtherWeights_IsRefused()
    {
        string dir = Fixtures.TempDirectory();
        SqueezedArtifact.Save(dir, Fixtures.Squeezed, Tokenizer);
        File.Copy(Path.Combine(dir, SqueezedArtifact.BaselinePlanFile), Path.Combine(dir, SqueezedArtifact.PlanFile), overwrite: true);
        var e = Assert.Throws<InvalidDataException>(() => SqueezedArtifact.Load(dir));
        Assert.Contains("compiled for weights", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TruncatedOrForeignWeights_AreRefused()
    {
        string dir = Fixtures.TempDirectory();
        SqueezedArtifact.Save(dir, Fixtures.Squeezed, Tokenizer);
        string model = Path.Combine(dir, SqueezedArtifact.ModelFile);
        byte[] bytes = File.ReadAllBytes(model);
        File.WriteAllBytes(model, bytes[..(bytes.Length / 3)]);
        Assert.Throws<InvalidDataException>(() => SqueezedArtifact.Load(dir));

        SafeTensorFile.Write(model, Fixtures.Squeezed.Model.Tensors.Values, new Dictionary<string, string> { ["format"] = "something-else" });
        var e = Assert.Throws<InvalidDataException>(() => SqueezedArtifact.Load(dir));
        Assert.Contains("not a squeezed model", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WeightsWithAMissingTensor_AreRefusedByName()
    {
        string path = Path.Combine(Fixtures.TempDirectory(), "model.safetensors");
        SqueezedModel model = Fixtures.Squeezed.Model;
        string metadataSource = Path.Combine(Fixtures.TempDirectory(), "full.safetensors");
        model.Save(metadataSource);
        using (var file = SafeTensorFile.Open(metadataSource))
        {
            SafeTensorFile.Write(path, model.Tensors.Values.Where(t => t.Name != "layers.2.mlp.up.weight"), file.Metadata);
        }
        var e = Assert.Throws<InvalidDataException>(() => SqueezedModel.Load(path));
        Assert.Contains("layers.2.mlp.up.weight", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingDirectoryOrFiles_AreReported()
    {
        Assert.Throws<DirectoryNotFoundException>(() => SqueezedArtifact.Load(Path.Combine(Fixtures.TempDirectory(), "absent")));
        Assert.Throws<FileNotFoundException>(() => SqueezedArtifact.Load(Fixtures.TempDirectory()));
    }
}
