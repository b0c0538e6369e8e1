using System.Security.Cryptography;
using BasedAI.Fhe.Serialization;

namespace BasedAI.Fhe;

/// <summary>
/// The secret key s (ternary), in NTT form at the key level. Only <see cref="KeyGenerator"/>, <see cref="Encryptor"/> (symmetric
/// mode) and <see cref="Decryptor"/> accept it; no evaluation type does. <see cref="Dispose"/> wipes it from memory.
/// Serializes as SEAL's <c>SecretKey</c>.
/// </summary>
public sealed class SecretKey : IDisposable
{
    private readonly ulong[] _data;
    private bool _disposed;

    internal SecretKey(CkksContext context, ulong[] data)
    {
        Context = context;
        _data = data;
    }

    /// <summary>The parms_id of the key level.</summary>
    public ParmsId ParmsId => Context.KeyLevel.ParmsId;

    internal CkksContext Context { get; }

    internal ReadOnlySpan<ulong> Data
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _data;
        }
    }

    /// <summary>Limb <paramref name="prime"/> (NTT form) of s.</summary>
    internal ReadOnlySpan<ulong> Limb(int prime) => Data.Slice(prime * Context.PolyModulusDegree, Context.PolyModulusDegree);

    /// <summary>Allocates a buffer for secret material: pinned so the GC never leaves stray copies behind.</summary>
    internal static ulong[] AllocateSecret(int length) => GC.AllocateArray<ulong>(length, pinned: true);

    /// <summary>Writes SEAL's <c>SecretKey</c> serialization. Keep the result as secret as the key.</summary>
    public void Save(Stream stream, SealCompression compression = SealCompression.None)
    {
        ArgumentNullException.ThrowIfNull(stream);
        SealWriter.WriteObject(stream, compression, MembersSize, WriteMembers);
    }

    /// <summary>The SEAL serialization as bytes. Keep the result as secret as the key, and wipe it after use.</summary>
    public byte[] ToArray(SealCompression compression = SealCompression.None) => SealWriter.ToArray(compression, MembersSize, WriteMembers);

    /// <summary>Reads a SEAL <c>SecretKey</c>.</summary>
    public static SecretKey Load(CkksContext context, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(context);
        return SealReader.ReadObject(stream, "secret key", Plaintext.MaxSerializedSize(context), r => ReadMembers(context, r), sensitive: true);
    }

    /// <summary>Reads a SEAL <c>SecretKey</c> from bytes.</summary>
    public static SecretKey Load(CkksContext context, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(data);
        return SealReader.ReadObject(data, 0, "secret key", Plaintext.MaxSerializedSize(context), r => ReadMembers(context, r), out _, sensitive: true);
    }

    /// <summary>Overwrites the key material with zeros.</summary>
    public void Dispose()
    {
        if (!_disposed)
        {
            CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_data.AsSpan()));
            _disposed = true;
        }
    }

    private long MembersSize => 32 + 8 + 8 + SealWriter.DynArraySize(_data.Length);

    private void WriteMembers(SealWriter writer)
    {
        writer.WriteParmsId(ParmsId);
        writer.WriteUInt64((ulong)_data.Length);
        writer.WriteDouble(1.0);
        writer.WriteDynArray(Data);
    }

    private static SecretKey ReadMembers(CkksContext context, SealReader reader)
    {
        var plain = Plaintext.ReadMembers(context, reader, "secret key", keyLevel: true);
        var data = AllocateSecret(plain.Length);
        plain.Data.AsSpan(0, plain.Length).CopyTo(data);
        CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(plain.Data.AsSpan()));
        return new SecretKey(context, data);
    }
}

/// <summary>The public key: an encryption of zero at the key level. Serializes as SEAL's <c>PublicKey</c>.</summary>
public sealed class PublicKey
{
    internal PublicKey(Ciphertext data)
    {
        Data = data;
    }

    /// <summary>The parms_id of the key level.</summary>
    public ParmsId ParmsId => Data.ParmsId;

    internal Ciphertext Data { get; }

    /// <summary>Writes SEAL's <c>PublicKey</c> serialization (optionally in the half-size seeded form, for keys generated here).</summary>
    public void Save(Stream stream, SealCompression compression = SealCompression.None, bool seeded = false) => Data.Save(stream, compression, seeded);

    /// <summary>The SEAL serialization as bytes.</summary>
    public byte[] ToArray(SealCompression compression = SealCompression.None, bool seeded = false) => Data.ToArray(compression, seeded);

    /// <summary>Reads a SEAL <c>PublicKey</c>.</summary>
    public static PublicKey Load(CkksContext context, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new PublicKey(SealReader.ReadObject(stream, "public key", Ciphertext.MaxSerializedSize(context), r => Ciphertext.ReadMembers(context, r, "public key", keyLevel: true)));
    }

    /// <summary>Reads a SEAL <c>PublicKey</c> from bytes.</summary>
    public static PublicKey Load(CkksContext context, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(data);
        return new PublicKey(SealReader.ReadObject(data, 0, "public key", Ciphertext.MaxSerializedSize(context), r => Ciphertext.ReadMembers(context, r, "public key", keyLevel: true), out _));
    }
}

/// <summary>
/// Key-switching keys (SEAL's <c>KSwitchKeys</c>): for each slot, one encryption per data prime of P·s' under s, where s' is
/// the key being switched away from. Evaluation keys carry no secret: they are safe to ship to an untrusted evaluator.
/// </summary>
public abstract class KeySwitchingKeys
{
    private protected KeySwitchingKeys(CkksContext context, Ciphertext[]?[] keys)
    {
        Context = context;
        Keys = keys;
    }

    /// <summary>The parms_id of the key level.</summary>
    public ParmsId ParmsId => Context.KeyLevel.ParmsId;

    internal CkksContext Context { get; }

    /// <summary>Slot → one key ciphertext per data prime, or null for an empty slot.</summary>
    internal Ciphertext[]?[] Keys { get; }

    private protected abstract string What { get; }

    /// <summary>
    /// Writes SEAL's <c>KSwitchKeys</c> serialization. With <paramref name="seeded"/>, each key ciphertext is written in the
    /// half-size seeded form (possible for keys generated here, not for loaded full-form keys).
    /// </summary>
    public void Save(Stream stream, SealCompression compression = SealCompression.None, bool seeded = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        CheckSeeded(seeded);
        SealWriter.WriteObject(stream, compression, MembersSize(seeded), w => WriteMembers(w, seeded));
    }

    /// <summary>The SEAL serialization as bytes.</summary>
    public byte[] ToArray(SealCompression compression = SealCompression.None, bool seeded = false)
    {
        CheckSeeded(seeded);
        return SealWriter.ToArray(compression, MembersSize(seeded), w => WriteMembers(w, seeded));
    }

    /// <summary>Whether every key ciphertext still carries the seed it was generated from.</summary>
    public bool CanSaveSeeded => Keys.All(slot => slot is null || slot.All(k => k.CanSaveSeeded));

    private void CheckSeeded(bool seeded)
    {
        if (seeded && !CanSaveSeeded)
        {
            throw new InvalidOperationException($"these {What} were loaded in full form and carry no seeds; save them unseeded");
        }
    }

    private long MembersSize(bool seeded)
    {
        long size = 32 + 8;
        foreach (var slot in Keys)
        {
            size += 8;
            if (slot is not null)
            {
                foreach (var key in slot)
                {
                    size += SealWriter.HeaderSize + key.MembersSize(seeded);
                }
            }
        }

        return size;
    }

    private void WriteMembers(SealWriter writer, bool seeded)
    {
        writer.WriteParmsId(ParmsId);
        writer.WriteUInt64((ulong)Keys.Length);
        foreach (var slot in Keys)
        {
            writer.WriteUInt64((ulong)(slot?.Length ?? 0));
            if (slot is not null)
            {
                foreach (var key in slot)
                {
                    writer.WriteNested(key.MembersSize(seeded), w => key.WriteMembers(w, seeded));
                }
            }
        }
    }

    private protected static Ciphertext[]?[] ReadKeys(CkksContext context, SealReader reader, string what, int maxSlots)
    {
        var parmsId = reader.ReadParmsId("parms_id");
        if (parmsId != context.KeyLevel.ParmsId)
        {
            throw new SealFormatException($"{what}: parms_id {parmsId} is not the key level of these encryption parameters ({context.Parameters})");
        }

        ulong slots = reader.ReadUInt64("key count");
        if (slots > (ulong)maxSlots)
        {
            throw new SealFormatException($"{what}: {slots} key slots, at most {maxSlots} are valid for these parameters");
        }

        int decomposition = context.FirstLevel.PrimeCount;
        long maxKeySize = Ciphertext.MaxSerializedSize(context);
        var keys = new Ciphertext[]?[slots];
        for (int s = 0; s < keys.Length; s++)
        {
            ulong count = reader.ReadUInt64("key slot size");
            if (count == 0)
            {
                continue;
            }

            if (count != (ulong)decomposition)
            {
                throw new SealFormatException($"{what}: slot {s} holds {count} keys; these parameters need {decomposition} (one per data prime)");
            }

            var slot = new Ciphertext[decomposition];
            for (int j = 0; j < decomposition; j++)
            {
                slot[j] = reader.ReadNested($"key {s}.{j}", maxKeySize, r => Ciphertext.ReadMembers(context, r, $"{what} key {s}.{j}", keyLevel: true));
            }

            keys[s] = slot;
        }

        return keys;
    }
}

/// <summary>Relinearization keys: slot i switches s^(i+2) to s (SEAL's <c>RelinKeys</c>).</summary>
public sealed class RelinearizationKeys : KeySwitchingKeys
{
    internal RelinearizationKeys(CkksContext context, Ciphertext[]?[] keys)
        : base(context, keys)
    {
    }

    /// <summary>The largest ciphertext size these keys can relinearize down to 2.</summary>
    public int MaxRelinearizableSize => Keys.Length + 2;

    private protected override string What => "relinearization keys";

    /// <summary>Reads SEAL's <c>RelinKeys</c>.</summary>
    public static RelinearizationKeys Load(CkksContext context, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(context);
        return SealReader.ReadObject(stream, "relinearization keys", long.MaxValue, r => Read(context, r));
    }

    /// <summary>Reads SEAL's <c>RelinKeys</c> from bytes.</summary>
    public static RelinearizationKeys Load(CkksContext context, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(data);
        return SealReader.ReadObject(data, 0, "relinearization keys", long.MaxValue, r => Read(context, r), out _);
    }

    private static RelinearizationKeys Read(CkksContext context, SealReader reader) =>
        new(context, ReadKeys(context, reader, "relinearization keys", Ciphertext.MaxSize - 2));
}

/// <summary>
/// Galois keys: slot (g−1)/2 switches σ_g(s) to s, enabling the automorphism X → X^g — a slot rotation for g = 3^k mod 2N,
/// complex conjugation for g = 2N − 1 (SEAL's <c>GaloisKeys</c>, which keep one slot per odd g, mostly empty).
/// </summary>
public sealed class GaloisKeys : KeySwitchingKeys
{
    internal GaloisKeys(CkksContext context, Ciphertext[]?[] keys)
        : base(context, keys)
    {
    }

    /// <summary>The Galois elements present.</summary>
    public IReadOnlyList<uint> GaloisElements =>
        Enumerable.Range(0, Keys.Length).Where(i => Keys[i] is not null).Select(i => (uint)((2 * i) + 1)).ToArray();

    private protected override string What => "Galois keys";

    /// <summary>Whether the key for Galois element <paramref name="galoisElement"/> is present.</summary>
    public bool HasElement(uint galoisElement)
    {
        long index = (galoisElement - 1L) / 2;
        return (galoisElement & 1) == 1 && index < Keys.Length && Keys[index] is not null;
    }

    /// <summary>Whether a rotation by <paramref name="step"/> slots can be done directly, with one key.</summary>
    public bool HasStep(int step) => HasElement(GaloisElementForStep(step, Context.PolyModulusDegree));

    /// <summary>
    /// SEAL's Galois element for rotating slots left by <paramref name="step"/> (negative: right):
    /// 3^step mod 2N, with 3^(N/2 − |step|) for negative steps. |step| must be below N/2.
    /// </summary>
    public static uint GaloisElementForStep(int step, int polyModulusDegree)
    {
        int slots = polyModulusDegree / 2;
        if (step <= -slots || step >= slots)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, $"rotation steps must be between {-(slots - 1)} and {slots - 1} at N={polyModulusDegree}");
        }

        if (step == 0)
        {
            return 1;
        }

        ulong m = 2UL * (ulong)polyModulusDegree;
        int exponent = step > 0 ? step : slots + step;
        ulong element = 1;
        ulong power = 3;
        while (exponent != 0)
        {
            if ((exponent & 1) != 0)
            {
                element = element * power % m;
            }

            power = power * power % m;
            exponent >>= 1;
        }

        return (uint)element;
    }

    /// <summary>The Galois element of complex conjugation, 2N − 1.</summary>
    public static uint ConjugationElement(int polyModulusDegree) => (uint)((2 * polyModulusDegree) - 1);

    /// <summary>Reads SEAL's <c>GaloisKeys</c>, empty slots included.</summary>
    public static GaloisKeys Load(CkksContext context, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(context);
        return SealReader.ReadObject(stream, "Galois keys", long.MaxValue, r => Read(context, r));
    }

    /// <summary>Reads SEAL's <c>GaloisKeys</c> from bytes.</summary>
    public static GaloisKeys Load(CkksContext context, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(data);
        return SealReader.ReadObject(data, 0, "Galois keys", long.MaxValue, r => Read(context, r), out _);
    }

    private static GaloisKeys Read(CkksContext context, SealReader reader) =>
        new(context, ReadKeys(context, reader, "Galois keys", context.PolyModulusDegree));

    internal Ciphertext[]? KeyFor(uint galoisElement)
    {
        long index = (galoisElement - 1L) / 2;
        return index < Keys.Length ? Keys[index] : null;
    }
}
