using BasedAI.Crypto;
using BasedAI.Evm.Execution;
using BasedAI.Evm.Primitives;

namespace BasedAI.Evm.Chain;

/// <summary>The 2048-bit logs bloom filter of receipts and block headers (Yellow Paper 4.3.1).</summary>
public sealed class Bloom
{
    /// <summary>Size in bytes.</summary>
    public const int Size = 256;

    private readonly byte[] _bits = new byte[Size];

    /// <summary>The 256 filter bytes.</summary>
    public ReadOnlySpan<byte> Bytes => _bits;

    /// <summary>Adds a log's address and topics.</summary>
    public void Add(LogEntry log)
    {
        Span<byte> address = stackalloc byte[Address.Size];
        log.Address.CopyTo(address);
        Add(address);
        Span<byte> topic = stackalloc byte[Hash256.Size];
        foreach (Hash256 t in log.Topics)
        {
            t.CopyTo(topic);
            Add(topic);
        }
    }

    /// <summary>Merges another filter into this one.</summary>
    public void Or(Bloom other)
    {
        for (int i = 0; i < Size; i++)
        {
            _bits[i] |= other._bits[i];
        }
    }

    /// <summary>True when <paramref name="data"/> may have been added (false means it certainly was not).</summary>
    public bool MightContain(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[32];
        Keccak256.Hash(data, hash);
        for (int i = 0; i < 6; i += 2)
        {
            (int index, byte bit) = Position(hash, i);
            if ((_bits[index] & bit) == 0)
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Sets the three bits chosen by keccak(<paramref name="data"/>).</summary>
    public void Add(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[32];
        Keccak256.Hash(data, hash);
        for (int i = 0; i < 6; i += 2)
        {
            (int index, byte bit) = Position(hash, i);
            _bits[index] |= bit;
        }
    }

    private static (int Index, byte Bit) Position(ReadOnlySpan<byte> hash, int i)
    {
        int value = ((hash[i] << 8) | hash[i + 1]) & 0x7ff;
        return (Size - 1 - (value >> 3), (byte)(1 << (value & 7)));
    }

    /// <summary>The bloom of a set of logs.</summary>
    public static Bloom Of(IEnumerable<LogEntry> logs)
    {
        var bloom = new Bloom();
        foreach (LogEntry log in logs)
        {
            bloom.Add(log);
        }
        return bloom;
    }
}
