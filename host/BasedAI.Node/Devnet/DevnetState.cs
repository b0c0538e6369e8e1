using System.Text.Json;
using System.Text.Json.Serialization;

namespace BasedAI.Node.Devnet;

/// <summary>One host process of a devnet, as <c>devnet.json</c> records it.</summary>
public sealed record DevnetNode
{
    /// <summary>Name (producer, miner-1, validator-1, …), also its folder under the devnet directory.</summary>
    public required string Name { get; init; }

    /// <summary>chain, miner or validator.</summary>
    public required string Role { get; init; }

    /// <summary>The host's home.</summary>
    public required string Home { get; init; }

    /// <summary>Its log file.</summary>
    public required string Log { get; init; }

    /// <summary>The <c>basedai</c> arguments it runs with (the same on every restart).</summary>
    public required IReadOnlyList<string> Arguments { get; init; }

    /// <summary>Its libp2p port (fixed at creation so restarts keep their addresses).</summary>
    public required int P2pPort { get; init; }

    /// <summary>Its JSON-RPC port.</summary>
    public required int RpcPort { get; init; }

    /// <summary>Its libp2p peer id (its node key is created with the devnet).</summary>
    public required string PeerId { get; init; }

    /// <summary>The wallet of a miner or validator.</summary>
    public string? Wallet { get; init; }

    /// <summary>The computekey address of a miner or validator.</summary>
    public string? Computekey { get; init; }

    /// <summary>Process id of the last start.</summary>
    public int Pid { get; init; }

    /// <summary>Start time of that process (UTC ticks), to tell it from a later process that reused the pid.</summary>
    public long StartedAt { get; init; }

    /// <summary>The dialable address.</summary>
    [JsonIgnore]
    public string Multiaddr => $"/ip4/127.0.0.1/tcp/{P2pPort}/p2p/{PeerId}";

    /// <summary>The JSON-RPC address.</summary>
    [JsonIgnore]
    public Uri Rpc => new($"http://127.0.0.1:{RpcPort}/");
}

/// <summary>What <c>basedai devnet up</c> set up, in <c>devnet.json</c>; <c>down</c>, <c>status</c>, <c>prompt</c> and later <c>up</c> read it.</summary>
public sealed record DevnetState
{
    /// <summary>File name inside the devnet directory.</summary>
    public const string FileName = "devnet.json";

    /// <summary>Format version.</summary>
    public int Version { get; init; } = 1;

    /// <summary>The Brain the devnet serves.</summary>
    public required ushort Brain { get; init; }

    /// <summary>The task plugin id the Brain names.</summary>
    public required string TaskPlugin { get; init; }

    /// <summary>The model the task serves.</summary>
    public required string Model { get; init; }

    /// <summary>The task the validators challenge and <c>prompt</c> calls by default: <c>encrypted</c> or <c>plain</c>.</summary>
    public string Task { get; init; } = "encrypted";

    /// <summary>Block time in milliseconds.</summary>
    public required int BlockTimeMs { get; init; }

    /// <summary>The Brain's tempo.</summary>
    public required ushort Tempo { get; init; }

    /// <summary>How <c>basedai</c> is started (e.g. <c>dotnet …/basedai.dll</c>).</summary>
    public required IReadOnlyList<string> Command { get; init; }

    /// <summary>Every host, the block producer first.</summary>
    public required IReadOnlyList<DevnetNode> Nodes { get; init; }

    /// <summary>The block producer.</summary>
    [JsonIgnore]
    public DevnetNode Producer => Nodes[0];

    /// <summary>Reads <c>devnet.json</c> in <paramref name="directory"/>, or returns null when there is none.</summary>
    public static DevnetState? Load(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllText(path), DevnetJson.Default.DevnetState)
                ?? throw new InvalidDataException($"{path} is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not a devnet state file: {e.Message}", e);
        }
    }

    /// <summary>Writes <c>devnet.json</c> into <paramref name="directory"/> (atomically).</summary>
    public void Save(string directory)
    {
        string path = Path.Combine(directory, FileName);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(this, DevnetJson.Default.DevnetState));
        File.Move(path + ".tmp", path, overwrite: true);
    }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(DevnetState))]
internal sealed partial class DevnetJson : JsonSerializerContext;
