using BasedAI.Fhe.Serialization;

namespace BasedAI.Fhe;

/// <summary>
/// An encoded CKKS plaintext: one polynomial in NTT form modulo the primes of its level, with its scale.
/// Serializes as SEAL's <c>Plaintext</c>.
/// </summary>
public sealed class Plaintext
{
    private const int MetadataSize = 32 + 8 + 8;

    private ulong[] _data = [];

    /// <summary>An empty plaintext, to be used as the destination of an encoding or decryption.</summary>
    public Plaintext()
    {
    }

    internal Plaintext(CkksLevel level)
    {
        Resize(level);
    }

    /// <summary>The parms_id of the plaintext's level.</summary>
    public ParmsId ParmsId { get; private set; }

    /// <summary>The level number (primes − 1).</summary>
    public int Level { get; private set; }

    /// <summary>Number of primes of the level.</summary>
    public int CoeffModulusCount { get; private set; }

    /// <summary>The polynomial modulus degree N.</summary>
    public int PolyModulusDegree { get; private set; }

    /// <summary>The scale the values were encoded at.</summary>
    public double Scale { get; set; } = 1.0;

    /// <summary>Whether this object holds no data yet.</summary>
    public bool IsEmpty => CoeffModulusCount == 0;

    internal ulong[] Data => _data;

    internal int Length => CoeffModulusCount * PolyModulusDegree;

    internal Span<ulong> Limb(int prime) => _data.AsSpan(prime * PolyModulusDegree, PolyModulusDegree);

    internal void Resize(CkksLevel level)
    {
        int length = level.PrimeCount * level.Context.PolyModulusDegree;
        if (_data.Length < length)
        {
            _data = GC.AllocateUninitializedArray<ulong>(length);
        }

        ParmsId = level.ParmsId;
        Level = level.Index;
        CoeffModulusCount = level.PrimeCount;
        PolyModulusDegree = level.Context.PolyModulusDegree;
    }

    /// <summary>A deep copy.</summary>
    public Plaintext Clone()
    {
        var copy = new Plaintext
        {
            _data = _data.AsSpan(0, Length).ToArray(),
            ParmsId = ParmsId,
            Level = Level,
            CoeffModulusCount = CoeffModulusCount,
            PolyModulusDegree = PolyModulusDegree,
            Scale = Scale,
        };
        return copy;
    }

    /// <summary>Writes SEAL's <c>Plaintext</c> serialization.</summary>
    public void Save(Stream stream, SealCompression compression = SealCompression.None)
    {
        ArgumentNullException.ThrowIfNull(stream);
        SealWriter.WriteObject(stream, compression, MembersSize, WriteMembers);
    }

    /// <summary>The SEAL serialization as bytes.</summary>
    public byte[] ToArray(SealCompression compression = SealCompression.None) => SealWriter.ToArray(compression, MembersSize, WriteMembers);

    /// <summary>Reads a SEAL <c>Plaintext</c> (CKKS, NTT form) at a data level of <paramref name="context"/>.</summary>
    public static Plaintext Load(CkksContext context, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(context);
        return SealReader.ReadObject(stream, "plaintext", MaxSerializedSize(context), r => ReadMembers(context, r, "plaintext", keyLevel: false));
    }

    /// <summary>Reads a SEAL <c>Plaintext</c> from bytes.</summary>
    public static Plaintext Load(CkksContext context, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(data);
        return SealReader.ReadObject(data, 0, "plaintext", MaxSerializedSize(context), r => ReadMembers(context, r, "plaintext", keyLevel: false), out _);
    }

    /// <inheritdoc />
    public override string ToString() => IsEmpty ? "empty plaintext" : $"plaintext: level {Level}, scale 2^{Math.Log2(Scale):0.###}";

    internal static long MaxSerializedSize(CkksContext context) =>
        SealWriter.HeaderSize + MetadataSize + SealWriter.DynArraySize((long)context.KeyLevel.PrimeCount * context.PolyModulusDegree) + 1024;

    internal long MembersSize => MetadataSize + SealWriter.DynArraySize(Length);

    internal void WriteMembers(SealWriter writer)
    {
        writer.WriteParmsId(ParmsId);
        writer.WriteUInt64((ulong)Length);
        writer.WriteDouble(Scale);
        writer.WriteDynArray(_data.AsSpan(0, Length));
    }

    internal static Plaintext ReadMembers(CkksContext context, SealReader reader, string what, bool keyLevel)
    {
        var parmsId = reader.ReadParmsId("parms_id");
        if (parmsId.IsZero)
        {
            throw new SealFormatException($"{what}: parms_id is zero, which SEAL uses for BFV/BGV plaintexts not in NTT form; CKKS plaintexts are in NTT form");
        }

        var level = context.FindLevel(parmsId)
            ?? throw new SealFormatException($"{what}: parms_id {parmsId} does not belong to these encryption parameters ({context.Parameters})");
        if (level.IsKeyLevel != keyLevel)
        {
            throw new SealFormatException(keyLevel
                ? $"{what}: expected the key level, found {level}"
                : $"{what}: is at the key level; plaintexts must be at a data level");
        }

        ulong coeffCount = reader.ReadUInt64("coeff_count");
        long expected = (long)level.PrimeCount * context.PolyModulusDegree;
        if (coeffCount != (ulong)expected)
        {
            throw new SealFormatException($"{what}: coeff_count {coeffCount} does not match {level} (expected {expected})");
        }

        double scale = reader.ReadDouble("scale");
        Ciphertext.CheckScale(scale, level, what);
        var plaintext = new Plaintext(level) { Scale = scale };
        int count = reader.ReadDynArray("data", plaintext._data.AsSpan(0, (int)expected));
        if (count != expected)
        {
            throw new SealFormatException($"{what}: data holds {count} words, expected {expected}");
        }

        for (int i = 0; i < level.PrimeCount; i++)
        {
            ulong q = level.Moduli[i].Value;
            var limb = plaintext.Limb(i);
            int bad = limb.IndexOfAnyInRange(q, ulong.MaxValue);
            if (bad >= 0)
            {
                throw new SealFormatException($"{what}: coefficient {bad} is {limb[bad]}, not reduced modulo prime {i} ({q})");
            }
        }

        return plaintext;
    }
}
