using System.Security.Cryptography;
using System.Text;

namespace BasedAI.Crypto;

/// <summary>
/// BIP-39 mnemonic sentences with the English wordlist: generation from entropy, validation (words and checksum),
/// and the 64-byte seed (PBKDF2-HMAC-SHA512, 2,048 iterations, salt "mnemonic" + passphrase).
/// </summary>
public static class Bip39
{
    private const string WordlistSha256 = "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda";
    private static readonly Lazy<(string[] Words, Dictionary<string, int> Index)> Wordlist = new(LoadWordlist);

    /// <summary>The 2,048 English words, in BIP-39 order.</summary>
    public static IReadOnlyList<string> Words => Wordlist.Value.Words;

    /// <summary>Creates a mnemonic of <paramref name="wordCount"/> words (12, 15, 18, 21 or 24) from fresh random entropy.</summary>
    public static string Generate(int wordCount = 24)
    {
        if (wordCount is < 12 or > 24 || wordCount % 3 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(wordCount), wordCount, "A BIP-39 mnemonic has 12, 15, 18, 21 or 24 words.");
        }
        byte[] entropy = RandomNumberGenerator.GetBytes(wordCount / 3 * 4);
        try
        {
            return FromEntropy(entropy);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(entropy);
        }
    }

    /// <summary>Encodes 16 to 32 bytes of entropy (a multiple of 4) as a mnemonic.</summary>
    public static string FromEntropy(ReadOnlySpan<byte> entropy)
    {
        if (entropy.Length is < 16 or > 32 || entropy.Length % 4 != 0)
        {
            throw new ArgumentException("BIP-39 entropy is 16, 20, 24, 28 or 32 bytes.", nameof(entropy));
        }
        int checksumBits = entropy.Length / 4;
        int wordCount = (entropy.Length * 8 + checksumBits) / 11;
        Span<byte> bits = stackalloc byte[33];
        entropy.CopyTo(bits);
        bits[entropy.Length] = SHA256.HashData(entropy)[0];
        string[] words = Wordlist.Value.Words;
        var result = new StringBuilder();
        for (int w = 0; w < wordCount; w++)
        {
            int index = 0;
            for (int b = 0; b < 11; b++)
            {
                int bit = w * 11 + b;
                index = (index << 1) | ((bits[bit / 8] >> (7 - bit % 8)) & 1);
            }
            if (w > 0)
            {
                result.Append(' ');
            }
            result.Append(words[index]);
        }
        return result.ToString();
    }

    /// <summary>
    /// Checks the words and the checksum of a mnemonic. Words are separated by whitespace and compared case-insensitively.
    /// Returns false with a message naming the problem (unknown word and its position, wrong length, bad checksum).
    /// </summary>
    public static bool TryValidate(string? mnemonic, out string? error)
    {
        error = null;
        if (!TryGetEntropy(mnemonic, out byte[]? entropy, out error))
        {
            return false;
        }
        CryptographicOperations.ZeroMemory(entropy);
        return true;
    }

    /// <summary>Decodes a valid mnemonic back to its entropy; throws <see cref="FormatException"/> naming the problem otherwise.</summary>
    public static byte[] ToEntropy(string mnemonic) =>
        TryGetEntropy(mnemonic, out byte[]? entropy, out string? error) ? entropy : throw new FormatException($"Invalid mnemonic: {error}.");

    /// <summary>
    /// The 64-byte BIP-39 seed of a mnemonic that passes <see cref="TryValidate"/>. The passphrase (the "25th word") may be empty.
    /// </summary>
    public static byte[] ToSeed(string mnemonic, string passphrase = "")
    {
        ArgumentNullException.ThrowIfNull(passphrase);
        byte[] entropy = ToEntropy(mnemonic);
        CryptographicOperations.ZeroMemory(entropy);
        string normalizedMnemonic = string.Join(' ', SplitWords(mnemonic).Select(w => w.ToLowerInvariant()));
        byte[] password = Encoding.UTF8.GetBytes(NormalizeNfkd(normalizedMnemonic));
        byte[] salt = Encoding.UTF8.GetBytes("mnemonic" + NormalizeNfkd(passphrase));
        try
        {
            return Rfc2898DeriveBytes.Pbkdf2(password, salt, 2048, HashAlgorithmName.SHA512, 64);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(password);
            CryptographicOperations.ZeroMemory(salt);
        }
    }

    private static bool TryGetEntropy(string? mnemonic, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out byte[]? entropy, out string? error)
    {
        entropy = null;
        error = null;
        if (string.IsNullOrWhiteSpace(mnemonic))
        {
            error = "the mnemonic is empty";
            return false;
        }
        string[] words = SplitWords(mnemonic);
        if (words.Length is < 12 or > 24 || words.Length % 3 != 0)
        {
            error = $"a mnemonic has 12, 15, 18, 21 or 24 words, not {words.Length}";
            return false;
        }
        Dictionary<string, int> index = Wordlist.Value.Index;
        int totalBits = words.Length * 11;
        Span<byte> bits = stackalloc byte[33];
        bits.Clear();
        for (int w = 0; w < words.Length; w++)
        {
            if (!index.TryGetValue(words[w].ToLowerInvariant(), out int value))
            {
                error = $"word {w + 1} ('{words[w]}') is not in the BIP-39 English wordlist";
                return false;
            }
            for (int b = 0; b < 11; b++)
            {
                if (((value >> (10 - b)) & 1) != 0)
                {
                    int bit = w * 11 + b;
                    bits[bit / 8] |= (byte)(0x80 >> (bit % 8));
                }
            }
        }
        int checksumBits = totalBits / 33;
        int entropyBytes = (totalBits - checksumBits) / 8;
        byte expected = (byte)(SHA256.HashData(bits[..entropyBytes])[0] >> (8 - checksumBits));
        byte actual = (byte)(bits[entropyBytes] >> (8 - checksumBits));
        if (expected != actual)
        {
            error = "the checksum does not match (a word is wrong or the words are out of order)";
            return false;
        }
        entropy = bits[..entropyBytes].ToArray();
        bits.Clear();
        return true;
    }

    private static string[] SplitWords(string mnemonic) =>
        mnemonic.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string NormalizeNfkd(string text)
    {
        if (Ascii.IsValid(text))
        {
            return text; // ASCII is already in NFKD.
        }
        try
        {
            return text.Normalize(NormalizationForm.FormKD);
        }
        catch (PlatformNotSupportedException e)
        {
            throw new ArgumentException("This runtime cannot NFKD-normalize non-ASCII text (invariant globalization); use an ASCII passphrase.", e);
        }
    }

    private static (string[] Words, Dictionary<string, int> Index) LoadWordlist()
    {
        using Stream stream = typeof(Bip39).Assembly.GetManifestResourceStream("BasedAI.Crypto.bip39-english.txt")
            ?? throw new InvalidOperationException("The BIP-39 English wordlist resource is missing from BasedAI.Crypto.");
        using var memory = new MemoryStream();
        stream.CopyTo(memory);
        byte[] bytes = memory.ToArray();
        if (Convert.ToHexStringLower(SHA256.HashData(bytes)) != WordlistSha256)
        {
            throw new InvalidOperationException("The embedded BIP-39 English wordlist is corrupt (SHA-256 mismatch).");
        }
        string[] words = Encoding.ASCII.GetString(bytes).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var index = new Dictionary<string, int>(words.Length, StringComparer.Ordinal);
        for (int i = 0; i < words.Length; i++)
        {
            index.Add(words[i], i);
        }
        return (words, index);
    }
}
