using System.IO.Compression;
using BasedAI.Plugins.Loading;
using BasedAI.Plugins.Manifest;

namespace BasedAI.Plugins.Hosting;

/// <summary>A plugin folder found in a plugins directory: its manifest, or why it could not be read.</summary>
/// <param name="Folder">The folder's full path.</param>
/// <param name="Manifest">The manifest, when valid.</param>
/// <param name="Error">Why the manifest is invalid, otherwise null.</param>
public sealed record InstalledPlugin(string Folder, PluginManifest? Manifest, string? Error);

/// <summary>A plugin unpacked into the directory's staging area, ready to be committed or discarded.</summary>
public sealed class StagedPlugin : IDisposable
{
    internal StagedPlugin(string stagingRoot, string folder, PluginManifest manifest)
    {
        StagingRoot = stagingRoot;
        Folder = folder;
        Manifest = manifest;
    }

    /// <summary>The folder holding brain.json and the plugin's files.</summary>
    public string Folder { get; }

    /// <summary>The validated manifest.</summary>
    public PluginManifest Manifest { get; }

    internal string StagingRoot { get; }

    /// <summary>Removes the staged files (a no-op after a commit moved them).</summary>
    public void Dispose() => ShadowCopies.TryDelete(StagingRoot);
}

/// <summary>
/// The plugins directory a host watches: one sub-folder per plugin. Installs, swaps and removals replace whole folders by
/// rename from a staging area inside the directory, so a watching host never sees a half-copied plugin.
/// </summary>
public sealed class PluginDirectory
{
    /// <summary>Archives whose entries add up to more than this are refused (a guard against zip bombs).</summary>
    public const long MaxUnpackedBytes = 2L * 1024 * 1024 * 1024;

    /// <summary>Opens (and creates if needed) the directory.</summary>
    public PluginDirectory(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
    }

    /// <summary>The directory's full path.</summary>
    public string Path { get; }

    private string StagingArea => System.IO.Path.Combine(Path, ".staging");

    /// <summary>Every plugin folder with a brain.json, valid or not.</summary>
    public IReadOnlyList<InstalledPlugin> List()
    {
        if (!Directory.Exists(Path))
        {
            return [];
        }
        var plugins = new List<InstalledPlugin>();
        foreach (string folder in Directory.EnumerateDirectories(Path).Where(d => !System.IO.Path.GetFileName(d).StartsWith('.')).Order(StringComparer.Ordinal))
        {
            if (!File.Exists(System.IO.Path.Combine(folder, PluginManifestReader.FileName)))
            {
                continue;
            }
            try
            {
                plugins.Add(new InstalledPlugin(folder, PluginManifestReader.ReadFromDirectory(folder), null));
            }
            catch (PluginLoadException e)
            {
                plugins.Add(new InstalledPlugin(folder, null, e.Reason));
            }
        }
        return plugins;
    }

    /// <summary>The folder of the plugin with <paramref name="pluginId"/>, or null.</summary>
    public InstalledPlugin? Find(string pluginId) => List().FirstOrDefault(p => p.Manifest?.Id == pluginId);

    /// <summary>
    /// Copies a plugin folder, or unpacks a .nupkg/.zip (the folder inside it that holds brain.json), into the staging area and
    /// validates its manifest.
    /// </summary>
    /// <exception cref="FileNotFoundException">The source does not exist.</exception>
    /// <exception cref="PluginLoadException">It holds no brain.json, several, or an invalid one.</exception>
    public StagedPlugin Stage(string source)
    {
        ArgumentNullException.ThrowIfNull(source);
        string root = System.IO.Path.Combine(StagingArea, Guid.NewGuid().ToString("N"));
        string unpacked = System.IO.Path.Combine(root, "content");
        try
        {
            if (Directory.Exists(source))
            {
                ShadowCopies.CopyDirectory(source, unpacked);
            }
            else if (File.Exists(source))
            {
                Unpack(source, unpacked);
            }
            else
            {
                throw new FileNotFoundException($"plugin source '{source}' is neither a folder nor a file");
            }
            var manifests = Directory.EnumerateFiles(unpacked, PluginManifestReader.FileName, SearchOption.AllDirectories).ToList();
            if (manifests.Count != 1)
            {
                throw new PluginLoadException(PluginErrorKind.InvalidManifest, source, null,
                    manifests.Count == 0 ? $"'{source}' contains no {PluginManifestReader.FileName}" : $"'{source}' contains {manifests.Count} {PluginManifestReader.FileName} files; a plugin package holds exactly one");
            }
            string folder = System.IO.Path.GetDirectoryName(manifests[0])!;
            return new StagedPlugin(root, folder, PluginManifestReader.ReadFromDirectory(folder));
        }
        catch
        {
            ShadowCopies.TryDelete(root);
            throw;
        }
    }

    private static void Unpack(string archive, string target)
    {
        try
        {
            using var zip = ZipFile.OpenRead(archive);
            long total = zip.Entries.Sum(e => e.Length);
            if (total > MaxUnpackedBytes)
            {
                throw new InvalidDataException($"'{archive}' would unpack to {total} bytes; the limit is {MaxUnpackedBytes}");
            }
            // ExtractToDirectory refuses entries that would land outside the target (zip slip).
            zip.ExtractToDirectory(target);
        }
        catch (InvalidDataException e)
        {
            throw new PluginLoadException(PluginErrorKind.InvalidManifest, archive, null, $"'{archive}' is not a readable .nupkg/.zip: {e.Message}");
        }
    }

    /// <summary>
    /// Moves <paramref name="staged"/> into the directory as folder <c>&lt;id&gt;</c>. An installed plugin with the same id is
    /// replaced when <paramref name="replace"/> is true, otherwise refused.
    /// </summary>
    /// <returns>The plugin's folder.</returns>
    public string Commit(StagedPlugin staged, bool replace)
    {
        ArgumentNullException.ThrowIfNull(staged);
        var existing = Find(staged.Manifest.Id);
        if (existing is not null && !replace)
        {
            throw new PluginLoadException(PluginErrorKind.Conflict, existing.Folder, staged.Manifest.Id,
                $"version {existing.Manifest!.Version} is already installed in '{existing.Folder}'; use 'basedai plugins swap' to replace it");
        }
        string target = existing?.Folder ?? System.IO.Path.Combine(Path, staged.Manifest.Id);
        if (existing is null && Directory.Exists(target))
        {
            throw new PluginLoadException(PluginErrorKind.Conflict, target, staged.Manifest.Id, $"folder '{target}' exists but holds no valid plugin; remove it first");
        }
        string? trash = null;
        if (existing is not null)
        {
            trash = System.IO.Path.Combine(StagingArea, "trash-" + Guid.NewGuid().ToString("N"));
            Directory.Move(existing.Folder, trash);
        }
        Directory.Move(staged.Folder, target);
        if (trash is not null)
        {
            ShadowCopies.TryDelete(trash);
        }
        staged.Dispose();
        return target;
    }

    /// <summary>Removes the plugin with <paramref name="pluginId"/>.</summary>
    /// <exception cref="InvalidOperationException">No installed plugin has that id.</exception>
    public string Remove(string pluginId)
    {
        var existing = Find(pluginId) ?? throw new InvalidOperationException($"no plugin with id '{pluginId}' is installed in '{Path}'");
        string trash = System.IO.Path.Combine(StagingArea, "trash-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(StagingArea);
        Directory.Move(existing.Folder, trash);
        ShadowCopies.TryDelete(trash);
        return existing.Folder;
    }
}
