namespace BasedAI.Plugins.Loading;

/// <summary>
/// Decides which assemblies cross the plugin boundary. Shared assemblies always come from the host (the default load context),
/// even when a plugin folder carries its own copy, so that <c>IBrainTemplate</c> in the plugin is the host's <c>IBrainTemplate</c>.
/// </summary>
public sealed class SharedAssemblies
{
    private readonly HashSet<string> _names;

    /// <summary>Creates a policy sharing the defaults plus <paramref name="additionalNames"/>.</summary>
    public SharedAssemblies(IEnumerable<string>? additionalNames = null)
    {
        _names = new HashSet<string>(DefaultNames, StringComparer.OrdinalIgnoreCase);
        foreach (string name in additionalNames ?? [])
        {
            _names.Add(name);
        }
    }

    /// <summary>
    /// Always shared: the contract, and the Microsoft.Extensions contracts its types expose
    /// (IServiceCollection, ILogger, IConfiguration and its IChangeToken).
    /// Every other <c>Microsoft.Extensions.*.Abstractions</c> assembly is shared too (see <see cref="IsShared"/>).
    /// </summary>
    public static IReadOnlyList<string> DefaultNames { get; } =
    [
        "BasedAI.Abstractions",
        "Microsoft.Extensions.Primitives",
    ];

    /// <summary>Whether the assembly with simple name <paramref name="name"/> must come from the host.</summary>
    public bool IsShared(string? name) =>
        name is not null && (_names.Contains(name)
            || (name.StartsWith("Microsoft.Extensions.", StringComparison.OrdinalIgnoreCase) && name.EndsWith(".Abstractions", StringComparison.OrdinalIgnoreCase)));
}
