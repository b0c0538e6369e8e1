namespace BasedAI.Fhe.Tests;

/// <summary>
/// One set of keys shared by the tests of a class: N = 8192 with primes [60, 40, 40, 60] (three data levels),
/// scale 2^40, relinearization keys and Galois keys for the steps the tests rotate by.
/// </summary>
public sealed class CkksFixture : IDisposable
{
    public const double Scale = 1L << 40;

    public CkksFixture()
    {
        Context = CkksContext.Create(CkksParameters.Create(8192, 60, 40, 40, 60));
        KeyGenerator = new KeyGenerator(Context);
        PublicKey = KeyGenerator.CreatePublicKey();
        RelinearizationKeys = KeyGenerator.CreateRelinearizationKeys();
        GaloisKeys = KeyGenerator.CreateGaloisKeys(RotationSteps, includeConjugation: true);
        Encoder = new CkksEncoder(Context);
        Encryptor = new Encryptor(Context, PublicKey, KeyGenerator.SecretKey);
        Decryptor = new Decryptor(Context, KeyGenerator.SecretKey);
        Evaluator = new Evaluator(Context, RelinearizationKeys, GaloisKeys);
    }

    public static int[] RotationSteps { get; } = [1, 2, 3, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, -1, -4, -7, 100];

    public CkksContext Context { get; }

    public KeyGenerator KeyGenerator { get; }

    public PublicKey PublicKey { get; }

    public RelinearizationKeys RelinearizationKeys { get; }

    public GaloisKeys GaloisKeys { get; }

    public CkksEncoder Encoder { get; }

    public Encryptor Encryptor { get; }

    public Decryptor Decryptor { get; }

    public Evaluator Evaluator { get; }

    public static double[] RandomValues(int count, int seed, double magnitude = 1.0)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => ((random.NextDouble() * 2) - 1) * magnitude).ToArray();
    }

    public Ciphertext Encrypt(double[] values, bool symmetric = false)
    {
        var plain = Encoder.Encode(values, Scale);
        return symmetric ? Encryptor.EncryptSymmetric(plain) : Encryptor.Encrypt(plain);
    }

    public double[] Decrypt(Ciphertext ciphertext) => Encoder.Decode(Decryptor.Decrypt(ciphertext));

    public static double MaxError(ReadOnlySpan<double> expected, ReadOnlySpan<double> actual)
    {
        double max = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            max = Math.Max(max, Math.Abs(expected[i] - actual[i]));
        }

        return max;
    }

    public void Dispose() => KeyGenerator.Dispose();
}
