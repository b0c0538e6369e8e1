using System.Text;
using System.Text.Json;
using BasedAI.Evm.Primitives;
using BasedAI.Evm.Trie;

namespace BasedAI.Evm.Tests;

/// <summary>The official TrieTests vectors (plain and secure tries, ordered and any-order inserts, deletions, next/prev).</summary>
public class TrieTests
{
    private static string TrieDirectory => Path.Combine(TestPaths.EthereumTests, "TrieTests");

    public static TheoryData<string, string> RootVectors()
    {
        var data = new TheoryData<string, string>();
        foreach (string file in Directory.EnumerateFiles(TrieDirectory, "*.json").Order(StringComparer.Ordinal))
        {
            if (Path.GetFileName(file) == "trietestnextprev.json")
            {
                continue;
            }
            using JsonDocument document = JsonDocument.Parse(File.ReadAllText(file));
            foreach (JsonProperty test in document.RootElement.EnumerateObject())
            {
                data.Add(Path.GetFileName(file), test.Name);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(RootVectors))]
    public void Root_matches(string file, string name)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(Path.Combine(TrieDirectory, file)));
        JsonElement test = document.RootElement.GetProperty(name);
        bool secure = file.Contains("secure", StringComparison.OrdinalIgnoreCase);
        var entries = new List<(byte[] Key, byte[]? Value)>();
        JsonElement input = test.GetProperty("in");
        if (input.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement pair in input.EnumerateArray())
            {
                entries.Add((Decode(pair[0].GetString()!), pair[1].ValueKind == JsonValueKind.Null ? null : Decode(pair[1].GetString()!)));
            }
        }
        else
        {
            foreach (JsonProperty pair in input.EnumerateObject())
            {
                entries.Add((Decode(pair.Name), pair.Value.ValueKind == JsonValueKind.Null ? null : Decode(pair.Value.GetString()!)));
            }
        }

        Hash256 expected = Hash256.Parse(test.GetProperty("root").GetString()!);
        if (secure)
        {
            SecureTrie trie = SecureTrie.Empty;
            foreach (var (key, value) in entries)
            {
                trie = value is null ? trie.Delete(key) : trie.Put(key, value);
            }
            Assert.Equal(expected, trie.RootHash);
        }
        else
        {
            PatriciaTrie trie = PatriciaTrie.Empty;
            foreach (var (key, value) in entries)
            {
                trie = value is null ? trie.Delete(key) : trie.Put(key, value);
            }
            Assert.Equal(expected, trie.RootHash);
            // Every surviving entry can be read back.
            foreach (var (key, value) in entries.GroupBy(e => Convert.ToHexString(e.Key)).Select(g => g.Last()))
            {
                Assert.Equal(value is { Length: > 0 } ? value : null, trie.Get(key));
            }
        }
    }

    [Fact]
    public void Next_and_previous_keys_follow_trie_order()
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(Path.Combine(TrieDirectory, "trietestnextprev.json")));
        foreach (JsonProperty test in document.RootElement.EnumerateObject())
        {
            PatriciaTrie trie = PatriciaTrie.Empty;
            foreach (JsonElement key in test.Value.GetProperty("in").EnumerateArray())
            {
                trie = trie.Put(Encoding.UTF8.GetBytes(key.GetString()!), Encoding.UTF8.GetBytes(key.GetString()!));
            }
            List<byte[]> ordered = trie.Entries().Select(e => e.Key).ToList();
            foreach (JsonElement row in test.Value.GetProperty("tests").EnumerateArray())
            {
                byte[] probe = Encoding.UTF8.GetBytes(row[0].GetString()!);
                string previous = Encoding.UTF8.GetString(ordered.LastOrDefault(k => k.AsSpan().SequenceCompareTo(probe) < 0) ?? []);
                string next = Encoding.UTF8.GetString(ordered.FirstOrDefault(k => k.AsSpan().SequenceCompareTo(probe) > 0) ?? []);
                Assert.Equal(row[1].GetString(), previous);
                Assert.Equal(row[2].GetString(), next);
            }
        }
    }

    [Fact]
    public void Insertion_order_and_deletions_do_not_change_the_root()
    {
        var random = new Random(42);
        var keys = Enumerable.Range(0, 300).Select(_ =>
        {
            byte[] key = new byte[random.Next(1, 6)];
            random.NextBytes(key);
            return key;
        }).DistinctBy(Convert.ToHexString).ToList();

        PatriciaTrie forward = PatriciaTrie.Empty, backward = PatriciaTrie.Empty;
        foreach (byte[] key in keys)
        {
            forward = forward.Put(key, key);
        }
        foreach (byte[] key in Enumerable.Reverse(keys))
        {
            backward = backward.Put(key, key);
        }
        Assert.Equal(forward.RootHash, backward.RootHash);

        PatriciaTrie half = PatriciaTrie.Empty;
        foreach (byte[] key in keys.Take(150))
        {
            half = half.Put(key, key);
        }
        PatriciaTrie pruned = forward;
        foreach (byte[] key in keys.Skip(150))
        {
            pruned = pruned.Delete(key);
        }
        Assert.Equal(half.RootHash, pruned.RootHash);
        foreach (byte[] key in keys)
        {
            pruned = pruned.Delete(key);
        }
        Assert.True(pruned.IsEmpty);
        Assert.Equal(Hash256.EmptyTrieRoot, pruned.RootHash);
        Assert.Equal(keys.Count, forward.Entries().Count());
    }

    private static byte[] Decode(string text) =>
        text.StartsWith("0x", StringComparison.Ordinal) ? Convert.FromHexString(text.AsSpan(2)) : Encoding.UTF8.GetBytes(text);
}
