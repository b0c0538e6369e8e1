using System.Buffers;
using BasedAI.Fhe.Arithmetic;

namespace BasedAI.Fhe;

/// <summary>
/// Homomorphic operations on ciphertexts. Holds only public material — the context and, optionally, relinearization and
/// Galois keys — so it is what an untrusted evaluator (a miner) runs; no member accepts or exposes a secret key.
/// Every operation has a form writing into a destination (which may be one of the inputs, for in-place work without
/// allocation) and a convenience form returning a new ciphertext. Thread-safe for concurrent calls on distinct destinations.
/// </summary>
public sealed class Evaluator
{
    private const double ScaleTolerance = 1e-12;

    /// <summary>An evaluator for <paramref name="context"/> with the evaluation keys it may need.</summary>
    public Evaluator(CkksContext context, RelinearizationKeys? relinearizationKeys = null, GaloisKeys? galoisKeys = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (relinearizationKeys is not null && relinearizationKeys.ParmsId != context.KeyLevel.ParmsId)
        {
            throw new ParameterMismatchException("the relinearization keys were made for different encryption parameters");
        }

        if (galoisKeys is not null && galoisKeys.ParmsId != context.KeyLevel.ParmsId)
        {
            throw new ParameterMismatchException("the Galois keys were made for different encryption parameters");
        }

        Context = context;
        RelinearizationKeys = relinearizationKeys;
        GaloisKeys = galoisKeys;
    }

    /// <summary>The parameters this evaluator works with.</summary>
    public CkksContext Context { get; }

    /// <summary>Relinearization keys, if given.</summary>
    public RelinearizationKeys? RelinearizationKeys { get; }

    /// <summary>Galois keys, if given.</summary>
    public GaloisKeys? GaloisKeys { get; }

    // ---- addition and subtraction -------------------------------------------------------------------------------------

    /// <summary>a + b.</summary>
    public Ciphertext Add(Ciphertext a, Ciphertext b) => Into(d => Add(a, b, d));

    /// <summary>destination = a + b (same level and scale; sizes may differ).</summary>
    public void Add(Ciphertext a, Ciphertext b, Ciphertext destination) => AddOrSubtract(a, b, destination, subtract: false);

    /// <summary>a − b.</summary>
    public Ciphertext Subtract(Ciphertext a, Ciphertext b) => Into(d => Subtract(a, b, d));

    /// <summary>destination = a − b.</summary>
    public void Subtract(Ciphertext a, Ciphertext b, Ciphertext destination) => AddOrSubtract(a, b, destination, subtract: true);

    /// <summary>−a.</summary>
    public Ciphertext Negate(Ciphertext a) => Into(d => Negate(a, d));

    /// <summary>destination = −a.</summary>
    public void Negate(Ciphertext a, Ciphertext destination)
    {
        var level = LevelOf(a, nameof(a));
        ArgumentNullException.ThrowIfNull(destination);
        PrepareLike(a, level, a.Size, destination);
        for (int p = 0; p < a.Size; p++)
        {
            for (int i = 0; i < level.PrimeCount; i++)
            {
                PolyArithmetic.Negate(a.Limb(p, i), destination.Limb(p, i), level.Moduli[i]);
            }
        }

        destination.Scale = a.Scale;
    }

    /// <summary>a + plain.</summary>
    public Ciphertext AddPlain(Ciphertext a, Plaintext plain) => Into(d => AddPlain(a, plain, d));

    /// <summary>destination = a + plain (same level and scale).</summary>
    public void AddPlain(Ciphertext a, Plaintext plain, Ciphertext destination) => AddOrSubtractPlain(a, plain, destination, subtract: false);

    /// <summary>a − plain.</summary>
    public Ciphertext SubtractPlain(Ciphertext a, Plaintext plain) => Into(d => SubtractPlain(a, plain, d));

    /// <summary>destination = a − plain (same level and scale).</summary>
    public void SubtractPlain(Ciphertext a, Plaintext plain, Ciphertext destination) => AddOrSubtractPlain(a, plain, destination, subtract: true);

    /// <summary>a + value in every slot (encoded at a's scale; no level consumed).</summary>
    public Ciphertext AddConstant(Ciphertext a, double value) => Into(d => AddConstant(a, value, d));

    /// <summary>destination = a + value in every slot.</summary>
    public void AddConstant(Ciphertext a, double value, Ciphertext destination)
    {
        var level = LevelOf(a, nameof(a));
        ArgumentNullException.ThrowIfNull(destination);
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "the constant must be finite");
        }

        double scaled = Math.Round(value * a.Scale);
        CopyInto(a, destination);
        for (int i = 0; i < level.PrimeCount; i++)
        {
            var q = level.Moduli[i];
            var limb = destination.Limb(0, i);
            PolyArithmetic.AddScalar(limb, CkksEncoder.ReduceDouble(scaled, q), limb, q);
        }
    }

    // ---- multiplication -----------------------------------------------------------------------------------------------

    /// <summary>a · b (size grows to a.Size + b.Size − 1; relinearize and rescale afterwards).</summary>
    public Ciphertext Multiply(Ciphertext a, Ciphertext b) => Into(d => Multiply(a, b, d));

    /// <summary>destination = a · b. Scales multiply; the product's scale must stay below the level's modulus.</summary>
    public void Multiply(Ciphertext a, Ciphertext b, Ciphertext destination)
    {
        var level = LevelOf(a, nameof(a));
        LevelOf(b, nameof(b));
        ArgumentNullException.ThrowIfNull(destination);
        SameLevel(a, b, "the first ciphertext", "the second ciphertext");
        double scale = a.Scale * b.Scale;
        CheckProductScale(scale, level);
        int size = a.Size + b.Size - 1;
        if (size > Ciphertext.MaxSize)
        {
            throw new ArgumentException($"the product would have {size} polynomials; at most {Ciphertext.MaxSize} are supported — relinearize first");
        }

        if (a.Size == 2 && b.Size == 2)
        {
            Multiply2x2(a, b, level, destination);
        }
        else
        {
            MultiplyGeneral(a, b, level, size, destination);
        }

        destination.Scale = scale;
    }

    /// <summary>a².</summary>
    public Ciphertext Square(Ciphertext a) => Into(d => Square(a, d));

    /// <summary>destination = a².</summary>
    public void Square(Ciphertext a, Ciphertext destination) => Multiply(a, a, destination);

    /// <summary>a · plain.</summary>
    public Ciphertext MultiplyPlain(Ciphertext a, Plaintext plain) => Into(d => MultiplyPlain(a, plain, d));

    /// <summary>destination = a · plain (same level; scales multiply).</summary>
    public void MultiplyPlain(Ciphertext a, Plaintext plain, Ciphertext destination)
    {
        var level = LevelOf(a, nameof(a));
        CheckPlain(plain, level);
        ArgumentNullException.ThrowIfNull(destination);
        double scale = a.Scale * plain.Scale;
        CheckProductScale(scale, level);
        PrepareLike(a, level, a.Size, destination);
        for (int p = 0; p < a.Size; p++)
        {
            for (int i = 0; i < level.PrimeCount; i++)
            {
                PolyArithmetic.Multiply(a.Limb(p, i), plain.Limb(i), destination.Limb(p, i), level.Moduli[i]);
            }
        }

        destination.Scale = scale;
    }

    /// <summary>
    /// accumulator += a · plain in one pass (no temporary): the inner loop of plaintext–ciphertext dot products and of the
    /// diagonal matrix–vector product. The accumulator must have a's level and size and the product's scale.
    /// </summary>
    public void MultiplyPlainAndAdd(Ciphertext a, Plaintext plain, Ciphertext accumulator)
    {
        var level = LevelOf(a, nameof(a));
        CheckPlain(plain, level);
        LevelOf(accumulator, nameof(accumulator));
        SameLevel(a, accumulator, "the ciphertext", "the accumulator");
        SameScale(a.Scale * plain.Scale, accumulator.Scale, "the product", "the accumulator");
        if (accumulator.Size != a.Size || ReferenceEquals(a, accumulator))
        {
            throw new ArgumentException("the accumulator must be a separate ciphertext of the same size", nameof(accumulator));
        }

        accumulator.Seed = null;
        for (int p = 0; p < a.Size; p++)
        {
            for (int i = 0; i < level.PrimeCount; i++)
            {
                PolyArithmetic.MultiplyAdd(a.Limb(p, i), plain.Limb(i), accumulator.Limb(p, i), level.Moduli[i]);
            }
        }
    }

    /// <summary>a · value in every slot, the constant encoded at <paramref name="constantScale"/> (scales multiply; no transform).</summary>
    public Ciphertext MultiplyByConstant(Ciphertext a, double value, double constantScale) => Into(d => MultiplyByConstant(a, value, constantScale, d));

    /// <summary>destination = a · value, the constant encoded as round(value·constantScale).</summary>
    public void MultiplyByConstant(Ciphertext a, double value, double constantScale, Ciphertext destination)
    {
        var level = LevelOf(a, nameof(a));
        ArgumentNullException.ThrowIfNull(destination);
        if (!double.IsFinite(value) || !double.IsFinite(constantScale) || constantScale <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "the constant and its scale must be finite, the scale positive");
        }

        double scale = a.Scale * constantScale;
        CheckProductScale(scale, level);
        ScaleByWord(a, level, Math.Round(value * constantScale), destination);
        destination.Scale = scale;
    }

    /// <summary>a · value for an integer value: exact, scale unchanged, no level consumed.</summary>
    public Ciphertext MultiplyByInteger(Ciphertext a, long value) => Into(d => MultiplyByInteger(a, value, d));

    /// <summary>destination = a · value for an integer value.</summary>
    public void MultiplyByInteger(Ciphertext a, long value, Ciphertext destination)
    {
        var level = LevelOf(a, nameof(a));
        ArgumentNullException.ThrowIfNull(destination);
        double scale = a.Scale;
        ScaleByWord(a, level, value, destination);
        destination.Scale = scale;
    }

    // ---- relinearization, rescaling, modulus switching ----------------------------------------------------------------

    /// <summary>Relinearizes a size-3 (or larger) ciphertext to size 2.</summary>
    public Ciphertext Relinearize(Ciphertext a) => Into(d => Relinearize(a, d));

    /// <summary>destination = a relinearized to size 2 with the relinearization keys.</summary>
    public void Relinearize(Ciphertext a, Ciphertext destination)
    {
        var level = LevelOf(a, nameof(a));
        ArgumentNullException.ThrowIfNull(destination);
        if (a.Size == 2)
        {
            CopyInto(a, destination);
            return;
        }

        var keys = RelinearizationKeys ?? throw new InvalidOperationException("this evaluator has no relinearization keys");
        if (a.Size > keys.MaxRelinearizableSize)
        {
            throw new InvalidOperationException($"a size-{a.Size} ciphertext needs relinearization keys up to s^{a.Size - 1}; these reach s^{keys.MaxRelinearizableSize - 1}");
        }

        int n = Context.PolyModulusDegree;
        int polyLength = level.PrimeCount * n;
        int size = a.Size;
        ulong[] target = ArrayPool<ulong>.Shared.Rent(polyLength);
        try
        {
            CopyInto(a, destination);
            for (int k = size - 1; k >= 2; k--)
            {
                var key = keys.Keys[k - 2] ?? throw new InvalidOperationException($"the relinearization keys have no key for s^{k}");
                destination.Poly(k).CopyTo(target);
                KeySwitcher.Switch(level, target.AsSpan(0, polyLength), key, destination);
            }

            destination.SetSize(2);
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(target);
        }
    }

    /// <summary>Relinearizes in place.</summary>
    public void RelinearizeInPlace(Ciphertext a) => Relinearize(a, a);

    /// <summary>Divides by the last prime of a's level (with rounding) and drops it: level −1, scale / q_last.</summary>
    public Ciphertext RescaleToNext(Ciphertext a) => Into(d => RescaleToNext(a, d));

    /// <summary>destination = a rescaled to the next level.</summary>
    public void RescaleToNext(Ciphertext a, Ciphertext destination)
    {
        var level = LevelOf(a, nameof(a));
        ArgumentNullException.ThrowIfNull(destination);
        if (level.Index == 0)
        {
            throw new ModulusChainExhaustedException("cannot rescale: the ciphertext is at the last level, where only one prime is left");
        }

        RescaleCore(a, level, destination);
    }

    /// <summary>Rescales in place.</summary>
    public void RescaleToNextInPlace(Ciphertext a) => RescaleToNext(a, a);

    /// <summary>Rescales repeatedly until a is at <paramref name="target"/>.</summary>
    public void RescaleTo(Ciphertext a, CkksLevel target, Ciphertext destination)
    {
        var level = LevelOf(a, nameof(a));
        var targetLevel = CheckTarget(level, target);
        CopyInto(a, destination);
        while (destination.Level > targetLevel.Index)
        {
            RescaleToNext(destination, destination);
        }
    }

    /// <summary>Drops the last prime without dividing (scale unchanged): aligns a ciphertext's level with a lower one.</summary>
    public Ciphertext ModSwitchToNext(Ciphertext a) => Into(d => ModSwitchToNext(a, d));

    /// <summary>destination = a at the next level, scale unchanged.</summary>
    public void ModSwitchToNext(Ciphertext a, Ciphertext destination)
    {
        var level = LevelOf(a, nameof(a));
        ArgumentNullException.ThrowIfNull(destination);
        if (level.Index == 0)
        {
            throw new ModulusChainExhaustedException("cannot switch modulus: the ciphertext is at the last level, where only one prime is left");
        }

        DropLimbs(a, level, Context.DataLevels[level.Index - 1], destination);
    }

    /// <summary>destination = a at <paramref name="target"/> (a lower or equal level), scale unchanged.</summary>
    public void ModSwitchTo(Ciphertext a, CkksLevel target, Ciphertext destination)
    {
        var level = LevelOf(a, nameof(a));
        var targetLevel = CheckTarget(level, target);
        ArgumentNullException.ThrowIfNull(destination);
        DropLimbs(a, level, targetLevel, destination);
    }

    /// <summary>a at <paramref name="target"/>, scale unchanged.</summary>
    public Ciphertext ModSwitchTo(Ciphertext a, CkksLevel target) => Into(d => ModSwitchTo(a, target, d));

    /// <summary>A plaintext switched down to <paramref name="target"/> (its NTT-form limbs are simply dropped).</summary>
    public Plaintext ModSwitchTo(Plaintext plain, CkksLevel target)
    {
        ArgumentNullException.ThrowIfNull(plain);
        var level = Context.GetDataLevel(plain.ParmsId, "the plaintext");
        var targetLevel = CheckTarget(level, target);
        var result = new Plaintext(targetLevel) { Scale = plain.Scale };
        plain.Data.AsSpan(0, result.Length).CopyTo(result.Data);
        return result;
    }

    // ---- rotations ----------------------------------------------------------------------------------------------------

    /// <summary>Rotates the slots left by <paramref name="steps"/> (negative: right), cyclically over N/2 slots.</summary>
    public Ciphertext Rotate(Ciphertext a, int steps) => Into(d => Rotate(a, steps, d));

    /// <summary>
    /// destination = a with slots rotated left by <paramref name="steps"/>. Uses the key for exactly that step when present,
    /// otherwise composes the rotation from the signed powers of two of its non-adjacent form (as SEAL does).
    /// </summary>
    public void Rotate(Ciphertext a, int steps, Ciphertext destination)
    {
        var level = LevelOf(a, nameof(a));
        ArgumentNullException.ThrowIfNull(destination);
        var keys = GaloisKeys ?? throw new MissingGaloisKeyException($"this evaluator has no Galois keys, so it cannot rotate by {steps}");
        int normalized = NormalizeStep(steps);
        if (normalized == 0)
        {
            CopyInto(a, destination);
            return;
        }

        uint element = GaloisKeys.GaloisElementForStep(normalized, Context.PolyModulusDegree);
        if (keys.HasElement(element))
        {
            ApplyGaloisCore(a, level, element, keys, destination);
            return;
        }

        var parts = NonAdjacentForm(normalized);
        var missing = parts.Where(p => !keys.HasStep(p)).ToList();
        if (parts.Count == 1 || missing.Count > 0)
        {
            throw new MissingGaloisKeyException(
                $"no Galois key for a rotation by {steps} (element {element})" +
                (parts.Count > 1 ? $", nor for the steps [{string.Join(", ", missing)}] it decomposes into" : string.Empty));
        }

        CopyInto(a, destination);
        foreach (int part in parts)
        {
            ApplyGaloisCore(destination, level, GaloisKeys.GaloisElementForStep(part, Context.PolyModulusDegree), keys, destination);
        }
    }

    /// <summary>Rotates in place.</summary>
    public void RotateInPlace(Ciphertext a, int steps) => Rotate(a, steps, a);

    /// <summary>
    /// Rotations of one ciphertext by each of <paramref name="steps"/>, sharing the expensive half of key switching
    /// (hoisting): the digits of polynomial 1 are lifted and transformed once, and each rotation then only permutes them,
    /// multiplies by its key and divides by the special prime. Each step needs its own Galois key. This is what the baby
    /// steps of a matrix–vector product and other fan-outs of one ciphertext should use.
    /// </summary>
    public Ciphertext[] RotateHoisted(Ciphertext a, IReadOnlyList<int> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        var results = new Ciphertext[steps.Count];
        for (int s = 0; s < results.Length; s++)
        {
            results[s] = new Ciphertext();
        }

        RotateHoisted(a, steps, results);
        return results;
    }

    /// <summary>Hoisted rotations into caller-owned destinations (reused without allocation); none may be <paramref name="a"/>.</summary>
    public void RotateHoisted(Ciphertext a, IReadOnlyList<int> steps, IReadOnlyList<Ciphertext> destinations)
    {
        var level = LevelOf(a, nameof(a));
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(destinations);
        if (destinations.Count != steps.Count || destinations.Any(d => d is null || ReferenceEquals(d, a)))
        {
            throw new ArgumentException("give one destination per step, none of them the input ciphertext", nameof(destinations));
        }

        if (a.Size != 2)
        {
            throw new ArgumentException($"rotations need a size-2 ciphertext; this one has size {a.Size} — relinearize first", nameof(a));
        }

        var keys = GaloisKeys ?? throw new MissingGaloisKeyException("this evaluator has no Galois keys, so it cannot rotate");
        var elements = new uint[steps.Count];
        for (int s = 0; s < steps.Count; s++)
        {
            int normalized = NormalizeStep(steps[s]);
            elements[s] = normalized == 0 ? 1 : GaloisKeys.GaloisElementForStep(normalized, Context.PolyModulusDegree);
            if (elements[s] != 1 && !keys.HasElement(elements[s]))
            {
                throw new MissingGaloisKeyException($"no Galois key for a rotation by {steps[s]} (element {elements[s]}); hoisted rotations need a key per step");
            }
        }

        ulong[]? decomposed = null;
        try
        {
            for (int s = 0; s < steps.Count; s++)
            {
                var result = destinations[s];
                if (elements[s] == 1)
                {
                    result.CopyFrom(a);
                    result.Seed = null;
                    continue;
                }

                decomposed ??= KeySwitcher.Decompose(level, a.Poly(1));
                result.Resize(level, 2);
                result.Scale = a.Scale;
                for (int i = 0; i < level.PrimeCount; i++)
                {
                    Context.Galois.ApplyNtt(a.Limb(0, i), elements[s], result.Limb(0, i));
                }

                result.Poly(1).Clear();
                KeySwitcher.SwitchDecomposed(level, decomposed, Context.Galois.Table(elements[s]), keys.KeyFor(elements[s])!, result);
            }
        }
        finally
        {
            if (decomposed is not null)
            {
                ArrayPool<ulong>.Shared.Return(decomposed);
            }
        }
    }

    /// <summary>Complex conjugation of every slot.</summary>
    public Ciphertext Conjugate(Ciphertext a) => Into(d => Conjugate(a, d));

    /// <summary>destination = conjugate of a (needs the conjugation Galois key).</summary>
    public void Conjugate(Ciphertext a, Ciphertext destination) =>
        ApplyGalois(a, GaloisKeys.ConjugationElement(Context.PolyModulusDegree), destination);

    /// <summary>destination = σ_g(a) for the Galois element g (odd, below 2N), switched back to the secret key.</summary>
    public void ApplyGalois(Ciphertext a, uint galoisElement, Ciphertext destination)
    {
        var level = LevelOf(a, nameof(a));
        ArgumentNullException.ThrowIfNull(destination);
        var keys = GaloisKeys ?? throw new MissingGaloisKeyException($"this evaluator has no Galois keys (needed for element {galoisElement})");
        if (!keys.HasElement(galoisElement))
        {
            throw new MissingGaloisKeyException($"no Galois key for element {galoisElement}");
        }

        ApplyGaloisCore(a, level, galoisElement, keys, destination);
    }

    // ---- internals ----------------------------------------------------------------------------------------------------

    private void ApplyGaloisCore(Ciphertext a, CkksLevel level, uint element, GaloisKeys keys, Ciphertext destination)
    {
        if (a.Size != 2)
        {
            throw new ArgumentException($"rotations need a size-2 ciphertext; this one has size {a.Size} — relinearize first", nameof(a));
        }

        var key = keys.KeyFor(element)!;
        int n = Context.PolyModulusDegree;
        int polyLength = level.PrimeCount * n;
        double scale = a.Scale;
        ulong[] rotated = ArrayPool<ulong>.Shared.Rent(2 * polyLength);
        try
        {
            for (int p = 0; p < 2; p++)
            {
                for (int i = 0; i < level.PrimeCount; i++)
                {
                    Context.Galois.ApplyNtt(a.Limb(p, i), element, rotated.AsSpan((p * polyLength) + (i * n), n));
                }
            }

            destination.Resize(level, 2);
            rotated.AsSpan(0, polyLength).CopyTo(destination.Poly(0));
            destination.Poly(1).Clear();
            KeySwitcher.Switch(level, rotated.AsSpan(polyLength, polyLength), key, destination);
            destination.Scale = scale;
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(rotated);
        }
    }

    private void AddOrSubtract(Ciphertext a, Ciphertext b, Ciphertext destination, bool subtract)
    {
        var level = LevelOf(a, nameof(a));
        LevelOf(b, nameof(b));
        ArgumentNullException.ThrowIfNull(destination);
        SameLevel(a, b, "the first ciphertext", "the second ciphertext");
        SameScale(a.Scale, b.Scale, "the first ciphertext", "the second ciphertext");
        int size = Math.Max(a.Size, b.Size);
        int common = Math.Min(a.Size, b.Size);
        double scale = a.Scale;
        var longer = a.Size >= b.Size ? a : b;
        bool negateTail = subtract && b.Size > a.Size;
        if (!ReferenceEquals(destination, a) && !ReferenceEquals(destination, b))
        {
            destination.Resize(level, size);
        }
        else
        {
            GrowInPlace(destination, level, size);
        }

        for (int p = 0; p < size; p++)
        {
            for (int i = 0; i < level.PrimeCount; i++)
            {
                var q = level.Moduli[i];
                var target = destination.Limb(p, i);
                if (p < common)
                {
                    if (subtract)
                    {
                        PolyArithmetic.Subtract(a.Limb(p, i), b.Limb(p, i), target, q);
                    }
                    else
                    {
                        PolyArithmetic.Add(a.Limb(p, i), b.Limb(p, i), target, q);
                    }
                }
                else if (negateTail)
                {
                    PolyArithmetic.Negate(longer.Limb(p, i), target, q);
                }
                else if (!ReferenceEquals(longer, destination))
                {
                    longer.Limb(p, i).CopyTo(target);
                }
            }
        }

        destination.Scale = scale;
    }

    private void AddOrSubtractPlain(Ciphertext a, Plaintext plain, Ciphertext destination, bool subtract)
    {
        var level = LevelOf(a, nameof(a));
        CheckPlain(plain, level);
        ArgumentNullException.ThrowIfNull(destination);
        SameScale(a.Scale, plain.Scale, "the ciphertext", "the plaintext");
        CopyInto(a, destination);
        for (int i = 0; i < level.PrimeCount; i++)
        {
            var limb = destination.Limb(0, i);
            if (subtract)
            {
                PolyArithmetic.Subtract(limb, plain.Limb(i), limb, level.Moduli[i]);
            }
            else
            {
                PolyArithmetic.Add(limb, plain.Limb(i), limb, level.Moduli[i]);
            }
        }
    }

    private static void ScaleByWord(Ciphertext a, CkksLevel level, double integral, Ciphertext destination)
    {
        int size = a.Size;
        PrepareLike(a, level, size, destination);
        for (int i = 0; i < level.PrimeCount; i++)
        {
            var q = level.Moduli[i];
            ulong w = CkksEncoder.ReduceDouble(integral, q);
            for (int p = 0; p < size; p++)
            {
                PolyArithmetic.MultiplyScalar(a.Limb(p, i), w, destination.Limb(p, i), q);
            }
        }
    }

    private static void Multiply2x2(Ciphertext a, Ciphertext b, CkksLevel level, Ciphertext destination)
    {
        // Each coefficient's inputs are read before its outputs are written, so the destination may be an operand.
        GrowInPlace(destination, level, 3, ReferenceEquals(destination, a) || ReferenceEquals(destination, b));
        for (int i = 0; i < level.PrimeCount; i++)
        {
            var q = level.Moduli[i];
            if (ReferenceEquals(a, b))
            {
                PolyArithmetic.TensorSquare(a.Limb(0, i), a.Limb(1, i), destination.Limb(0, i), destination.Limb(1, i), destination.Limb(2, i), q);
            }
            else
            {
                PolyArithmetic.TensorProduct(
                    a.Limb(0, i), a.Limb(1, i), b.Limb(0, i), b.Limb(1, i), destination.Limb(0, i), destination.Limb(1, i), destination.Limb(2, i), q);
            }
        }
    }

    private void MultiplyGeneral(Ciphertext a, Ciphertext b, CkksLevel level, int size, Ciphertext destination)
    {
        int n = Context.PolyModulusDegree;
        int polyLength = level.PrimeCount * n;
        ulong[] result = ArrayPool<ulong>.Shared.Rent(size * polyLength);
        try
        {
            Array.Clear(result, 0, size * polyLength);
            for (int x = 0; x < a.Size; x++)
            {
                for (int y = 0; y < b.Size; y++)
                {
                    for (int i = 0; i < level.PrimeCount; i++)
                    {
                        PolyArithmetic.MultiplyAdd(a.Limb(x, i), b.Limb(y, i), result.AsSpan(((x + y) * polyLength) + (i * n), n), level.Moduli[i]);
                    }
                }
            }

            destination.Resize(level, size);
            result.AsSpan(0, size * polyLength).CopyTo(destination.Data);
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(result);
        }
    }

    /// <summary>(c_i − [c_last + q_last/2]_{q_i} + [q_last/2]_{q_i}) · q_last^{-1} for every limb; works in place.</summary>
    private void RescaleCore(Ciphertext a, CkksLevel level, Ciphertext destination)
    {
        var next = Context.DataLevels[level.Index - 1];
        int n = Context.PolyModulusDegree;
        int k = level.PrimeCount;
        int size = a.Size;
        int oldPolyLength = k * n;
        int newPolyLength = (k - 1) * n;
        var lastModulus = level.Moduli[k - 1];
        ulong half = lastModulus.Value >> 1;
        double scale = a.Scale / lastModulus.Value;
        bool inPlace = ReferenceEquals(a, destination);
        ulong[] source = a.Data;
        if (!inPlace)
        {
            destination.Resize(next, size);
        }

        ulong[] target = inPlace ? source : destination.Data;
        ulong[] buffer = ArrayPool<ulong>.Shared.Rent(2 * n);
        try
        {
            var last = buffer.AsSpan(0, n);
            var work = buffer.AsSpan(n, n);
            for (int p = 0; p < size; p++)
            {
                // Polynomials move down by p·n words in place; every read of (p, i) happens before the write of (p, i),
                // and the write lands on data that was already consumed.
                source.AsSpan((p * oldPolyLength) + ((k - 1) * n), n).CopyTo(last);
                level.Ntt[k - 1].Inverse(last);
                PolyArithmetic.AddScalar(last, half, last, lastModulus);
                for (int i = 0; i < k - 1; i++)
                {
                    var q = level.Moduli[i];
                    ulong negativeHalf = q.Negate(level.RescaleHalfMod[i]);
                    if (lastModulus.Value <= 3 * q.Value)
                    {
                        // Values stay below 4q_i, which the forward transform accepts.
                        for (int c = 0; c < n; c++)
                        {
                            work[c] = last[c] + negativeHalf;
                        }
                    }
                    else
                    {
                        PolyArithmetic.Reduce(last, work, q);
                        PolyArithmetic.AddScalar(work, negativeHalf, work, q);
                    }

                    level.Ntt[i].Forward(work);
                    PolyArithmetic.SubtractMultiplyScalar(
                        source.AsSpan((p * oldPolyLength) + (i * n), n), work, level.RescaleInverseLast[i],
                        level.RescaleInverseLastShoup[i], target.AsSpan((p * newPolyLength) + (i * n), n), q);
                }
            }
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(buffer);
        }

        if (inPlace)
        {
            destination.Resize(next, size);
        }

        destination.Scale = scale;
    }

    private void DropLimbs(Ciphertext a, CkksLevel level, CkksLevel target, Ciphertext destination)
    {
        int n = Context.PolyModulusDegree;
        int size = a.Size;
        int oldPolyLength = level.PrimeCount * n;
        int newPolyLength = target.PrimeCount * n;
        double scale = a.Scale;
        bool inPlace = ReferenceEquals(a, destination);
        ulong[] source = a.Data;
        if (!inPlace)
        {
            destination.Resize(target, size);
        }

        ulong[] result = inPlace ? source : destination.Data;
        for (int p = 0; p < size; p++)
        {
            source.AsSpan(p * oldPolyLength, newPolyLength).CopyTo(result.AsSpan(p * newPolyLength, newPolyLength));
        }

        if (inPlace)
        {
            destination.Resize(target, size);
        }

        destination.Scale = scale;
    }

    /// <summary>A rotation step reduced to (−N/4, N/4]: rotations are cyclic over the N/2 slots.</summary>
    private int NormalizeStep(int steps)
    {
        int slots = Context.SlotCount;
        int normalized = ((steps % slots) + slots) % slots;
        return normalized > slots / 2 ? normalized - slots : normalized;
    }

    private static List<int> NonAdjacentForm(int value)
    {
        var parts = new List<int>();
        bool negative = value < 0;
        long x = Math.Abs((long)value);
        for (int bit = 0; x != 0; bit++, x >>= 1)
        {
            if ((x & 1) == 0)
            {
                continue;
            }

            // Digit ±1 chosen so that the rest is divisible by 4 (no two adjacent nonzero digits).
            int digit = (x & 3) == 3 ? -1 : 1;
            x -= digit;
            int step = digit << bit;
            parts.Add(negative ? -step : step);
        }

        return parts;
    }

    private CkksLevel LevelOf(Ciphertext ciphertext, string name)
    {
        ArgumentNullException.ThrowIfNull(ciphertext, name);
        if (ciphertext.IsEmpty)
        {
            throw new ArgumentException("the ciphertext is empty", name);
        }

        return Context.GetDataLevel(ciphertext.ParmsId, "the ciphertext", name);
    }

    private void CheckPlain(Plaintext plain, CkksLevel level)
    {
        ArgumentNullException.ThrowIfNull(plain);
        if (plain.IsEmpty)
        {
            throw new ArgumentException("the plaintext is empty", nameof(plain));
        }

        var plainLevel = Context.GetDataLevel(plain.ParmsId, "the plaintext");
        if (plainLevel != level)
        {
            throw new ParameterMismatchException($"level mismatch: the ciphertext is at {level}, the plaintext at {plainLevel}; encode the plaintext at the ciphertext's level");
        }
    }

    private CkksLevel CheckTarget(CkksLevel level, CkksLevel target)
    {
        ArgumentNullException.ThrowIfNull(target);
        var resolved = Context.FindLevel(target.ParmsId);
        if (resolved is null || resolved.IsKeyLevel)
        {
            throw new ParameterMismatchException($"{target} is not a data level of these encryption parameters");
        }

        if (resolved.Index > level.Index)
        {
            throw new ArgumentException($"cannot switch from {level} up to {resolved}; levels only go down", nameof(target));
        }

        return resolved;
    }

    private static void SameLevel(Ciphertext a, Ciphertext b, string nameA, string nameB)
    {
        if (a.ParmsId != b.ParmsId)
        {
            throw new ParameterMismatchException($"level mismatch: {nameA} is at level {a.Level}, {nameB} at level {b.Level}; mod-switch or rescale the higher one first");
        }
    }

    private static void SameScale(double a, double b, string nameA, string nameB)
    {
        if (Math.Abs(a - b) > ScaleTolerance * Math.Max(Math.Abs(a), Math.Abs(b)))
        {
            throw new ParameterMismatchException($"scale mismatch: {nameA} has scale 2^{Math.Log2(a):0.######}, {nameB} 2^{Math.Log2(b):0.######}; bring them to the same scale first");
        }
    }

    private static void CheckProductScale(double scale, CkksLevel level)
    {
        if (!double.IsFinite(scale) || Math.Log2(scale) >= level.TotalCoeffModulusBitCount)
        {
            throw new ArgumentException($"the result's scale 2^{Math.Log2(scale):0.##} does not fit in the {level.TotalCoeffModulusBitCount}-bit modulus at {level}; rescale first");
        }
    }

    private static void CopyInto(Ciphertext a, Ciphertext destination)
    {
        if (!ReferenceEquals(a, destination))
        {
            destination.CopyFrom(a);
        }

        destination.Seed = null;
    }

    /// <summary>Prepares a destination with a's level and size; a no-op besides dropping the seed when it is a itself.</summary>
    private static void PrepareLike(Ciphertext a, CkksLevel level, int size, Ciphertext destination)
    {
        if (ReferenceEquals(a, destination))
        {
            destination.Seed = null;
            return;
        }

        destination.Resize(level, size);
    }

    /// <summary>Grows a destination that may be an operand to <paramref name="size"/> polynomials, keeping its polynomials.</summary>
    private static void GrowInPlace(Ciphertext destination, CkksLevel level, int size, bool isOperand = true)
    {
        if (isOperand && destination.Size >= size)
        {
            destination.SetSize(size);
            return;
        }

        destination.Resize(level, size);
    }

    private static Ciphertext Into(Action<Ciphertext> operation)
    {
        var destination = new Ciphertext();
        operation(destination);
        return destination;
    }
}
