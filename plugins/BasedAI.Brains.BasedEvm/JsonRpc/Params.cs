using System.Globalization;
using System.Text.Json;
using BasedAI.Evm.Numerics;
using BasedAI.Evm.Primitives;
using BasedAI.Evm.Transactions;

namespace BasedAI.Brains.BasedEvm.JsonRpc;

/// <summary>Positional JSON-RPC parameters with strict parsing: every failure is -32602 naming the parameter and the problem.</summary>
internal readonly struct Params(JsonElement array)
{
    private int Count => array.ValueKind == JsonValueKind.Array ? array.GetArrayLength() : 0;

    private JsonElement? At(int index) =>
        index < Count && array[index].ValueKind != JsonValueKind.Null ? array[index] : null;

    private JsonElement Required(int index, string name) =>
        At(index) ?? throw Invalid($"missing value for required argument {index} ({name})");

    public Address Address(int index, string name) => ParseAddress(Required(index, name), name);

    public Hash256 Hash(int index, string name) => ParseHash(Required(index, name), name);

    public byte[] Bytes(int index, string name) => ParseBytes(Required(index, name), name);

    public UInt256 Quantity(int index, string name) => ParseQuantity(Required(index, name), name);

    public bool Boolean(int index, string name)
    {
        JsonElement value = Required(index, name);
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Invalid($"{name} must be a boolean"),
        };
    }

    public JsonElement Object(int index, string name)
    {
        JsonElement value = Required(index, name);
        return value.ValueKind == JsonValueKind.Object ? value : throw Invalid($"{name} must be an object");
    }

    /// <summary>A block number or tag for state queries (default "latest"); must exist.</summary>
    public ulong Block(int index, LocalChain chain) => At(index) is JsonElement value ? ParseBlock(value, chain, "block") : chain.HeadNumber;

    /// <summary>A block number or tag for block lookups: numbers past the head are returned as given (the block is then null).</summary>
    public ulong? BlockOrNull(int index, LocalChain chain) =>
        At(index) is JsonElement value ? ParseBlock(value, chain, "block", allowFuture: true) : chain.HeadNumber;

    public double[] OptionalPercentiles(int index)
    {
        if (At(index) is not JsonElement value)
        {
            return [];
        }
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("reward percentiles must be an array of numbers");
        }
        var percentiles = new List<double>();
        double previous = -1;
        foreach (JsonElement item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetDouble(out double p) || p < 0 || p > 100 || p < previous)
            {
                throw Invalid("reward percentiles must be increasing numbers in [0, 100]");
            }
            percentiles.Add(p);
            previous = p;
        }
        return [.. percentiles];
    }

    /// <summary>The transaction-like object of eth_call / eth_estimateGas.</summary>
    public CallArguments Call(int index)
    {
        JsonElement call = Object(index, "transaction");
        byte[] data = [];
        if (call.TryGetProperty("input", out JsonElement input) && input.ValueKind != JsonValueKind.Null)
        {
            data = ParseBytes(input, "input");
            if (call.TryGetProperty("data", out JsonElement both) && both.ValueKind != JsonValueKind.Null && !ParseBytes(both, "data").AsSpan().SequenceEqual(data))
            {
                throw Invalid("both \"data\" and \"input\" are set and not equal");
            }
        }
        else if (call.TryGetProperty("data", out JsonElement d) && d.ValueKind != JsonValueKind.Null)
        {
            data = ParseBytes(d, "data");
        }
        long? gas = null;
        if (Optional(call, "gas") is JsonElement g)
        {
            UInt256 value = ParseQuantity(g, "gas");
            gas = value.FitsInUInt64 && value.U0 <= long.MaxValue ? (long)value.U0 : throw Invalid("gas is too large");
        }
        return new CallArguments
        {
            From = Optional(call, "from") is JsonElement from ? ParseAddress(from, "from") : null,
            To = Optional(call, "to") is JsonElement to ? ParseAddress(to, "to") : null,
            Gas = gas,
            GasPrice = Optional(call, "gasPrice") is JsonElement gp ? ParseQuantity(gp, "gasPrice") : null,
            MaxFeePerGas = Optional(call, "maxFeePerGas") is JsonElement mf ? ParseQuantity(mf, "maxFeePerGas") : null,
            MaxPriorityFeePerGas = Optional(call, "maxPriorityFeePerGas") is JsonElement mp ? ParseQuantity(mp, "maxPriorityFeePerGas") : null,
            Value = Optional(call, "value") is JsonElement v ? ParseQuantity(v, "value") : default,
            Data = data,
            AccessList = Optional(call, "accessList") is JsonElement list ? ParseAccessList(list) : [],
        };
    }

    /// <summary>The "nonce" field of a transaction object, when given.</summary>
    public ulong? OptionalNonce(int index)
    {
        JsonElement call = Object(index, "transaction");
        if (Optional(call, "nonce") is not JsonElement nonce)
        {
            return null;
        }
        UInt256 value = ParseQuantity(nonce, "nonce");
        return value.FitsInUInt64 ? value.U0 : throw Invalid("nonce exceeds 64 bits");
    }

    private static JsonElement? Optional(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null ? value : null;

    private static List<AccessListItem> ParseAccessList(JsonElement list)
    {
        if (list.ValueKind != JsonValueKind.Array)
        {
            throw Invalid("accessList must be an array");
        }
        var items = new List<AccessListItem>();
        foreach (JsonElement item in list.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object || !item.TryGetProperty("address", out JsonElement address))
            {
                throw Invalid("accessList entries must be objects with an address");
            }
            var keys = new List<UInt256>();
            if (item.TryGetProperty("storageKeys", out JsonElement storageKeys) && storageKeys.ValueKind == JsonValueKind.Array)
            {
                keys.AddRange(storageKeys.EnumerateArray().Select(k => ParseHash(k, "storage key").ToUInt256()));
            }
            items.Add(new AccessListItem(ParseAddress(address, "accessList address"), keys));
        }
        return items;
    }

    public static Address ParseAddress(JsonElement value, string name) =>
        value.ValueKind == JsonValueKind.String && BasedAI.Evm.Primitives.Address.TryParse(value.GetString(), out Address address) && value.GetString()!.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? address
            : throw Invalid($"{name} must be a 0x-prefixed 20-byte hex address");

    public static Hash256 ParseHash(JsonElement value, string name)
    {
        byte[] bytes = ParseBytes(value, name);
        return bytes.Length == 32 ? new Hash256(bytes) : throw Invalid($"{name} must be 32 bytes, got {bytes.Length}");
    }

    public static byte[] ParseBytes(JsonElement value, string name)
    {
        string? text = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        if (text is null || !text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || text.Length % 2 != 0)
        {
            throw Invalid($"{name} must be 0x-prefixed hex with an even number of digits");
        }
        try
        {
            return Convert.FromHexString(text.AsSpan(2));
        }
        catch (FormatException)
        {
            throw Invalid($"{name} contains a non-hex character");
        }
    }

    public static UInt256 ParseQuantity(JsonElement value, string name)
    {
        string? text = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        if (text is null || !text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) || text.Length == 2 || !UInt256.TryParse(text, out UInt256 quantity))
        {
            throw Invalid($"{name} must be a 0x-prefixed hex quantity below 2^256");
        }
        return quantity;
    }

    public static ulong ParseBlock(JsonElement value, LocalChain chain, string name, bool allowFuture = false)
    {
        if (value.ValueKind == JsonValueKind.Object)
        {
            if (value.TryGetProperty("blockHash", out JsonElement hash))
            {
                return chain.GetBlock(ParseHash(hash, "blockHash"))?.Header.Number
                    ?? throw new RpcException(RpcException.ServerError, "header for hash not found");
            }
            if (value.TryGetProperty("blockNumber", out JsonElement number))
            {
                return ParseBlock(number, chain, name, allowFuture);
            }
            throw Invalid($"{name} object needs blockHash or blockNumber");
        }
        string? text = value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        switch (text)
        {
            case "latest" or "pending" or "safe" or "finalized":
                return chain.HeadNumber;
            case "earliest":
                return 0;
        }
        UInt256 quantity = ParseQuantity(value, name);
        if (!quantity.FitsInUInt64)
        {
            throw Invalid($"{name} number is too large");
        }
        if (!allowFuture && quantity.U0 > chain.HeadNumber)
        {
            throw new RpcException(RpcException.ServerError, $"header not found: block {quantity.U0.ToString(CultureInfo.InvariantCulture)} is beyond the head");
        }
        return quantity.U0;
    }

    private static RpcException Invalid(string message) => new(RpcException.InvalidParams, "invalid argument: " + message);
}

/// <summary>JSON-RPC hex encodings.</summary>
internal static class Hex
{
    public static string Quantity(ulong value) => "0x" + value.ToString("x", CultureInfo.InvariantCulture);

    public static string Data(ReadOnlySpan<byte> bytes) => "0x" + Convert.ToHexStringLower(bytes);
}
