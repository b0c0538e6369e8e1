using BasedAI.Fhe.Arithmetic;

namespace BasedAI.Fhe;

/// <summary>
/// Encrypts plaintexts with the public key (anyone may) or with the secret key (the key owner; the result can be saved in
/// SEAL's half-size seeded form, which halves what a client uploads).
/// </summary>
public sealed class Encryptor
{
    private readonly CkksContext _context;
    private readonly PublicKey? _publicKey;
    private readonly SecretKey? _secretKey;

    /// <summary>An encryptor for public-key encryption.</summary>
    public Encryptor(CkksContext context, PublicKey publicKey)
        : this(context, publicKey, null)
    {
        ArgumentNullException.ThrowIfNull(publicKey);
    }

    /// <summary>An encryptor for secret-key (symmetric) encryption. The key is referenced, not copied: do not dispose it while encrypting.</summary>
    public Encryptor(CkksContext context, SecretKey secretKey)
        : this(context, null, secretKey)
    {
        ArgumentNullException.ThrowIfNull(secretKey);
    }

    /// <summary>An encryptor that can do both.</summary>
    public Encryptor(CkksContext context, PublicKey? publicKey, SecretKey? secretKey)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (publicKey is not null && publicKey.ParmsId != context.KeyLevel.ParmsId)
        {
            throw new ParameterMismatchException("the public key was made for different encryption parameters");
        }

        if (secretKey is not null && secretKey.ParmsId != context.KeyLevel.ParmsId)
        {
            throw new ParameterMismatchException("the secret key was made for different encryption parameters");
        }

        _context = context;
        _publicKey = publicKey;
        _secretKey = secretKey;
    }

    /// <summary>Encrypts with the public key, at the plaintext's level and scale.</summary>
    public Ciphertext Encrypt(Plaintext plain)
    {
        var destination = new Ciphertext();
        Encrypt(plain, destination);
        return destination;
    }

    /// <summary>Encrypts with the public key into <paramref name="destination"/>.</summary>
    public void Encrypt(Plaintext plain, Ciphertext destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var level = CheckPlain(plain);
        if (_publicKey is null)
        {
            throw new InvalidOperationException("this encryptor has no public key; use EncryptSymmetric or construct it with a public key");
        }

        Rlwe.EncryptZeroAsymmetric(_publicKey, level, destination);
        AddPlain(plain, level, destination);
    }

    /// <summary>Encrypts with the secret key; the result remembers its seed and can be saved seeded (<c>Save(..., seeded: true)</c>).</summary>
    public Ciphertext EncryptSymmetric(Plaintext plain)
    {
        var destination = new Ciphertext();
        EncryptSymmetric(plain, destination);
        return destination;
    }

    /// <summary>Encrypts with the secret key into <paramref name="destination"/>.</summary>
    public void EncryptSymmetric(Plaintext plain, Ciphertext destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var level = CheckPlain(plain);
        if (_secretKey is null)
        {
            throw new InvalidOperationException("this encryptor has no secret key; use Encrypt or construct it with a secret key");
        }

        Rlwe.EncryptZeroSymmetric(_secretKey, level, destination);
        AddPlain(plain, level, destination);
    }

    private CkksLevel CheckPlain(Plaintext plain)
    {
        ArgumentNullException.ThrowIfNull(plain);
        if (plain.IsEmpty)
        {
            throw new ArgumentException("the plaintext is empty", nameof(plain));
        }

        return _context.GetDataLevel(plain.ParmsId, "the plaintext");
    }

    private static void AddPlain(Plaintext plain, CkksLevel level, Ciphertext destination)
    {
        for (int i = 0; i < level.PrimeCount; i++)
        {
            var limb = destination.Limb(0, i);
            PolyArithmetic.Add(limb, plain.Limb(i), limb, level.Moduli[i]);
        }

        destination.Scale = plain.Scale;
    }
}
