using System.Diagnostics;
using System.Text.Json.Nodes;
using BasedAI.Crypto;
using BasedAI.Ledger.Chain;
using BasedAI.Ledger.Codec;
using BasedAI.Ledger.Node;
using BasedAI.Ledger.Runtime;
using BasedAI.Ledger.Storage;

namespace BasedAI.Ledger.Tests;

/// <summary>
/// Kills a real node process (SIGKILL) at random points while it produces blocks under a stream of transfers, 20 times.
/// After each restart: the state root equals a replay of the committed blocks, and every transaction the node had reported
/// as included is still included at the same height.
/// </summary>
[Collection("processes")]
public sealed class CrashSafetyTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "basedai-crash-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task Twenty_SIGKILLs_lose_no_committed_transaction_and_the_state_matches_a_replay()
    {
        var random = new Random(20240601);
        byte[][] senders = Enumerable.Range(0, 4).Select(DevGenesis.AccountKey).ToArray();
        EthereumAddress receiver = EthereumAddress.FromPrivateKey(DevGenesis.AccountKey(7));
        var committed = new Dictionary<Hash32, ulong>();
        ulong lastHeight = 0;

        for (int round = 0; round < 20; round++)
        {
            using Process node = StartNode(out Uri endpoint);
            using var client = new LedgerRpcClient(endpoint);
            JsonNode info = (await client.CallAsync("system_info"))!;
            ulong head = info["head"]!.GetValue<ulong>();
            Assert.True(head >= lastHeight, $"round {round}: head {head} went back from {lastHeight}");

            // Nothing the node reported as committed may be lost.
            foreach ((Hash32 hash, ulong height) in committed)
            {
                JsonNode status = (await client.CallAsync("tx_status", [hash.ToString()]))!;
                Assert.Equal("included", status["status"]!.GetValue<string>());
                Assert.Equal(height, status["height"]!.GetValue<ulong>());
            }
            Assert.Equal(info["state_root"]!.GetValue<string>(), (await ReplayAsync(client, head)).ToString());

            // Stream transfers and kill the process at a random moment.
            Hash32 genesis = Hash32.Parse(info["genesis"]!.GetValue<string>());
            var nonces = new ulong[senders.Length];
            for (int s = 0; s < senders.Length; s++)
            {
                nonces[s] = (await client.CallAsync("account_get", [EthereumAddress.FromPrivateKey(senders[s]).ToString()]))!["nonce"]!.GetValue<ulong>();
            }
            var submitted = new List<Hash32>();
            var killAt = Stopwatch.StartNew();
            int lifetime = random.Next(150, 700);
            while (killAt.ElapsedMilliseconds < lifetime)
            {
                int s = random.Next(senders.Length);
                var call = new TransferCall(receiver, (ulong)random.Next(1, 1000));
                Extrinsic draft = Extrinsic.Sign(genesis, nonces[s], 0, call, senders[s]);
                Extrinsic extrinsic = Extrinsic.Sign(genesis, nonces[s], 1_000_000 + 1_000 * (ulong)draft.Encoded.Length, call, senders[s]);
                try
                {
                    await client.CallAsync("author_submitExtrinsic", ["0x" + Convert.ToHexStringLower(extrinsic.Encoded)]);
                    submitted.Add(extrinsic.Hash);
                    nonces[s]++;
                }
                catch (LedgerRpcException)
                {
                    break;
                }
                foreach (Hash32 hash in submitted.ToArray())
                {
                    JsonNode status = (await client.CallAsync("tx_status", [hash.ToString()]))!;
                    if (status["status"]!.GetValue<string>() == "included")
                    {
                        committed[hash] = status["height"]!.GetValue<ulong>();
                        submitted.Remove(hash);
                    }
                }
            }
            node.Kill();
            await node.WaitForExitAsync();
            lastHeight = committed.Count == 0 ? lastHeight : Math.Max(lastHeight, committed.Values.Max());
        }
        Assert.True(committed.Count > 50, $"only {committed.Count} transactions were committed across the 20 runs");
    }

    private static async Task<Hash32> ReplayAsync(LedgerRpcClient client, ulong head)
    {
        (GenesisConfig genesis, byte[] authority) = DevGenesis.Create();
        using LedgerChain replay = LedgerChain.Open(LedgerDatabase.OpenInMemory(), genesis, new SingleAuthoritySeal(EthereumAddress.FromPrivateKey(authority)));
        for (ulong h = 1; h <= head; h++)
        {
            string hex = (await client.CallAsync("chain_getBlockRaw", [h]))!.GetValue<string>();
            replay.Import(Block.Decode(Convert.FromHexString(hex[2..])), checkClock: false);
        }
        return replay.StateRoot;
    }

    private Process StartNode(out Uri endpoint)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "basedai.dll");
        var start = new ProcessStartInfo("dotnet", [cli, "node", "run", "--dev", "--data-dir", _dataDir, "--block-time", "40ms", "--rpc-port", "0"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process = Process.Start(start)!;
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            string? line = process.StandardOutput.ReadLine();
            if (line is null)
            {
                throw new InvalidOperationException($"the node exited: {process.StandardError.ReadToEnd()}");
            }
            const string marker = "JSON-RPC on ";
            if (line.StartsWith(marker, StringComparison.Ordinal))
            {
                endpoint = new Uri(line[marker.Length..].Split(' ')[0]);
                // Keep draining stdout so the node never blocks on a full pipe.
                _ = Task.Run(() => process.StandardOutput.ReadToEnd());
                _ = Task.Run(() => process.StandardError.ReadToEnd());
                return process;
            }
        }
        process.Kill();
        throw new TimeoutException("the node did not start within 60 s");
    }
}

[CollectionDefinition("processes", DisableParallelization = true)]
public sealed class ProcessTestsDefinition;
