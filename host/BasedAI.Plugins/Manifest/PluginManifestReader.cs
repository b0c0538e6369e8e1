using System.Text.Json;
using BasedAI.Abstractions;
using NJsonSchema;
using NJsonSchema.Validation;

namespace BasedAI.Plugins.Manifest;

/// <summary>One way a manifest breaks the schema or the host's rules.</summary>
/// <param name="Path">JSON path of the offending value, e.g. <c>$.entry.type</c> (<c>$</c> for the document).</param>
/// <param name="Rule">The schema keyword or host rule broken, e.g. <c>required</c>, <c>pattern</c>, <c>additionalProperties</c>.</param>
/// <param name="Message">What is wrong, in words.</param>
public sealed record ManifestError(string Path, string Rule, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Path}: {Message} (rule: {Rule})";
}

/// <summary>Reads <c>brain.json</c> files and validates them against <c>plugin-manifest.schema.json</c> (draft-07).</summary>
public static class PluginManifestReader
{
    /// <summary>The manifest file name inside a plugin folder.</summary>
    public const string FileName = "brain.json";

    /// <summary>Manifests above this size are rejected before parsing.</summary>
    public const int MaxManifestBytes = 256 * 1024;

    private static readonly Lazy<JsonSchema> CachedSchema = new(LoadSchema);

    /// <summary>The schema text embedded in this assembly (the repository's plugin-manifest.schema.json).</summary>
    public static string SchemaText { get; } = ReadSchemaText();

    /// <summary>Reads and validates <c>brain.json</c> in <paramref name="pluginDirectory"/>.</summary>
    /// <exception cref="PluginLoadException">The file is missing, too large, not JSON, or invalid; the errors name path and rule.</exception>
    public static PluginManifest ReadFromDirectory(string pluginDirectory)
    {
        string path = Path.Combine(pluginDirectory, FileName);
        if (!File.Exists(path))
        {
            throw new PluginLoadException(PluginErrorKind.InvalidManifest, pluginDirectory, null, $"no {FileName} in '{pluginDirectory}'");
        }
        var info = new FileInfo(path);
        if (info.Length > MaxManifestBytes)
        {
            throw new PluginLoadException(PluginErrorKind.InvalidManifest, pluginDirectory, null, $"{FileName} is {info.Length} bytes; the limit is {MaxManifestBytes}");
        }
        return Parse(File.ReadAllText(path), pluginDirectory);
    }

    /// <summary>Parses and validates manifest JSON; <paramref name="source"/> names it in errors.</summary>
    /// <exception cref="PluginLoadException">The text is not JSON or is invalid.</exception>
    public static PluginManifest Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        var errors = Validate(json);
        string? id = TryReadId(json);
        if (errors.Count > 0)
        {
            string list = string.Join("; ", errors);
            throw new PluginLoadException(PluginErrorKind.InvalidManifest, source, id, $"{FileName} is invalid: {list}", manifestErrors: errors);
        }
        return JsonSerializer.Deserialize(json, ManifestJsonContext.Default.PluginManifest)
            ?? throw new PluginLoadException(PluginErrorKind.InvalidManifest, source, id, $"{FileName} is null");
    }

    /// <summary>Validates manifest JSON against the schema and the host's semantic rules; empty when valid.</summary>
    public static IReadOnlyList<ManifestError> Validate(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        // System.Text.Json reports syntax errors with line and byte position; the schema validator is only run on well-formed JSON.
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            return [new ManifestError(e.Path ?? "$", "json", $"not valid JSON: {e.Message}")];
        }

        var errors = new List<ManifestError>();
        foreach (var error in CachedSchema.Value.Validate(json))
        {
            Flatten(error, errors);
        }
        if (errors.Count == 0)
        {
            AddSemanticErrors(JsonSerializer.Deserialize(json, ManifestJsonContext.Default.PluginManifest)!, errors);
        }
        return errors;
    }

    /// <summary>Checks the manifest's apiVersion against this host's contract (<see cref="PluginApi"/>).</summary>
    public static bool IsApiVersionSupported(string apiVersion, out string reason)
    {
        ArgumentNullException.ThrowIfNull(apiVersion);
        string[] parts = apiVersion.Split('.');
        if (parts.Length != 2 || !int.TryParse(parts[0], out int major) || !int.TryParse(parts[1], out int minor))
        {
            reason = $"apiVersion '{apiVersion}' is not 'major.minor'";
            return false;
        }
        if (major != PluginApi.Major || minor > PluginApi.Minor)
        {
            reason = $"apiVersion {apiVersion} is not supported: this host implements BasedAI.Abstractions {PluginApi.Version} " +
                $"(it loads {PluginApi.Major}.0 to {PluginApi.Version})";
            return false;
        }
        reason = "";
        return true;
    }

    private static void AddSemanticErrors(PluginManifest manifest, List<ManifestError> errors)
    {
        if (manifest.HostVersion is { } hostRange)
        {
            try { VersionRange.Parse(hostRange); }
            catch (FormatException e) { errors.Add(new ManifestError("$.hostVersion", "versionRange", e.Message)); }
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < manifest.Dependencies.Count; i++)
        {
            var dependency = manifest.Dependencies[i];
            if (dependency.Id == manifest.Id)
            {
                errors.Add(new ManifestError($"$.dependencies[{i}].id", "noSelfDependency", $"the plugin '{manifest.Id}' depends on itself"));
            }
            if (!seen.Add(dependency.Id))
            {
                errors.Add(new ManifestError($"$.dependencies[{i}].id", "uniqueDependency", $"'{dependency.Id}' is listed twice"));
            }
            if (dependency.Version is { } range)
            {
                try { VersionRange.Parse(range); }
                catch (FormatException e) { errors.Add(new ManifestError($"$.dependencies[{i}].version", "versionRange", e.Message)); }
            }
        }
    }

    private static void Flatten(ValidationError error, List<ManifestError> into)
    {
        if (error is ChildSchemaValidationError child && child.Errors.Count > 0)
        {
            foreach (var nested in child.Errors.Values.SelectMany(e => e))
            {
                Flatten(nested, into);
            }
            return;
        }
        into.Add(new ManifestError(ToJsonPath(error.Path), RuleOf(error.Kind), Describe(error)));
    }

    // NJsonSchema writes paths as "#/entry.type" or "#/authors[0]"; manifests errors use "$.entry.type".
    private static string ToJsonPath(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "#")
        {
            return "$";
        }
        string rest = path.StartsWith("#/", StringComparison.Ordinal) ? path[2..] : path.TrimStart('#');
        return rest.Length == 0 ? "$" : "$." + rest;
    }

    private static string RuleOf(ValidationErrorKind kind) => kind switch
    {
        ValidationErrorKind.PropertyRequired => "required",
        ValidationErrorKind.NoAdditionalPropertiesAllowed or ValidationErrorKind.AdditionalPropertiesNotValid => "additionalProperties",
        ValidationErrorKind.PatternMismatch => "pattern",
        ValidationErrorKind.StringTooShort => "minLength",
        ValidationErrorKind.StringTooLong => "maxLength",
        ValidationErrorKind.NotInEnumeration => "enum",
        ValidationErrorKind.ItemsNotUnique => "uniqueItems",
        ValidationErrorKind.TooManyItems => "maxItems",
        ValidationErrorKind.TooFewItems => "minItems",
        ValidationErrorKind.StringExpected or ValidationErrorKind.NumberExpected or ValidationErrorKind.IntegerExpected
            or ValidationErrorKind.BooleanExpected or ValidationErrorKind.ObjectExpected or ValidationErrorKind.ArrayExpected
            or ValidationErrorKind.NullExpected => "type",
        _ => kind.ToString(),
    };

    private static string Describe(ValidationError error)
    {
        string property = error.Property ?? "";
        return error.Kind switch
        {
            ValidationErrorKind.PropertyRequired => $"required property '{property}' is missing",
            ValidationErrorKind.NoAdditionalPropertiesAllowed => $"property '{property}' is not allowed by the schema",
            ValidationErrorKind.PatternMismatch => $"value does not match the pattern {error.Schema?.Pattern}",
            ValidationErrorKind.StringTooShort => $"string is shorter than {error.Schema?.MinLength} characters",
            ValidationErrorKind.StringTooLong => $"string is longer than {error.Schema?.MaxLength} characters",
            ValidationErrorKind.NotInEnumeration => $"value is not one of: {string.Join(", ", error.Schema?.Enumeration ?? [])}",
            ValidationErrorKind.ItemsNotUnique => "items must be unique",
            ValidationErrorKind.TooManyItems => $"more than {error.Schema?.MaxItems} items",
            ValidationErrorKind.TooFewItems => $"fewer than {error.Schema?.MinItems} items",
            ValidationErrorKind.StringExpected => "expected a string",
            ValidationErrorKind.BooleanExpected => "expected a boolean",
            ValidationErrorKind.ObjectExpected => "expected an object",
            ValidationErrorKind.ArrayExpected => "expected an array",
            ValidationErrorKind.IntegerExpected or ValidationErrorKind.NumberExpected => "expected a number",
            _ => $"schema rule {error.Kind} broken",
        };
    }

    private static string? TryReadId(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("id", out var id)
                && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string ReadSchemaText()
    {
        using var stream = typeof(PluginManifestReader).Assembly.GetManifestResourceStream("plugin-manifest.schema.json")
            ?? throw new InvalidOperationException("plugin-manifest.schema.json is not embedded in BasedAI.Plugins");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    private static JsonSchema LoadSchema() => JsonSchema.FromJsonAsync(SchemaText).GetAwaiter().GetResult();

}
