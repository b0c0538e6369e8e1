using System.Buffers.Binary;
using System.Security.Cryptography;

namespace BasedAI.Fhe.Hashing;

/// <summary>The PRNG kinds SEAL records next to a seed (SEAL's <c>prng_type</c>).</summary>
internal enum PrngType : byte
{
    Unknown = 0,
    Blake2xb = 1,
    Shake256 = 2,
}

/// <summary>
/// SEAL's seeded uniform random generator: a 64-byte seed expanded 4096 bytes at a time, block i being
/// BLAKE2Xb(key = seed, message = i as u64) or SHAKE256(seed ‖ i). Reproducing it bit for bit is what lets a seeded
/// ciphertext or key (second polynomial replaced by its seed) travel between us and SEAL.
/// </summary>
internal sealed class SealPrng : IDisposable
{
    public const int SeedBytes = 64;
    private const int BufferBytes = 4096;

    private readonly byte[] _seed;
    private readonly byte[] _buffer = new byte[BufferBytes];
    private int _head = BufferBytes;
    private ulong _counter;

    public SealPrng(PrngType type, ReadOnlySpan<byte> seed)
    {
        if (seed.Length != SeedBytes)
        {
            throw new ArgumentException($"a PRNG seed is {SeedBytes} bytes", nameof(seed));
        }

        if (type == PrngType.Shake256 && !Shake256.IsSupported)
        {
            throw new PlatformNotSupportedException("SHAKE256 is not available on this platform, so SHAKE256-seeded SEAL data cannot be expanded");
        }

        if (type is not (PrngType.Blake2xb or PrngType.Shake256))
        {
            throw new ArgumentException($"unsupported PRNG type {(byte)type}", nameof(type));
        }

        Type = type;
        _seed = seed.ToArray();
    }

    public PrngType Type { get; }

    public ReadOnlySpan<byte> Seed => _seed;

    /// <summary>A generator with a fresh seed from the operating system's CSPRNG.</summary>
    public static SealPrng CreateRandom()
    {
        Span<byte> seed = stackalloc byte[SeedBytes];
        RandomNumberGenerator.Fill(seed);
        var prng = new SealPrng(PrngType.Blake2xb, seed);
        CryptographicOperations.ZeroMemory(seed);
        return prng;
    }

    public void Generate(Span<byte> destination)
    {
        while (destination.Length > 0)
        {
            if (_head == BufferBytes)
            {
                Refill();
            }

            int take = Math.Min(BufferBytes - _head, destination.Length);
            _buffer.AsSpan(_head, take).CopyTo(destination);
            _head += take;
            destination = destination[take..];
        }
    }

    public ulong NextUInt64()
    {
        Span<byte> word = stackalloc byte[8];
        Generate(word);
        return BinaryPrimitives.ReadUInt64LittleEndian(word);
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_buffer);
        CryptographicOperations.ZeroMemory(_seed);
    }

    private void Refill()
    {
        if (Type == PrngType.Blake2xb)
        {
            Span<byte> counter = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(counter, _counter);
            Blake2b.HashXof(counter, _buffer, _seed);
        }
        else
        {
            Span<byte> input = stackalloc byte[SeedBytes + 8];
            _seed.CopyTo(input);
            BinaryPrimitives.WriteUInt64LittleEndian(input[SeedBytes..], _counter);
            Shake256.HashData(input, _buffer);
            CryptographicOperations.ZeroMemory(input);
        }

        _counter++;
        _head = 0;
    }
}
