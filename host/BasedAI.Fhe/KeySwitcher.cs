using System.Buffers;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BasedAI.Fhe.Arithmetic;

namespace BasedAI.Fhe;

/// <summary>
/// Hybrid key switching with one digit per prime (SEAL's scheme, so SEAL's keys work unchanged): for a polynomial d in NTT
/// form at level t, computes Σ_j [d]_{q_j}·key_j over the primes of the level plus the special prime P, then divides by P
/// with rounding. Each output prime is finished before the next starts (digits in coefficient form are shared), which keeps
/// the working set per prime small; products accumulate in 128 bits and are reduced once.
/// </summary>
internal static class KeySwitcher
{
    /// <summary>
    /// Adds the switched (u0, u1) of <paramref name="target"/> (NTT form, t limbs) into limbs 0..t−1 of
    /// <paramref name="destination"/>'s polynomials 0 and 1. <paramref name="target"/> must not overlap the destination.
    /// </summary>
    public static void Switch(CkksLevel level, ReadOnlySpan<ulong> target, Ciphertext[] key, Ciphertext destination)
    {
        var context = level.Context;
        int n = context.PolyModulusDegree;
        int t = level.PrimeCount;
        int special = context.KeySwitching.SpecialIndex;
        var moduli = context.Moduli;
        var ntt = context.NttTables;
        var pool = ArrayPool<ulong>.Shared;
        ulong[] digits = pool.Rent(t * n);
        ulong[] work = pool.Rent(n);
        ulong[] accumulator = pool.Rent(4 * n);
        ulong[] products = pool.Rent(2 * (t + 1) * n);
        try
        {
            ToCoefficientDigits(level, target, digits);
            for (int outIndex = 0; outIndex <= t; outIndex++)
            {
                int prime = outIndex == t ? special : outIndex;
                var q = moduli[prime];
                var converted = work.AsSpan(0, n);
                for (int j = 0; j < t; j++)
                {
                    ReadOnlySpan<ulong> operand;
                    if (j == prime)
                    {
                        operand = target.Slice(j * n, n);
                    }
                    else
                    {
                        ConvertDigit(digits.AsSpan(j * n, n), moduli[j].Value, q, converted, lazy: true);
                        ntt[prime].Forward(converted);
                        operand = converted;
                    }

                    Accumulate(operand, key[j], prime, q, j, accumulator);
                }

                FinishAccumulation(accumulator, q, products, outIndex, t, n);
            }

            ModDown(level, products, work, destination);
        }
        finally
        {
            pool.Return(digits);
            pool.Return(work);
            pool.Return(accumulator);
            pool.Return(products);
        }
    }

    /// <summary>
    /// The part of key switching that does not depend on the key: every digit of <paramref name="target"/> lifted to every
    /// output prime, in NTT form. Limb (outIndex, j) sits at ((outIndex·t) + j)·N. Rotations of one ciphertext by several
    /// steps share it (hoisting): an automorphism permutes NTT slots, and it commutes with the (centered) digit lift.
    /// Return the array to <see cref="ArrayPool{T}.Shared"/> when done.
    /// </summary>
    public static ulong[] Decompose(CkksLevel level, ReadOnlySpan<ulong> target)
    {
        var context = level.Context;
        int n = context.PolyModulusDegree;
        int t = level.PrimeCount;
        int special = context.KeySwitching.SpecialIndex;
        var moduli = context.Moduli;
        var ntt = context.NttTables;
        ulong[] decomposed = ArrayPool<ulong>.Shared.Rent((t + 1) * t * n);
        ulong[] digits = ArrayPool<ulong>.Shared.Rent(t * n);
        try
        {
            ToCoefficientDigits(level, target, digits);
            for (int outIndex = 0; outIndex <= t; outIndex++)
            {
                int prime = outIndex == t ? special : outIndex;
                for (int j = 0; j < t; j++)
                {
                    var limb = decomposed.AsSpan(((outIndex * t) + j) * n, n);
                    if (j == prime)
                    {
                        target.Slice(j * n, n).CopyTo(limb);
                    }
                    else
                    {
                        ConvertDigit(digits.AsSpan(j * n, n), moduli[j].Value, moduli[prime], limb, lazy: true);
                        ntt[prime].Forward(limb);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(digits);
        }

        return decomposed;
    }

    /// <summary>
    /// Key switching from a <see cref="Decompose"/>d polynomial, optionally after the automorphism given by its NTT
    /// permutation table; adds (u0, u1) into <paramref name="destination"/>'s polynomials 0 and 1.
    /// </summary>
    public static void SwitchDecomposed(CkksLevel level, ulong[] decomposed, int[]? permutation, Ciphertext[] key, Ciphertext destination)
    {
        var context = level.Context;
        int n = context.PolyModulusDegree;
        int t = level.PrimeCount;
        int special = context.KeySwitching.SpecialIndex;
        var pool = ArrayPool<ulong>.Shared;
        ulong[] work = pool.Rent(n);
        ulong[] accumulator = pool.Rent(4 * n);
        ulong[] products = pool.Rent(2 * (t + 1) * n);
        try
        {
            for (int outIndex = 0; outIndex <= t; outIndex++)
            {
                int prime = outIndex == t ? special : outIndex;
                var q = context.Moduli[prime];
                for (int j = 0; j < t; j++)
                {
                    ReadOnlySpan<ulong> operand = decomposed.AsSpan(((outIndex * t) + j) * n, n);
                    if (permutation is not null)
                    {
                        Permute(operand, permutation, work);
                        operand = work.AsSpan(0, n);
                    }

                    Accumulate(operand, key[j], prime, q, j, accumulator);
                }

                FinishAccumulation(accumulator, q, products, outIndex, t, n);
            }

            ModDown(level, products, work, destination);
        }
        finally
        {
            pool.Return(work);
            pool.Return(accumulator);
            pool.Return(products);
        }
    }

    private static void Permute(ReadOnlySpan<ulong> source, int[] table, Span<ulong> destination)
    {
        for (int k = 0; k < table.Length; k++)
        {
            destination[k] = source[table[k]];
        }
    }

    /// <summary>Digits in coefficient form: d_j = INTT_j(target_j), values in [0, q_j).</summary>
    private static void ToCoefficientDigits(CkksLevel level, ReadOnlySpan<ulong> target, ulong[] digits)
    {
        int n = level.Context.PolyModulusDegree;
        for (int j = 0; j < level.PrimeCount; j++)
        {
            var digit = digits.AsSpan(j * n, n);
            target.Slice(j * n, n).CopyTo(digit);
            level.Ntt[j].Inverse(digit);
        }
    }

    private static void Accumulate(ReadOnlySpan<ulong> operand, Ciphertext keyJ, int prime, Modulus q, int digit, ulong[] accumulator)
    {
        int n = operand.Length;
        if (FloatModular.IsSupported && q.Value < FloatModular.MaxModulus)
        {
            MultiplyAccumulateDouble(operand, keyJ.Limb(0, prime), keyJ.Limb(1, prime), accumulator.AsSpan(0, 2 * n), q, digit);
        }
        else
        {
            MultiplyAccumulate(operand, keyJ.Limb(0, prime), keyJ.Limb(1, prime), accumulator.AsSpan(0, 4 * n), first: digit == 0);
        }
    }

    /// <summary>Reduces the accumulated products for one output prime into the products buffer: part p at ((p·(t+1)) + outIndex)·N.</summary>
    private static void FinishAccumulation(ulong[] accumulator, Modulus q, ulong[] products, int outIndex, int t, int n)
    {
        var out0 = products.AsSpan(outIndex * n, n);
        var out1 = products.AsSpan(((t + 1) + outIndex) * n, n);
        if (FloatModular.IsSupported && q.Value < FloatModular.MaxModulus)
        {
            ReduceAccumulatorDouble(accumulator.AsSpan(0, 2 * n), q, out0, out1);
        }
        else
        {
            ReduceAccumulator(accumulator.AsSpan(0, 4 * n), q, out0, out1);
        }
    }

    /// <summary>Divides by P with rounding: u_i = (acc_i − [acc_P + P/2]_{q_i} + [P/2]_{q_i}) · P^{-1}, added into the destination.</summary>
    private static void ModDown(CkksLevel level, ulong[] products, ulong[] work, Ciphertext destination)
    {
        var context = level.Context;
        int n = context.PolyModulusDegree;
        int t = level.PrimeCount;
        int special = context.KeySwitching.SpecialIndex;
        var moduli = context.Moduli;
        var constants = context.KeySwitching;
        var pModulus = moduli[special];
        ulong halfP = pModulus.Value >> 1;
        for (int part = 0; part < 2; part++)
        {
            var top = products.AsSpan(((part * (t + 1)) + t) * n, n);
            context.NttTables[special].Inverse(top);
            PolyArithmetic.AddScalar(top, halfP, top, pModulus);
            for (int i = 0; i < t; i++)
            {
                var q = moduli[i];
                var correction = work.AsSpan(0, n);
                if (pModulus.Value <= q.Value)
                {
                    top.CopyTo(correction);
                }
                else
                {
                    PolyArithmetic.Reduce(top, correction, q);
                }

                // Subtracting [P/2]_{q_i} here (adding its negation) turns floor into rounding.
                PolyArithmetic.AddScalar(correction, q.Negate(constants.HalfPMod[i]), correction, q);
                context.NttTables[i].Forward(correction);
                PolyArithmetic.SubtractMultiplyScalarAdd(
                    products.AsSpan(((part * (t + 1)) + i) * n, n), correction, constants.InversePMod[i], constants.InversePModShoup[i],
                    destination.Limb(part, i), q);
            }
        }
    }

    /// <summary>
    /// Lifts a digit d ∈ [0, q_from) to prime q_to as the centered value d − q_from when d &gt; q_from/2. Centered digits
    /// halve the key-switching noise and remove its structured part: an uncentered digit carries a mean q/2 in every
    /// coefficient, whose product with the key noise piles up in the slots near the root 1. With <paramref name="lazy"/>
    /// the output may stay below 4·q_to (what the forward transform accepts) instead of being fully reduced.
    /// </summary>
    private static unsafe void ConvertDigit(ReadOnlySpan<ulong> source, ulong from, Modulus to, Span<ulong> destination, bool lazy)
    {
        ulong half = from >> 1;
        ulong q = to.Value;
        ulong shift = to.Negate(to.Reduce(from));
        int n = destination.Length;
        // d + shift < q_from + q_to: below 3·q_to when q_from ≤ 2·q_to (lazy), below 2·q_to when q_from ≤ q_to.
        bool direct = from <= q || (lazy && from <= 2 * q);
        bool reduceAfter = !lazy || from > 2 * q;
        fixed (ulong* src = source, dst = destination)
        {
            int c = 0;
            if (Avx2.IsSupported && direct)
            {
                var vHalf = Vector256.Create(half);
                var vShift = Vector256.Create(shift);
                var vq = Vector256.Create(q);
                var vqm1 = Vector256.Create(q - 1);
                for (; c + 4 <= n; c += 4)
                {
                    var d = Vector256.Load(src + c);
                    var r = d + (Avx2.CompareGreaterThan(d.AsInt64(), vHalf.AsInt64()).AsUInt64() & vShift);
                    if (reduceAfter)
                    {
                        r = NttTables.SubtractIfAbove(r, vq, vqm1);
                    }

                    r.Store(dst + c);
                }
            }

            for (; c < n; c++)
            {
                ulong d = src[c];
                ulong r = direct ? d : to.Reduce(d);
                r += shift & (ulong)((long)(half - d) >> 63);
                dst[c] = reduceAfter ? PolyArithmetic.SubtractIfAtLeast(r, q) : r;
            }
        }
    }

    /// <summary>acc0 += a·k0, acc1 += a·k1 as 128-bit sums (low/high word pairs), or initializes them when <paramref name="first"/>.</summary>
    private static unsafe void MultiplyAccumulate(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> k0, ReadOnlySpan<ulong> k1, Span<ulong> accumulator, bool first)
    {
        int n = a.Length;
        fixed (ulong* pa = a, p0 = k0, p1 = k1, acc = accumulator)
        {
            if (first)
            {
                for (int c = 0; c < n; c++)
                {
                    ulong x = pa[c];
                    acc[(4 * c) + 1] = Math.BigMul(x, p0[c], out acc[4 * c]);
                    acc[(4 * c) + 3] = Math.BigMul(x, p1[c], out acc[(4 * c) + 2]);
                }

                return;
            }

            for (int c = 0; c < n; c++)
            {
                ulong x = pa[c];
                ulong* slot = acc + (4 * c);
                ulong high0 = Math.BigMul(x, p0[c], out ulong low0);
                ulong high1 = Math.BigMul(x, p1[c], out ulong low1);
                ulong sum0 = slot[0] + low0;
                ulong sum1 = slot[2] + low1;
                slot[1] += high0 + (sum0 < low0 ? 1UL : 0UL);
                slot[3] += high1 + (sum1 < low1 ? 1UL : 0UL);
                slot[0] = sum0;
                slot[2] = sum1;
            }
        }
    }

    /// <summary>
    /// The same accumulation in doubles for primes below 2^50: each product is reduced exactly (|r| &lt; q) and summed as a
    /// signed double; every eighth digit re-centers the sums so they stay far below 2^53. Accumulator: acc0[n] then acc1[n].
    /// </summary>
    private static unsafe void MultiplyAccumulateDouble(ReadOnlySpan<ulong> a, ReadOnlySpan<ulong> k0, ReadOnlySpan<ulong> k1, Span<ulong> accumulator, Modulus modulus, int digit)
    {
        int n = a.Length;
        var q = Vector256.Create((double)modulus.Value);
        var inverseQ = Vector256.Create(1.0 / modulus.Value);
        bool first = digit == 0;
        bool recenter = digit % 8 == 7;
        fixed (ulong* pa = a, p0 = k0, p1 = k1, acc = accumulator)
        {
            double* acc0 = (double*)acc;
            double* acc1 = acc0 + n;
            for (int c = 0; c < n; c += 4)
            {
                var x = FloatModular.ToDouble(Vector256.Load(pa + c));
                var r0 = FloatModular.Multiply(x, FloatModular.ToDouble(Vector256.Load(p0 + c)), q, inverseQ);
                var r1 = FloatModular.Multiply(x, FloatModular.ToDouble(Vector256.Load(p1 + c)), q, inverseQ);
                if (!first)
                {
                    r0 += Vector256.Load(acc0 + c);
                    r1 += Vector256.Load(acc1 + c);
                    if (recenter)
                    {
                        r0 = FloatModular.ReduceCentered(r0, q, inverseQ);
                        r1 = FloatModular.ReduceCentered(r1, q, inverseQ);
                    }
                }

                r0.Store(acc0 + c);
                r1.Store(acc1 + c);
            }
        }
    }

    private static unsafe void ReduceAccumulatorDouble(ReadOnlySpan<ulong> accumulator, Modulus modulus, Span<ulong> out0, Span<ulong> out1)
    {
        int n = out0.Length;
        var q = Vector256.Create((double)modulus.Value);
        var inverseQ = Vector256.Create(1.0 / modulus.Value);
        fixed (ulong* acc = accumulator, o0 = out0, o1 = out1)
        {
            double* acc0 = (double*)acc;
            double* acc1 = acc0 + n;
            for (int c = 0; c < n; c += 4)
            {
                FloatModular.ToWords(FloatModular.Normalize(Vector256.Load(acc0 + c), q, inverseQ)).Store(o0 + c);
                FloatModular.ToWords(FloatModular.Normalize(Vector256.Load(acc1 + c), q, inverseQ)).Store(o1 + c);
            }
        }
    }

    private static unsafe void ReduceAccumulator(ReadOnlySpan<ulong> accumulator, Modulus q, Span<ulong> out0, Span<ulong> out1)
    {
        int n = out0.Length;
        fixed (ulong* acc = accumulator, o0 = out0, o1 = out1)
        {
            for (int c = 0; c < n; c++)
            {
                o0[c] = q.Reduce128(acc[(4 * c) + 1], acc[4 * c]);
                o1[c] = q.Reduce128(acc[(4 * c) + 3], acc[(4 * c) + 2]);
            }
        }
    }
}
