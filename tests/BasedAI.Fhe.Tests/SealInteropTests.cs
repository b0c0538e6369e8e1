using System.Text.Json;

namespace BasedAI.Fhe.Tests;

/// <summary>Wire compatibility with Microsoft SEAL 4.1.2 (node-seal 7.0.0), both ways, at N = 8192 with primes [60, 40, 40, 60].</summary>
public sealed class SealInteropTests : IDisposable
{
    private const double Scale = 1L << 40;
    private const double Tolerance = 1e-5;
    private readonly string _directory = Directory.CreateTempSubdirectory("basedai-fhe-seal-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [SealFact]
    public void Seal_objects_load_here_byte_for_byte_and_work_with_our_evaluator()
    {
        SealOracle.Run("seal-side", _directory);
        var parameters = CkksParameters.Load(Read("parameters.bin"));
        Assert.Equal(CkksParameters.Create(8192, 60, 40, 40, 60), parameters);
        Assert.Equal(Read("parameters.bin"), parameters.ToArray());
        var context = CkksContext.Create(parameters);

        // Every full-form object re-serializes to exactly SEAL's bytes; seeded ones too, since the seed is kept.
        using var secretKey = SecretKey.Load(context, Read("secret_key.bin"));
        Assert.Equal(Read("secret_key.bin"), secretKey.ToArray());
        var publicKey = PublicKey.Load(context, Read("public_key.bin"));
        Assert.Equal(Read("public_key.bin"), publicKey.ToArray());
        var seededPublicKey = PublicKey.Load(context, Read("public_key_seeded.bin"));
        Assert.Equal(Read("public_key_seeded.bin"), seededPublicKey.ToArray(seeded: true));
        var relinKeys = RelinearizationKeys.Load(context, Read("relin_keys.bin"));
        Assert.Equal(Read("relin_keys.bin"), relinKeys.ToArray());
        var seededRelinKeys = RelinearizationKeys.Load(context, Read("relin_keys_seeded_zlib.bin"));
        Assert.Equal(SealOracle.Inflate(Read("relin_keys_seeded_zlib.bin")), seededRelinKeys.ToArray(seeded: true));
        var galoisKeys = GaloisKeys.Load(context, Read("galois_keys.bin"));
        Assert.Equal(Read("galois_keys.bin"), galoisKeys.ToArray());
        Assert.Equal(3, galoisKeys.GaloisElements.Count);
        var seededGaloisKeys = GaloisKeys.Load(context, Read("galois_keys_seeded.bin"));
        Assert.Equal(Read("galois_keys_seeded.bin"), seededGaloisKeys.ToArray(seeded: true));
        var x = Ciphertext.Load(context, Read("ct_x.bin"));
        Assert.Equal(Read("ct_x.bin"), x.ToArray());
        var ySeeded = Ciphertext.Load(context, Read("ct_y_seeded.bin"));
        Assert.Equal(Read("ct_y_seeded.bin"), ySeeded.ToArray(seeded: true));
        var plainY = Plaintext.Load(context, Read("plain_y.bin"));
        Assert.Equal(Read("plain_y.bin"), plainY.ToArray());

        // SEAL's ciphertexts decrypt here, in every compression mode.
        var encoder = new CkksEncoder(context);
        var decryptor = new Decryptor(context, secretKey);
        double[] xs = SealOracle.Values(1), ys = SealOracle.Values(2);
        foreach (string file in new[] { "ct_x.bin", "ct_x_zlib.bin", "ct_x_zstd.bin" })
        {
            AssertClose(xs, encoder.Decode(decryptor.Decrypt(Ciphertext.Load(context, Read(file)))), file);
        }

        foreach (string file in new[] { "ct_y_seeded.bin", "ct_y_seeded_zstd.bin" })
        {
            AssertClose(ys, encoder.Decode(decryptor.Decrypt(Ciphertext.Load(context, Read(file)))), file);
        }

        AssertClose(ys, encoder.Decode(plainY), "plain_y.bin");

        // Our evaluator with SEAL's keys on SEAL's ciphertexts; SEAL decrypts the results.
        var evaluator = new Evaluator(context, relinKeys, galoisKeys);
        var product = evaluator.RescaleToNext(evaluator.Relinearize(evaluator.Multiply(x, ySeeded)));
        Write("ours_product.bin", product.ToArray());
        var seededEvaluator = new Evaluator(context, seededRelinKeys, seededGaloisKeys);
        var squared = seededEvaluator.RescaleToNext(seededEvaluator.Relinearize(seededEvaluator.Square(x)));
        Write("ours_square.bin", squared.ToArray(SealCompression.Zlib));
        Write("ours_rotated_1.bin", evaluator.Rotate(x, 1).ToArray());
        Write("ours_rotated_minus_1.bin", evaluator.Rotate(x, -1).ToArray(SealCompression.Zstd));
        Write("ours_rotated_5.bin", evaluator.Rotate(x, 5).ToArray());
        Write("ours_rotated_2.bin", seededEvaluator.Rotate(x, 2).ToArray());
        Write("ours_sum_plain.bin", evaluator.AddPlain(x, plainY).ToArray());
        double[] zs = SealOracle.Values(7);
        Write("ours_fresh.bin", new Encryptor(context, seededPublicKey).Encrypt(encoder.Encode(zs, Scale)).ToArray());

        string[] files = ["ours_product.bin", "ours_square.bin", "ours_rotated_1.bin", "ours_rotated_minus_1.bin", "ours_rotated_5.bin", "ours_rotated_2.bin", "ours_sum_plain.bin", "ours_fresh.bin"];
        using var sealView = SealOracle.Run(["decrypt", _directory, .. files]);
        var expected = new Dictionary<string, Func<int, double>>
        {
            ["ours_product.bin"] = i => xs[i] * ys[i],
            ["ours_square.bin"] = i => xs[i] * xs[i],
            ["ours_rotated_1.bin"] = i => xs[(i + 1) % 4096],
            ["ours_rotated_minus_1.bin"] = i => xs[(i + 4095) % 4096],
            ["ours_rotated_5.bin"] = i => xs[(i + 5) % 4096],
            ["ours_rotated_2.bin"] = i => xs[(i + 2) % 4096],
            ["ours_sum_plain.bin"] = i => xs[i] + ys[i],
            ["ours_fresh.bin"] = i => zs[i],
        };
        foreach (string file in files)
        {
            double[] decrypted = sealView.RootElement.GetProperty(file).EnumerateArray().Select(e => e.GetDouble()).ToArray();
            AssertClose(Enumerable.Range(0, decrypted.Length).Select(expected[file]).ToArray(), decrypted, "SEAL decrypting " + file);
        }
    }

    [SealFact]
    public void Our_objects_load_in_seal_and_work_with_its_evaluator()
    {
        var context = CkksContext.Create(CkksParameters.Create(8192, 60, 40, 40, 60));
        using var keygen = new KeyGenerator(context);
        var encoder = new CkksEncoder(context);
        var publicKey = keygen.CreatePublicKey();
        Write("parameters.bin", context.Parameters.ToArray());
        Write("secret_key.bin", keygen.SecretKey.ToArray());
        Write("public_key.bin", publicKey.ToArray());
        Write("public_key_seeded.bin", publicKey.ToArray(seeded: true));
        Write("relin_keys_seeded_zlib.bin", keygen.CreateRelinearizationKeys().ToArray(SealCompression.Zlib, seeded: true));
        Write("galois_keys.bin", keygen.CreateGaloisKeys([1, -3], includeConjugation: true).ToArray());
        double[] xs = SealOracle.Values(1), ys = SealOracle.Values(2), zs = SealOracle.Values(3);
        var encryptor = new Encryptor(context, publicKey, keygen.SecretKey);
        var a = encryptor.Encrypt(encoder.Encode(xs, Scale));
        var b = encryptor.EncryptSymmetric(encoder.Encode(ys, Scale));
        Write("ct_a.bin", a.ToArray());
        Write("ct_b_seeded_zlib.bin", b.ToArray(SealCompression.Zlib, seeded: true));
        var evaluator = new Evaluator(context, keygen.CreateRelinearizationKeys());
        Write("ct_product.bin", evaluator.RescaleToNext(evaluator.Relinearize(evaluator.Multiply(a, b))).ToArray(SealCompression.Zstd));

        using var result = SealOracle.Run("evaluate", _directory);
        var decrypted = result.RootElement.GetProperty("decrypted");
        AssertClose(xs, Doubles(decrypted.GetProperty("a")), "SEAL decrypting ct_a.bin");
        AssertClose(ys, Doubles(decrypted.GetProperty("b")), "SEAL decrypting ct_b_seeded_zlib.bin");
        AssertClose(xs.Zip(ys, (p, q) => p * q).ToArray(), Doubles(decrypted.GetProperty("product")), "SEAL decrypting ct_product.bin");

        var decryptor = new Decryptor(context, keygen.SecretKey);
        double[] Decrypt(string file) => encoder.Decode(decryptor.Decrypt(Ciphertext.Load(context, Read(file))));
        AssertClose(xs.Zip(ys, (p, q) => p * q).ToArray(), Decrypt("seal_product.bin"), "SEAL's product with our relinearization keys");
        AssertClose(Enumerable.Range(0, 4096).Select(i => xs[(i + 1) % 4096]).ToArray(), Decrypt("seal_rotated_1.bin"), "SEAL's rotation by 1 with our Galois keys");
        AssertClose(Enumerable.Range(0, 4096).Select(i => xs[(i + 4093) % 4096]).ToArray(), Decrypt("seal_rotated_minus_3.bin"), "SEAL's rotation by -3");
        AssertClose(xs, Decrypt("seal_conjugated.bin"), "SEAL's conjugation of real values");
        AssertClose(zs, Decrypt("seal_fresh.bin"), "SEAL encrypting with our seeded public key");
        AssertClose(zs, Decrypt("seal_fresh_full_key.bin"), "SEAL encrypting with our public key");
    }

    private static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();

    private static void AssertClose(double[] expected, double[] actual, string what)
    {
        for (int i = 0; i < Math.Min(expected.Length, actual.Length); i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) < Tolerance, $"{what}: slot {i} is {actual[i]}, expected {expected[i]}");
        }
    }

    private byte[] Read(string name) => File.ReadAllBytes(Path.Combine(_directory, name));

    private void Write(string name, byte[] bytes) => File.WriteAllBytes(Path.Combine(_directory, name), bytes);
}
