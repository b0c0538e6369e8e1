using System.Numerics;

namespace BasedAI.Fhe.Tests;

public class EvaluatorTests : IClassFixture<CkksFixture>
{
    private static readonly double Bound = Math.Pow(2, -20);
    private readonly CkksFixture _f;

    public EvaluatorTests(CkksFixture fixture)
    {
        _f = fixture;
    }

    private Evaluator Eval => _f.Evaluator;

    private int Slots => _f.Context.SlotCount;

    [Fact]
    public void Add_subtract_negate_match_plain_arithmetic()
    {
        var x = CkksFixture.RandomValues(Slots, 10);
        var y = CkksFixture.RandomValues(Slots, 11);
        var cx = _f.Encrypt(x);
        var cy = _f.Encrypt(y, symmetric: true);
        Assert.True(CkksFixture.MaxError(x.Zip(y, (a, b) => a + b).ToArray(), _f.Decrypt(Eval.Add(cx, cy))) < Bound);
        Assert.True(CkksFixture.MaxError(x.Zip(y, (a, b) => a - b).ToArray(), _f.Decrypt(Eval.Subtract(cx, cy))) < Bound);
        Assert.True(CkksFixture.MaxError(x.Select(a => -a).ToArray(), _f.Decrypt(Eval.Negate(cx))) < Bound);
        var py = _f.Encoder.Encode(y, CkksFixture.Scale);
        Assert.True(CkksFixture.MaxError(x.Zip(y, (a, b) => a + b).ToArray(), _f.Decrypt(Eval.AddPlain(cx, py))) < Bound);
        Assert.True(CkksFixture.MaxError(x.Zip(y, (a, b) => a - b).ToArray(), _f.Decrypt(Eval.SubtractPlain(cx, py))) < Bound);
        Assert.True(CkksFixture.MaxError(x.Select(a => a + 0.75).ToArray(), _f.Decrypt(Eval.AddConstant(cx, 0.75))) < Bound);
        // In place, with the destination aliasing an operand.
        var copy = cx.Clone();
        Eval.Add(copy, cy, copy);
        Eval.Subtract(copy, cy, copy);
        Assert.True(CkksFixture.MaxError(x, _f.Decrypt(copy)) < Bound);
    }

    [Fact]
    public void Multiply_relinearize_rescale_stays_within_two_to_the_minus_twenty()
    {
        var x = CkksFixture.RandomValues(Slots, 12);
        var y = CkksFixture.RandomValues(Slots, 13);
        var product = Eval.Multiply(_f.Encrypt(x), _f.Encrypt(y));
        Assert.Equal(3, product.Size);
        Eval.RelinearizeInPlace(product);
        Assert.Equal(2, product.Size);
        Eval.RescaleToNextInPlace(product);
        Assert.Equal(1, product.Level);
        Assert.True(Math.Abs(Math.Log2(product.Scale) - 40) < 0.01);
        double error = CkksFixture.MaxError(x.Zip(y, (a, b) => a * b).ToArray(), _f.Decrypt(product));
        Assert.True(error < Bound, $"max error {error}");
    }

    [Fact]
    public void Size_three_ciphertexts_decrypt_and_multiply_plain_and_square_work()
    {
        var x = CkksFixture.RandomValues(Slots, 14);
        var cx = _f.Encrypt(x);
        var square = Eval.Square(cx);
        Assert.True(CkksFixture.MaxError(x.Select(a => a * a).ToArray(), _f.Decrypt(square)) < Bound);
        var y = CkksFixture.RandomValues(Slots, 15);
        var timesPlain = Eval.RescaleToNext(Eval.MultiplyPlain(cx, _f.Encoder.Encode(y, CkksFixture.Scale)));
        Assert.True(CkksFixture.MaxError(x.Zip(y, (a, b) => a * b).ToArray(), _f.Decrypt(timesPlain)) < Bound);
        var timesConstant = Eval.RescaleToNext(Eval.MultiplyByConstant(cx, -1.5, CkksFixture.Scale));
        Assert.True(CkksFixture.MaxError(x.Select(a => -1.5 * a).ToArray(), _f.Decrypt(timesConstant)) < Bound);
        Assert.True(CkksFixture.MaxError(x.Select(a => 3 * a).ToArray(), _f.Decrypt(Eval.MultiplyByInteger(cx, 3))) < Bound);
        // Multiply in place into the first operand.
        var inPlace = cx.Clone();
        Eval.Multiply(inPlace, cx, inPlace);
        Assert.True(CkksFixture.MaxError(x.Select(a => a * a).ToArray(), _f.Decrypt(inPlace)) < Bound);
        // A size-4 product relinearizes only with keys up to s^3.
        var cubic = Eval.Multiply(square, cx);
        Assert.Equal(4, cubic.Size);
        Assert.True(CkksFixture.MaxError(x.Select(a => a * a * a).ToArray(), _f.Decrypt(cubic)) < Bound);
        Assert.Throws<InvalidOperationException>(() => Eval.Relinearize(cubic));
    }

    [Fact]
    public void Multiply_plain_and_add_accumulates_dot_products()
    {
        var x = CkksFixture.RandomValues(Slots, 30);
        var y = CkksFixture.RandomValues(Slots, 31);
        var w = CkksFixture.RandomValues(Slots, 32);
        var cx = _f.Encrypt(x);
        var cy = _f.Encrypt(y);
        var pw = _f.Encoder.Encode(w, CkksFixture.Scale);
        var accumulator = Eval.MultiplyPlain(cx, pw);
        Eval.MultiplyPlainAndAdd(cy, pw, accumulator);
        var expected = Enumerable.Range(0, Slots).Select(i => (x[i] + y[i]) * w[i]).ToArray();
        Assert.True(CkksFixture.MaxError(expected, _f.Decrypt(Eval.RescaleToNext(accumulator))) < Bound);
        Assert.Throws<ParameterMismatchException>(() => Eval.MultiplyPlainAndAdd(cy, pw, cx));
        Assert.Throws<ArgumentException>(() => Eval.MultiplyPlainAndAdd(accumulator, _f.Encoder.Encode(1.0, 1.0), accumulator));
    }

    [Fact]
    public void Depth_is_used_up_then_refused()
    {
        var x = CkksFixture.RandomValues(Slots, 16, 0.9);
        var c = _f.Encrypt(x);
        var expected = (double[])x.Clone();
        for (int depth = 0; depth < 2; depth++)
        {
            Eval.Multiply(c, c, c);
            Eval.RelinearizeInPlace(c);
            Eval.RescaleToNextInPlace(c);
            c.Scale = CkksFixture.Scale; // q_i ≈ 2^40: declare the scale back to 2^40, as SEAL users do
            expected = expected.Select(v => v * v).ToArray();
        }

        Assert.Equal(0, c.Level);
        Assert.True(CkksFixture.MaxError(expected, _f.Decrypt(c)) < 1e-3);
        Assert.Throws<ModulusChainExhaustedException>(() => Eval.RescaleToNext(c));
        Assert.Throws<ModulusChainExhaustedException>(() => Eval.ModSwitchToNext(c));
        Assert.Throws<ArgumentException>(() => Eval.Multiply(c, c));
    }

    [Fact]
    public void Rotations_work_for_every_step_with_a_key()
    {
        var x = Enumerable.Range(0, Slots).Select(i => (double)(i % 997) / 997).ToArray();
        var c = _f.Encrypt(x);
        foreach (int step in CkksFixture.RotationSteps)
        {
            var rotated = _f.Decrypt(Eval.Rotate(c, step));
            var expected = Enumerable.Range(0, Slots).Select(i => x[(((i + step) % Slots) + Slots) % Slots]).ToArray();
            Assert.True(CkksFixture.MaxError(expected, rotated) < Bound, $"step {step}");
        }
    }

    [Fact]
    public void Hoisted_rotations_match_individual_rotations()
    {
        var x = CkksFixture.RandomValues(Slots, 21);
        var c = _f.Encrypt(x);
        int[] steps = [1, 2, 3, 0, -1, 100, 2048];
        var rotated = Eval.RotateHoisted(c, steps);
        for (int s = 0; s < steps.Length; s++)
        {
            var expected = Enumerable.Range(0, Slots).Select(i => x[(((i + steps[s]) % Slots) + Slots) % Slots]).ToArray();
            Assert.True(CkksFixture.MaxError(expected, _f.Decrypt(rotated[s])) < Bound, $"step {steps[s]}");
        }

        Assert.Throws<MissingGaloisKeyException>(() => Eval.RotateHoisted(c, [5]));
    }

    [Fact]
    public void Rotations_without_an_exact_key_compose_powers_of_two_or_fail_clearly()
    {
        var x = Enumerable.Range(0, Slots).Select(i => (double)(i % 101) / 101).ToArray();
        var c = _f.Encrypt(x);
        // 5 = 4 + 1 and 15 = 16 − 1 in non-adjacent form; both parts have keys.
        foreach (int step in new[] { 5, 15 })
        {
            var rotated = _f.Decrypt(Eval.Rotate(c, step));
            Assert.True(CkksFixture.MaxError(Enumerable.Range(0, Slots).Select(i => x[(i + step) % Slots]).ToArray(), rotated) < Bound);
        }

        // −9 = −8 − 1: there is no key for −8.
        var error = Assert.Throws<MissingGaloisKeyException>(() => Eval.Rotate(c, -9));
        Assert.Contains("-9", error.Message, StringComparison.Ordinal);
        Assert.Contains("-8", error.Message, StringComparison.Ordinal);
        var noKeys = new Evaluator(_f.Context, _f.RelinearizationKeys);
        Assert.Throws<MissingGaloisKeyException>(() => noKeys.Rotate(c, 1));
    }

    [Fact]
    public void Conjugation_conjugates_complex_slots()
    {
        var random = new Random(17);
        var values = Enumerable.Range(0, Slots).Select(_ => new Complex(random.NextDouble(), random.NextDouble())).ToArray();
        var c = _f.Encryptor.Encrypt(_f.Encoder.Encode(values, CkksFixture.Scale));
        var decoded = _f.Encoder.DecodeComplex(_f.Decryptor.Decrypt(Eval.Conjugate(c)));
        for (int i = 0; i < Slots; i++)
        {
            Assert.True(Complex.Abs(Complex.Conjugate(values[i]) - decoded[i]) < Bound);
        }
    }

    [Fact]
    public void Mod_switching_keeps_values_and_aligns_levels()
    {
        var x = CkksFixture.RandomValues(Slots, 18);
        var c = _f.Encrypt(x);
        var lowered = Eval.ModSwitchTo(c, _f.Context.LastLevel);
        Assert.Equal(0, lowered.Level);
        Assert.True(CkksFixture.MaxError(x, _f.Decrypt(lowered)) < Bound);
        var plain = Eval.ModSwitchTo(_f.Encoder.Encode(x, CkksFixture.Scale), _f.Context.DataLevels[1]);
        var next = Eval.ModSwitchToNext(c);
        Assert.True(CkksFixture.MaxError(x.Select(v => 2 * v).ToArray(), _f.Decrypt(Eval.AddPlain(next, plain))) < Bound);
        Assert.Throws<ArgumentException>(() => Eval.ModSwitchTo(lowered, _f.Context.FirstLevel));
    }

    [Fact]
    public void Mismatched_operands_fail_with_specific_exceptions()
    {
        var x = CkksFixture.RandomValues(8, 19);
        var c = _f.Encrypt(x);
        var lower = Eval.ModSwitchToNext(c);
        var levelError = Assert.Throws<ParameterMismatchException>(() => Eval.Add(c, lower));
        Assert.Contains("level mismatch", levelError.Message, StringComparison.Ordinal);
        var scaled = c.Clone();
        scaled.Scale *= 2;
        Assert.Contains("scale mismatch", Assert.Throws<ParameterMismatchException>(() => Eval.Add(c, scaled)).Message, StringComparison.Ordinal);
        var otherContext = CkksContext.Create(CkksParameters.Create(8192, 60, 40, 60));
        var foreign = new Evaluator(otherContext);
        Assert.Throws<ParameterMismatchException>(() => foreign.Add(c, c));
        Assert.Throws<ParameterMismatchException>(() => new Evaluator(otherContext, _f.RelinearizationKeys));
        Assert.Throws<ParameterMismatchException>(() => Eval.MultiplyPlain(lower, _f.Encoder.Encode(x, CkksFixture.Scale)));
        Assert.Throws<ArgumentException>(() => Eval.Add(c, new Ciphertext()));
        Assert.Throws<InvalidOperationException>(() => new Evaluator(_f.Context).Relinearize(Eval.Multiply(c, c)));
    }
}
