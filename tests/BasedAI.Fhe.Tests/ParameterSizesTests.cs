namespace BasedAI.Fhe.Tests;

/// <summary>The full pipeline at the smallest and the largest degree the suite proves (most tests run at N = 8192).</summary>
public class ParameterSizesTests
{
    [Theory]
    [InlineData(4096, 30)]
    [InlineData(16384, 48)]
    public void Default_chains_encrypt_multiply_rotate_and_decrypt(int n, int scaleBits)
    {
        var context = CkksContext.Create(CkksParameters.Default(n));
        using var keys = new KeyGenerator(context);
        var encoder = new CkksEncoder(context);
        var evaluator = new Evaluator(context, keys.CreateRelinearizationKeys(), keys.CreateGaloisKeys([1, -5]));
        var encryptor = new Encryptor(context, keys.CreatePublicKey());
        var decryptor = new Decryptor(context, keys.SecretKey);
        double scale = Math.Pow(2, scaleBits);
        var x = CkksFixture.RandomValues(context.SlotCount, n);
        var y = CkksFixture.RandomValues(context.SlotCount, n + 1);
        var cx = encryptor.Encrypt(encoder.Encode(x, scale));
        var cy = encryptor.Encrypt(encoder.Encode(y, scale));
        var product = evaluator.RescaleToNext(evaluator.Relinearize(evaluator.Multiply(cx, cy)));
        var rotated = evaluator.Rotate(product, -5);
        var decoded = encoder.Decode(decryptor.Decrypt(rotated));
        int slots = context.SlotCount;
        double bound = n == 4096 ? 1e-3 : Math.Pow(2, -20);
        for (int i = 0; i < slots; i++)
        {
            int source = (i - 5 + slots) % slots;
            Assert.True(Math.Abs((x[source] * y[source]) - decoded[i]) < bound, $"N={n}, slot {i}");
        }

        var sum = encoder.Decode(decryptor.Decrypt(evaluator.Rotate(evaluator.Add(cx, cy), 1)));
        Assert.True(Math.Abs(x[1] + y[1] - sum[0]) < bound);
    }
}
