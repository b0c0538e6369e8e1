using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace BasedAI.Crypto;

/// <summary>scrypt cost parameters for new key files.</summary>
/// <param name="N">CPU/memory cost, a power of two.</param>
/// <param name="R">Block size.</param>
/// <param name="P">Parallelism.</param>
public sealed record ScryptCost(int N, int R, int P)
{
    /// <summary>geth's standard cost (N = 2^18, r = 8, p = 1): about 256 MiB and a second or two per unlock.</summary>
    public static ScryptCost Standard { get; } = new(1 << 18, 8, 1);

    /// <summary>geth's light cost (N = 2^12, r = 8, p = 6): for machines that unlock keys often.</summary>
    public static ScryptCost Light { get; } = new(1 << 12, 8, 6);

    /// <summary>Memory in bytes that one derivation needs (128·N·r).</summary>
    public long MemoryBytes => 128L * N * R;
}

/// <summary>The password did not unlock the key file (the MAC did not match).</summary>
public sealed class WrongPasswordException : UnauthorizedAccessException
{
    /// <summary>Creates the exception with a message naming the key file.</summary>
    public WrongPasswordException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception with the default message.</summary>
    public WrongPasswordException() : base("wrong password")
    {
    }

    /// <summary>Creates the exception wrapping another.</summary>
    public WrongPasswordException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>
/// Private keys encrypted at rest in the Web3 Secret Storage (Ethereum keystore v3) format: scrypt or PBKDF2-SHA256 derives a
/// 32-byte key from the password, AES-128-CTR encrypts the private key, and Keccak-256 over (key[16..32] ‖ ciphertext) is the MAC.
/// Files are interchangeable with geth, MetaMask and other Ethereum wallets.
/// </summary>
public static class KeyStore
{
    private const int MaxScryptN = 1 << 20;
    private const long MaxScryptMemory = 1L << 30;
    private const int MaxPbkdf2Iterations = 10_000_000;

    /// <summary>Encrypts a 32-byte secp256k1 private key under <paramref name="password"/>; returns the key file's JSON text.</summary>
    public static string Encrypt(ReadOnlySpan<byte> privateKey, string password, ScryptCost? cost = null)
    {
        ArgumentNullException.ThrowIfNull(password);
        if (!Secp256k1.IsValidPrivateKey(privateKey))
        {
            throw new ArgumentException("A secp256k1 private key is 32 bytes in [1, n-1].", nameof(privateKey));
        }
        cost ??= ScryptCost.Standard;
        ValidateScrypt(cost.N, cost.R, cost.P, 32);
        byte[] salt = RandomNumberGenerator.GetBytes(32);
        byte[] iv = RandomNumberGenerator.GetBytes(16);
        byte[] derived = Scrypt(password, salt, cost.N, cost.R, cost.P, 32);
        byte[] ciphertext = new byte[privateKey.Length];
        try
        {
            AesCtr(derived.AsSpan(0, 16), iv, privateKey, ciphertext);
            byte[] mac = Mac(derived, ciphertext);
            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            {
                json.WriteStartObject();
                json.WriteNumber("version", 3);
                json.WriteString("id", Guid.NewGuid().ToString());
                json.WriteString("address", Convert.ToHexStringLower(EthereumAddress.FromPrivateKey(privateKey).Bytes));
                json.WriteStartObject("crypto");
                json.WriteString("cipher", "aes-128-ctr");
                json.WriteStartObject("cipherparams");
                json.WriteString("iv", Convert.ToHexStringLower(iv));
                json.WriteEndObject();
                json.WriteString("ciphertext", Convert.ToHexStringLower(ciphertext));
                json.WriteString("kdf", "scrypt");
                json.WriteStartObject("kdfparams");
                json.WriteNumber("dklen", 32);
                json.WriteNumber("n", cost.N);
                json.WriteNumber("p", cost.P);
                json.WriteNumber("r", cost.R);
                json.WriteString("salt", Convert.ToHexStringLower(salt));
                json.WriteEndObject();
                json.WriteString("mac", Convert.ToHexStringLower(mac));
                json.WriteEndObject();
                json.WriteEndObject();
            }
            return Encoding.UTF8.GetString(buffer.ToArray());
        }
        finally
        {
            CryptographicOperations.ZeroMemory(derived);
        }
    }

    /// <summary>The address a key file declares (without decrypting it), or null when it declares none.</summary>
    public static EthereumAddress? ReadAddress(string json)
    {
        using JsonDocument document = Parse(json);
        if (document.RootElement.TryGetProperty("address", out JsonElement address) && address.ValueKind == JsonValueKind.String)
        {
            string text = address.GetString()!;
            return EthereumAddress.Parse(text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text : "0x" + text);
        }
        return null;
    }

    /// <summary>
    /// Decrypts a key file. Throws <see cref="WrongPasswordException"/> when the MAC does not match the password, and
    /// <see cref="FormatException"/> naming the field when the file is malformed or uses unsupported parameters.
    /// </summary>
    public static byte[] Decrypt(string json, string password)
    {
        ArgumentNullException.ThrowIfNull(password);
        using JsonDocument document = Parse(json);
        JsonElement root = document.RootElement;
        if (!root.TryGetProperty("version", out JsonElement version) || version.ValueKind != JsonValueKind.Number || version.GetInt32() != 3)
        {
            throw new FormatException("Key file: 'version' must be 3 (Web3 Secret Storage).");
        }
        JsonElement crypto = root.TryGetProperty("crypto", out JsonElement c) ? c
            : root.TryGetProperty("Crypto", out JsonElement c2) ? c2 : throw new FormatException("Key file: the 'crypto' object is missing.");
        string cipher = RequireString(crypto, "cipher");
        if (cipher != "aes-128-ctr")
        {
            throw new FormatException($"Key file: cipher '{cipher}' is not supported (only aes-128-ctr).");
        }
        byte[] iv = RequireHex(crypto.TryGetProperty("cipherparams", out JsonElement cp) ? cp : throw new FormatException("Key file: 'cipherparams' is missing."), "iv", 16);
        byte[] ciphertext = RequireHex(crypto, "ciphertext", 32);
        byte[] mac = RequireHex(crypto, "mac", 32);
        string kdf = RequireString(crypto, "kdf");
        JsonElement parameters = crypto.TryGetProperty("kdfparams", out JsonElement kp) ? kp : throw new FormatException("Key file: 'kdfparams' is missing.");
        int dkLength = RequireInt(parameters, "dklen");
        if (dkLength != 32)
        {
            throw new FormatException($"Key file: kdfparams.dklen must be 32, not {dkLength}.");
        }
        byte[] salt = RequireHex(parameters, "salt", -1);
        byte[] derived = kdf switch
        {
            "scrypt" => ScryptFromParameters(password, salt, parameters),
            "pbkdf2" => Pbkdf2FromParameters(password, salt, parameters),
            _ => throw new FormatException($"Key file: kdf '{kdf}' is not supported (scrypt or pbkdf2)."),
        };
        try
        {
            if (!CryptographicOperations.FixedTimeEquals(Mac(derived, ciphertext), mac))
            {
                throw new WrongPasswordException("wrong password: the key file's MAC does not match");
            }
            byte[] privateKey = new byte[32];
            AesCtr(derived.AsSpan(0, 16), iv, ciphertext, privateKey);
            if (!Secp256k1.IsValidPrivateKey(privateKey))
            {
                throw new FormatException("Key file: the decrypted private key is not a valid secp256k1 key.");
            }
            return privateKey;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(derived);
        }
    }

    private static JsonDocument Parse(string json)
    {
        try
        {
            JsonDocument document = JsonDocument.Parse(json);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw new FormatException("Key file: the top level must be a JSON object.");
            }
            return document;
        }
        catch (JsonException e)
        {
            throw new FormatException($"Key file: not valid JSON ({e.Message}).", e);
        }
    }

    private static byte[] ScryptFromParameters(string password, byte[] salt, JsonElement parameters)
    {
        int n = RequireInt(parameters, "n");
        int r = RequireInt(parameters, "r");
        int p = RequireInt(parameters, "p");
        ValidateScrypt(n, r, p, 32);
        return Scrypt(password, salt, n, r, p, 32);
    }

    private static byte[] Pbkdf2FromParameters(string password, byte[] salt, JsonElement parameters)
    {
        string prf = RequireString(parameters, "prf");
        if (prf != "hmac-sha256")
        {
            throw new FormatException($"Key file: pbkdf2 prf '{prf}' is not supported (hmac-sha256).");
        }
        int iterations = RequireInt(parameters, "c");
        if (iterations is < 1 or > MaxPbkdf2Iterations)
        {
            throw new FormatException($"Key file: pbkdf2 iteration count {iterations} is outside [1, {MaxPbkdf2Iterations}].");
        }
        return Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA256, 32);
    }

    private static void ValidateScrypt(int n, int r, int p, int dkLength)
    {
        if (n < 2 || n > MaxScryptN || (n & (n - 1)) != 0)
        {
            throw new FormatException($"scrypt N must be a power of two in [2, 2^20], not {n}.");
        }
        if (r < 1 || p < 1 || (long)r * p >= 1 << 30 || 128L * n * r > MaxScryptMemory)
        {
            throw new FormatException($"scrypt r = {r}, p = {p} are out of range (128·N·r must stay under 1 GiB).");
        }
        if (dkLength != 32)
        {
            throw new FormatException("scrypt dklen must be 32.");
        }
    }

    private static byte[] Scrypt(string password, byte[] salt, int n, int r, int p, int length)
    {
        byte[] passwordBytes = Encoding.UTF8.GetBytes(password);
        try
        {
            return Crypto.Scrypt.DeriveKey(passwordBytes, salt, n, r, p, length);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(passwordBytes);
        }
    }

    private static byte[] Mac(byte[] derived, ReadOnlySpan<byte> ciphertext)
    {
        byte[] input = new byte[16 + ciphertext.Length];
        derived.AsSpan(16, 16).CopyTo(input);
        ciphertext.CopyTo(input.AsSpan(16));
        return Keccak256.Hash(input);
    }

    private static void AesCtr(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> input, Span<byte> output)
    {
        using var aes = Aes.Create();
        aes.Key = key.ToArray();
        Span<byte> counter = stackalloc byte[16];
        Span<byte> stream = stackalloc byte[16];
        iv.CopyTo(counter);
        for (int offset = 0; offset < input.Length; offset += 16)
        {
            aes.EncryptEcb(counter, stream, PaddingMode.None);
            int take = Math.Min(16, input.Length - offset);
            for (int i = 0; i < take; i++)
            {
                output[offset + i] = (byte)(input[offset + i] ^ stream[i]);
            }
            // The counter is the whole 128-bit block, big-endian.
            UInt128 value = BinaryPrimitives.ReadUInt128BigEndian(counter);
            BinaryPrimitives.WriteUInt128BigEndian(counter, value + 1);
        }
        stream.Clear();
    }

    private static string RequireString(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw new FormatException($"Key file: '{name}' must be a string.");

    private static int RequireInt(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out int number)
            ? number
            : throw new FormatException($"Key file: '{name}' must be a 32-bit integer.");

    private static byte[] RequireHex(JsonElement element, string name, int length)
    {
        string text = RequireString(element, name);
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            text = text[2..];
        }
        byte[] bytes;
        try
        {
            bytes = Convert.FromHexString(text);
        }
        catch (FormatException e)
        {
            throw new FormatException($"Key file: '{name}' is not hexadecimal.", e);
        }
        if (length >= 0 && bytes.Length != length)
        {
            throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"Key file: '{name}' must be {length} bytes, not {bytes.Length}."));
        }
        if (length < 0 && bytes.Length is < 8 or > 1024)
        {
            throw new FormatException($"Key file: '{name}' must be 8 to 1,024 bytes.");
        }
        return bytes;
    }
}
