namespace BasedAI.Abstractions;

/// <summary>
/// The version of this contract. A plugin's manifest states the <c>apiVersion</c> it was built against; the host loads
/// plugins whose major version equals <see cref="Major"/> and whose minor version is at most <see cref="Minor"/>.
/// </summary>
public static class PluginApi
{
    /// <summary>Incremented for breaking changes to any type in this assembly.</summary>
    public const int Major = 1;

    /// <summary>Incremented for additive changes.</summary>
    public const int Minor = 0;

    /// <summary>The version as written in manifests: "major.minor".</summary>
    public const string Version = "1.0";
}
