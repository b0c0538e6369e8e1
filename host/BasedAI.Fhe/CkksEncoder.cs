using System.Buffers;
using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BasedAI.Fhe.Arithmetic;

namespace BasedAI.Fhe;

/// <summary>
/// Encodes vectors of up to N/2 real or complex numbers into plaintext polynomials and decodes them back, through the
/// canonical embedding with SEAL's slot order: slot i is the evaluation at ζ^(3^i mod 2N), ζ = e^(iπ/N), so a Galois
/// element 3^k rotates slots left by k and plaintexts interchange with SEAL's <c>CKKSEncoder</c>.
/// </summary>
public sealed class CkksEncoder
{
    private readonly CkksContext _context;
    private readonly int _n;
    private readonly int _logN;
    private readonly double[] _rootReal;      // ζ^i at bit-reversed index, real part
    private readonly double[] _rootImaginary;
    private readonly int[] _slotIndex;        // slot i → transform index; i + N/2 → its conjugate

    /// <summary>Creates an encoder for the context's parameters.</summary>
    public CkksEncoder(CkksContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        _n = context.PolyModulusDegree;
        _logN = BitOperations.Log2((uint)_n);
        _rootReal = new double[_n];
        _rootImaginary = new double[_n];
        for (int i = 0; i < _n; i++)
        {
            int index = (int)NttTables.ReverseBits((uint)i, _logN);
            (double sin, double cos) = RootOfUnity(i, 2 * _n);
            _rootReal[index] = cos;
            _rootImaginary[index] = sin;
        }

        int slots = _n / 2;
        _slotIndex = new int[_n];
        ulong m = 2UL * (ulong)_n;
        ulong position = 1;
        for (int i = 0; i < slots; i++)
        {
            _slotIndex[i] = (int)NttTables.ReverseBits((uint)((position - 1) >> 1), _logN);
            _slotIndex[slots + i] = (int)NttTables.ReverseBits((uint)((m - position - 1) >> 1), _logN);
            position = position * 3 % m;
        }
    }

    /// <summary>Number of slots, N/2.</summary>
    public int SlotCount => _n / 2;

    /// <summary>Encodes real values (fewer than N/2 are padded with zeros) at <paramref name="scale"/> and the given level (default: the first).</summary>
    public Plaintext Encode(ReadOnlySpan<double> values, double scale, CkksLevel? level = null)
    {
        var destination = new Plaintext();
        Encode(values, scale, destination, level);
        return destination;
    }

    /// <summary>Encodes real values into <paramref name="destination"/>.</summary>
    public void Encode(ReadOnlySpan<double> values, double scale, Plaintext destination, CkksLevel? level = null)
    {
        CheckCount(values.Length);
        double[] real = ArrayPool<double>.Shared.Rent(_n);
        double[] imaginary = ArrayPool<double>.Shared.Rent(_n);
        try
        {
            Array.Clear(real, 0, _n);
            Array.Clear(imaginary, 0, _n);
            for (int i = 0; i < values.Length; i++)
            {
                CheckFinite(values[i], i);
                real[_slotIndex[i]] = values[i];
                real[_slotIndex[SlotCount + i]] = values[i];
            }

            EncodeSlots(real, imaginary, scale, destination, level);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(real);
            ArrayPool<double>.Shared.Return(imaginary);
        }
    }

    /// <summary>Encodes complex values at <paramref name="scale"/> and the given level (default: the first).</summary>
    public Plaintext Encode(ReadOnlySpan<Complex> values, double scale, CkksLevel? level = null)
    {
        var destination = new Plaintext();
        Encode(values, scale, destination, level);
        return destination;
    }

    /// <summary>Encodes complex values into <paramref name="destination"/>.</summary>
    public void Encode(ReadOnlySpan<Complex> values, double scale, Plaintext destination, CkksLevel? level = null)
    {
        CheckCount(values.Length);
        double[] real = ArrayPool<double>.Shared.Rent(_n);
        double[] imaginary = ArrayPool<double>.Shared.Rent(_n);
        try
        {
            Array.Clear(real, 0, _n);
            Array.Clear(imaginary, 0, _n);
            for (int i = 0; i < values.Length; i++)
            {
                CheckFinite(values[i].Real, i);
                CheckFinite(values[i].Imaginary, i);
                real[_slotIndex[i]] = values[i].Real;
                imaginary[_slotIndex[i]] = values[i].Imaginary;
                real[_slotIndex[SlotCount + i]] = values[i].Real;
                imaginary[_slotIndex[SlotCount + i]] = -values[i].Imaginary;
            }

            EncodeSlots(real, imaginary, scale, destination, level);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(real);
            ArrayPool<double>.Shared.Return(imaginary);
        }
    }

    /// <summary>Encodes one real value into every slot. The polynomial is the constant round(value·scale), so this costs no transform.</summary>
    public Plaintext Encode(double value, double scale, CkksLevel? level = null)
    {
        var destination = new Plaintext();
        Encode(value, scale, destination, level);
        return destination;
    }

    /// <summary>Encodes one real value into every slot of <paramref name="destination"/>.</summary>
    public void Encode(double value, double scale, Plaintext destination, CkksLevel? level = null)
    {
        ArgumentNullException.ThrowIfNull(destination);
        CheckFinite(value, 0);
        level = ResolveLevel(level);
        CheckScale(scale, level);
        double coefficient = Math.Round(value * scale);
        CheckMagnitude(Math.Abs(coefficient), level);
        destination.Resize(level);
        destination.Scale = scale;
        for (int i = 0; i < level.PrimeCount; i++)
        {
            // A constant polynomial evaluates to itself at every root: its NTT form is the constant in every slot.
            destination.Limb(i).Fill(ReduceDouble(coefficient, level.Moduli[i]));
        }
    }

    /// <summary>Decodes the real parts of all N/2 slots.</summary>
    public double[] Decode(Plaintext plain)
    {
        var result = new double[SlotCount];
        Decode(plain, result);
        return result;
    }

    /// <summary>Decodes the real parts of the first <c>destination.Length</c> slots.</summary>
    public void Decode(Plaintext plain, Span<double> destination)
    {
        if (destination.Length > SlotCount)
        {
            throw new ArgumentException($"at most {SlotCount} slots can be decoded, {destination.Length} were asked for", nameof(destination));
        }

        double[] real = ArrayPool<double>.Shared.Rent(_n);
        double[] imaginary = ArrayPool<double>.Shared.Rent(_n);
        try
        {
            DecodeSlots(plain, real, imaginary);
            for (int i = 0; i < destination.Length; i++)
            {
                destination[i] = real[_slotIndex[i]];
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(real);
            ArrayPool<double>.Shared.Return(imaginary);
        }
    }

    /// <summary>Decodes all N/2 slots as complex numbers.</summary>
    public Complex[] DecodeComplex(Plaintext plain)
    {
        var result = new Complex[SlotCount];
        double[] real = ArrayPool<double>.Shared.Rent(_n);
        double[] imaginary = ArrayPool<double>.Shared.Rent(_n);
        try
        {
            DecodeSlots(plain, real, imaginary);
            for (int i = 0; i < result.Length; i++)
            {
                result[i] = new Complex(real[_slotIndex[i]], imaginary[_slotIndex[i]]);
            }
        }
        finally
        {
            ArrayPool<double>.Shared.Return(real);
            ArrayPool<double>.Shared.Return(imaginary);
        }

        return result;
    }

    private void EncodeSlots(double[] real, double[] imaginary, double scale, Plaintext destination, CkksLevel? level)
    {
        ArgumentNullException.ThrowIfNull(destination);
        level = ResolveLevel(level);
        CheckScale(scale, level);
        InverseTransform(real, imaginary);
        double factor = scale / _n;
        double maxCoefficient = 0;
        for (int j = 0; j < _n; j++)
        {
            double c = Math.Round(real[j] * factor);
            real[j] = c;
            maxCoefficient = Math.Max(maxCoefficient, Math.Abs(c));
        }

        CheckMagnitude(maxCoefficient, level);
        destination.Resize(level);
        destination.Scale = scale;
        bool small = maxCoefficient < 9.2e18;
        for (int i = 0; i < level.PrimeCount; i++)
        {
            var q = level.Moduli[i];
            var limb = destination.Limb(i);
            if (small)
            {
                for (int j = 0; j < _n; j++)
                {
                    limb[j] = PolyArithmetic.ReduceSigned((long)real[j], q);
                }
            }
            else
            {
                for (int j = 0; j < _n; j++)
                {
                    limb[j] = ReduceDouble(real[j], q);
                }
            }

            level.Ntt[i].Forward(limb);
        }
    }

    private void DecodeSlots(Plaintext plain, double[] real, double[] imaginary)
    {
        ArgumentNullException.ThrowIfNull(plain);
        if (plain.IsEmpty)
        {
            throw new ArgumentException("the plaintext is empty", nameof(plain));
        }

        var level = _context.GetDataLevel(plain.ParmsId, "the plaintext");
        if (!double.IsNormal(plain.Scale) || plain.Scale <= 0 || Math.Log2(plain.Scale) >= level.TotalCoeffModulusBitCount)
        {
            throw new ArgumentException($"the plaintext's scale {plain.Scale} is out of bounds for {level}", nameof(plain));
        }

        int k = level.PrimeCount;
        ulong[] coefficients = ArrayPool<ulong>.Shared.Rent(k * _n);
        ulong[] scratch = ArrayPool<ulong>.Shared.Rent(k + 1);
        try
        {
            for (int i = 0; i < k; i++)
            {
                var limb = coefficients.AsSpan(i * _n, _n);
                plain.Limb(i).CopyTo(limb);
                level.Ntt[i].Inverse(limb);
            }

            double inverseScale = 1.0 / plain.Scale;
            var residues = coefficients.AsSpan(0, k * _n);
            for (int j = 0; j < _n; j++)
            {
                real[j] = level.Crt.ComposeCentered(residues, _n, j, inverseScale, scratch);
                imaginary[j] = 0;
            }
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(coefficients);
            ArrayPool<ulong>.Shared.Return(scratch);
        }

        ForwardTransform(real, imaginary);
    }

    /// <summary>Evaluates the coefficient vector at the 2N-th roots (output index k ↔ ζ^(2·bitrev(k)+1)), like the forward NTT.</summary>
    private unsafe void ForwardTransform(double[] real, double[] imaginary)
    {
        int n = _n;
        fixed (double* re = real, im = imaginary, rootRe = _rootReal, rootIm = _rootImaginary)
        {
            for (int m = 1, t = n >> 1; m < n; m <<= 1, t >>= 1)
            {
                for (int i = 0; i < m; i++)
                {
                    double wr = rootRe[m + i];
                    double wi = rootIm[m + i];
                    int start = 2 * i * t;
                    int j = start;
                    if (Fma.IsSupported && t >= 4)
                    {
                        var vwr = Vector256.Create(wr);
                        var vwi = Vector256.Create(wi);
                        for (; j < start + t; j += 4)
                        {
                            var yr = Vector256.Load(re + j + t);
                            var yi = Vector256.Load(im + j + t);
                            var vr = Fma.MultiplySubtract(yr, vwr, yi * vwi);
                            var vi = Fma.MultiplyAdd(yr, vwi, yi * vwr);
                            var ur = Vector256.Load(re + j);
                            var ui = Vector256.Load(im + j);
                            (ur + vr).Store(re + j);
                            (ui + vi).Store(im + j);
                            (ur - vr).Store(re + j + t);
                            (ui - vi).Store(im + j + t);
                        }
                    }

                    for (; j < start + t; j++)
                    {
                        double yr = re[j + t];
                        double yi = im[j + t];
                        double vr = (yr * wr) - (yi * wi);
                        double vi = (yr * wi) + (yi * wr);
                        double ur = re[j];
                        double ui = im[j];
                        re[j] = ur + vr;
                        im[j] = ui + vi;
                        re[j + t] = ur - vr;
                        im[j + t] = ui - vi;
                    }
                }
            }
        }
    }

    /// <summary>The inverse of <see cref="ForwardTransform"/> without the 1/N factor (folded into the encoding scale).</summary>
    private unsafe void InverseTransform(double[] real, double[] imaginary)
    {
        int n = _n;
        fixed (double* re = real, im = imaginary, rootRe = _rootReal, rootIm = _rootImaginary)
        {
            for (int m = n >> 1, t = 1; m >= 1; m >>= 1, t <<= 1)
            {
                for (int i = 0; i < m; i++)
                {
                    // Inverse twiddle: the conjugate of the forward one.
                    double wr = rootRe[m + i];
                    double wi = -rootIm[m + i];
                    int start = 2 * i * t;
                    int j = start;
                    if (Fma.IsSupported && t >= 4)
                    {
                        var vwr = Vector256.Create(wr);
                        var vwi = Vector256.Create(wi);
                        for (; j < start + t; j += 4)
                        {
                            var ur = Vector256.Load(re + j);
                            var ui = Vector256.Load(im + j);
                            var vr = Vector256.Load(re + j + t);
                            var vi = Vector256.Load(im + j + t);
                            (ur + vr).Store(re + j);
                            (ui + vi).Store(im + j);
                            var dr = ur - vr;
                            var di = ui - vi;
                            Fma.MultiplySubtract(dr, vwr, di * vwi).Store(re + j + t);
                            Fma.MultiplyAdd(dr, vwi, di * vwr).Store(im + j + t);
                        }
                    }

                    for (; j < start + t; j++)
                    {
                        double ur = re[j];
                        double ui = im[j];
                        double vr = re[j + t];
                        double vi = im[j + t];
                        re[j] = ur + vr;
                        im[j] = ui + vi;
                        double dr = ur - vr;
                        double di = ui - vi;
                        re[j + t] = (dr * wr) - (di * wi);
                        im[j + t] = (dr * wi) + (di * wr);
                    }
                }
            }
        }
    }

    private CkksLevel ResolveLevel(CkksLevel? level)
    {
        if (level is null)
        {
            return _context.FirstLevel;
        }

        if (!ReferenceEquals(level.Context, _context) && _context.FindLevel(level.ParmsId) is null)
        {
            throw new ParameterMismatchException($"{level} belongs to different encryption parameters");
        }

        if (level.IsKeyLevel)
        {
            throw new ArgumentException("plaintexts cannot be encoded at the key level", nameof(level));
        }

        return _context.FindLevel(level.ParmsId)!;
    }

    private static void CheckScale(double scale, CkksLevel level)
    {
        if (!double.IsFinite(scale) || scale <= 0 || (int)Math.Log2(scale) + 1 >= level.TotalCoeffModulusBitCount)
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, $"the scale must be positive and below 2^{level.TotalCoeffModulusBitCount - 1} at {level}");
        }
    }

    private static void CheckMagnitude(double maxCoefficient, CkksLevel level)
    {
        int bits = (int)Math.Ceiling(Math.Log2(Math.Max(maxCoefficient, 1.0))) + 1;
        if (bits >= level.TotalCoeffModulusBitCount)
        {
            throw new ArgumentException($"the encoded values times the scale need {bits} bits, more than the {level.TotalCoeffModulusBitCount}-bit modulus at {level} holds; lower the scale or the values");
        }
    }

    private void CheckCount(int count)
    {
        if (count > SlotCount)
        {
            throw new ArgumentException($"at most {SlotCount} values fit in one plaintext at N={_n}, got {count}");
        }
    }

    private static void CheckFinite(double value, int index)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentException($"value {index} is {value}; only finite numbers can be encoded");
        }
    }

    /// <summary>An integral double (any magnitude) modulo q, exactly: value = mantissa · 2^exponent.</summary>
    internal static ulong ReduceDouble(double value, Modulus modulus)
    {
        if (Math.Abs(value) < 9.2e18)
        {
            return PolyArithmetic.ReduceSigned((long)value, modulus);
        }

        long bits = BitConverter.DoubleToInt64Bits(value);
        bool negative = bits < 0;
        int exponent = (int)((bits >> 52) & 0x7FF) - 1075;
        ulong mantissa = ((ulong)bits & 0xFFFFFFFFFFFFFUL) | (1UL << 52);
        ulong reduced = modulus.Multiply(modulus.Reduce(mantissa), modulus.Pow(2, (ulong)exponent));
        return negative ? modulus.Negate(reduced) : reduced;
    }

    private static (double Sin, double Cos) RootOfUnity(int k, int m)
    {
        // e^(2πik/m), computed from the first octant for accuracy.
        if (8 * k <= m)
        {
            return Math.SinCos(2 * Math.PI * k / m);
        }

        if (4 * k <= m)
        {
            var (s, c) = Math.SinCos(2 * Math.PI * ((m / 4.0) - k) / m);
            return (c, s);
        }

        if (2 * k <= m)
        {
            var (s, c) = RootOfUnity(k - (m / 4), m);
            return (c, -s);
        }

        var (s2, c2) = RootOfUnity(k - (m / 2), m);
        return (-s2, -c2);
    }
}
