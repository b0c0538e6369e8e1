namespace BasedAI.Network.Core;

/// <summary>RFC 4648 base32, lower case, no padding (multibase <c>b</c>, used by CIDs).</summary>
public static class Base32
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz234567";

    /// <summary>Encodes <paramref name="data"/> as lower-case unpadded base32.</summary>
    public static string Encode(ReadOnlySpan<byte> data)
    {
        var chars = new char[((data.Length * 8) + 4) / 5];
        int bits = 0, buffer = 0, o = 0;
        foreach (byte b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                chars[o++] = Alphabet[(buffer >> (bits - 5)) & 31];
                bits -= 5;
            }
        }
        if (bits > 0)
        {
            chars[o++] = Alphabet[(buffer << (5 - bits)) & 31];
        }
        return new string(chars, 0, o);
    }

    /// <summary>Decodes unpadded base32 (either case); throws <see cref="FormatException"/> on a bad character or trailing bits.</summary>
    public static byte[] Decode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var result = new byte[text.Length * 5 / 8];
        int bits = 0, buffer = 0, o = 0;
        for (int i = 0; i < text.Length; i++)
        {
            char c = char.ToLowerInvariant(text[i]);
            int v = Alphabet.IndexOf(c, StringComparison.Ordinal);
            if (v < 0)
            {
                throw new FormatException($"Invalid base32 character '{text[i]}' at position {i}.");
            }
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8)
            {
                result[o++] = (byte)(buffer >> (bits - 8));
                bits -= 8;
            }
        }
        if ((buffer & ((1 << bits) - 1)) != 0)
        {
            throw new FormatException("Invalid base32: non-zero trailing bits.");
        }
        return result;
    }
}
