using BasedAI.Evm.Execution;

namespace BasedAI.Evm.Benchmarks;

/// <summary>A minimal EVM assembler: mnemonics, pushes of numbers and of label addresses (PUSH2), labels.</summary>
public sealed class Assembler
{
    private readonly List<byte> _code = [];
    private readonly Dictionary<string, int> _labels = [];
    private readonly List<(int Position, string Label)> _fixups = [];

    public Assembler Op(string mnemonic)
    {
        _code.Add((byte)Enum.Parse<Opcode>(mnemonic));
        return this;
    }

    public Assembler Push(ulong value)
    {
        if (value == 0)
        {
            return Op("PUSH0");
        }
        byte[] bytes = BitConverter.GetBytes(value).Reverse().SkipWhile(b => b == 0).ToArray();
        _code.Add((byte)(0x5f + bytes.Length));
        _code.AddRange(bytes);
        return this;
    }

    public Assembler PushBytes(ReadOnlySpan<byte> bytes)
    {
        _code.Add((byte)(0x5f + bytes.Length));
        _code.AddRange(bytes.ToArray());
        return this;
    }

    public Assembler Label(string name)
    {
        _labels[name] = _code.Count;
        return this;
    }

    public Assembler PushLabel(string name)
    {
        _code.Add(0x61);
        _fixups.Add((_code.Count, name));
        _code.Add(0);
        _code.Add(0);
        return this;
    }

    public byte[] Build()
    {
        byte[] code = [.. _code];
        foreach (var (position, label) in _fixups)
        {
            int target = _labels[label];
            code[position] = (byte)(target >> 8);
            code[position + 1] = (byte)target;
        }
        return code;
    }
}
