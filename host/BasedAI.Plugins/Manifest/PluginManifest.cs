using System.Text.Json;
using System.Text.Json.Serialization;

namespace BasedAI.Plugins.Manifest;

/// <summary>
/// The contents of a plugin's <c>brain.json</c>, as validated against <c>plugin-manifest.schema.json</c>.
/// Read it with <see cref="PluginManifestReader"/>; a test keeps this model and the schema in agreement.
/// Optional members have setters rather than init accessors because the JSON source generator assigns <c>default</c> to
/// absent init-only members, which would lose the schema defaults (e.g. <c>unloadable: true</c>).
/// </summary>
public sealed record PluginManifest
{
    /// <summary>Reverse-DNS identifier (e.g. <c>ai.based.evm</c>); immutable across versions.</summary>
    [JsonPropertyName("id")] public required string Id { get; init; }

    /// <summary>The plugin version (SemVer 2.0.0).</summary>
    [JsonPropertyName("version")] public required string Version { get; init; }

    /// <summary>A short human-readable name.</summary>
    [JsonPropertyName("displayName")] public required string DisplayName { get; init; }

    /// <summary>What the plugin does.</summary>
    [JsonPropertyName("description")] public string? Description { get; set; }

    /// <summary>Who wrote it.</summary>
    [JsonPropertyName("authors")] public IReadOnlyList<string> Authors { get; set; } = [];

    /// <summary>The host versions it runs on (a version range); any host when absent.</summary>
    [JsonPropertyName("hostVersion")] public string? HostVersion { get; set; }

    /// <summary>The contract version it was built against ("major.minor").</summary>
    [JsonPropertyName("apiVersion")] public required string ApiVersion { get; init; }

    /// <summary>Where the entry point is.</summary>
    [JsonPropertyName("entry")] public required PluginEntryPoint Entry { get; init; }

    /// <summary>Capability tags.</summary>
    [JsonPropertyName("capabilities")] public IReadOnlyList<string> Capabilities { get; set; } = [];

    /// <summary>Plugins that must be loaded first.</summary>
    [JsonPropertyName("dependencies")] public IReadOnlyList<PluginDependency> Dependencies { get; set; } = [];

    /// <summary>Permissions it needs (see the schema's enum).</summary>
    [JsonPropertyName("permissions")] public IReadOnlyList<string> Permissions { get; set; } = [];

    /// <summary>Whether it may be unloaded (and so hot swapped).</summary>
    [JsonPropertyName("unloadable")] public bool Unloadable { get; set; } = true;

    /// <summary>JSON Schema of its configuration section, if it publishes one.</summary>
    [JsonPropertyName("configuration")] public JsonElement? Configuration { get; set; }

    /// <summary>The editor hint <c>$schema</c>, ignored by the host.</summary>
    [JsonPropertyName("$schema")] public string? Schema { get; set; }

    /// <summary>"id@version", for logs.</summary>
    public override string ToString() => $"{Id}@{Version}";
}

/// <summary>The entry point named by a manifest.</summary>
public sealed record PluginEntryPoint
{
    /// <summary>File name of the entry assembly inside the plugin folder.</summary>
    [JsonPropertyName("assembly")] public required string Assembly { get; init; }

    /// <summary>Full name of the class implementing <c>IBrainTemplate</c>.</summary>
    [JsonPropertyName("type")] public required string Type { get; init; }
}

/// <summary>A dependency on another plugin.</summary>
public sealed record PluginDependency
{
    /// <summary>The id of the plugin depended on.</summary>
    [JsonPropertyName("id")] public required string Id { get; init; }

    /// <summary>Accepted versions (a version range); any when absent.</summary>
    [JsonPropertyName("version")] public string? Version { get; set; }

    /// <summary>Whether the plugin loads without it.</summary>
    [JsonPropertyName("optional")] public bool Optional { get; set; }
}

/// <summary>Source-generated serialization for manifests: no reflection over plugin-controlled types.</summary>
[JsonSourceGenerationOptions(ReadCommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true, WriteIndented = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(PluginManifest))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext;
