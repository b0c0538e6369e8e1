using System.Collections.ObjectModel;
using BasedAI.Fhe.Arithmetic;
using BasedAI.Fhe.Serialization;

namespace BasedAI.Fhe;

/// <summary>
/// CKKS encryption parameters: the polynomial modulus degree N and the coefficient-modulus chain q_0, …, q_L.
/// As in SEAL, the last prime is the special prime used only by key switching; ciphertexts start at q_0 … q_(L-1)
/// and lose one prime per rescale. Serializes as SEAL's <c>EncryptionParameters</c> (scheme ckks).
/// </summary>
public sealed class CkksParameters : IEquatable<CkksParameters>
{
    /// <summary>SEAL's scheme identifier for CKKS.</summary>
    internal const byte SchemeCkks = 2;

    /// <summary>Smallest supported polynomial modulus degree.</summary>
    public const int MinPolyModulusDegree = 1024;

    /// <summary>Largest supported polynomial modulus degree.</summary>
    public const int MaxPolyModulusDegree = 65536;

    /// <summary>Largest coefficient-modulus prime SEAL accepts from users, in bits.</summary>
    public const int MaxPrimeBits = 60;

    /// <summary>Most primes in a coefficient-modulus chain (SEAL's limit is 64 for user-specified chains).</summary>
    public const int MaxPrimeCount = 64;

    private readonly ulong[] _coeffModulus;

    private CkksParameters(int polyModulusDegree, ulong[] coeffModulus)
    {
        if (polyModulusDegree < MinPolyModulusDegree || polyModulusDegree > MaxPolyModulusDegree ||
            (polyModulusDegree & (polyModulusDegree - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(polyModulusDegree), polyModulusDegree,
                $"the polynomial modulus degree must be a power of two between {MinPolyModulusDegree} and {MaxPolyModulusDegree}");
        }

        if (coeffModulus.Length < 2 || coeffModulus.Length > MaxPrimeCount)
        {
            throw new ArgumentException(
                $"the coefficient modulus needs between 2 and {MaxPrimeCount} primes (data primes plus the special prime), got {coeffModulus.Length}",
                nameof(coeffModulus));
        }

        var seen = new HashSet<ulong>();
        ulong factor = 2UL * (ulong)polyModulusDegree;
        foreach (ulong q in coeffModulus)
        {
            if (q < 2 || q >> MaxPrimeBits != 0)
            {
                throw new ArgumentException($"coefficient modulus {q} is not between 2 and 2^{MaxPrimeBits}", nameof(coeffModulus));
            }

            if (!Primes.IsPrime(q))
            {
                throw new ArgumentException($"coefficient modulus {q} is not prime", nameof(coeffModulus));
            }

            if (q % factor != 1)
            {
                throw new ArgumentException($"coefficient modulus {q} is not congruent to 1 modulo 2N = {factor}, so it does not support the NTT", nameof(coeffModulus));
            }

            if (!seen.Add(q))
            {
                throw new ArgumentException($"coefficient modulus {q} appears twice", nameof(coeffModulus));
            }
        }

        PolyModulusDegree = polyModulusDegree;
        _coeffModulus = coeffModulus;
        CoeffModulus = new ReadOnlyCollection<ulong>(_coeffModulus);
        ParmsId = ParmsId.Compute(SchemeCkks, polyModulusDegree, _coeffModulus, 0);
    }

    /// <summary>The polynomial modulus degree N (ring dimension).</summary>
    public int PolyModulusDegree { get; }

    /// <summary>Number of complex slots, N/2.</summary>
    public int SlotCount => PolyModulusDegree / 2;

    /// <summary>The coefficient-modulus primes, the special (key-switching) prime last.</summary>
    public IReadOnlyList<ulong> CoeffModulus { get; }

    /// <summary>Total bit count of the whole coefficient modulus (what the security bound limits).</summary>
    public int TotalCoeffModulusBitCount => _coeffModulus.Sum(q => 64 - System.Numerics.BitOperations.LeadingZeroCount(q));

    /// <summary>The parms_id of the full (key-level) parameters.</summary>
    public ParmsId ParmsId { get; }

    internal ReadOnlySpan<ulong> CoeffModulusSpan => _coeffModulus;

    /// <summary>Parameters with an explicit prime chain (the special prime last).</summary>
    public static CkksParameters Create(int polyModulusDegree, IEnumerable<ulong> coeffModulus)
    {
        ArgumentNullException.ThrowIfNull(coeffModulus);
        return new CkksParameters(polyModulusDegree, coeffModulus.ToArray());
    }

    /// <summary>
    /// Parameters whose primes have the given bit sizes, chosen exactly as SEAL's <c>CoeffModulus::Create</c> chooses them
    /// (largest NTT-friendly primes of each size), so the same call gives the same chain — and parms_id — as SEAL.
    /// </summary>
    public static CkksParameters Create(int polyModulusDegree, params int[] bitSizes)
    {
        ArgumentNullException.ThrowIfNull(bitSizes);
        if (polyModulusDegree < MinPolyModulusDegree || polyModulusDegree > MaxPolyModulusDegree ||
            (polyModulusDegree & (polyModulusDegree - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(
                nameof(polyModulusDegree), polyModulusDegree,
                $"the polynomial modulus degree must be a power of two between {MinPolyModulusDegree} and {MaxPolyModulusDegree}");
        }

        foreach (int bits in bitSizes)
        {
            if (bits < 2 || bits > MaxPrimeBits)
            {
                throw new ArgumentOutOfRangeException(nameof(bitSizes), bits, $"prime bit sizes must be between 2 and {MaxPrimeBits}");
            }
        }

        ulong factor = 2UL * (ulong)polyModulusDegree;
        var pools = new Dictionary<int, List<ulong>>();
        foreach (var group in bitSizes.GroupBy(b => b))
        {
            pools[group.Key] = Primes.LargestPrimes(factor, group.Key, group.Count());
        }

        // SEAL hands out each size's primes from the smallest found to the largest, in the order the sizes appear.
        var chain = new ulong[bitSizes.Length];
        for (int i = 0; i < bitSizes.Length; i++)
        {
            var pool = pools[bitSizes[i]];
            chain[i] = pool[^1];
            pool.RemoveAt(pool.Count - 1);
        }

        return new CkksParameters(polyModulusDegree, chain);
    }

    /// <summary>
    /// SEAL's default 128-bit-secure chain for N (<c>CoeffModulus::BFVDefault</c>): N=4096 → 3 primes (109 bits),
    /// 8192 → 5 (218 bits), 16384 → 9 (438 bits), 32768 → 16 (881 bits).
    /// </summary>
    public static CkksParameters Default(int polyModulusDegree) => polyModulusDegree switch
    {
        4096 => new CkksParameters(4096, [0xffffee001, 0xffffc4001, 0x1ffffe0001]),
        8192 => new CkksParameters(8192, [0x7fffffd8001, 0x7fffffc8001, 0xfffffffc001, 0xffffff6c001, 0xfffffebc001]),
        16384 => new CkksParameters(16384,
        [
            0xfffffffd8001, 0xfffffffa0001, 0xfffffff00001, 0x1fffffff68001, 0x1fffffff50001, 0x1ffffffee8001,
            0x1ffffffea0001, 0x1ffffffe88001, 0x1ffffffe48001,
        ]),
        32768 => new CkksParameters(32768,
        [
            0x7fffffffe90001, 0x7fffffffbf0001, 0x7fffffffbd0001, 0x7fffffffba0001, 0x7fffffffaa0001, 0x7fffffffa50001,
            0x7fffffff9f0001, 0x7fffffff7e0001, 0x7fffffff770001, 0x7fffffff380001, 0x7fffffff330001, 0x7fffffff2d0001,
            0x7fffffff170001, 0x7fffffff150001, 0x7ffffffef00001, 0xfffffffff70001,
        ]),
        _ => throw new ArgumentOutOfRangeException(
            nameof(polyModulusDegree), polyModulusDegree, "SEAL defines default moduli for N = 4096, 8192, 16384 and 32768"),
    };

    /// <summary>
    /// The largest total coefficient-modulus bit count with the given security for a ternary secret
    /// (HomomorphicEncryption.org standard, as SEAL tabulates it; N=65536 at 128 bits from the 2024 guidelines' 1747).
    /// Returns 0 when no bound is published for that pair.
    /// </summary>
    public static int MaxCoeffModulusBitCount(int polyModulusDegree, SecurityLevel securityLevel) => (securityLevel, polyModulusDegree) switch
    {
        (SecurityLevel.Tc128, 1024) => 27,
        (SecurityLevel.Tc128, 2048) => 54,
        (SecurityLevel.Tc128, 4096) => 109,
        (SecurityLevel.Tc128, 8192) => 218,
        (SecurityLevel.Tc128, 16384) => 438,
        (SecurityLevel.Tc128, 32768) => 881,
        (SecurityLevel.Tc128, 65536) => 1747,
        (SecurityLevel.Tc192, 1024) => 19,
        (SecurityLevel.Tc192, 2048) => 37,
        (SecurityLevel.Tc192, 4096) => 75,
        (SecurityLevel.Tc192, 8192) => 152,
        (SecurityLevel.Tc192, 16384) => 305,
        (SecurityLevel.Tc192, 32768) => 611,
        (SecurityLevel.Tc256, 1024) => 14,
        (SecurityLevel.Tc256, 2048) => 29,
        (SecurityLevel.Tc256, 4096) => 58,
        (SecurityLevel.Tc256, 8192) => 118,
        (SecurityLevel.Tc256, 16384) => 237,
        (SecurityLevel.Tc256, 32768) => 476,
        _ => 0,
    };

    /// <summary>Writes SEAL's <c>EncryptionParameters</c> serialization.</summary>
    public void Save(Stream stream, SealCompression compression = SealCompression.None)
    {
        ArgumentNullException.ThrowIfNull(stream);
        SealWriter.WriteObject(stream, compression, MembersSize, WriteMembers);
    }

    /// <summary>The SEAL serialization as bytes.</summary>
    public byte[] ToArray(SealCompression compression = SealCompression.None) =>
        SealWriter.ToArray(compression, MembersSize, WriteMembers);

    /// <summary>Reads SEAL's <c>EncryptionParameters</c> serialization; only CKKS parameters are accepted.</summary>
    public static CkksParameters Load(Stream stream) =>
        SealReader.ReadObject(stream, "encryption parameters", MaxSerializedSize, ReadMembers);

    /// <summary>Reads SEAL's <c>EncryptionParameters</c> serialization from bytes.</summary>
    public static CkksParameters Load(byte[] data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return SealReader.ReadObject(data, 0, "encryption parameters", MaxSerializedSize, ReadMembers, out _);
    }

    private const long MaxSerializedSize = 16 + 1 + 8 + 8 + ((MaxPrimeCount + 1) * 24) + 1024;

    private long MembersSize => 1 + 8 + 8 + ((_coeffModulus.Length + 1) * 24L);

    private void WriteMembers(SealWriter writer)
    {
        writer.WriteByte(SchemeCkks);
        writer.WriteUInt64((ulong)PolyModulusDegree);
        writer.WriteUInt64((ulong)_coeffModulus.Length);
        foreach (ulong q in _coeffModulus)
        {
            writer.WriteNested(8, w => w.WriteUInt64(q));
        }

        // Plain modulus: zero for CKKS.
        writer.WriteNested(8, w => w.WriteUInt64(0));
    }

    private static CkksParameters ReadMembers(SealReader reader)
    {
        byte scheme = reader.ReadByte("scheme");
        if (scheme != SchemeCkks)
        {
            string name = scheme switch { 0 => "none", 1 => "BFV", 3 => "BGV", _ => "unknown" };
            throw new SealFormatException($"encryption parameters: scheme {scheme} ({name}) is not CKKS");
        }

        ulong degree = reader.ReadUInt64("poly_modulus_degree");
        if (degree < MinPolyModulusDegree || degree > MaxPolyModulusDegree || (degree & (degree - 1)) != 0)
        {
            throw new SealFormatException($"encryption parameters: poly_modulus_degree {degree} is not a power of two between {MinPolyModulusDegree} and {MaxPolyModulusDegree}");
        }

        ulong count = reader.ReadUInt64("coeff_modulus size");
        if (count < 2 || count > MaxPrimeCount)
        {
            throw new SealFormatException($"encryption parameters: coeff_modulus has {count} primes; between 2 and {MaxPrimeCount} are supported");
        }

        var chain = new ulong[count];
        for (int i = 0; i < chain.Length; i++)
        {
            chain[i] = reader.ReadNested("coeff_modulus[" + i + "]", 16 + 8, r => r.ReadUInt64("modulus value"));
        }

        ulong plain = reader.ReadNested("plain_modulus", 16 + 8, r => r.ReadUInt64("modulus value"));
        if (plain != 0)
        {
            throw new SealFormatException($"encryption parameters: plain_modulus is {plain}; CKKS requires 0");
        }

        try
        {
            return new CkksParameters((int)degree, chain);
        }
        catch (ArgumentException e)
        {
            throw new SealFormatException("encryption parameters: " + e.Message, e);
        }
    }

    /// <inheritdoc />
    public bool Equals(CkksParameters? other) =>
        other is not null && PolyModulusDegree == other.PolyModulusDegree && _coeffModulus.AsSpan().SequenceEqual(other._coeffModulus);

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as CkksParameters);

    /// <inheritdoc />
    public override int GetHashCode() => ParmsId.GetHashCode();

    /// <summary>N and the prime bit sizes, e.g. "N=8192, q=[60,40,40,60] bits".</summary>
    public override string ToString() =>
        $"N={PolyModulusDegree}, q=[{string.Join(",", _coeffModulus.Select(q => 64 - System.Numerics.BitOperations.LeadingZeroCount(q)))}] bits";
}

/// <summary>Security levels of the HomomorphicEncryption.org standard for a ternary secret (SEAL's <c>sec_level_type</c>).</summary>
public enum SecurityLevel
{
    /// <summary>No check: only for tests and experiments, never for real data.</summary>
    None = 0,

    /// <summary>128-bit classical security.</summary>
    Tc128 = 128,

    /// <summary>192-bit classical security.</summary>
    Tc192 = 192,

    /// <summary>256-bit classical security.</summary>
    Tc256 = 256,
}
