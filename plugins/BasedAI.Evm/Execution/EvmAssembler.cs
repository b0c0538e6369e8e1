namespace BasedAI.Evm.Execution;

/// <summary>
/// A minimal EVM assembler for tests, benchmarks and tools: mnemonics, pushes of numbers, bytes and label addresses, labels.
/// </summary>
public sealed class EvmAssembler
{
    private readonly List<byte> _code = [];
    private readonly Dictionary<string, int> _labels = [];
    private readonly List<(int Position, string Label)> _fixups = [];

    /// <summary>Appends an instruction by mnemonic (as in <see cref="Opcode"/>).</summary>
    public EvmAssembler Op(string mnemonic)
    {
        if (!Enum.TryParse(mnemonic, ignoreCase: false, out Opcode opcode))
        {
            throw new ArgumentException($"Unknown mnemonic '{mnemonic}'.", nameof(mnemonic));
        }
        _code.Add((byte)opcode);
        return this;
    }

    /// <summary>Appends the shortest PUSH of <paramref name="value"/> (PUSH0 for zero).</summary>
    public EvmAssembler Push(ulong value)
    {
        if (value == 0)
        {
            return Op("PUSH0");
        }
        byte[] bytes = BitConverter.GetBytes(value).Reverse().SkipWhile(b => b == 0).ToArray();
        return PushBytes(bytes);
    }

    /// <summary>Appends PUSHn of 1..32 bytes.</summary>
    public EvmAssembler PushBytes(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length is < 1 or > 32)
        {
            throw new ArgumentException("A PUSH carries 1 to 32 bytes.", nameof(bytes));
        }
        _code.Add((byte)(0x5f + bytes.Length));
        _code.AddRange(bytes.ToArray());
        return this;
    }

    /// <summary>Marks the current position; a JUMPDEST usually follows.</summary>
    public EvmAssembler Label(string name)
    {
        _labels[name] = _code.Count;
        return this;
    }

    /// <summary>Appends PUSH2 of a label's position (resolved in <see cref="Build"/>).</summary>
    public EvmAssembler PushLabel(string name)
    {
        _code.Add(0x61);
        _fixups.Add((_code.Count, name));
        _code.Add(0);
        _code.Add(0);
        return this;
    }

    /// <summary>Appends raw bytes.</summary>
    public EvmAssembler Raw(ReadOnlySpan<byte> bytes)
    {
        _code.AddRange(bytes.ToArray());
        return this;
    }

    /// <summary>The assembled code with label addresses filled in.</summary>
    public byte[] Build()
    {
        byte[] code = [.. _code];
        foreach (var (position, label) in _fixups)
        {
            if (!_labels.TryGetValue(label, out int target))
            {
                throw new InvalidOperationException($"Undefined label '{label}'.");
            }
            code[position] = (byte)(target >> 8);
            code[position + 1] = (byte)target;
        }
        return code;
    }

    /// <summary>Initcode that deploys <paramref name="runtime"/> unchanged (CODECOPY it to memory and RETURN it).</summary>
    public static byte[] DeploymentCode(ReadOnlySpan<byte> runtime)
    {
        // PUSH2 len, DUP1, PUSH1 10, PUSH0, CODECOPY, PUSH0, RETURN — 10 bytes, then the runtime.
        byte[] prefix = new EvmAssembler()
            .PushBytes([(byte)(runtime.Length >> 8), (byte)runtime.Length]).Op("DUP1").PushBytes([10]).Op("PUSH0").Op("CODECOPY")
            .Op("PUSH0").Op("RETURN").Build();
        return [.. prefix, .. runtime];
    }
}
