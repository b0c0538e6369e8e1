namespace BasedAI.Abstractions;

/// <summary>Whether a template can serve work.</summary>
public enum BrainHealthStatus
{
    /// <summary>Cannot serve work; the host must not switch traffic to it.</summary>
    Unhealthy = 0,
    /// <summary>Serves work with reduced quality or capacity.</summary>
    Degraded = 1,
    /// <summary>Serves work normally.</summary>
    Healthy = 2,
}

/// <summary>A health report.</summary>
/// <param name="Status">The status.</param>
/// <param name="Description">Why, for logs and <c>basedai plugins list</c>.</param>
public sealed record BrainHealth(BrainHealthStatus Status, string? Description = null)
{
    /// <summary>A healthy report without description.</summary>
    public static BrainHealth Healthy { get; } = new(BrainHealthStatus.Healthy);
}
