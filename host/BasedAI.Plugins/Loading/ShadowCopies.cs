using System.Diagnostics;
using System.Globalization;

namespace BasedAI.Plugins.Loading;

/// <summary>
/// Versioned copies that plugins are actually loaded from, so the folder a user dropped files into is never locked or mapped.
/// Layout: <c>&lt;root&gt;/&lt;process id&gt;/&lt;plugin id&gt;/&lt;version&gt;-&lt;sequence&gt;/</c>. Copies of processes that have exited
/// are removed when the next host starts.
/// </summary>
internal sealed class ShadowCopies
{
    private readonly string _processRoot;
    private int _sequence;

    public ShadowCopies(string root)
    {
        Root = root;
        _processRoot = Path.Combine(root, Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
    }

    public string Root { get; }

    /// <summary>Copies <paramref name="sourceDirectory"/> to a fresh versioned folder and returns its path.</summary>
    public string Create(string sourceDirectory, string pluginId, string version)
    {
        int sequence = Interlocked.Increment(ref _sequence);
        string target = Path.Combine(_processRoot, pluginId, $"{version}-{sequence:D4}");
        if (Directory.Exists(target))
        {
            Directory.Delete(target, recursive: true);
        }
        CopyDirectory(sourceDirectory, target);
        return target;
    }

    /// <summary>Deletes a copy after its context has unloaded; a failure only leaves files for the next start to remove.</summary>
    public static bool TryDelete(string copy)
    {
        try
        {
            Directory.Delete(copy, recursive: true);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Removes the copies of host processes that are no longer running.</summary>
    public void RemoveStale()
    {
        if (!Directory.Exists(Root))
        {
            return;
        }
        foreach (string directory in Directory.EnumerateDirectories(Root))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
                && pid != Environment.ProcessId && !IsRunning(pid))
            {
                TryDelete(directory);
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    internal static void CopyDirectory(string source, string target)
    {
        Directory.CreateDirectory(target);
        foreach (string file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(source, file);
            string destination = Path.Combine(target, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination, overwrite: true);
        }
    }
}
