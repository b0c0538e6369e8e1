using System.Net.Http.Json;
using System.Text.Json.Nodes;
using BasedAI.Crypto;
using BasedAI.Ledger.Chain;
using BasedAI.Ledger.Codec;

namespace BasedAI.Ledger.Node;

/// <summary>The node answered with a JSON-RPC error.</summary>
public sealed class LedgerRpcException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public LedgerRpcException(int code, string message) : base(message) => Code = code;

    /// <summary>Creates the exception.</summary>
    public LedgerRpcException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public LedgerRpcException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public LedgerRpcException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>JSON-RPC error code (-32000 means the node rejected an extrinsic).</summary>
    public int Code { get; }
}

/// <summary>A JSON-RPC client for a ledger node, plus signing and submitting extrinsics.</summary>
public sealed class LedgerRpcClient(Uri endpoint, HttpClient? http = null) : IDisposable
{
    private readonly HttpClient _http = http ?? new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
    private readonly bool _ownsHttp = http is null;
    private long _id;

    /// <summary>The node's address.</summary>
    public Uri Endpoint { get; } = endpoint;

    /// <summary>Calls a method with positional params and returns its result (null when the node returns null).</summary>
    public async Task<JsonNode?> CallAsync(string method, IEnumerable<object?>? parameters = null, CancellationToken cancellationToken = default)
    {
        var request = new JsonObject
        {
            ["jsonrpc"] = "2.0",
            ["id"] = Interlocked.Increment(ref _id),
            ["method"] = method,
            ["params"] = new JsonArray((parameters ?? []).Select(p => p is null ? null : JsonValue.Create(p)).ToArray<JsonNode?>()),
        };
        using HttpResponseMessage response = await _http.PostAsJsonAsync(Endpoint, request, cancellationToken);
        response.EnsureSuccessStatusCode();
        JsonNode reply = await response.Content.ReadFromJsonAsync<JsonNode>(cancellationToken)
            ?? throw new InvalidDataException($"{Endpoint} sent an empty JSON-RPC reply");
        if (reply["error"] is JsonObject error)
        {
            throw new LedgerRpcException(error["code"]?.GetValue<int>() ?? 0, error["message"]?.GetValue<string>() ?? "unknown error");
        }
        return reply["result"];
    }

    /// <summary>
    /// Signs <paramref name="call"/> with <paramref name="privateKey"/> at the account's next nonce and the minimum fee,
    /// submits it, and returns its hash.
    /// </summary>
    public async Task<Hash32> SubmitAsync(ExtrinsicCall call, byte[] privateKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        JsonNode info = (await CallAsync("system_info", null, cancellationToken))!;
        Hash32 genesis = Hash32.Parse(info["genesis"]!.GetValue<string>());
        ulong baseFee = info["base_fee"]!.GetValue<ulong>(), byteFee = info["byte_fee"]!.GetValue<ulong>();
        EthereumAddress sender = EthereumAddress.FromPrivateKey(privateKey);
        JsonNode account = (await CallAsync("account_get", [sender.ToString()], cancellationToken))!;
        ulong nonce = account["nonce"]!.GetValue<ulong>();
        Extrinsic draft = Extrinsic.Sign(genesis, nonce, 0, call, privateKey);
        ulong fee = call is SetWeightsCall ? 0 : baseFee + byteFee * (ulong)draft.Encoded.Length;
        Extrinsic extrinsic = Extrinsic.Sign(genesis, nonce, fee, call, privateKey);
        JsonNode result = (await CallAsync("author_submitExtrinsic", ["0x" + Convert.ToHexStringLower(extrinsic.Encoded)], cancellationToken))!;
        return Hash32.Parse(result["hash"]!.GetValue<string>());
    }

    /// <summary>Polls <c>tx_status</c> until the transaction is included or <paramref name="timeout"/> passes.</summary>
    public async Task<JsonNode> WaitForInclusionAsync(Hash32 hash, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            JsonNode status = (await CallAsync("tx_status", [hash.ToString()], cancellationToken))!;
            if (status["status"]!.GetValue<string>() == "included")
            {
                return status;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"transaction {hash} was not included within {timeout.TotalSeconds:0} s (status: {status["status"]})");
            }
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }
}
