using System.Numerics;

namespace BasedAI.Fhe.Tests;

public class EncryptionTests : IClassFixture<CkksFixture>
{
    private readonly CkksFixture _f;

    public EncryptionTests(CkksFixture fixture)
    {
        _f = fixture;
    }

    [Fact]
    public void Encode_decode_round_trips_real_vectors_at_every_level()
    {
        var values = CkksFixture.RandomValues(_f.Context.SlotCount, 1, 100);
        foreach (var level in _f.Context.DataLevels)
        {
            var plain = _f.Encoder.Encode(values, level.Index == 0 ? 1L << 30 : CkksFixture.Scale, level);
            Assert.Equal(level.Index, plain.Level);
            Assert.True(CkksFixture.MaxError(values, _f.Encoder.Decode(plain)) < 1e-6);
        }
    }

    [Fact]
    public void Encode_decode_round_trips_complex_vectors_and_pads_short_inputs()
    {
        var random = new Random(2);
        var values = Enumerable.Range(0, 100).Select(_ => new Complex(random.NextDouble() - 0.5, random.NextDouble() - 0.5)).ToArray();
        var decoded = _f.Encoder.DecodeComplex(_f.Encoder.Encode(values, CkksFixture.Scale));
        for (int i = 0; i < decoded.Length; i++)
        {
            var expected = i < values.Length ? values[i] : Complex.Zero;
            Assert.True(Complex.Abs(expected - decoded[i]) < 1e-9, $"slot {i}: {decoded[i]} vs {expected}");
        }
    }

    [Fact]
    public void Constant_encoding_fills_every_slot()
    {
        var decoded = _f.Encoder.Decode(_f.Encoder.Encode(-3.25, CkksFixture.Scale));
        Assert.All(decoded, v => Assert.Equal(-3.25, v, 9));
    }

    [Fact]
    public void Large_scales_encode_coefficients_beyond_64_bits()
    {
        var values = CkksFixture.RandomValues(16, 3);
        var plain = _f.Encoder.Encode(values, Math.Pow(2, 90), _f.Context.FirstLevel);
        Assert.True(CkksFixture.MaxError(values, _f.Encoder.Decode(plain).AsSpan(0, 16)) < 1e-9);
    }

    [Fact]
    public void Decoding_values_beyond_two_to_the_127_takes_the_exact_path()
    {
        // Coefficients near 2^133 do not fit the 128-bit fast composition; the residue check sends them to exact arithmetic.
        var values = CkksFixture.RandomValues(32, 6, 1e12);
        var plain = _f.Encoder.Encode(values, Math.Pow(2, 100), _f.Context.FirstLevel);
        var decoded = _f.Encoder.Decode(plain);
        for (int i = 0; i < values.Length; i++)
        {
            Assert.True(Math.Abs(values[i] - decoded[i]) < 1e-1, $"slot {i}: {decoded[i]} vs {values[i]}");
        }
    }

    [Fact]
    public void Public_key_encryption_round_trips()
    {
        var values = CkksFixture.RandomValues(_f.Context.SlotCount, 4);
        var decrypted = _f.Decrypt(_f.Encrypt(values));
        Assert.True(CkksFixture.MaxError(values, decrypted) < Math.Pow(2, -20));
    }

    [Fact]
    public void Secret_key_encryption_round_trips_at_lower_levels()
    {
        var values = CkksFixture.RandomValues(_f.Context.SlotCount, 5);
        foreach (var level in _f.Context.DataLevels)
        {
            var plain = _f.Encoder.Encode(values, level.Index == 0 ? 1L << 30 : CkksFixture.Scale, level);
            var symmetric = _f.Encryptor.EncryptSymmetric(plain);
            var asymmetric = _f.Encryptor.Encrypt(plain);
            Assert.Equal(level.Index, symmetric.Level);
            Assert.True(CkksFixture.MaxError(values, _f.Decrypt(symmetric)) < 1e-4);
            Assert.True(CkksFixture.MaxError(values, _f.Decrypt(asymmetric)) < 1e-4);
        }
    }

    [Fact]
    public void Too_many_values_or_bad_scales_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => _f.Encoder.Encode(new double[_f.Context.SlotCount + 1], CkksFixture.Scale));
        Assert.Throws<ArgumentOutOfRangeException>(() => _f.Encoder.Encode([1.0], -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => _f.Encoder.Encode([1.0], Math.Pow(2, 200)));
        Assert.Throws<ArgumentException>(() => _f.Encoder.Encode([double.NaN], CkksFixture.Scale));
        Assert.Throws<ArgumentException>(() => _f.Encoder.Encode([1e40], CkksFixture.Scale));
    }
}
