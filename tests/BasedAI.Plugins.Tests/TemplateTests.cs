using System.Xml.Linq;
using BasedAI.Plugins.Manifest;

namespace BasedAI.Plugins.Tests;

/// <summary>Keeps templates/basedbrain consistent with the host (the smoke test in scripts/smoke builds and runs it).</summary>
public sealed class TemplateTests
{
    private static string Template(params string[] parts) => Path.Combine([TestPlugins.RepositoryRoot, "templates", "basedbrain", .. parts]);

    [Fact]
    public void The_template_manifest_is_valid_and_matches_the_template_project()
    {
        var manifest = PluginManifestReader.ReadFromDirectory(Template("src", "BasedBrain1"));
        Assert.Equal("BasedBrain1.dll", manifest.Entry.Assembly);
        Assert.Equal("BasedBrain1.BrainTemplate", manifest.Entry.Type);
        Assert.True(PluginManifestReader.IsApiVersionSupported(manifest.ApiVersion, out _));
        Assert.True(VersionRange.Parse(manifest.HostVersion!).Contains(SemanticVersion.Parse(Runtime.PluginRuntime.DefaultHostVersion)));
    }

    [Fact]
    public void The_template_builds_against_the_abstractions_version_this_repository_packs()
    {
        string repositoryVersion = XDocument.Load(Path.Combine(TestPlugins.RepositoryRoot, "Directory.Build.props")).Descendants("Version").Single().Value;
        foreach (string project in new[] { Template("src", "BasedBrain1", "BasedBrain1.csproj"), Template("tests", "BasedBrain1.Tests", "BasedBrain1.Tests.csproj") })
        {
            var reference = XDocument.Load(project).Descendants("PackageReference").Single(r => (string?)r.Attribute("Include") == "BasedAI.Abstractions");
            Assert.Equal(repositoryVersion, (string?)reference.Attribute("Version"));
        }
        Assert.Contains("\"defaultValue\": \"" + repositoryVersion + "\"", File.ReadAllText(Template(".template.config", "template.json")), StringComparison.Ordinal);
    }
}
