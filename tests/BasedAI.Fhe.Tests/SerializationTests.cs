using System.Buffers.Binary;

namespace BasedAI.Fhe.Tests;

/// <summary>Round trips, malformed input with specific errors, and bounded fuzzing of every deserializer (N = 4096, fixed seeds).</summary>
public sealed class SerializationTests : IDisposable
{
    private readonly CkksContext _context = CkksContext.Create(CkksParameters.Create(4096, 40, 30, 35));
    private readonly KeyGenerator _keys;
    private readonly Ciphertext _ciphertext;
    private readonly Plaintext _plaintext;

    public SerializationTests()
    {
        _keys = new KeyGenerator(_context);
        var encoder = new CkksEncoder(_context);
        _plaintext = encoder.Encode([1.5, -2.25, 3], 1L << 30);
        _ciphertext = new Encryptor(_context, _keys.SecretKey).EncryptSymmetric(_plaintext);
    }

    public void Dispose() => _keys.Dispose();

    public static TheoryData<SealCompression> Compressions => new() { SealCompression.None, SealCompression.Zlib, SealCompression.Zstd };

    [Theory]
    [MemberData(nameof(Compressions))]
    public void Every_object_round_trips_in_every_compression_mode(SealCompression compression)
    {
        var decryptor = new Decryptor(_context, _keys.SecretKey);
        var encoder = new CkksEncoder(_context);
        Assert.Equal(_context.Parameters, CkksParameters.Load(_context.Parameters.ToArray(compression)));
        var ciphertext = Ciphertext.Load(_context, _ciphertext.ToArray(compression));
        Assert.Equal(_ciphertext.ToArray(), ciphertext.ToArray());
        Assert.Equal(_ciphertext.ToArray(), Ciphertext.Load(_context, _ciphertext.ToArray(compression, seeded: true)).ToArray());
        Assert.Equal(_plaintext.ToArray(), Plaintext.Load(_context, _plaintext.ToArray(compression)).ToArray());
        using var secret = SecretKey.Load(_context, _keys.SecretKey.ToArray(compression));
        Assert.Equal(1.5, encoder.Decode(new Decryptor(_context, secret).Decrypt(ciphertext))[0], 6);
        var publicKey = _keys.CreatePublicKey();
        Assert.Equal(publicKey.ToArray(), PublicKey.Load(_context, publicKey.ToArray(compression, seeded: true)).ToArray());
        var relin = _keys.CreateRelinearizationKeys();
        Assert.Equal(relin.ToArray(), RelinearizationKeys.Load(_context, relin.ToArray(compression)).ToArray());
        var galois = _keys.CreateGaloisKeys([1, -2]);
        var loadedGalois = GaloisKeys.Load(_context, galois.ToArray(compression, seeded: true));
        Assert.Equal(galois.ToArray(), loadedGalois.ToArray());
        Assert.True(loadedGalois.HasStep(1) && loadedGalois.HasStep(-2) && !loadedGalois.HasStep(2));
        Assert.Equal(-2.25, encoder.Decode(decryptor.Decrypt(ciphertext))[1], 6);
    }

    [Fact]
    public void Streams_hold_consecutive_objects_and_seeded_saves_need_a_seed()
    {
        using var stream = new MemoryStream();
        _context.Parameters.Save(stream);
        _ciphertext.Save(stream, SealCompression.Zlib, seeded: true);
        _plaintext.Save(stream, SealCompression.Zstd);
        stream.Position = 0;
        Assert.Equal(_context.Parameters, CkksParameters.Load(stream));
        Assert.Equal(_ciphertext.ToArray(), Ciphertext.Load(_context, stream).ToArray());
        Assert.Equal(_plaintext.ToArray(), Plaintext.Load(_context, stream).ToArray());
        Assert.Equal(stream.Length, stream.Position);
        var evaluator = new Evaluator(_context);
        Assert.Throws<InvalidOperationException>(() => evaluator.Add(_ciphertext, _ciphertext).ToArray(seeded: true));
        Assert.Throws<InvalidOperationException>(() => RelinearizationKeys.Load(_context, _keys.CreateRelinearizationKeys().ToArray()).ToArray(seeded: true));
        int full = _ciphertext.ToArray().Length;
        Assert.Equal(((full - 113) / 2) + 113 + 81, _ciphertext.ToArray(SealCompression.None, seeded: true).Length);
    }

    [Fact]
    public void Malformed_headers_are_rejected_with_the_reason()
    {
        byte[] good = _ciphertext.ToArray();
        AssertRejected(Mutate(good, b => b[0] = 0x00), "magic");
        AssertRejected(Mutate(good, b => b[2] = 0x20), "header size");
        AssertRejected(Mutate(good, b => b[3] = 3), "version 3.1");
        AssertRejected(Mutate(good, b => b[4] = 2), "version 4.2");
        AssertRejected(Mutate(good, b => b[5] = 7), "compression mode 7");
        AssertRejected(Mutate(good, b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(8), 8)), "smaller than the header");
        AssertRejected(Mutate(good, b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(8), (ulong)b.Length + 1)), "truncated");
        AssertRejected(Mutate(good, b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(8), ulong.MaxValue)), "more than the largest");
        AssertRejected(good.AsSpan(0, 10).ToArray(), "shorter than the 16-byte");
        AssertRejected(good.AsSpan(0, good.Length - 1).ToArray(), "truncated");
        byte[] longer = [.. good[..16], .. good[16..], 0];
        BinaryPrimitives.WriteUInt64LittleEndian(longer.AsSpan(8), (ulong)longer.Length);
        AssertRejected(longer, "unexpected bytes");
        using var stream = new MemoryStream(good.AsSpan(0, good.Length - 5).ToArray());
        Assert.Contains("stream ended", Assert.Throws<SealFormatException>(() => Ciphertext.Load(_context, stream)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_ciphertext_members_are_rejected_with_the_reason()
    {
        byte[] good = _ciphertext.ToArray();
        // Members start at 16: parms_id (32), is_ntt_form (1), size (8), N (8), primes (8), scale (8), correction (8), data.
        AssertRejected(Mutate(good, b => b[16] ^= 1), "does not belong");
        AssertRejected(Mutate(good, b => b[48] = 0), "NTT form");
        AssertRejected(Mutate(good, b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(49), 1)), "size 1");
        AssertRejected(Mutate(good, b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(49), 17)), "size 17");
        AssertRejected(Mutate(good, b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(57), 8192)), "poly_modulus_degree");
        AssertRejected(Mutate(good, b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(65), 1)), "coeff_modulus_size");
        AssertRejected(Mutate(good, b => BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(73), double.NaN)), "scale");
        AssertRejected(Mutate(good, b => BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(73), -1)), "scale");
        AssertRejected(Mutate(good, b => BinaryPrimitives.WriteDoubleLittleEndian(b.AsSpan(73), Math.Pow(2, 200))), "scale");
        AssertRejected(Mutate(good, b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(81), 3)), "correction_factor");
        AssertRejected(Mutate(good, b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(113), ulong.MaxValue)), "not reduced");
        AssertRejected(Mutate(good, b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(105), 5)), "data");
        // A key where a ciphertext is expected, and the reverse.
        Assert.Contains("key level", Assert.Throws<SealFormatException>(() => Ciphertext.Load(_context, _keys.CreatePublicKey().ToArray())).Message, StringComparison.Ordinal);
        Assert.Contains("expected the key level", Assert.Throws<SealFormatException>(() => PublicKey.Load(_context, good)).Message, StringComparison.Ordinal);
        // Objects made for other parameters.
        var other = CkksContext.Create(CkksParameters.Create(4096, 40, 31, 35));
        Assert.Contains("does not belong", Assert.Throws<SealFormatException>(() => Ciphertext.Load(other, good)).Message, StringComparison.Ordinal);
        Assert.Contains("not the key level", Assert.Throws<SealFormatException>(() => RelinearizationKeys.Load(other, _keys.CreateRelinearizationKeys().ToArray())).Message, StringComparison.Ordinal);
        Assert.Contains("not CKKS", Assert.Throws<SealFormatException>(() => CkksParameters.Load(Mutate(_context.Parameters.ToArray(), b => b[16] = 1))).Message, StringComparison.Ordinal);
        Assert.Contains("not prime", Assert.Throws<SealFormatException>(() => CkksParameters.Load(Mutate(_context.Parameters.ToArray(), b => b[49] ^= 2))).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Fuzzed_inputs_either_load_or_fail_with_a_format_error()
    {
        var objects = new (string Name, byte[] Bytes, Func<byte[], object> Load)[]
        {
            ("parameters", _context.Parameters.ToArray(), b => CkksParameters.Load(b)),
            ("parameters (zlib)", _context.Parameters.ToArray(SealCompression.Zlib), b => CkksParameters.Load(b)),
            ("ciphertext", _ciphertext.ToArray(), b => Ciphertext.Load(_context, b)),
            ("seeded ciphertext", _ciphertext.ToArray(seeded: true), b => Ciphertext.Load(_context, b)),
            ("ciphertext (zlib)", _ciphertext.ToArray(SealCompression.Zlib), b => Ciphertext.Load(_context, b)),
            ("ciphertext (zstd)", _ciphertext.ToArray(SealCompression.Zstd), b => Ciphertext.Load(_context, b)),
            ("plaintext", _plaintext.ToArray(), b => Plaintext.Load(_context, b)),
            ("secret key", _keys.SecretKey.ToArray(), b => SecretKey.Load(_context, b)),
            ("public key", _keys.CreatePublicKey().ToArray(seeded: true), b => PublicKey.Load(_context, b)),
            ("relinearization keys", _keys.CreateRelinearizationKeys().ToArray(seeded: true), b => RelinearizationKeys.Load(_context, b)),
            ("Galois keys", _keys.CreateGaloisKeys([1]).ToArray(seeded: true), b => GaloisKeys.Load(_context, b)),
        };
        var random = new Random(20240611);
        foreach (var (name, bytes, load) in objects)
        {
            for (int trial = 0; trial < 120; trial++)
            {
                byte[] mutated = MutateRandomly(bytes, random);
                try
                {
                    load(mutated);
                }
                catch (SealFormatException)
                {
                }
                catch (Exception e)
                {
                    Assert.Fail($"{name}, trial {trial}: {e.GetType().Name}: {e.Message}");
                }
            }
        }
    }

    private static byte[] MutateRandomly(byte[] bytes, Random random)
    {
        byte[] copy = (byte[])bytes.Clone();
        switch (random.Next(5))
        {
            case 0:
                // Flip bits, biased toward the header and metadata where the structure is.
                for (int f = 0; f < 1 + random.Next(3); f++)
                {
                    int position = random.Next(2) == 0 ? random.Next(Math.Min(copy.Length, 140)) : random.Next(copy.Length);
                    copy[position] ^= (byte)(1 << random.Next(8));
                }

                return copy;
            case 1:
                return copy.AsSpan(0, random.Next(copy.Length)).ToArray();
            case 2:
                // Overwrite a 64-bit field at a random 8-byte-aligned metadata position with an extreme value.
                int offset = 16 + (8 * random.Next(Math.Max(1, Math.Min(copy.Length - 24, 160) / 8)));
                ulong[] extremes = [0, 1, 2, 17, 4096, 8192, ulong.MaxValue, (ulong)copy.Length, 1UL << 40];
                BinaryPrimitives.WriteUInt64LittleEndian(copy.AsSpan(offset), extremes[random.Next(extremes.Length)]);
                return copy;
            case 3:
                // Random garbage after a valid header.
                random.NextBytes(copy.AsSpan(16, Math.Min(64, copy.Length - 16)));
                return copy;
            default:
                // Change the announced size.
                BinaryPrimitives.WriteUInt64LittleEndian(copy.AsSpan(8), (ulong)random.NextInt64(0, copy.Length * 2L));
                return copy;
        }
    }

    private void AssertRejected(byte[] data, string expected)
    {
        var error = Assert.Throws<SealFormatException>(() => Ciphertext.Load(_context, data));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static byte[] Mutate(byte[] source, Action<byte[]> change)
    {
        byte[] copy = (byte[])source.Clone();
        change(copy);
        return copy;
    }
}
