using BasedAI.Fhe.Arithmetic;

namespace BasedAI.Fhe;

/// <summary>Decrypts ciphertexts with the secret key: m = c0 + c1·s + c2·s² + … in NTT form at the ciphertext's level.</summary>
public sealed class Decryptor
{
    private readonly CkksContext _context;
    private readonly SecretKey _secretKey;

    /// <summary>A decryptor. The key is referenced, not copied: do not dispose it while decrypting.</summary>
    public Decryptor(CkksContext context, SecretKey secretKey)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(secretKey);
        if (secretKey.ParmsId != context.KeyLevel.ParmsId)
        {
            throw new ParameterMismatchException("the secret key was made for different encryption parameters");
        }

        _context = context;
        _secretKey = secretKey;
    }

    /// <summary>Decrypts to a plaintext at the ciphertext's level and scale.</summary>
    public Plaintext Decrypt(Ciphertext encrypted)
    {
        var destination = new Plaintext();
        Decrypt(encrypted, destination);
        return destination;
    }

    /// <summary>Decrypts into <paramref name="destination"/>.</summary>
    public void Decrypt(Ciphertext encrypted, Plaintext destination)
    {
        ArgumentNullException.ThrowIfNull(encrypted);
        ArgumentNullException.ThrowIfNull(destination);
        if (encrypted.IsEmpty)
        {
            throw new ArgumentException("the ciphertext is empty", nameof(encrypted));
        }

        var level = _context.GetDataLevel(encrypted.ParmsId, "the ciphertext");
        destination.Resize(level);
        destination.Scale = encrypted.Scale;
        for (int i = 0; i < level.PrimeCount; i++)
        {
            var q = level.Moduli[i];
            var result = destination.Limb(i);
            var s = _secretKey.Limb(i);
            // Horner: ((c_{k-1}·s + c_{k-2})·s + …)·s + c0
            encrypted.Limb(encrypted.Size - 1, i).CopyTo(result);
            for (int poly = encrypted.Size - 2; poly >= 0; poly--)
            {
                PolyArithmetic.Multiply(result, s, result, q);
                PolyArithmetic.Add(result, encrypted.Limb(poly, i), result, q);
            }
        }
    }
}
