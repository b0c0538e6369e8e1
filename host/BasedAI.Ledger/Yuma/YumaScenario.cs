using System.Text;
using System.Text.Json;

namespace BasedAI.Ledger.Yuma;

/// <summary>
/// Runs a Yuma scenario file (format <c>basedai-yuma-scenario/1</c>, documented in <c>docs/yuma-scenarios.md</c>) and writes every
/// epoch's outputs as JSON (<c>basedai-yuma-output/1</c>). Malformed scenarios throw <see cref="FormatException"/> naming the
/// JSON path of the problem.
/// </summary>
public static class YumaScenario
{
    /// <summary>Scenario format identifier.</summary>
    public const string Format = "basedai-yuma-scenario/1";

    /// <summary>Output format identifier.</summary>
    public const string OutputFormat = "basedai-yuma-output/1";

    /// <summary>Runs the scenario in <paramref name="scenarioJson"/> and returns the output document.</summary>
    public static string Run(string scenarioJson)
    {
        using var stream = new MemoryStream();
        Run(scenarioJson, stream);
        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>Runs the scenario and writes the output document (indented JSON) to <paramref name="output"/>.</summary>
    public static void Run(string scenarioJson, Stream output)
    {
        ArgumentNullException.ThrowIfNull(scenarioJson);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(scenarioJson, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new FormatException($"scenario: not valid JSON ({e.Message})", e);
        }
        using (document)
        using (var writer = new Utf8JsonWriter(output, new JsonWriterOptions { Indented = true }))
        {
            new Runner(document.RootElement, writer).Run();
        }
    }

    private sealed class Runner(JsonElement root, Utf8JsonWriter writer)
    {
        private YumaSimulation _simulation = null!;
        private ulong _defaultEmission = 1_000_000_000;
        private readonly List<(ulong Block, string Action, string Key, string Reason)> _rejected = [];

        public void Run()
        {
            Expect(root, JsonValueKind.Object, "$");
            CheckKeys(root, "$", "format", "settings", "emission", "neurons", "blocks", "schedule", "description");
            if (root.TryGetProperty("format", out JsonElement format) && format.GetString() != Format)
            {
                throw new FormatException($"$.format: expected \"{Format}\", got {format}");
            }
            var settings = root.TryGetProperty("settings", out JsonElement s) ? ReadSettings(new SimulationSettings(), s, "$.settings") : new SimulationSettings();
            _simulation = new YumaSimulation(settings);
            if (root.TryGetProperty("emission", out JsonElement emission))
            {
                _defaultEmission = ReadU64(emission, "$.emission");
            }
            Schedule? schedule = root.TryGetProperty("schedule", out JsonElement sch) ? ReadSchedule(sch) : null;

            writer.WriteStartObject();
            writer.WriteString("format", OutputFormat);
            writer.WriteStartArray("epochs");
            if (root.TryGetProperty("neurons", out JsonElement neurons))
            {
                Expect(neurons, JsonValueKind.Array, "$.neurons");
                int index = 0;
                foreach (JsonElement neuron in neurons.EnumerateArray())
                {
                    Register(neuron, $"$.neurons[{index++}]");
                }
            }

            var blocks = new List<(ulong Block, JsonElement Actions, string Path)>();
            if (root.TryGetProperty("blocks", out JsonElement blockList))
            {
                Expect(blockList, JsonValueKind.Array, "$.blocks");
                int index = 0;
                ulong previous = 0;
                foreach (JsonElement block in blockList.EnumerateArray())
                {
                    string path = $"$.blocks[{index++}]";
                    Expect(block, JsonValueKind.Object, path);
                    CheckKeys(block, path, "block", "actions");
                    ulong number = ReadU64(Require(block, "block", path), path + ".block");
                    if (index > 1 && number < previous)
                    {
                        throw new FormatException($"{path}.block: blocks must be in ascending order ({number} after {previous})");
                    }
                    previous = number;
                    JsonElement actions = Require(block, "actions", path);
                    Expect(actions, JsonValueKind.Array, path + ".actions");
                    blocks.Add((number, actions, path + ".actions"));
                }
            }

            if (schedule is null)
            {
                foreach ((ulong number, JsonElement actions, string path) in blocks)
                {
                    _simulation.Block = number;
                    RunActions(actions, path);
                }
            }
            else
            {
                RunScheduled(schedule, blocks);
            }
            writer.WriteEndArray();
            writer.WriteStartArray("rejected");
            foreach ((ulong block, string action, string key, string reason) in _rejected)
            {
                writer.WriteStartObject();
                writer.WriteNumber("block", block);
                writer.WriteString("action", action);
                writer.WriteString("key", key);
                writer.WriteString("reason", reason);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        private sealed record Schedule(ulong Tempo, ulong Netuid, ulong EmissionPerBlock, ulong UntilBlock);

        private static Schedule ReadSchedule(JsonElement element)
        {
            const string path = "$.schedule";
            Expect(element, JsonValueKind.Object, path);
            CheckKeys(element, path, "tempo", "netuid", "emission_per_block", "until_block");
            ulong tempo = ReadU64(Require(element, "tempo", path), path + ".tempo");
            if (tempo is 0 or > ushort.MaxValue)
            {
                throw new FormatException($"{path}.tempo: must be 1 to 65535, not {tempo}");
            }
            ulong netuid = element.TryGetProperty("netuid", out JsonElement n) ? ReadU64(n, path + ".netuid") : 1;
            ulong perBlock = ReadU64(Require(element, "emission_per_block", path), path + ".emission_per_block");
            ulong until = ReadU64(Require(element, "until_block", path), path + ".until_block");
            if (until > 10_000_000)
            {
                throw new FormatException($"{path}.until_block: at most 10,000,000 blocks are simulated, not {until}");
            }
            return new Schedule(tempo, netuid, perBlock, until);
        }

        private void RunScheduled(Schedule schedule, List<(ulong Block, JsonElement Actions, string Path)> blocks)
        {
            int next = 0;
            ulong pending = 0;
            for (ulong block = 0; block <= schedule.UntilBlock; block++)
            {
                _simulation.Block = block;
                // As subtensor's on_initialize: emission accrues and a due epoch runs before the block's calls.
                pending = pending > ulong.MaxValue - schedule.EmissionPerBlock ? ulong.MaxValue : pending + schedule.EmissionPerBlock;
                if ((block + schedule.Netuid + 1) % (schedule.Tempo + 1) == 0)
                {
                    Epoch(pending);
                    pending = 0;
                }
                while (next < blocks.Count && blocks[next].Block == block)
                {
                    RunActions(blocks[next].Actions, blocks[next].Path);
                    next++;
                }
            }
            if (next < blocks.Count)
            {
                throw new FormatException($"{blocks[next].Path}: block {blocks[next].Block} is after schedule.until_block ({schedule.UntilBlock})");
            }
        }

        private void RunActions(JsonElement actions, string path)
        {
            int index = 0;
            foreach (JsonElement action in actions.EnumerateArray())
            {
                string at = $"{path}[{index++}]";
                if (action.ValueKind == JsonValueKind.String && action.GetString() == "epoch")
                {
                    Epoch(_defaultEmission);
                    continue;
                }
                Expect(action, JsonValueKind.Object, at);
                JsonProperty[] properties = action.EnumerateObject().ToArray();
                if (properties.Length != 1)
                {
                    throw new FormatException($"{at}: an action is an object with exactly one of register, stake, add_stake, set_weights, epoch, set");
                }
                JsonProperty property = properties[0];
                string inner = $"{at}.{property.Name}";
                switch (property.Name)
                {
                    case "register":
                        Register(property.Value, inner);
                        break;
                    case "stake":
                    case "add_stake":
                        ChangeStake(property.Value, inner, add: property.Name == "add_stake");
                        break;
                    case "set_weights":
                        SetWeights(property.Value, inner);
                        break;
                    case "epoch":
                        Expect(property.Value, JsonValueKind.Object, inner);
                        CheckKeys(property.Value, inner, "emission");
                        Epoch(property.Value.TryGetProperty("emission", out JsonElement e) ? ReadU64(e, inner + ".emission") : _defaultEmission);
                        break;
                    case "set":
                        _simulation.Settings = ReadSettings(_simulation.Settings, property.Value, inner);
                        break;
                    default:
                        throw new FormatException($"{at}: unknown action '{property.Name}' (register, stake, add_stake, set_weights, epoch, set)");
                }
            }
        }

        private void Register(JsonElement element, string path)
        {
            Expect(element, JsonValueKind.Object, path);
            CheckKeys(element, path, "key", "stake");
            string key = ReadKey(element, path);
            if (element.TryGetProperty("stake", out JsonElement stake))
            {
                _simulation.SetStake(key, ReadU64(stake, path + ".stake"));
            }
            try
            {
                _simulation.Register(key);
            }
            catch (InvalidOperationException e)
            {
                _rejected.Add((_simulation.Block, "register", key, e.Message));
            }
        }

        private void ChangeStake(JsonElement element, string path, bool add)
        {
            Expect(element, JsonValueKind.Object, path);
            CheckKeys(element, path, "key", "amount");
            string key = ReadKey(element, path);
            ulong amount = ReadU64(Require(element, "amount", path), path + ".amount");
            ulong current = _simulation.StakeOf(key);
            _simulation.SetStake(key, add ? (current > ulong.MaxValue - amount ? ulong.MaxValue : current + amount) : amount);
        }

        private void SetWeights(JsonElement element, string path)
        {
            Expect(element, JsonValueKind.Object, path);
            CheckKeys(element, path, "key", "uids", "values");
            string key = ReadKey(element, path);
            ushort[] uids = ReadU16Array(Require(element, "uids", path), path + ".uids");
            ushort[] values = ReadU16Array(Require(element, "values", path), path + ".values");
            try
            {
                _simulation.SetWeights(key, uids, values);
            }
            catch (InvalidOperationException e)
            {
                _rejected.Add((_simulation.Block, "set_weights", key, e.Message));
            }
        }

        private void Epoch(ulong emission)
        {
            YumaEpochResult result = _simulation.RunEpoch(emission);
            int n = _simulation.N;
            writer.WriteStartObject();
            writer.WriteNumber("block", _simulation.Block);
            writer.WriteNumber("n", n);
            writer.WriteNumber("rao_emission", emission);
            writer.WriteBoolean("stake_fallback", result.UsedStakeFallback);
            WriteArray("keys", _simulation.Keys, (w, k) => w.WriteStringValue(k));
            WriteArray("stake", _simulation.Keys.Select(_simulation.StakeOf).ToArray(), (w, v) => w.WriteNumberValue(v));
            WriteArray("active", result.Active, (w, v) => w.WriteBooleanValue(v));
            WriteArray("validator_permit", result.NewValidatorPermit, (w, v) => w.WriteBooleanValue(v));
            WriteU16("rank", result.Rank);
            WriteU16("trust", result.Trust);
            WriteU16("consensus", result.Consensus);
            WriteU16("incentive", result.Incentive);
            WriteU16("dividends", result.Dividends);
            WriteU16("validator_trust", result.ValidatorTrust);
            WriteU16("pruning_score", result.PruningScore);
            WriteArray("emission", result.Emission, (w, v) => w.WriteNumberValue(v));
            WriteArray("server_emission", result.ServerEmission, (w, v) => w.WriteNumberValue(v));
            WriteArray("validator_emission", result.ValidatorEmission, (w, v) => w.WriteNumberValue(v));
            WriteArray("credits_delta_bits", result.CreditsDelta, (w, v) => w.WriteNumberValue(v));
            WriteArray("bonds", _simulation.Bonds, (w, row) =>
            {
                w.WriteStartArray();
                foreach (WeightEntry entry in row)
                {
                    w.WriteStartArray();
                    w.WriteNumberValue(entry.Uid);
                    w.WriteNumberValue(entry.Value);
                    w.WriteEndArray();
                }
                w.WriteEndArray();
            });
            writer.WriteEndObject();
        }

        private void WriteU16(string name, ushort[] values) => WriteArray(name, values, (w, v) => w.WriteNumberValue(v));

        private void WriteArray<T>(string name, IEnumerable<T> values, Action<Utf8JsonWriter, T> write)
        {
            writer.WriteStartArray(name);
            foreach (T value in values)
            {
                write(writer, value);
            }
            writer.WriteEndArray();
        }

        private static SimulationSettings ReadSettings(SimulationSettings settings, JsonElement element, string path)
        {
            Expect(element, JsonValueKind.Object, path);
            YumaParameters yuma = settings.Yuma;
            WeightLimits weights = settings.Weights;
            foreach (JsonProperty property in element.EnumerateObject())
            {
                string at = $"{path}.{property.Name}";
                switch (property.Name)
                {
                    case "kappa": yuma = yuma with { Kappa = ReadU16(property.Value, at) }; break;
                    case "bonds_moving_average": yuma = yuma with { BondsMovingAverage = ReadU64(property.Value, at) }; break;
                    case "activity_cutoff": yuma = yuma with { ActivityCutoff = ReadU64(property.Value, at) }; break;
                    case "max_allowed_validators": yuma = yuma with { MaxAllowedValidators = ReadU16(property.Value, at) }; break;
                    case "active_validator_percentile": yuma = yuma with { ActiveValidatorPercentile = (byte)ReadRange(property.Value, at, 100) }; break;
                    case "min_allowed_weights": weights = weights with { MinAllowedWeights = ReadU16(property.Value, at) }; break;
                    case "max_weight_limit": weights = weights with { MaxWeightLimit = ReadU16(property.Value, at) }; break;
                    case "weights_rate_limit": weights = weights with { WeightsRateLimit = ReadU64(property.Value, at) }; break;
                    case "max_allowed_uids": settings = settings with { MaxAllowedUids = (int)ReadRange(property.Value, at, 65536) }; break;
                    case "immunity_period": settings = settings with { ImmunityPeriod = ReadU64(property.Value, at) }; break;
                    default:
                        throw new FormatException($"{at}: unknown setting (kappa, bonds_moving_average, activity_cutoff, max_allowed_validators, active_validator_percentile, min_allowed_weights, max_weight_limit, weights_rate_limit, max_allowed_uids, immunity_period)");
                }
            }
            if (yuma.Validate() is { } error)
            {
                throw new FormatException($"{path}: {error}");
            }
            return settings with { Yuma = yuma, Weights = weights };
        }

        private static string ReadKey(JsonElement element, string path)
        {
            JsonElement key = Require(element, "key", path);
            return key.ValueKind == JsonValueKind.String && key.GetString() is { Length: > 0 } text
                ? text
                : throw new FormatException($"{path}.key: expected a non-empty string");
        }

        private static JsonElement Require(JsonElement element, string name, string path) =>
            element.TryGetProperty(name, out JsonElement value) ? value : throw new FormatException($"{path}: '{name}' is required");

        private static void Expect(JsonElement element, JsonValueKind kind, string path)
        {
            if (element.ValueKind != kind)
            {
                throw new FormatException($"{path}: expected {kind.ToString().ToLowerInvariant()}, got {element.ValueKind.ToString().ToLowerInvariant()}");
            }
        }

        private static void CheckKeys(JsonElement element, string path, params string[] allowed)
        {
            foreach (JsonProperty property in element.EnumerateObject())
            {
                if (!allowed.Contains(property.Name))
                {
                    throw new FormatException($"{path}.{property.Name}: unknown field (expected {string.Join(", ", allowed)})");
                }
            }
        }

        private static ulong ReadU64(JsonElement element, string path) =>
            element.ValueKind == JsonValueKind.Number && element.TryGetUInt64(out ulong value)
                ? value
                : throw new FormatException($"{path}: expected an integer from 0 to 2^64-1, got {element.GetRawText()}");

        private static ushort ReadU16(JsonElement element, string path) => (ushort)ReadRange(element, path, ushort.MaxValue);

        private static ulong ReadRange(JsonElement element, string path, ulong max)
        {
            ulong value = ReadU64(element, path);
            return value <= max ? value : throw new FormatException($"{path}: must be at most {max}, not {value}");
        }

        private static ushort[] ReadU16Array(JsonElement element, string path)
        {
            Expect(element, JsonValueKind.Array, path);
            var result = new ushort[element.GetArrayLength()];
            int i = 0;
            foreach (JsonElement item in element.EnumerateArray())
            {
                result[i] = ReadU16(item, $"{path}[{i}]");
                i++;
            }
            return result;
        }
    }
}
