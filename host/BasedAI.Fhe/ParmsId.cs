using System.Buffers.Binary;
using System.Globalization;
using BasedAI.Fhe.Hashing;

namespace BasedAI.Fhe;

/// <summary>
/// SEAL's parms_id: the 256-bit BLAKE2b hash of (scheme, N, coefficient moduli, plain modulus) that tags every
/// ciphertext, plaintext and key with the exact parameter level it belongs to.
/// </summary>
public readonly struct ParmsId : IEquatable<ParmsId>
{
    private readonly ulong _w0;
    private readonly ulong _w1;
    private readonly ulong _w2;
    private readonly ulong _w3;

    /// <summary>Creates a parms_id from its four little-endian 64-bit words.</summary>
    public ParmsId(ulong w0, ulong w1, ulong w2, ulong w3)
    {
        _w0 = w0;
        _w1 = w1;
        _w2 = w2;
        _w3 = w3;
    }

    /// <summary>The all-zero parms_id SEAL uses for plaintexts that are not in NTT form.</summary>
    public static ParmsId Zero => default;

    /// <summary>Whether this is <see cref="Zero"/>.</summary>
    public bool IsZero => (_w0 | _w1 | _w2 | _w3) == 0;

    /// <summary>The four 64-bit words, as SEAL's <c>parms_id_type</c> holds them.</summary>
    public ulong this[int index] => index switch
    {
        0 => _w0,
        1 => _w1,
        2 => _w2,
        3 => _w3,
        _ => throw new ArgumentOutOfRangeException(nameof(index), index, "a parms_id has four words"),
    };

    /// <summary>Computes the parms_id of CKKS parameters the way SEAL's <c>EncryptionParameters::compute_parms_id</c> does.</summary>
    internal static ParmsId Compute(byte scheme, int polyModulusDegree, ReadOnlySpan<ulong> coeffModulus, ulong plainModulus)
    {
        int words = 2 + coeffModulus.Length + 1;
        Span<byte> data = stackalloc byte[8 * words];
        BinaryPrimitives.WriteUInt64LittleEndian(data, scheme);
        BinaryPrimitives.WriteUInt64LittleEndian(data[8..], (ulong)polyModulusDegree);
        for (int i = 0; i < coeffModulus.Length; i++)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(data[(16 + (8 * i))..], coeffModulus[i]);
        }

        BinaryPrimitives.WriteUInt64LittleEndian(data[(16 + (8 * coeffModulus.Length))..], plainModulus);
        Span<byte> hash = stackalloc byte[32];
        Blake2b.Hash(data, hash);
        return Read(hash);
    }

    internal static ParmsId Read(ReadOnlySpan<byte> bytes) => new(
        BinaryPrimitives.ReadUInt64LittleEndian(bytes),
        BinaryPrimitives.ReadUInt64LittleEndian(bytes[8..]),
        BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]),
        BinaryPrimitives.ReadUInt64LittleEndian(bytes[24..]));

    internal void Write(Span<byte> bytes)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, _w0);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[8..], _w1);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[16..], _w2);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes[24..], _w3);
    }

    /// <inheritdoc />
    public bool Equals(ParmsId other) => _w0 == other._w0 && _w1 == other._w1 && _w2 == other._w2 && _w3 == other._w3;

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is ParmsId other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(_w0, _w1, _w2, _w3);

    /// <summary>The words in hexadecimal, most significant first within each word, as SEAL prints them.</summary>
    public override string ToString() => string.Create(
        CultureInfo.InvariantCulture, $"{_w0:X16} {_w1:X16} {_w2:X16} {_w3:X16}");

    /// <summary>Equality.</summary>
    public static bool operator ==(ParmsId left, ParmsId right) => left.Equals(right);

    /// <summary>Inequality.</summary>
    public static bool operator !=(ParmsId left, ParmsId right) => !left.Equals(right);
}
