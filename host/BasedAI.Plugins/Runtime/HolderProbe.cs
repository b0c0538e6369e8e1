using System.Reflection;
using System.Runtime.Loader;

namespace BasedAI.Plugins.Runtime;

/// <summary>
/// Looks for references from long-lived host objects into a leaked plugin context: the delegates held by process-wide events
/// (AppDomain/AppContext, the default load context, TaskScheduler, Console). It cannot see every root (that takes a heap walk),
/// but it names the most common holder of a leaked plugin, a forgotten event subscription.
/// </summary>
internal static class HolderProbe
{
    private static readonly Type[] StaticEventOwners =
    [
        typeof(AppContext), typeof(AppDomain), typeof(AssemblyLoadContext), typeof(TaskScheduler), typeof(Console),
    ];

    public static IReadOnlyList<string> Find(AssemblyLoadContext context)
    {
        var holders = new List<string>();
        foreach (var owner in StaticEventOwners)
        {
            foreach (var field in owner.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic))
            {
                Inspect(field, null, $"{owner.FullName}.{field.Name}", context, holders);
            }
        }
        foreach (object instance in new object[] { AppDomain.CurrentDomain, AssemblyLoadContext.Default })
        {
            for (var type = instance.GetType(); type is not null && type != typeof(object); type = type.BaseType)
            {
                foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                {
                    Inspect(field, instance, $"{type.FullName}.{field.Name} (instance {instance})", context, holders);
                }
            }
        }
        return holders;
    }

    private static void Inspect(FieldInfo field, object? instance, string where, AssemblyLoadContext context, List<string> holders)
    {
        if (!typeof(Delegate).IsAssignableFrom(field.FieldType))
        {
            return;
        }
        Delegate? value;
        try
        {
            value = field.GetValue(instance) as Delegate;
        }
        catch (Exception e) when (e is FieldAccessException or NotSupportedException or TargetInvocationException)
        {
            return;
        }
        foreach (var handler in value?.GetInvocationList() ?? [])
        {
            var declaring = handler.Method.DeclaringType;
            var targetType = handler.Target?.GetType();
            if (BelongsTo(declaring, context) || BelongsTo(targetType, context))
            {
                holders.Add($"{where.TrimStart('_')} holds a delegate to {(targetType ?? declaring)?.FullName}.{handler.Method.Name}");
            }
        }
    }

    private static bool BelongsTo(Type? type, AssemblyLoadContext context) =>
        type is not null && AssemblyLoadContext.GetLoadContext(type.Assembly) == context;
}
