using BasedAI.Fhe.Hashing;
using BasedAI.Fhe.Serialization;

namespace BasedAI.Fhe;

/// <summary>
/// A CKKS ciphertext: <see cref="Size"/> polynomials (2 when fresh or relinearized, 3 after a multiplication) in NTT form
/// modulo the primes of its level, with the scale its plaintext was encoded at. Serializes as SEAL's <c>Ciphertext</c>.
/// </summary>
public sealed class Ciphertext
{
    internal const int MinSize = 2;
    internal const int MaxSize = 16;
    private const int MetadataSize = 32 + 1 + 8 + 8 + 8 + 8 + 8;
    private const int PrngInfoSize = SealWriter.HeaderSize + 1 + SealPrng.SeedBytes;

    private ulong[] _data = [];

    /// <summary>An empty ciphertext, to be used as the destination of an operation.</summary>
    public Ciphertext()
    {
    }

    internal Ciphertext(CkksLevel level, int size)
    {
        Resize(level, size);
    }

    /// <summary>Number of polynomials.</summary>
    public int Size { get; private set; }

    /// <summary>The polynomial modulus degree N.</summary>
    public int PolyModulusDegree { get; private set; }

    /// <summary>Number of primes of the ciphertext's level.</summary>
    public int CoeffModulusCount { get; private set; }

    /// <summary>The parms_id of the ciphertext's level.</summary>
    public ParmsId ParmsId { get; private set; }

    /// <summary>The level number (primes − 1); decreases by one per rescale.</summary>
    public int Level { get; private set; }

    /// <summary>
    /// The scale Δ: the decrypted polynomial is Δ times the encoded values. It multiplies under multiplication and is
    /// divided by the dropped prime under rescaling. Settable, as in SEAL, to re-declare a scale that is known to be close.
    /// </summary>
    public double Scale { get; set; } = 1.0;

    /// <summary>Whether this object holds no data yet.</summary>
    public bool IsEmpty => Size == 0;

    /// <summary>
    /// The PRNG type and seed that generated polynomial 1 of a fresh symmetric encryption; lets it be saved in SEAL's
    /// half-size seeded form. Cleared by any operation that writes the ciphertext.
    /// </summary>
    internal byte[]? Seed { get; set; }

    internal ulong[] Data => _data;

    internal int PolyLength => CoeffModulusCount * PolyModulusDegree;

    internal Span<ulong> Poly(int index) => _data.AsSpan(index * PolyLength, PolyLength);

    internal Span<ulong> Limb(int poly, int prime) =>
        _data.AsSpan((poly * PolyLength) + (prime * PolyModulusDegree), PolyModulusDegree);

    /// <summary>Makes this ciphertext hold <paramref name="size"/> polynomials at <paramref name="level"/>; keeps storage when it fits.</summary>
    internal void Resize(CkksLevel level, int size)
    {
        int n = level.Context.PolyModulusDegree;
        long needed = (long)size * level.PrimeCount * n;
        if (_data.Length < needed)
        {
            var grown = GC.AllocateUninitializedArray<ulong>(checked((int)needed));
            if (Size != 0 && PolyModulusDegree == n && CoeffModulusCount == level.PrimeCount)
            {
                _data.AsSpan(0, Math.Min(_data.Length, (int)needed)).CopyTo(grown);
            }

            _data = grown;
        }

        Size = size;
        PolyModulusDegree = n;
        CoeffModulusCount = level.PrimeCount;
        ParmsId = level.ParmsId;
        Level = level.Index;
        Seed = null;
    }

    /// <summary>Changes the number of polynomials, keeping the first ones (used by relinearization).</summary>
    internal void SetSize(int size)
    {
        Size = size;
        Seed = null;
    }

    /// <summary>A deep copy.</summary>
    public Ciphertext Clone()
    {
        var copy = new Ciphertext();
        copy.CopyFrom(this);
        return copy;
    }

    internal void CopyFrom(Ciphertext source)
    {
        if (ReferenceEquals(this, source))
        {
            return;
        }

        int length = source.Size * source.PolyLength;
        if (_data.Length < length)
        {
            _data = GC.AllocateUninitializedArray<ulong>(length);
        }

        source._data.AsSpan(0, length).CopyTo(_data);
        Size = source.Size;
        PolyModulusDegree = source.PolyModulusDegree;
        CoeffModulusCount = source.CoeffModulusCount;
        ParmsId = source.ParmsId;
        Level = source.Level;
        Scale = source.Scale;
        Seed = source.Seed;
    }

    /// <summary>
    /// Writes SEAL's <c>Ciphertext</c> serialization. With <paramref name="seeded"/>, a fresh symmetric encryption is written
    /// in SEAL's half-size form (second polynomial replaced by its PRNG seed); other ciphertexts refuse it.
    /// </summary>
    public void Save(Stream stream, SealCompression compression = SealCompression.None, bool seeded = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        CheckSeeded(seeded);
        SealWriter.WriteObject(stream, compression, MembersSize(seeded), w => WriteMembers(w, seeded));
    }

    /// <summary>The SEAL serialization as bytes (see <see cref="Save"/>).</summary>
    public byte[] ToArray(SealCompression compression = SealCompression.None, bool seeded = false)
    {
        CheckSeeded(seeded);
        return SealWriter.ToArray(compression, MembersSize(seeded), w => WriteMembers(w, seeded));
    }

    /// <summary>Whether this ciphertext can be saved in SEAL's seeded (half-size) form.</summary>
    public bool CanSaveSeeded => Seed is not null && Size == 2;

    /// <summary>Reads a SEAL <c>Ciphertext</c> (full or seeded form) at a data level of <paramref name="context"/>.</summary>
    public static Ciphertext Load(CkksContext context, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(context);
        return SealReader.ReadObject(stream, "ciphertext", MaxSerializedSize(context), r => ReadMembers(context, r, "ciphertext", keyLevel: false));
    }

    /// <summary>Reads a SEAL <c>Ciphertext</c> from bytes.</summary>
    public static Ciphertext Load(CkksContext context, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(data);
        return SealReader.ReadObject(data, 0, "ciphertext", MaxSerializedSize(context), r => ReadMembers(context, r, "ciphertext", keyLevel: false), out _);
    }

    /// <inheritdoc />
    public override string ToString() => IsEmpty ? "empty ciphertext" : $"ciphertext: size {Size}, level {Level}, scale 2^{Math.Log2(Scale):0.###}";

    internal static long MaxSerializedSize(CkksContext context) =>
        SealWriter.HeaderSize + MetadataSize + SealWriter.DynArraySize((long)MaxSize * context.KeyLevel.PrimeCount * context.PolyModulusDegree) + 1024;

    internal long MembersSize(bool seeded) => seeded
        ? MetadataSize + SealWriter.DynArraySize(PolyLength) + PrngInfoSize
        : MetadataSize + SealWriter.DynArraySize((long)Size * PolyLength);

    internal void WriteMembers(SealWriter writer, bool seeded)
    {
        writer.WriteParmsId(ParmsId);
        writer.WriteByte(1); // NTT form
        writer.WriteUInt64((ulong)Size);
        writer.WriteUInt64((ulong)PolyModulusDegree);
        writer.WriteUInt64((ulong)CoeffModulusCount);
        writer.WriteDouble(Scale);
        writer.WriteUInt64(1); // correction factor (BGV only)
        if (seeded)
        {
            writer.WriteDynArray(_data.AsSpan(0, PolyLength));
            writer.WriteNested(1 + SealPrng.SeedBytes, w => w.WriteBytes(Seed));
        }
        else
        {
            writer.WriteDynArray(_data.AsSpan(0, Size * PolyLength));
        }
    }

    /// <summary>Reads ciphertext members; <paramref name="keyLevel"/> selects whether the key level (public keys) or a data level is expected.</summary>
    internal static Ciphertext ReadMembers(CkksContext context, SealReader reader, string what, bool keyLevel)
    {
        var parmsId = reader.ReadParmsId("parms_id");
        var level = context.FindLevel(parmsId)
            ?? throw new SealFormatException($"{what}: parms_id {parmsId} does not belong to these encryption parameters ({context.Parameters})");
        if (level.IsKeyLevel != keyLevel)
        {
            throw new SealFormatException(keyLevel
                ? $"{what}: expected the key level, found {level}"
                : $"{what}: is at the key level; ciphertexts must be at a data level");
        }

        byte nttForm = reader.ReadByte("is_ntt_form");
        if (nttForm != 1)
        {
            throw new SealFormatException($"{what}: is_ntt_form is {nttForm}; CKKS ciphertexts are always in NTT form (1)");
        }

        ulong size = reader.ReadUInt64("size");
        if (size < MinSize || size > MaxSize || (keyLevel && size != 2))
        {
            throw new SealFormatException($"{what}: size {size} is invalid (must be {(keyLevel ? "2" : $"between {MinSize} and {MaxSize}")})");
        }

        ulong degree = reader.ReadUInt64("poly_modulus_degree");
        if (degree != (ulong)context.PolyModulusDegree)
        {
            throw new SealFormatException($"{what}: poly_modulus_degree {degree} does not match the parameters' {context.PolyModulusDegree}");
        }

        ulong primes = reader.ReadUInt64("coeff_modulus_size");
        if (primes != (ulong)level.PrimeCount)
        {
            throw new SealFormatException($"{what}: coeff_modulus_size {primes} does not match {level}");
        }

        double scale = reader.ReadDouble("scale");
        CheckScale(scale, level, what);
        ulong correction = reader.ReadUInt64("correction_factor");
        if (correction != 1)
        {
            throw new SealFormatException($"{what}: correction_factor {correction} is invalid for CKKS (must be 1)");
        }

        var ciphertext = new Ciphertext(level, (int)size) { Scale = scale };
        int polyLength = ciphertext.PolyLength;
        int count = reader.ReadDynArray("data", ciphertext._data.AsSpan(0, (int)size * polyLength));
        if (count == polyLength && size == 2)
        {
            // Seeded form: polynomial 1 is expanded from the PRNG seed that follows.
            byte[] seed = reader.ReadNested("PRNG seed", PrngInfoSize, r =>
            {
                byte[] bytes = new byte[1 + SealPrng.SeedBytes];
                r.ReadBytes(bytes, "PRNG info");
                return bytes;
            });
            if (seed[0] is not ((byte)PrngType.Blake2xb or (byte)PrngType.Shake256))
            {
                throw new SealFormatException($"{what}: unsupported PRNG type {seed[0]} for the seeded polynomial");
            }

            using (var prng = new SealPrng((PrngType)seed[0], seed.AsSpan(1)))
            {
                Sampling.SampleUniform(prng, level, ciphertext.Poly(1));
            }

            ciphertext.Seed = seed;
        }
        else if (count != (int)size * polyLength)
        {
            throw new SealFormatException($"{what}: data holds {count} words; {size} polynomials at {level} need {(int)size * polyLength}");
        }

        CheckReduced(ciphertext, level, what);
        return ciphertext;
    }

    internal static void CheckScale(double scale, CkksLevel level, string what)
    {
        if (!double.IsFinite(scale) || scale <= 0 || Math.Log2(scale) >= level.TotalCoeffModulusBitCount)
        {
            throw new SealFormatException($"{what}: scale {scale} is out of bounds for {level}");
        }
    }

    private static void CheckReduced(Ciphertext ciphertext, CkksLevel level, string what)
    {
        for (int poly = 0; poly < ciphertext.Size; poly++)
        {
            for (int i = 0; i < level.PrimeCount; i++)
            {
                ulong q = level.Moduli[i].Value;
                var limb = ciphertext.Limb(poly, i);
                int bad = limb.IndexOfAnyInRange(q, ulong.MaxValue);
                if (bad >= 0)
                {
                    throw new SealFormatException($"{what}: coefficient {bad} of polynomial {poly} is {limb[bad]}, not reduced modulo prime {i} ({q})");
                }
            }
        }
    }

    private void CheckSeeded(bool seeded)
    {
        if (seeded && !CanSaveSeeded)
        {
            throw new InvalidOperationException("only a fresh symmetric encryption can be saved in seeded form; this ciphertext has no seed");
        }
    }
}
