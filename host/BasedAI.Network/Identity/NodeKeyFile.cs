using System.Security.Cryptography;

namespace BasedAI.Network.Identity;

/// <summary>
/// Stores a node key as the libp2p <c>PrivateKey</c> protobuf in a file readable only by its owner (as go-libp2p and kubo keep
/// their identity). The node key authenticates connections only; it holds no funds.
/// </summary>
public static class NodeKeyFile
{
    /// <summary>The default location: <c>$BASEDAI_HOME/p2p/node.key</c>, or <c>~/.basedai/p2p/node.key</c>.</summary>
    public static string DefaultPath
    {
        get
        {
            string home = Environment.GetEnvironmentVariable("BASEDAI_HOME") is { Length: > 0 } configured
                ? configured
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".basedai");
            return Path.Combine(home, "p2p", "node.key");
        }
    }

    /// <summary>Loads the key at <paramref name="path"/>; throws <see cref="FileNotFoundException"/> or <see cref="FormatException"/>.</summary>
    public static PrivateKey Load(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        try
        {
            return PrivateKey.FromProtobuf(bytes);
        }
        catch (FormatException e)
        {
            throw new FormatException($"The node key file {path} is not a libp2p private key: {e.Message}", e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    /// <summary>Loads the key at <paramref name="path"/>, or creates one of <paramref name="type"/> there if the file does not exist.</summary>
    public static PrivateKey LoadOrCreate(string path, KeyType type, out bool created)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (File.Exists(path))
        {
            created = false;
            return Load(path);
        }
        PrivateKey key = PrivateKey.Generate(type);
        Save(path, key);
        created = true;
        return key;
    }

    /// <summary>Writes <paramref name="key"/> to <paramref name="path"/> (owner read/write only on Unix); refuses to overwrite.</summary>
    public static void Save(string path, PrivateKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        string? directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }
        byte[] bytes = key.ToProtobuf();
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }
            using var file = new FileStream(path, options);
            file.Write(bytes);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }
}
