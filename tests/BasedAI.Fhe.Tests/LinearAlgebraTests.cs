using BasedAI.Fhe.LinearAlgebra;

namespace BasedAI.Fhe.Tests;

/// <summary>Encrypted linear algebra at N = 8192 (4096 slots), primes [60, 40, 40, 60], scale 2^40.</summary>
public sealed class LinearAlgebraTests : IDisposable
{
    private const double Scale = 1L << 40;
    private readonly CkksContext _context = CkksContext.Create(CkksParameters.Create(8192, 60, 40, 40, 60));
    private readonly KeyGenerator _keys;
    private readonly CkksEncoder _encoder;

    public LinearAlgebraTests()
    {
        _keys = new KeyGenerator(_context);
        _encoder = new CkksEncoder(_context);
    }

    public void Dispose() => _keys.Dispose();

    [Fact]
    public void Encrypted_64x64_matrix_vector_product_matches_the_plain_one_for_packed_vectors()
    {
        var random = new Random(64);
        var matrix = new double[64, 64];
        for (int r = 0; r < 64; r++)
        {
            for (int c = 0; c < 64; c++)
            {
                matrix[r, c] = (random.NextDouble() * 2) - 1;
            }
        }

        var product = MatrixVectorProduct.Create(_context, matrix);
        Assert.Equal(32, product.Layout.Capacity);
        var steps = product.RequiredRotationSteps.Append(EncryptedLinearAlgebra.ReplicateBlocksStep(product.Layout)).ToArray();
        var evaluator = new Evaluator(_context, _keys.CreateRelinearizationKeys(), _keys.CreateGaloisKeys(steps));
        var vectors = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, 64).Select(_ => (random.NextDouble() * 2) - 1).ToArray()).ToArray();
        var encryptor = new Encryptor(_context, _keys.CreatePublicKey());
        var input = encryptor.Encrypt(_encoder.Encode(product.Layout.Pack(vectors), Scale));

        var output = evaluator.RescaleToNext(product.Apply(evaluator, input));
        var decryptor = new Decryptor(_context, _keys.SecretKey);
        var decoded = _encoder.Decode(decryptor.Decrypt(output));
        var results = product.Layout.Unpack(decoded, vectors.Length);
        double maxError = 0;
        for (int v = 0; v < vectors.Length; v++)
        {
            for (int r = 0; r < 64; r++)
            {
                double expected = 0;
                for (int c = 0; c < 64; c++)
                {
                    expected += matrix[r, c] * vectors[v][c];
                }

                maxError = Math.Max(maxError, Math.Abs(expected - results[v][r]));
            }

            // The second half of each block is zero, and replication fills it with the result again.
            for (int t = 64; t < 128; t++)
            {
                Assert.True(Math.Abs(decoded[(v * 128) + t]) < 1e-4);
            }
        }

        Assert.True(maxError < 1e-4, $"max error {maxError}");
        var replicated = _encoder.Decode(decryptor.Decrypt(evaluator.ReplicateBlocks(output, product.Layout)));
        for (int r = 0; r < 64; r++)
        {
            Assert.Equal(replicated[r], replicated[64 + r], 4);
        }
    }

    [Fact]
    public void Rectangular_and_sparse_matrices_are_padded_and_skip_zero_diagonals()
    {
        var matrix = new double[3, 5] { { 1, 2, 0, 0, 1 }, { 0, 0, 0, 0, 0 }, { -1, 0, 3, 0, 0 } };
        var product = MatrixVectorProduct.Create(_context, matrix);
        Assert.Equal(8, product.Layout.PaddedDimension);
        var evaluator = new Evaluator(_context, null, _keys.CreateGaloisKeys(product.RequiredRotationSteps));
        double[] x = [0.5, -1, 2, 7, 0.25];
        var input = new Encryptor(_context, _keys.CreatePublicKey()).Encrypt(_encoder.Encode(product.Layout.Pack([x]), Scale));
        var result = _encoder.Decode(new Decryptor(_context, _keys.SecretKey).Decrypt(evaluator.RescaleToNext(product.Apply(evaluator, input))));
        Assert.Equal(0.5 - 2 + 0.25, result[0], 4);
        Assert.Equal(0, result[1], 4);
        Assert.Equal(-0.5 + 6, result[2], 4);
        Assert.Throws<ParameterMismatchException>(() => product.Apply(evaluator, evaluator.ModSwitchToNext(input)));
    }

    [Fact]
    public void Rotate_and_sum_adds_aligned_slots()
    {
        var steps = EncryptedLinearAlgebra.RotateAndSumSteps(_context.SlotCount, 16, 2);
        Assert.Equal([2, 4, 8, 16], steps);
        var evaluator = new Evaluator(_context, null, _keys.CreateGaloisKeys(steps));
        var x = Enumerable.Range(0, _context.SlotCount).Select(i => (i % 7) * 0.1).ToArray();
        var input = new Encryptor(_context, _keys.CreatePublicKey()).Encrypt(_encoder.Encode(x, Scale));
        var summed = _encoder.Decode(new Decryptor(_context, _keys.SecretKey).Decrypt(evaluator.RotateAndSum(input, 16, 2)));
        for (int i = 0; i < 64; i++)
        {
            double expected = Enumerable.Range(0, 16).Sum(m => x[(i + (2 * m)) % x.Length]);
            Assert.Equal(expected, summed[i], 4);
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => evaluator.RotateAndSum(input, 12));
    }

    [Fact]
    public void Block_layout_packs_and_unpacks_and_rejects_misfits()
    {
        var layout = new BlockLayout(4096, 100);
        Assert.Equal(128, layout.PaddedDimension);
        Assert.Equal(16, layout.Capacity);
        double[] v = Enumerable.Range(0, 100).Select(i => (double)i).ToArray();
        var slots = layout.Pack([v, v]);
        Assert.Equal(v, layout.Unpack(slots, 2)[1]);
        Assert.Equal(v[5], slots[128 + 5]);
        Assert.Throws<ArgumentException>(() => layout.Pack([new double[99]]));
        Assert.Throws<ArgumentException>(() => layout.Pack(Enumerable.Repeat(v, 17).ToArray()));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BlockLayout(4096, 3000));
    }
}
