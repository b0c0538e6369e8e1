namespace BasedAI.Squeezing.Planning;

/// <summary>
/// Predicted cost of homomorphic primitives, in cost units of about one millisecond of one core of the reference machine
/// (AMD EPYC, AVX2, BasedAI.Fhe) at N = 8192, scaled by N·log N for other degrees. Costs grow with the number of primes k
/// at the operation's level: linearly for multiplications, additions and rescales, as k(k+1) for key switching
/// (rotations, relinearization: k digits, each lifted to k+1 primes). These are the units of the compute budget C_max.
/// </summary>
public sealed record HeCostModel
{
    /// <summary>Defaults measured on the reference machine (see docs/benchmarks.md, ZK-LLM).</summary>
    public static HeCostModel Default { get; } = new();

    /// <summary>Key switch: units per k(k+1).</summary>
    public double KeySwitch { get; init; } = 0.25;

    /// <summary>Ciphertext × plaintext multiplication, per prime.</summary>
    public double PlainMultiply { get; init; } = 0.04;

    /// <summary>Ciphertext × ciphertext multiplication (tensor product), per prime.</summary>
    public double CiphertextMultiply { get; init; } = 0.08;

    /// <summary>Rescale, per prime.</summary>
    public double Rescale { get; init; } = 0.12;

    /// <summary>Addition, per prime.</summary>
    public double Add { get; init; } = 0.01;

    /// <summary>Encoding: the fixed FFT part.</summary>
    public double EncodeFixed { get; init; } = 0.25;

    /// <summary>Encoding: per prime (an NTT each).</summary>
    public double EncodePerPrime { get; init; } = 0.08;

    /// <summary>Secret-key encryption (client): per prime, encoding included separately.</summary>
    public double EncryptPerPrime { get; init; } = 0.3;

    /// <summary>Decryption and decoding (client): per prime plus the fixed FFT.</summary>
    public double DecryptPerPrime { get; init; } = 0.06;

    /// <summary>Factor for a degree relative to 8192 (N·log N).</summary>
    public static double DegreeFactor(int polyModulusDegree) =>
        polyModulusDegree * Math.Log2(polyModulusDegree) / (8192 * 13.0);

    /// <summary>Cost of one key switch at a level of <paramref name="primes"/> primes.</summary>
    public double KeySwitchCost(int primes, int n) => KeySwitch * primes * (primes + 1) * DegreeFactor(n);

    /// <summary>Cost of a primitive whose work is linear in the primes.</summary>
    public static double Linear(double perPrime, int primes, int n) => perPrime * primes * DegreeFactor(n);
}

/// <summary>Walks a plan's stages and adds up primitive counts, predicted time and traffic for one token.</summary>
public sealed class PlanCostCounter
{
    private readonly HeCostModel _model;
    private readonly int _n;
    private int _rotations, _relins, _plainMuls, _ctMuls, _rescales, _adds, _encodings, _encryptions, _decryptions;
    private double _miner, _client;
    private long _toMiner, _toClient;

    private PlanCostCounter(HeCostModel model, int n)
    {
        _model = model;
        _n = n;
    }

    /// <summary>The cost of one token at position <paramref name="contextLength"/> − 1 (so the cache holds that many positions).</summary>
    public static PlanCost Count(HeCostModel model, CkksSettings ckks, int blockWidth, IReadOnlyList<int> attentionBlocks, IReadOnlyList<HeStage> stages, int contextLength)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(ckks);
        ArgumentNullException.ThrowIfNull(stages);
        ArgumentNullException.ThrowIfNull(attentionBlocks);
        ArgumentOutOfRangeException.ThrowIfLessThan(contextLength, 1);
        var counter = new PlanCostCounter(model, ckks.PolyModulusDegree);
        int slots = ckks.Slots, depth = 0;
        foreach (HeStage stage in stages)
        {
            foreach (StageInput input in stage.Inputs)
            {
                int count = input.Layout switch
                {
                    InputLayout.EForm => SlotGeometry.Chunks(input.Width, blockWidth) * SlotGeometry.EFormCiphertextsPerChunk(blockWidth, slots),
                    InputLayout.Probabilities => (contextLength + (slots / input.Period) - 1) / (slots / input.Period),
                    _ => 1,
                };
                counter.Encrypt(count, input.Level + 1);
            }
            int highest = stage.Inputs.Count == 0 ? 0 : stage.Inputs.Max(i => i.Level), lowest = highest;
            var registerCounts = stage.Inputs.ToDictionary(i => i.Register, i => i.Layout switch
            {
                InputLayout.EForm => SlotGeometry.Chunks(i.Width, blockWidth) * SlotGeometry.EFormCiphertextsPerChunk(blockWidth, slots),
                InputLayout.Probabilities => (contextLength + (slots / i.Period) - 1) / (slots / i.Period),
                _ => 1,
            }, StringComparer.Ordinal);
            foreach (HeOp op in stage.Ops)
            {
                int k = op.Level + 1, inputs = registerCounts.GetValueOrDefault(op.In, 1), outputs = 1;
                switch (op)
                {
                    case EFormProductOp e:
                        counter.PlainMultiply(inputs, k);
                        counter.Add(inputs - 1, k);
                        counter.Rescale(1, k);
                        if (e.Weights.RotaryReal)
                        {
                            counter.Encode(inputs, k);
                        }
                        break;
                    case BsgsProductOp b:
                        (int baby, int giant) = SlotGeometry.BabyGiant(b.InputPeriod);
                        counter.Rotate(baby - 1 + giant - 1, k);
                        counter.PlainMultiply(b.InputPeriod, k);
                        counter.Add(b.InputPeriod - 1, k);
                        counter.Rescale(1, k);
                        break;
                    case RotateSumOp r:
                        counter.Rotate(SlotGeometry.Log2(r.Count) * inputs, k);
                        counter.Add(SlotGeometry.Log2(r.Count) * inputs, k);
                        outputs = inputs;
                        break;
                    case MaskOp:
                        counter.PlainMultiply(1, k);
                        counter.Rescale(1, k);
                        counter.Encode(1, k);
                        break;
                    case CacheAppendOp:
                        counter.Add(1, k);
                        break;
                    case AttentionScoresOp s:
                        {
                            int positions = slots / attentionBlocks[s.Layer];
                            int cacheCts = (contextLength + positions - 1) / positions;
                            counter.CiphertextMultiply(cacheCts, k);
                            counter.Relinearize(cacheCts, k);
                            counter.Rescale(cacheCts, k);
                            counter.Rotate(SlotGeometry.Log2(s.HeadDim) * cacheCts, k - 1);
                            counter.Add(SlotGeometry.Log2(s.HeadDim) * cacheCts, k - 1);
                            outputs = cacheCts;
                            break;
                        }
                    case AttentionContextOp c:
                        counter.CiphertextMultiply(inputs, k);
                        counter.Add(inputs - 1, k);
                        counter.Relinearize(1, k);
                        counter.Rescale(1, k);
                        counter.Rotate(SlotGeometry.Log2(slots / c.Block), k - 1);
                        counter.Add(SlotGeometry.Log2(slots / c.Block), k - 1);
                        break;
                    case NormAffineOp:
                        counter.PlainMultiply(inputs, k);
                        counter.Rescale(inputs, k);
                        outputs = inputs;
                        break;
                    case RotaryOp:
                        counter.Rotate(2, k);
                        counter.PlainMultiply(3, k);
                        counter.Add(2, k);
                        counter.Rescale(1, k);
                        counter.Encode(3, k);
                        break;
                    case ScaleOp:
                        counter.PlainMultiply(1, k);
                        counter.Rescale(1, k);
                        break;
                    case AddBiasOp or AddOp:
                        counter.Add(1, k);
                        break;
                    case MultiplyOp:
                        counter.CiphertextMultiply(1, k);
                        counter.Relinearize(1, k);
                        counter.Rescale(1, k);
                        break;
                    case ReplicateOp:
                        counter.Rotate(1, k);
                        counter.Add(1, k);
                        break;
                    case PolynomialOp p:
                        {
                            int degree = p.Approximation.Degree;
                            counter.PlainMultiply(1 + degree, k);
                            counter.Rescale(1 + degree, k);
                            counter.CiphertextMultiply(Math.Max(0, degree - 1), k - 2);
                            counter.Relinearize(Math.Max(0, degree - 1), k - 2);
                            counter.Rescale(Math.Max(0, degree - 1), k - 2);
                            counter.Add(2 * degree, k - 2);
                            break;
                        }
                    case ModSwitchOp:
                        outputs = inputs;
                        break;
                }
                if (op is not CacheAppendOp)
                {
                    registerCounts[op.Out] = outputs;
                }
                lowest = Math.Min(lowest, op.OutputLevel);
            }
            depth = Math.Max(depth, highest - lowest);
            foreach (StageOutput output in stage.Outputs)
            {
                int count = registerCounts.GetValueOrDefault(output.Register, 1);
                counter.Decrypt(count, output.Level + 1);
            }
        }
        return new PlanCost
        {
            ContextLength = contextLength,
            Counts = new OperationCounts
            {
                Rotations = counter._rotations,
                Relinearizations = counter._relins,
                PlainMultiplications = counter._plainMuls,
                CiphertextMultiplications = counter._ctMuls,
                Rescales = counter._rescales,
                Additions = counter._adds,
                Encodings = counter._encodings,
                Encryptions = counter._encryptions,
                Decryptions = counter._decryptions,
            },
            Depth = depth,
            MinerUnits = Math.Round(counter._miner, 3),
            ClientUnits = Math.Round(counter._client, 3),
            BytesToMiner = counter._toMiner,
            BytesToClient = counter._toClient,
            RoundTrips = stages.Count,
        };
    }

    private void Rotate(int count, int primes)
    {
        _rotations += count;
        _miner += count * _model.KeySwitchCost(primes, _n);
    }

    private void Relinearize(int count, int primes)
    {
        _relins += count;
        _miner += count * _model.KeySwitchCost(primes, _n);
    }

    private void PlainMultiply(int count, int primes)
    {
        _plainMuls += count;
        _miner += count * HeCostModel.Linear(_model.PlainMultiply, primes, _n);
    }

    private void CiphertextMultiply(int count, int primes)
    {
        _ctMuls += count;
        _miner += count * HeCostModel.Linear(_model.CiphertextMultiply, primes, _n);
    }

    private void Rescale(int count, int primes)
    {
        _rescales += count;
        _miner += count * HeCostModel.Linear(_model.Rescale, primes, _n);
    }

    private void Add(int count, int primes)
    {
        _adds += Math.Max(0, count);
        _miner += Math.Max(0, count) * HeCostModel.Linear(_model.Add, primes, _n);
    }

    private void Encode(int count, int primes)
    {
        _encodings += count;
        _miner += count * ((_model.EncodeFixed * HeCostModel.DegreeFactor(_n)) + HeCostModel.Linear(_model.EncodePerPrime, primes, _n));
    }

    private void Encrypt(int count, int primes)
    {
        _encryptions += count;
        _client += count * ((_model.EncodeFixed * HeCostModel.DegreeFactor(_n)) + HeCostModel.Linear(_model.EncodePerPrime + _model.EncryptPerPrime, primes, _n));
        _toMiner += count * (((long)primes * _n * 8) + 64);
    }

    private void Decrypt(int count, int primes)
    {
        _decryptions += count;
        _client += count * ((_model.EncodeFixed * HeCostModel.DegreeFactor(_n)) + HeCostModel.Linear(_model.DecryptPerPrime, primes, _n));
        _toClient += count * ((2L * primes * _n * 8) + 64);
    }
}
