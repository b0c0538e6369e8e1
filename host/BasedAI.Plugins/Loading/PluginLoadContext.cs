using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace BasedAI.Plugins.Loading;

/// <summary>
/// One plugin version's private load context. Private assemblies and native libraries resolve through the plugin's deps.json
/// (<see cref="AssemblyDependencyResolver"/>), then by file name in the plugin folder; shared assemblies are redirected to the
/// host; anything else (the framework) falls through to the default context.
/// </summary>
internal sealed class PluginLoadContext : AssemblyLoadContext
{
    private readonly AssemblyDependencyResolver _resolver;
    private readonly SharedAssemblies _shared;
    private readonly string _directory;

    public PluginLoadContext(string name, string entryAssemblyPath, SharedAssemblies shared, bool collectible)
        : base(name, collectible)
    {
        _resolver = new AssemblyDependencyResolver(entryAssemblyPath);
        _shared = shared;
        _directory = Path.GetDirectoryName(entryAssemblyPath)!;
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (_shared.IsShared(assemblyName.Name))
        {
            // Ignore the requested version: the host's copy is the contract, whatever the plugin was compiled against.
            return Default.LoadFromAssemblyName(new AssemblyName(assemblyName.Name!));
        }
        string? path = _resolver.ResolveAssemblyToPath(assemblyName);
        if (path is null && assemblyName.Name is { } simpleName)
        {
            string candidate = Path.Combine(_directory, simpleName + ".dll");
            path = File.Exists(candidate) ? candidate : null;
        }
        return path is null ? null : LoadFromAssemblyPath(path);
    }

    protected override IntPtr LoadUnmanagedDll(string unmanagedDllName)
    {
        string? path = _resolver.ResolveUnmanagedDllToPath(unmanagedDllName);
        path ??= ProbeNativeLibrary(unmanagedDllName);
        return path is null ? IntPtr.Zero : LoadUnmanagedDllFromPath(path);
    }

    /// <summary>Native libraries copied beside the plugin without a deps.json entry: the folder, then runtimes/&lt;rid&gt;/native.</summary>
    private string? ProbeNativeLibrary(string name)
    {
        string[] fileNames = OperatingSystem.IsWindows() ? [name, name + ".dll"]
            : OperatingSystem.IsMacOS() ? [name, $"lib{name}.dylib", name + ".dylib"]
            : [name, $"lib{name}.so", name + ".so"];
        string[] directories = [_directory, Path.Combine(_directory, "runtimes", RuntimeInformation.RuntimeIdentifier, "native")];
        foreach (string directory in directories)
        {
            foreach (string fileName in fileNames)
            {
                string candidate = Path.Combine(directory, fileName);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        return null;
    }
}
