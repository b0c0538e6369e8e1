using System.Numerics;
using BasedAI.Fhe;
using BasedAI.Squeezing.Planning;

namespace BasedAI.ZkLlm.Slots;

/// <summary>
/// The miner's CKKS backend over <see cref="BasedAI.Fhe"/>: the plan's public encryption parameters, a plaintext encoder,
/// and evaluators built from a client's relinearization and Galois keys. It never holds, loads or asks for a secret key.
/// </summary>
public sealed class CkksMinerBackend : IMinerBackend
{
    private readonly CkksEncoder _encoder;

    /// <summary>A backend for a plan's CKKS settings (the chain is chosen as SEAL chooses it for those bit sizes).</summary>
    public CkksMinerBackend(CkksSettings settings)
    {
        Context = CkksBackend.CreateContext(settings);
        _encoder = new CkksEncoder(Context);
        Parameters = Context.Parameters.ToArray();
    }

    /// <summary>The CKKS context.</summary>
    public CkksContext Context { get; }

    /// <inheritdoc />
    public int Slots => Context.SlotCount;

    /// <inheritdoc />
    public int DataLevels => Context.DataLevels.Count;

    /// <inheritdoc />
    public byte[] Parameters { get; }

    /// <inheritdoc />
    public double Prime(int level) => Context.Parameters.CoeffModulus[level];

    /// <inheritdoc />
    public SlotPlaintext Encode(ReadOnlySpan<Complex> slots, int level, double scale)
    {
        CkksBackend.CheckLevel(level, DataLevels, "plaintext");
        return new CkksPlaintext(_encoder.Encode(slots, scale, Context.DataLevels[level]));
    }

    /// <inheritdoc />
    public IMinerEvaluator CreateEvaluator(ReadOnlyMemory<byte> relinearizationKeys, ReadOnlyMemory<byte> galoisKeys, IReadOnlyCollection<int> requiredSteps)
    {
        ArgumentNullException.ThrowIfNull(requiredSteps);
        byte[] relinBytes = relinearizationKeys.ToArray(), galoisBytes = galoisKeys.ToArray();
        RelinearizationKeys relin = RelinearizationKeys.Load(Context, relinBytes);
        GaloisKeys galois = GaloisKeys.Load(Context, galoisBytes);
        int[] missing = requiredSteps.Where(step => CkksBackend.Normalize(step, Slots) != 0 && !galois.HasStep(CkksBackend.Normalize(step, Slots))).ToArray();
        if (missing.Length > 0)
        {
            throw new MissingGaloisKeyException($"the Galois keys lack the plan's rotation steps [{string.Join(", ", missing)}]");
        }
        return new CkksMinerEvaluator(this, new Evaluator(Context, relin, galois), [relinBytes, galoisBytes]);
    }

    internal sealed class CkksValue(Ciphertext ciphertext) : SlotValue
    {
        public Ciphertext Ciphertext { get; } = ciphertext;

        public override int Level => Ciphertext.Level;

        public override double Scale => Ciphertext.Scale;
    }

    internal sealed class CkksPlaintext(Plaintext plaintext) : SlotPlaintext
    {
        public Plaintext Plaintext { get; } = plaintext;

        public override int Level => Plaintext.Level;

        public override double Scale => Plaintext.Scale;
    }

    private sealed class CkksMinerEvaluator(CkksMinerBackend backend, Evaluator evaluator, ReadOnlyMemory<byte>[] keys) : IMinerEvaluator
    {
        public IReadOnlyList<ReadOnlyMemory<byte>> HeldKeys => keys;

        public SlotValue Deserialize(ReadOnlySpan<byte> bytes, string what)
        {
            Ciphertext ciphertext;
            try
            {
                ciphertext = Ciphertext.Load(backend.Context, bytes.ToArray());
            }
            catch (Exception e) when (e is SealFormatException or ParameterMismatchException)
            {
                throw new InvalidDataException($"{what}: {e.Message}", e);
            }
            if (ciphertext.Size != 2)
            {
                throw new InvalidDataException($"{what}: a ciphertext of size {ciphertext.Size}; a client sends size-2 ciphertexts");
            }
            if (!double.IsFinite(ciphertext.Scale) || ciphertext.Scale <= 0)
            {
                throw new InvalidDataException($"{what}: scale {ciphertext.Scale} is not a positive number");
            }
            return new CkksValue(ciphertext);
        }

        public byte[] Serialize(SlotValue value) => Cast(value).ToArray(SealCompression.None);

        public SlotValue MultiplyPlain(SlotValue a, SlotPlaintext plain) => Wrap(evaluator.MultiplyPlain(Cast(a), CastPlain(plain)));

        public SlotValue Multiply(SlotValue a, SlotValue b) => Wrap(evaluator.Multiply(Cast(a), Cast(b)));

        public SlotValue Relinearize(SlotValue a) => Cast(a).Size == 2 ? a : Wrap(evaluator.Relinearize(Cast(a)));

        public SlotValue Rescale(SlotValue a) => Wrap(evaluator.RescaleToNext(Cast(a)));

        public SlotValue ModSwitch(SlotValue a, int level)
        {
            Ciphertext x = Cast(a);
            if (level > x.Level || level < 0)
            {
                throw new InvalidOperationException($"cannot switch from level {x.Level} to {level}");
            }
            return level == x.Level ? a : Wrap(evaluator.ModSwitchTo(x, backend.Context.DataLevels[level]));
        }

        public SlotValue Rotate(SlotValue a, int steps) => Wrap(evaluator.Rotate(Cast(a), steps));

        public IReadOnlyList<SlotValue> RotateMany(SlotValue a, IReadOnlyList<int> steps) =>
            steps.Count == 1 ? [Rotate(a, steps[0])] : evaluator.RotateHoisted(Cast(a), steps).Select(Wrap).ToArray();

        public SlotValue Add(SlotValue a, SlotValue b) => Wrap(evaluator.Add(Cast(a), Cast(b)));

        public SlotValue AddPlain(SlotValue a, SlotPlaintext plain) => Wrap(evaluator.AddPlain(Cast(a), CastPlain(plain)));

        public SlotValue MultiplyConstant(SlotValue a, double value, double constantScale) => Wrap(evaluator.MultiplyByConstant(Cast(a), value, constantScale));

        public SlotValue AddConstant(SlotValue a, double value) => Wrap(evaluator.AddConstant(Cast(a), value));

        public void Dispose()
        {
            // Evaluation keys are public material; dropping the references is all there is to release.
        }

        private static CkksValue Wrap(Ciphertext ciphertext) => new(ciphertext);

        private static Ciphertext Cast(SlotValue value) =>
            (value as CkksValue ?? throw new ArgumentException("the value does not belong to the CKKS backend")).Ciphertext;

        private static Plaintext CastPlain(SlotPlaintext value) =>
            (value as CkksPlaintext ?? throw new ArgumentException("the plaintext does not belong to the CKKS backend")).Plaintext;
    }
}

/// <summary>
/// The client's CKKS backend: generates and keeps the secret key, creates the relinearization key and Galois keys for
/// exactly the plan's rotation steps, encrypts (symmetric, serialized seeded: half the bytes) and decrypts.
/// </summary>
public sealed class CkksClientBackend : IClientBackend
{
    private readonly KeyGenerator _keys;
    private readonly CkksEncoder _encoder;
    private readonly Encryptor _encryptor;
    private readonly Decryptor _decryptor;

    /// <summary>A client backend with a fresh secret key for a plan's CKKS settings.</summary>
    public CkksClientBackend(CkksSettings settings)
    {
        Context = CkksBackend.CreateContext(settings);
        _keys = new KeyGenerator(Context);
        _encoder = new CkksEncoder(Context);
        _encryptor = new Encryptor(Context, _keys.SecretKey);
        _decryptor = new Decryptor(Context, _keys.SecretKey);
        Parameters = Context.Parameters.ToArray();
    }

    /// <summary>The CKKS context.</summary>
    public CkksContext Context { get; }

    /// <inheritdoc />
    public int Slots => Context.SlotCount;

    /// <inheritdoc />
    public byte[] Parameters { get; }

    /// <summary>The secret key's serialized bytes (for audits that check none of them reach the miner).</summary>
    public byte[] ExportSecretKeyForAudit() => _keys.SecretKey.ToArray();

    /// <inheritdoc />
    public (byte[] Relinearization, byte[] Galois) CreateEvaluationKeys(IReadOnlyCollection<int> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        int[] normalized = steps.Select(s => CkksBackend.Normalize(s, Slots)).Where(s => s != 0).Distinct().ToArray();
        RelinearizationKeys relin = _keys.CreateRelinearizationKeys();
        GaloisKeys galois = _keys.CreateGaloisKeys(normalized);
        return (relin.ToArray(SealCompression.None, seeded: relin.CanSaveSeeded), galois.ToArray(SealCompression.None, seeded: galois.CanSaveSeeded));
    }

    /// <inheritdoc />
    public byte[] Encrypt(ReadOnlySpan<Complex> slots, int level, double scale)
    {
        CkksBackend.CheckLevel(level, Context.DataLevels.Count, "value");
        Ciphertext ciphertext = _encryptor.EncryptSymmetric(_encoder.Encode(slots, scale, Context.DataLevels[level]));
        return ciphertext.ToArray(SealCompression.None, seeded: ciphertext.CanSaveSeeded);
    }

    /// <inheritdoc />
    public Complex[] Decrypt(ReadOnlySpan<byte> ciphertext, string what)
    {
        Ciphertext loaded;
        try
        {
            loaded = Ciphertext.Load(Context, ciphertext.ToArray());
        }
        catch (Exception e) when (e is SealFormatException or ParameterMismatchException)
        {
            throw new InvalidDataException($"{what}: {e.Message}", e);
        }
        if (loaded.Size != 2)
        {
            throw new InvalidDataException($"{what}: the miner returned a ciphertext of size {loaded.Size}; results are relinearized to size 2");
        }
        return _encoder.DecodeComplex(_decryptor.Decrypt(loaded));
    }

    /// <inheritdoc />
    public void Dispose() => _keys.Dispose();
}

/// <summary>Helpers both CKKS roles share.</summary>
public static class CkksBackend
{
    /// <summary>The context of a plan's CKKS settings, checked at 128-bit security unless the plan was explicitly compiled insecure.</summary>
    public static CkksContext CreateContext(CkksSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        CkksParameters parameters = CkksParameters.Create(settings.PolyModulusDegree, settings.CoeffModulusBits);
        return CkksContext.Create(parameters, settings.SecurityBits >= 128 ? SecurityLevel.Tc128 : SecurityLevel.None);
    }

    internal static int Normalize(int step, int slots) => ((step % slots) + slots) % slots;

    internal static void CheckLevel(int level, int levels, string what)
    {
        if (level < 0 || level >= levels)
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, $"{what} level must be between 0 and {levels - 1}");
        }
    }
}
