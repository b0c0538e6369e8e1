using System.Numerics;

namespace BasedAI.ZkLlm.Slots;

/// <summary>
/// A vector of slots the miner computes on: a CKKS ciphertext, or (plain mode) the values themselves. It knows its level
/// and scale, which every operation checks as a ciphertext would.
/// </summary>
public abstract class SlotValue
{
    /// <summary>Level (chain index).</summary>
    public abstract int Level { get; }

    /// <summary>Encoding scale.</summary>
    public abstract double Scale { get; }
}

/// <summary>An encoded plaintext (weights, masks) at a level and scale.</summary>
public abstract class SlotPlaintext
{
    /// <summary>Level it is encoded at.</summary>
    public abstract int Level { get; }

    /// <summary>Scale it is encoded at.</summary>
    public abstract double Scale { get; }
}

/// <summary>What the miner's backend can do with the public parameters alone (no keys): encode plaintexts.</summary>
public interface IMinerBackend
{
    /// <summary>Slots per vector.</summary>
    int Slots { get; }

    /// <summary>Number of data levels.</summary>
    int DataLevels { get; }

    /// <summary>The prime a rescale from <paramref name="level"/> divides by.</summary>
    double Prime(int level);

    /// <summary>The serialized encryption parameters (what a client must match).</summary>
    byte[] Parameters { get; }

    /// <summary>Encodes slot values at a level and scale.</summary>
    SlotPlaintext Encode(ReadOnlySpan<Complex> slots, int level, double scale);

    /// <summary>An evaluator holding a client's evaluation keys (never a secret key).</summary>
    IMinerEvaluator CreateEvaluator(ReadOnlyMemory<byte> relinearizationKeys, ReadOnlyMemory<byte> galoisKeys, IReadOnlyCollection<int> requiredSteps);
}

/// <summary>Homomorphic operations with one client's evaluation keys.</summary>
public interface IMinerEvaluator : IDisposable
{
    /// <summary>Reads a value a client sent; <paramref name="what"/> names it in errors.</summary>
    SlotValue Deserialize(ReadOnlySpan<byte> bytes, string what);

    /// <summary>Serializes a value to send.</summary>
    byte[] Serialize(SlotValue value);

    /// <summary>a ⊙ plaintext (scales multiply).</summary>
    SlotValue MultiplyPlain(SlotValue a, SlotPlaintext plain);

    /// <summary>a ⊙ b without relinearization.</summary>
    SlotValue Multiply(SlotValue a, SlotValue b);

    /// <summary>Relinearizes a product.</summary>
    SlotValue Relinearize(SlotValue a);

    /// <summary>Rescales by the level's last prime.</summary>
    SlotValue Rescale(SlotValue a);

    /// <summary>Drops primes down to <paramref name="level"/>.</summary>
    SlotValue ModSwitch(SlotValue a, int level);

    /// <summary>Rotates left by <paramref name="steps"/> slots.</summary>
    SlotValue Rotate(SlotValue a, int steps);

    /// <summary>Several rotations of the same value (one key-switching decomposition when the backend hoists).</summary>
    IReadOnlyList<SlotValue> RotateMany(SlotValue a, IReadOnlyList<int> steps);

    /// <summary>a + b.</summary>
    SlotValue Add(SlotValue a, SlotValue b);

    /// <summary>a + plaintext.</summary>
    SlotValue AddPlain(SlotValue a, SlotPlaintext plain);

    /// <summary>a · value, the constant encoded at <paramref name="constantScale"/>.</summary>
    SlotValue MultiplyConstant(SlotValue a, double value, double constantScale);

    /// <summary>a + value in every slot (encoded at a's scale; no level consumed).</summary>
    SlotValue AddConstant(SlotValue a, double value);

    /// <summary>Every key byte the evaluator holds (for audits: what a miner stores).</summary>
    IReadOnlyList<ReadOnlyMemory<byte>> HeldKeys { get; }
}

/// <summary>The client's side: key generation, encryption and decryption.</summary>
public interface IClientBackend : IDisposable
{
    /// <summary>Slots per vector.</summary>
    int Slots { get; }

    /// <summary>The serialized encryption parameters.</summary>
    byte[] Parameters { get; }

    /// <summary>Relinearization keys and Galois keys for exactly <paramref name="steps"/>.</summary>
    (byte[] Relinearization, byte[] Galois) CreateEvaluationKeys(IReadOnlyCollection<int> steps);

    /// <summary>Encodes and encrypts slot values at a level and scale; returns the serialized ciphertext.</summary>
    byte[] Encrypt(ReadOnlySpan<Complex> slots, int level, double scale);

    /// <summary>Decrypts and decodes a serialized ciphertext into slot values.</summary>
    Complex[] Decrypt(ReadOnlySpan<byte> ciphertext, string what);
}
