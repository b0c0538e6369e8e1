using BenchmarkDotNet.Attributes;
using BasedAI.Fhe.Arithmetic;
using BasedAI.Fhe.LinearAlgebra;

namespace BasedAI.Fhe.Benchmarks;

/// <summary>
/// Microseconds per CKKS operation at SEAL's default 128-bit moduli (CoeffModulus::BFVDefault, as SEAL's own sealbench
/// uses), single thread, mirroring the operations of SEAL's benchmark so the numbers compare with native SEAL 4.4.3.
/// </summary>
[MemoryDiagnoser]
[MinColumn]
[MedianColumn]
public class CkksBenchmarks : IDisposable
{
    private CkksContext _context = null!;
    private KeyGenerator _keyGenerator = null!;
    private CkksEncoder _encoder = null!;
    private Encryptor _encryptor = null!;
    private Decryptor _decryptor = null!;
    private Evaluator _evaluator = null!;
    private Plaintext _plain = null!;
    private Ciphertext _a = null!;
    private Ciphertext _b = null!;
    private Ciphertext _product = null!;
    private Ciphertext _destination = null!;
    private Plaintext _plainDestination = null!;
    private ulong[] _limb = null!;
    private double[] _values = null!;
    private double[] _decoded = null!;
    private NttTables _ntt = null!;
    private MatrixVectorProduct _matrix = null!;
    private Evaluator _matrixEvaluator = null!;
    private Ciphertext _packed = null!;
    private int[] _hoistedSteps = null!;
    private Ciphertext[] _hoistedResults = null!;

    [Params(8192, 16384)]
    public int N { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _context = CkksContext.Create(CkksParameters.Default(N));
        _keyGenerator = new KeyGenerator(_context);
        _encoder = new CkksEncoder(_context);
        _encryptor = new Encryptor(_context, _keyGenerator.CreatePublicKey(), _keyGenerator.SecretKey);
        _decryptor = new Decryptor(_context, _keyGenerator.SecretKey);
        _evaluator = new Evaluator(_context, _keyGenerator.CreateRelinearizationKeys(), _keyGenerator.CreateGaloisKeys([1]));
        var random = new Random(1);
        _values = Enumerable.Range(0, _context.SlotCount).Select(_ => random.NextDouble()).ToArray();
        _decoded = new double[_context.SlotCount];
        double scale = Math.Pow(2, 40);
        _plain = _encoder.Encode(_values, scale);
        _a = _encryptor.Encrypt(_plain);
        _b = _encryptor.Encrypt(_plain);
        _product = _evaluator.Multiply(_a, _b);
        _destination = _evaluator.Multiply(_a, _b);
        _plainDestination = _decryptor.Decrypt(_a);
        _ntt = _context.NttTables[0];
        var weights = new double[64, 64];
        for (int r = 0; r < 64; r++)
        {
            for (int c = 0; c < 64; c++)
            {
                weights[r, c] = random.NextDouble() - 0.5;
            }
        }

        _matrix = MatrixVectorProduct.Create(_context, weights);
        _hoistedSteps = [1, 2, 3, 4, 5, 6, 7];
        _hoistedResults = _hoistedSteps.Select(_ => new Ciphertext()).ToArray();
        _matrixEvaluator = new Evaluator(_context, null, _keyGenerator.CreateGaloisKeys(_matrix.RequiredRotationSteps.Concat(_hoistedSteps)));
        var vectors = Enumerable.Range(0, _matrix.Layout.Capacity).Select(_ => Enumerable.Range(0, 64).Select(_ => random.NextDouble()).ToArray()).ToArray();
        _packed = _encryptor.Encrypt(_encoder.Encode(_matrix.Layout.Pack(vectors), scale));
        _limb = new ulong[N];
        for (int i = 0; i < N; i++)
        {
            _limb[i] = (ulong)random.NextInt64() % _ntt.Modulus.Value;
        }
    }

    [GlobalCleanup]
    public void Cleanup() => _keyGenerator?.Dispose();

    public void Dispose()
    {
        Cleanup();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Description = "NTT forward, one prime")]
    public void NttForward() => _ntt.Forward(_limb);

    [Benchmark(Description = "NTT inverse, one prime")]
    public void NttInverse() => _ntt.Inverse(_limb);

    [Benchmark(Description = "NTT forward, whole ciphertext")]
    public void NttForwardCiphertext()
    {
        for (int p = 0; p < _a.Size; p++)
        {
            for (int i = 0; i < _a.CoeffModulusCount; i++)
            {
                _context.NttTables[i].Forward(_a.Limb(p, i));
            }
        }
    }

    [Benchmark(Description = "NTT inverse, whole ciphertext")]
    public void NttInverseCiphertext()
    {
        for (int p = 0; p < _a.Size; p++)
        {
            for (int i = 0; i < _a.CoeffModulusCount; i++)
            {
                _context.NttTables[i].Inverse(_a.Limb(p, i));
            }
        }
    }

    [Benchmark(Description = "encode")]
    public void Encode() => _encoder.Encode(_values, Math.Pow(2, 40), _plain);

    [Benchmark(Description = "decode")]
    public void Decode() => _encoder.Decode(_plain, _decoded);

    [Benchmark(Description = "encrypt (public key)")]
    public void EncryptPublic() => _encryptor.Encrypt(_plain, _destination);

    [Benchmark(Description = "encrypt (secret key)")]
    public void EncryptSecret() => _encryptor.EncryptSymmetric(_plain, _destination);

    [Benchmark(Description = "decrypt")]
    public void Decrypt() => _decryptor.Decrypt(_a, _plainDestination);

    [Benchmark(Description = "add")]
    public void Add() => _evaluator.Add(_a, _b, _destination);

    [Benchmark(Description = "multiply")]
    public void Multiply() => _evaluator.Multiply(_a, _b, _destination);

    [Benchmark(Description = "multiply_plain")]
    public void MultiplyPlain() => _evaluator.MultiplyPlain(_a, _plain, _destination);

    [Benchmark(Description = "square")]
    public void Square() => _evaluator.Square(_a, _destination);

    [Benchmark(Description = "relinearize")]
    public void Relinearize() => _evaluator.Relinearize(_product, _destination);

    [Benchmark(Description = "rescale")]
    public void Rescale() => _evaluator.RescaleToNext(_a, _destination);

    [Benchmark(Description = "rotate by 1")]
    public void Rotate() => _evaluator.Rotate(_a, 1, _destination);

    [Benchmark(Description = "7 rotations, hoisted")]
    public void RotateHoisted() => _matrixEvaluator.RotateHoisted(_packed, _hoistedSteps, _hoistedResults);

    [Benchmark(Description = "64x64 matrix × packed vectors (BSGS)")]
    public Ciphertext MatrixVector() => _matrix.Apply(_matrixEvaluator, _packed);

    [Benchmark(Description = "relinearization-key generation")]
    public RelinearizationKeys RelinKeyGen() => _keyGenerator.CreateRelinearizationKeys();

    [Benchmark(Description = "Galois-key generation (one step)")]
    public GaloisKeys GaloisKeyGen() => _keyGenerator.CreateGaloisKeys([1]);
}
