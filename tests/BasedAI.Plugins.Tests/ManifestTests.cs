using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using BasedAI.Plugins.Manifest;
using FsCheck;
using FsCheck.Fluent;

namespace BasedAI.Plugins.Tests;

public sealed class ManifestTests
{
    private const string Valid = """
        {
          "$schema": "../plugin-manifest.schema.json",
          "id": "ai.based.example",
          "version": "1.2.3-beta.1+build.5",
          "displayName": "Example",
          "description": "An example.",
          "authors": ["A", "B"],
          "hostVersion": "[0.1.0,1.0.0)",
          "apiVersion": "1.0",
          "entry": { "assembly": "Example.dll", "type": "Example.Template" },
          "capabilities": ["zk-llm", "gpu"],
          "dependencies": [{ "id": "ai.based.execution.cuda", "version": "1.0.0", "optional": true }],
          "permissions": ["network", "gpu"],
          "unloadable": false,
          "configuration": { "type": "object" }
        }
        """;

    [Fact]
    public void Full_manifest_reads_every_field()
    {
        var manifest = PluginManifestReader.Parse(Valid, "test");
        Assert.Equal("ai.based.example", manifest.Id);
        Assert.Equal("1.2.3-beta.1+build.5", manifest.Version);
        Assert.Equal("Example", manifest.DisplayName);
        Assert.Equal("An example.", manifest.Description);
        Assert.Equal(["A", "B"], manifest.Authors);
        Assert.Equal("[0.1.0,1.0.0)", manifest.HostVersion);
        Assert.Equal("1.0", manifest.ApiVersion);
        Assert.Equal("Example.dll", manifest.Entry.Assembly);
        Assert.Equal("Example.Template", manifest.Entry.Type);
        Assert.Equal(["zk-llm", "gpu"], manifest.Capabilities);
        var dependency = Assert.Single(manifest.Dependencies);
        Assert.Equal(("ai.based.execution.cuda", "1.0.0", true), (dependency.Id, dependency.Version, dependency.Optional));
        Assert.Equal(["network", "gpu"], manifest.Permissions);
        Assert.False(manifest.Unloadable);
        Assert.Equal("object", manifest.Configuration!.Value.GetProperty("type").GetString());
    }

    [Fact]
    public void Minimal_manifest_takes_the_schema_defaults()
    {
        var manifest = PluginManifestReader.Parse("""
            {"id":"a.b","version":"0.0.1","displayName":"x","apiVersion":"1.0","entry":{"assembly":"a.dll","type":"A"}}
            """, "test");
        Assert.True(manifest.Unloadable);
        Assert.Empty(manifest.Capabilities);
        Assert.Empty(manifest.Dependencies);
        Assert.Null(manifest.HostVersion);
    }

    [Theory]
    [InlineData("id", "\"Not.Reverse.DNS\"", "$.id", "pattern")]
    [InlineData("id", "\"single\"", "$.id", "pattern")]
    [InlineData("version", "\"1.0\"", "$.version", "pattern")]
    [InlineData("version", "\"01.0.0\"", "$.version", "pattern")]
    [InlineData("apiVersion", "1", "$.apiVersion", "type")]
    [InlineData("displayName", "\"\"", "$.displayName", "minLength")]
    [InlineData("unloadable", "\"yes\"", "$.unloadable", "type")]
    [InlineData("permissions", "[\"root\"]", "$.permissions[0]", "enum")]
    [InlineData("capabilities", "[\"gpu\",\"gpu\"]", "$.capabilities", "uniqueItems")]
    [InlineData("hostVersion", "\"[1.0.0,\"", "$.hostVersion", "pattern")]
    [InlineData("hostVersion", "\"[2.0.0,1.0.0)\"", "$.hostVersion", "versionRange")]
    [InlineData("entry", "{\"assembly\":\"x.dll\"}", "$.entry.type", "required")]
    [InlineData("entry", "{\"assembly\":\"../x.dll\",\"type\":\"A\"}", "$.entry.assembly", "pattern")]
    [InlineData("dependencies", "[{\"id\":\"ai.based.example\"}]", "$.dependencies[0].id", "noSelfDependency")]
    [InlineData("dependencies", "[{\"version\":\"1.0.0\"}]", "$.dependencies[0].id", "required")]
    [InlineData("extra", "1", "$.extra", "additionalProperties")]
    public void Invalid_values_are_reported_with_json_path_and_rule(string property, string value, string path, string rule)
    {
        var manifest = JsonNode.Parse(Valid)!.AsObject();
        manifest[property] = JsonNode.Parse(value);
        var exception = Assert.Throws<PluginLoadException>(() => PluginManifestReader.Parse(manifest.ToJsonString(), "folder"));
        Assert.Equal(PluginErrorKind.InvalidManifest, exception.Kind);
        Assert.Contains(exception.ManifestErrors, e => e.Path == path && e.Rule == rule);
        Assert.Contains(path, exception.Message);
        Assert.Contains(rule, exception.Message);
    }

    [Fact]
    public void Missing_required_property_names_it()
    {
        var manifest = JsonNode.Parse(Valid)!.AsObject();
        manifest.Remove("entry");
        var errors = PluginManifestReader.Validate(manifest.ToJsonString());
        var error = Assert.Single(errors);
        Assert.Equal(("$.entry", "required"), (error.Path, error.Rule));
        Assert.Contains("'entry'", error.Message);
    }

    [Theory]
    [InlineData("{ \"id\": ", "json")]
    [InlineData("[]", "type")]
    [InlineData("", "json")]
    public void Malformed_documents_are_rejected_clearly(string json, string rule)
    {
        var errors = PluginManifestReader.Validate(json);
        Assert.Contains(errors, e => e.Rule == rule);
    }

    private const string Noise = "{}[]\",:0a.-\\ \u00e9";

    [Fact]
    public void Random_corruptions_of_a_valid_manifest_never_escape_as_anything_but_a_manifest_error()
    {
        var random = new Random(20240611);
        for (int i = 0; i < 400; i++)
        {
            char[] text = Valid.ToCharArray();
            for (int edits = random.Next(1, 4); edits > 0; edits--)
            {
                text[random.Next(text.Length)] = Noise[random.Next(Noise.Length)];
            }
            try
            {
                var manifest = PluginManifestReader.Parse(new string(text), "fuzz");
                Assert.False(string.IsNullOrEmpty(manifest.Id));
            }
            catch (PluginLoadException e)
            {
                Assert.Equal(PluginErrorKind.InvalidManifest, e.Kind);
                Assert.NotEmpty(e.ManifestErrors);
            }
        }
    }

    [Theory]
    [InlineData("1.0", true)]
    [InlineData("1.9", false)]
    [InlineData("2.0", false)]
    [InlineData("0.9", false)]
    public void Api_version_compatibility_follows_major_equal_minor_not_newer(string apiVersion, bool supported)
    {
        Assert.Equal(supported, PluginManifestReader.IsApiVersionSupported(apiVersion, out string reason));
        Assert.Equal(supported, reason.Length == 0);
    }

    [Fact]
    public void Schema_and_model_agree_on_properties_required_members_and_defaults()
    {
        var schema = JsonNode.Parse(PluginManifestReader.SchemaText)!.AsObject();
        AssertAgree(schema, typeof(PluginManifest));
        AssertAgree(schema["properties"]!["entry"]!.AsObject(), typeof(PluginEntryPoint));
        AssertAgree(schema["properties"]!["dependencies"]!["items"]!.AsObject(), typeof(PluginDependency));

        var minimal = PluginManifestReader.Parse("""{"id":"a.b","version":"0.0.1","displayName":"x","apiVersion":"1.0","entry":{"assembly":"a.dll","type":"A"}}""", "t");
        Assert.Equal(schema["properties"]!["unloadable"]!["default"]!.GetValue<bool>(), minimal.Unloadable);
        Assert.Equal(schema["properties"]!["dependencies"]!["items"]!["properties"]!["optional"]!["default"]!.GetValue<bool>(), new PluginDependency { Id = "a.b" }.Optional);
    }

    private static void AssertAgree(JsonObject schemaObject, Type model)
    {
        var schemaProperties = schemaObject["properties"]!.AsObject().Select(p => p.Key).ToHashSet();
        var schemaRequired = schemaObject["required"]!.AsArray().Select(n => n!.GetValue<string>()).ToHashSet();
        var modelProperties = model.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (Property: p, Json: p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name))
            .Where(p => p.Json is not null)
            .ToList();
        Assert.Equal(schemaProperties.Order(), modelProperties.Select(p => p.Json!).Order());
        var modelRequired = modelProperties.Where(p => p.Property.GetCustomAttribute<RequiredMemberAttribute>() is not null
            || p.Property.DeclaringType!.GetCustomAttributes<RequiredMemberAttribute>().Any() && IsRequired(p.Property)).Select(p => p.Json!);
        Assert.Equal(schemaRequired.Order(), modelRequired.Order());
        Assert.Equal("object", schemaObject["type"]!.GetValue<string>());
        Assert.False(schemaObject["additionalProperties"]!.GetValue<bool>());
    }

    // C# 'required' members carry RequiredMemberAttribute on the property.
    private static bool IsRequired(PropertyInfo property) => property.GetCustomAttribute<RequiredMemberAttribute>() is not null;

    [Fact]
    public void Semantic_versions_order_as_semver_specifies()
    {
        string[] ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.10.0", "2.0.0"];
        var parsed = ordered.Select(SemanticVersion.Parse).ToList();
        for (int i = 1; i < parsed.Count; i++)
        {
            Assert.True(parsed[i - 1] < parsed[i], $"{parsed[i - 1]} < {parsed[i]}");
        }
        Assert.Equal(SemanticVersion.Parse("1.0.0+a"), SemanticVersion.Parse("1.0.0+b"));
        Assert.False(SemanticVersion.TryParse("1.0.0-01", out _));
    }

    [Fact]
    public void Version_parsing_round_trips_and_ranges_contain_their_bounds()
    {
        Prop.ForAll(Gen.Choose(0, 500).Three().ToArbitrary(), t =>
        {
            var version = SemanticVersion.Parse($"{t.Item1}.{t.Item2}.{t.Item3}");
            Assert.Equal($"{t.Item1}.{t.Item2}.{t.Item3}", version.ToString());
            Assert.True(VersionRange.Parse(version.ToString()).Contains(version));
            Assert.True(VersionRange.Parse($"[{version}]").Contains(version));
            Assert.False(VersionRange.Parse($"({version},)").Contains(version));
            Assert.True(VersionRange.Parse($"[{version},)").Contains(version));
            Assert.False(VersionRange.Parse($"[,{version})").Contains(version));
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(200));
    }

    [Theory]
    [InlineData("[1.0.0,2.0.0)", "1.5.0", true)]
    [InlineData("[1.0.0,2.0.0)", "2.0.0", false)]
    [InlineData("[1.0.0,2.0.0]", "2.0.0", true)]
    [InlineData("(1.0.0,2.0.0)", "1.0.0", false)]
    [InlineData("1.2.0", "1.1.9", false)]
    [InlineData("1.2.0", "9.0.0", true)]
    [InlineData("[,1.0.0)", "0.9.0", true)]
    public void Ranges_follow_interval_notation(string range, string version, bool contained) =>
        Assert.Equal(contained, VersionRange.Parse(range).Contains(SemanticVersion.Parse(version)));
}
