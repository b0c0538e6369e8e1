using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using BasedAI.Crypto;
using BasedAI.Ledger.Chain;
using BasedAI.Ledger.Codec;
using BasedAI.Ledger.Runtime;
using BasedAI.Ledger.State;
using BasedAI.Ledger.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace BasedAI.Ledger.Node;

/// <summary>
/// JSON-RPC 2.0 over HTTP POST on 127.0.0.1 (Kestrel). Positional params. Methods: system_info, chain_head, chain_getBlock,
/// chain_getBlockRaw, author_submitExtrinsic, tx_status, account_get, brain_list, brain_get, stem_get, stake_list,
/// weights_get, proposal_list, dev_produceBlock. Errors: -32700 parse, -32600 request, -32601 method, -32602 params,
/// -32000 rejected (the message names why).
/// </summary>
internal sealed class RpcServer : IAsyncDisposable
{
    private const int MaxRequestBytes = 1 << 20;
    private readonly WebApplication _app;

    private RpcServer(WebApplication app, Uri endpoint)
    {
        _app = app;
        Endpoint = endpoint;
    }

    public Uri Endpoint { get; }

    public static async Task<RpcServer> StartAsync(LedgerNode node, int port, CancellationToken cancellationToken)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(options =>
        {
            options.Listen(IPAddress.Loopback, port);
            options.Limits.MaxRequestBodySize = MaxRequestBytes;
        });
        WebApplication app = builder.Build();
        var methods = new RpcMethods(node);
        app.MapPost("/", async (HttpContext context) =>
        {
            JsonNode response = await HandleAsync(methods, context.Request.Body, context.RequestAborted);
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(response.ToJsonString(), context.RequestAborted);
        });
        await app.StartAsync(cancellationToken);
        string address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RpcServer(app, new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal)));
    }

    private static async Task<JsonNode> HandleAsync(RpcMethods methods, Stream body, CancellationToken cancellationToken)
    {
        JsonNode? id = null;
        try
        {
            JsonNode? request;
            try
            {
                request = await JsonNode.ParseAsync(body, cancellationToken: cancellationToken);
            }
            catch (JsonException e)
            {
                return Error(null, -32700, $"parse error: {e.Message}");
            }
            if (request is not JsonObject obj || obj["method"]?.GetValueKind() != JsonValueKind.String)
            {
                return Error(null, -32600, "invalid request: expected an object with a string 'method'");
            }
            id = obj["id"]?.DeepClone();
            string method = obj["method"]!.GetValue<string>();
            JsonArray parameters = obj["params"] switch
            {
                null => [],
                JsonArray array => array,
                _ => throw new ArgumentException("params must be an array (positional)"),
            };
            JsonNode? result = methods.Invoke(method, parameters);
            return new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["result"] = result };
        }
        catch (MissingMethodException e)
        {
            return Error(id, -32601, e.Message);
        }
        catch (BlockRejectedException e)
        {
            return Error(id, -32000, e.Message);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidOperationException or InvalidCastException or KeyNotFoundException)
        {
            return Error(id, -32602, e.Message);
        }
    }

    private static JsonObject Error(JsonNode? id, int code, string message) =>
        new() { ["jsonrpc"] = "2.0", ["id"] = id, ["error"] = new JsonObject { ["code"] = code, ["message"] = message } };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>The RPC methods, as JSON.</summary>
internal sealed class RpcMethods(LedgerNode node)
{
    public JsonNode? Invoke(string method, JsonArray p) => method switch
    {
        "system_info" => node.Read(chain => SystemInfo(chain)),
        "chain_head" => node.Read(chain => Header(chain.Head)),
        "chain_getBlock" => node.Read(chain => BlockJson(chain, Height(p, 0))),
        "chain_getBlockRaw" => node.Read(chain => chain.Database.GetBlock(Height(p, 0)) is { } bytes ? JsonValue.Create("0x" + Convert.ToHexStringLower(bytes)) : null),
        "author_submitExtrinsic" => new JsonObject { ["hash"] = node.Submit(Hex(p, 0)).ToString() },
        "tx_status" => TxStatus(Hash32.Parse(Text(p, 0))),
        "account_get" => node.Read(chain => Account(chain.State, Address(p, 0))),
        "brain_list" => node.Read(chain => new JsonArray(chain.State.Brains().Select(b => BrainJson(chain.State, b)).ToArray<JsonNode?>())),
        "brain_get" => node.Read(chain => chain.State.GetBrain(U16(p, 0)) is { } brain ? BrainJson(chain.State, brain, full: true) : null),
        "stem_get" => node.Read(chain => Stem(chain.State, U16(p, 0))),
        "stake_list" => node.Read(chain => Stakes(chain.State, p.Count > 0 && p[0] is not null ? Address(p, 0) : null)),
        "weights_get" => node.Read(chain => Weights(chain.State, U16(p, 0))),
        "proposal_list" => node.Read(chain => Proposals(chain.State)),
        "dev_produceBlock" => Header(node.ProduceBlock().Block.Header),
        _ => throw new MissingMethodException($"method '{method}' does not exist"),
    };

    private JsonObject SystemInfo(LedgerChain chain)
    {
        LedgerState state = chain.State;
        ChainParameters parameters = state.Parameters;
        return new JsonObject
        {
            ["chain"] = state.ChainName,
            ["genesis"] = chain.GenesisHash.ToString(),
            ["head"] = chain.Head.Height,
            ["head_hash"] = chain.Head.Hash.ToString(),
            ["state_root"] = chain.StateRoot.ToString(),
            ["authority"] = chain.SealEngine.Author.ToString(),
            ["production"] = node.Options.Production.ToString().ToLowerInvariant(),
            ["block_time_ms"] = (long)node.Options.BlockTime.TotalMilliseconds,
            ["pending"] = node.PendingCount,
            ["total_issuance"] = state.TotalIssuance,
            ["total_stake"] = state.TotalStake,
            ["brains"] = state.BrainCount,
            ["brains_burned"] = state.BrainsBurned,
            ["burn_price"] = parameters.BurnBasePrice + parameters.BurnPriceStep * state.BrainsBurned,
            ["block_reward"] = parameters.BlockReward(chain.Head.Height + 1),
            ["base_fee"] = parameters.BaseFee,
            ["byte_fee"] = parameters.ByteFee,
        };
    }

    private static JsonObject Header(BlockHeader header) => new()
    {
        ["height"] = header.Height,
        ["hash"] = header.Hash.ToString(),
        ["parent"] = header.ParentHash.ToString(),
        ["state_root"] = header.StateRoot.ToString(),
        ["extrinsics_root"] = header.ExtrinsicsRoot.ToString(),
        ["timestamp"] = header.Timestamp,
        ["author"] = header.Author.ToString(),
    };

    private static JsonObject? BlockJson(LedgerChain chain, ulong height)
    {
        if (chain.GetBlock(height) is not { } block)
        {
            return null;
        }
        JsonObject json = Header(block.Header);
        json["extrinsics"] = new JsonArray(block.Extrinsics.Select(e =>
        {
            TransactionLocation? location = chain.Database.GetTransaction(e.Hash);
            return (JsonNode)new JsonObject
            {
                ["hash"] = e.Hash.ToString(),
                ["sender"] = e.Sender.ToString(),
                ["nonce"] = e.Nonce,
                ["fee"] = e.Fee,
                ["call"] = e.Call.Name,
                ["success"] = location?.Success,
                ["error"] = location?.Error,
            };
        }).ToArray<JsonNode?>());
        return json;
    }

    private JsonObject TxStatus(Hash32 hash)
    {
        TransactionLocation? location = node.Read(chain => chain.Database.GetTransaction(hash));
        if (location is not null)
        {
            return new JsonObject
            {
                ["status"] = "included",
                ["height"] = location.Height,
                ["index"] = location.Index,
                ["call"] = location.Call,
                ["success"] = location.Success,
                ["error"] = location.Error,
            };
        }
        return new JsonObject { ["status"] = node.IsPending(hash) ? "pending" : "unknown" };
    }

    private static JsonObject Account(LedgerState state, EthereumAddress address)
    {
        AccountRecord account = state.GetAccount(address);
        ulong staked = state.Pools().Aggregate(0UL, (sum, p) => sum + p.Pool.AmountOf(address));
        return new JsonObject
        {
            ["address"] = address.ToString(),
            ["balance"] = account.Balance,
            ["nonce"] = account.Nonce,
            ["staked"] = staked,
            ["pepecoin"] = state.GetPepecoin(address),
        };
    }

    private static JsonObject BrainJson(LedgerState state, BrainRecord brain, bool full = false)
    {
        ChainParameters parameters = state.Parameters;
        var json = new JsonObject
        {
            ["id"] = brain.Id,
            ["name"] = brain.Name,
            ["owner"] = brain.Owner.ToString(),
            ["method"] = brain.Method.ToString().ToLowerInvariant(),
            ["acquired_at"] = brain.AcquiredAt,
            ["pepecoin"] = brain.Pepecoin,
            ["task_id"] = brain.TaskId,
            ["task_version"] = brain.TaskVersion,
            ["owner_share_bps"] = brain.OwnerShareBps,
            ["registration_fee"] = brain.RegistrationFee,
            ["nodes"] = brain.NodeCount,
            ["validators"] = brain.ValidatorCount,
            ["miners"] = brain.MinerCount,
            ["total_stake"] = brain.TotalStake,
            ["pending_emission"] = brain.PendingEmission,
            ["performance"] = brain.Performance,
            ["last_epoch"] = brain.LastEpoch,
            ["rewards_start"] = brain.RewardsStart(parameters),
            ["gigabrain"] = Governance.IsGigaBrain(brain, state.TotalStake, parameters),
        };
        if (full)
        {
            BrainHyperparameters h = brain.Hyperparameters;
            json["hyperparameters"] = new JsonObject
            {
                ["tempo"] = h.Tempo,
                ["kappa"] = h.Kappa,
                ["bonds_moving_average"] = h.BondsMovingAverage,
                ["activity_cutoff"] = h.ActivityCutoff,
                ["immunity_period"] = h.ImmunityPeriod,
                ["min_allowed_weights"] = h.MinAllowedWeights,
                ["max_weight_limit"] = h.MaxWeightLimit,
                ["weights_rate_limit"] = h.WeightsRateLimit,
                ["active_validator_percentile"] = h.ActiveValidatorPercentile,
                ["max_allowed_validators"] = h.MaxAllowedValidators,
            };
        }
        return json;
    }

    private static JsonObject? Stem(LedgerState state, ushort brainId)
    {
        if (state.GetBrain(brainId) is not { } brain)
        {
            return null;
        }
        var neurons = new JsonArray();
        for (ushort uid = 0; uid < brain.NodeCount; uid++)
        {
            NeuronRecord n = state.GetNeuron(brainId, uid)!;
            StakePool? pool = state.GetPool(brainId, n.Computekey);
            neurons.Add(new JsonObject
            {
                ["uid"] = uid,
                ["computekey"] = n.Computekey.ToString(),
                ["personalkey"] = n.Owner.ToString(),
                ["role"] = n.Role.ToString().ToLowerInvariant(),
                ["stake"] = pool?.Total ?? 0,
                ["take"] = pool?.Take ?? state.Parameters.DefaultTake,
                ["registered_at"] = n.RegisteredAt,
                ["last_update"] = n.LastUpdate,
                ["active"] = n.Active,
                ["validator_permit"] = n.ValidatorPermit,
                ["rank"] = n.Rank,
                ["trust"] = n.Trust,
                ["consensus"] = n.Consensus,
                ["incentive"] = n.Incentive,
                ["dividends"] = n.Dividends,
                ["validator_trust"] = n.ValidatorTrust,
                ["pruning_score"] = n.PruningScore,
                ["emission"] = n.Emission,
                ["credits"] = n.Credits / 4294967296.0,
            });
        }
        JsonObject json = BrainJson(state, brain);
        json["neurons"] = neurons;
        return json;
    }

    private static JsonArray Stakes(LedgerState state, EthereumAddress? filter)
    {
        var result = new JsonArray();
        foreach ((ushort brain, EthereumAddress computekey, StakePool pool) in state.Pools())
        {
            foreach ((EthereumAddress staker, ulong amount) in pool.Stakes)
            {
                if (filter is null || filter == staker || filter == computekey)
                {
                    result.Add(new JsonObject
                    {
                        ["brain"] = brain,
                        ["computekey"] = computekey.ToString(),
                        ["staker"] = staker.ToString(),
                        ["amount"] = amount,
                        ["take"] = pool.Take,
                    });
                }
            }
        }
        return result;
    }

    private static JsonArray? Weights(LedgerState state, ushort brainId)
    {
        if (state.GetBrain(brainId) is not { } brain)
        {
            return null;
        }
        var rows = new JsonArray();
        for (ushort uid = 0; uid < brain.NodeCount; uid++)
        {
            Yuma.WeightEntry[] row = state.GetWeights(brainId, uid);
            if (row.Length > 0)
            {
                rows.Add(new JsonObject
                {
                    ["uid"] = uid,
                    ["weights"] = new JsonArray(row.Select(e => (JsonNode)new JsonArray(e.Uid, e.Value)).ToArray<JsonNode?>()),
                });
            }
        }
        return rows;
    }

    private static JsonArray Proposals(LedgerState state) => new(state.Proposals().Select(p => (JsonNode)new JsonObject
    {
        ["id"] = p.Id,
        ["proposer_brain"] = p.ProposerBrain,
        ["title"] = p.Title,
        ["body"] = p.Body,
        ["created_at"] = p.CreatedAt,
        ["ends_at"] = p.EndsAt,
        ["default_pass"] = p.DefaultPass,
        ["status"] = p.Status.ToString().ToLowerInvariant(),
        ["yes"] = p.Votes.Count(v => v.Approve),
        ["no"] = p.Votes.Count(v => !v.Approve),
        ["electorate"] = p.Electorate,
    }).ToArray<JsonNode?>());

    private static string Text(JsonArray p, int index) =>
        index < p.Count && p[index] is JsonValue value && value.TryGetValue(out string? text) ? text : throw new ArgumentException($"param {index} must be a string");

    private static ulong Height(JsonArray p, int index) =>
        index < p.Count && p[index] is JsonValue value && value.TryGetValue(out ulong height) ? height : throw new ArgumentException($"param {index} must be a block height");

    private static ushort U16(JsonArray p, int index) =>
        index < p.Count && p[index] is JsonValue value && value.TryGetValue(out ushort number) ? number : throw new ArgumentException($"param {index} must be an integer 0 to 65535");

    private static EthereumAddress Address(JsonArray p, int index) => EthereumAddress.Parse(Text(p, index));

    private static byte[] Hex(JsonArray p, int index)
    {
        string text = Text(p, index);
        try
        {
            return Convert.FromHexString(text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text);
        }
        catch (FormatException e)
        {
            throw new FormatException($"param {index} must be 0x-prefixed hexadecimal", e);
        }
    }
}
