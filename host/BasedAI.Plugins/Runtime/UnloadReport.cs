namespace BasedAI.Plugins.Runtime;

/// <summary>The outcome of unloading one plugin version.</summary>
/// <param name="PluginId">The plugin id.</param>
/// <param name="Version">The version unloaded.</param>
/// <param name="Unloaded">True when the load context was collected within the deadline.</param>
/// <param name="Elapsed">Time from the unload request to collection (or to the deadline).</param>
/// <param name="Collections">Full garbage collections forced while waiting.</param>
/// <param name="AssembliesStillLoaded">When leaked: the assemblies the context still holds.</param>
/// <param name="Holders">When leaked: references the host found from outside the plugin into it (event subscriptions, for instance).</param>
/// <param name="StopErrors">Errors raised by <c>StopAsync</c> or container disposal (the unload went ahead regardless).</param>
public sealed record UnloadReport(
    string PluginId,
    string Version,
    bool Unloaded,
    TimeSpan Elapsed,
    int Collections,
    IReadOnlyList<string> AssembliesStillLoaded,
    IReadOnlyList<string> Holders,
    IReadOnlyList<string> StopErrors)
{
    /// <summary>A one-paragraph account for logs and the CLI.</summary>
    public string Describe()
    {
        if (Unloaded)
        {
            return $"{PluginId}@{Version} unloaded in {Elapsed.TotalMilliseconds:F0} ms ({Collections} collections)";
        }
        string holders = Holders.Count > 0
            ? "held by: " + string.Join("; ", Holders)
            : "no holder found among the host-wide events the host inspects; typical holders are a static field or event in a shared " +
              "or framework assembly, a thread or timer the plugin started and did not stop, or a cache keyed by one of its types " +
              "(e.g. reflection-based serializers)";
        return $"LEAK: {PluginId}@{Version} was not collected {Elapsed.TotalSeconds:F1} s after unload ({Collections} collections); " +
            $"{holders}; assemblies still loaded: {string.Join(", ", AssembliesStillLoaded)}";
    }
}
