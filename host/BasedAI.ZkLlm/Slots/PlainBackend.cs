using System.Buffers.Binary;
using System.Numerics;

namespace BasedAI.ZkLlm.Slots;

/// <summary>
/// Plain mode (encryption disabled, as the paper allows): slot vectors travel and are computed on in clear, with the
/// same levels, scales and rules a CKKS ciphertext obeys (same level and scale to add, a prime per rescale, no rescale
/// at the last level), so the plan runs unchanged and exactly, without noise. The primes are 2^bits of the plan's chain.
/// </summary>
public sealed class PlainBackend : IMinerBackend, IClientBackend
{
    private const uint Magic = 0x4C505A42; // "BZPL"
    private readonly int[] _bits;

    /// <summary>A plain backend for <paramref name="slots"/> slots and a chain of prime sizes (special prime last).</summary>
    public PlainBackend(int slots, IReadOnlyList<int> coeffModulusBits)
    {
        ArgumentNullException.ThrowIfNull(coeffModulusBits);
        if (slots < 1 || coeffModulusBits.Count < 2)
        {
            throw new ArgumentException("the plain backend needs slots and a chain of at least two primes");
        }
        Slots = slots;
        _bits = coeffModulusBits.ToArray();
        Parameters = [.. BitConverter.GetBytes(slots), .. _bits.SelectMany(BitConverter.GetBytes)];
    }

    /// <inheritdoc />
    public int Slots { get; }

    /// <inheritdoc />
    public int DataLevels => _bits.Length - 1;

    /// <inheritdoc />
    public byte[] Parameters { get; }

    /// <inheritdoc />
    public double Prime(int level) => Math.Pow(2, _bits[level]);

    /// <inheritdoc />
    public SlotPlaintext Encode(ReadOnlySpan<Complex> slots, int level, double scale)
    {
        CheckLevel(level, "plaintext");
        return new PlainPlaintext(Pad(slots), level, scale);
    }

    /// <inheritdoc />
    public IMinerEvaluator CreateEvaluator(ReadOnlyMemory<byte> relinearizationKeys, ReadOnlyMemory<byte> galoisKeys, IReadOnlyCollection<int> requiredSteps) =>
        new Evaluator(this);

    /// <inheritdoc />
    public (byte[] Relinearization, byte[] Galois) CreateEvaluationKeys(IReadOnlyCollection<int> steps) => ([], []);

    /// <inheritdoc />
    public byte[] Encrypt(ReadOnlySpan<Complex> slots, int level, double scale)
    {
        CheckLevel(level, "value");
        return Serialize(new PlainValue(Pad(slots), level, scale));
    }

    /// <inheritdoc />
    public Complex[] Decrypt(ReadOnlySpan<byte> ciphertext, string what) => Read(ciphertext, what).Values;

    /// <inheritdoc />
    public void Dispose()
    {
    }

    private Complex[] Pad(ReadOnlySpan<Complex> slots)
    {
        if (slots.Length > Slots)
        {
            throw new ArgumentException($"{slots.Length} values do not fit in {Slots} slots");
        }
        var values = new Complex[Slots];
        slots.CopyTo(values);
        return values;
    }

    private void CheckLevel(int level, string what)
    {
        if (level < 0 || level >= DataLevels)
        {
            throw new ArgumentOutOfRangeException(nameof(level), level, $"{what} level must be between 0 and {DataLevels - 1}");
        }
    }

    private byte[] Serialize(PlainValue value)
    {
        var bytes = new byte[4 + 4 + 8 + 4 + (16 * Slots)];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), value.Level);
        BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(8), value.Scale);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(16), Slots);
        for (int i = 0; i < Slots; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(20 + (16 * i)), value.Values[i].Real);
            BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(28 + (16 * i)), value.Values[i].Imaginary);
        }
        return bytes;
    }

    private PlainValue Read(ReadOnlySpan<byte> bytes, string what)
    {
        if (bytes.Length < 20 || BinaryPrimitives.ReadUInt32LittleEndian(bytes) != Magic)
        {
            throw new InvalidDataException($"{what}: not a plain-mode slot vector");
        }
        int level = BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]);
        double scale = BinaryPrimitives.ReadDoubleLittleEndian(bytes[8..]);
        int count = BinaryPrimitives.ReadInt32LittleEndian(bytes[16..]);
        if (count != Slots || bytes.Length != 20 + (16L * count))
        {
            throw new InvalidDataException($"{what}: {count} slots in {bytes.Length} bytes; these parameters have {Slots} slots");
        }
        if (level < 0 || level >= DataLevels)
        {
            throw new InvalidDataException($"{what}: level {level} is outside 0…{DataLevels - 1}");
        }
        if (!double.IsFinite(scale) || scale <= 0)
        {
            throw new InvalidDataException($"{what}: scale {scale} is not a positive number");
        }
        var values = new Complex[count];
        for (int i = 0; i < count; i++)
        {
            double re = BinaryPrimitives.ReadDoubleLittleEndian(bytes[(20 + (16 * i))..]), im = BinaryPrimitives.ReadDoubleLittleEndian(bytes[(28 + (16 * i))..]);
            if (!double.IsFinite(re) || !double.IsFinite(im))
            {
                throw new InvalidDataException($"{what}: slot {i} is not finite");
            }
            values[i] = new Complex(re, im);
        }
        return new PlainValue(values, level, scale);
    }

    private sealed class PlainValue(Complex[] values, int level, double scale) : SlotValue
    {
        public Complex[] Values { get; } = values;

        public override int Level { get; } = level;

        public override double Scale { get; } = scale;
    }

    private sealed class PlainPlaintext(Complex[] values, int level, double scale) : SlotPlaintext
    {
        public Complex[] Values { get; } = values;

        public override int Level { get; } = level;

        public override double Scale { get; } = scale;
    }

    private sealed class Evaluator(PlainBackend backend) : IMinerEvaluator
    {
        public IReadOnlyList<ReadOnlyMemory<byte>> HeldKeys => [];

        public SlotValue Deserialize(ReadOnlySpan<byte> bytes, string what) => backend.Read(bytes, what);

        public byte[] Serialize(SlotValue value) => backend.Serialize(Cast(value));

        public SlotValue MultiplyPlain(SlotValue a, SlotPlaintext plain)
        {
            PlainValue x = Cast(a);
            var p = (PlainPlaintext)plain;
            SameLevel(x.Level, p.Level);
            var result = new Complex[x.Values.Length];
            for (int i = 0; i < result.Length; i++)
            {
                result[i] = x.Values[i] * p.Values[i];
            }
            return new PlainValue(result, x.Level, x.Scale * p.Scale);
        }

        public SlotValue Multiply(SlotValue a, SlotValue b)
        {
            PlainValue x = Cast(a), y = Cast(b);
            SameLevel(x.Level, y.Level);
            var result = new Complex[x.Values.Length];
            for (int i = 0; i < result.Length; i++)
            {
                result[i] = x.Values[i] * y.Values[i];
            }
            return new PlainValue(result, x.Level, x.Scale * y.Scale);
        }

        public SlotValue Relinearize(SlotValue a) => a;

        public SlotValue Rescale(SlotValue a)
        {
            PlainValue x = Cast(a);
            if (x.Level == 0)
            {
                throw new InvalidOperationException("cannot rescale at the last level");
            }
            return new PlainValue(x.Values, x.Level - 1, x.Scale / backend.Prime(x.Level));
        }

        public SlotValue ModSwitch(SlotValue a, int level)
        {
            PlainValue x = Cast(a);
            if (level > x.Level || level < 0)
            {
                throw new InvalidOperationException($"cannot switch from level {x.Level} to {level}");
            }
            return new PlainValue(x.Values, level, x.Scale);
        }

        public SlotValue Rotate(SlotValue a, int steps)
        {
            PlainValue x = Cast(a);
            int n = x.Values.Length, shift = ((steps % n) + n) % n;
            var result = new Complex[n];
            for (int i = 0; i < n; i++)
            {
                result[i] = x.Values[(i + shift) % n];
            }
            return new PlainValue(result, x.Level, x.Scale);
        }

        public IReadOnlyList<SlotValue> RotateMany(SlotValue a, IReadOnlyList<int> steps) => steps.Select(s => Rotate(a, s)).ToArray();

        public SlotValue Add(SlotValue a, SlotValue b)
        {
            PlainValue x = Cast(a), y = Cast(b);
            SameLevel(x.Level, y.Level);
            SameScale(x.Scale, y.Scale);
            var result = new Complex[x.Values.Length];
            for (int i = 0; i < result.Length; i++)
            {
                result[i] = x.Values[i] + y.Values[i];
            }
            return new PlainValue(result, x.Level, x.Scale);
        }

        public SlotValue AddPlain(SlotValue a, SlotPlaintext plain)
        {
            PlainValue x = Cast(a);
            var p = (PlainPlaintext)plain;
            SameLevel(x.Level, p.Level);
            SameScale(x.Scale, p.Scale);
            var result = new Complex[x.Values.Length];
            for (int i = 0; i < result.Length; i++)
            {
                result[i] = x.Values[i] + p.Values[i];
            }
            return new PlainValue(result, x.Level, x.Scale);
        }

        public SlotValue MultiplyConstant(SlotValue a, double value, double constantScale)
        {
            PlainValue x = Cast(a);
            return new PlainValue(x.Values.Select(v => v * value).ToArray(), x.Level, x.Scale * constantScale);
        }

        public SlotValue AddConstant(SlotValue a, double value)
        {
            PlainValue x = Cast(a);
            return new PlainValue(x.Values.Select(v => v + value).ToArray(), x.Level, x.Scale);
        }

        public void Dispose()
        {
        }

        private static PlainValue Cast(SlotValue value) =>
            value as PlainValue ?? throw new ArgumentException("the value does not belong to the plain backend");

        private static void SameLevel(int a, int b)
        {
            if (a != b)
            {
                throw new InvalidOperationException($"level mismatch: {a} and {b}");
            }
        }

        private static void SameScale(double a, double b)
        {
            if (Math.Abs(a - b) > 1e-9 * Math.Max(a, b))
            {
                throw new InvalidOperationException($"scale mismatch: 2^{Math.Log2(a):0.###} and 2^{Math.Log2(b):0.###}");
            }
        }
    }
}
