namespace BasedAI.Network.Core;

/// <summary>Base58 with the Bitcoin alphabet (multibase <c>z</c>, the legacy peer id text form).</summary>
public static class Base58
{
    private const string Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    private static readonly sbyte[] Reverse = BuildReverse();

    private static sbyte[] BuildReverse()
    {
        var map = new sbyte[128];
        Array.Fill(map, (sbyte)-1);
        for (int i = 0; i < Alphabet.Length; i++)
        {
            map[Alphabet[i]] = (sbyte)i;
        }
        return map;
    }

    /// <summary>Encodes <paramref name="data"/> as base58btc text.</summary>
    public static string Encode(ReadOnlySpan<byte> data)
    {
        int zeros = 0;
        while (zeros < data.Length && data[zeros] == 0)
        {
            zeros++;
        }
        // log(256) / log(58) ~ 1.37
        int size = ((data.Length - zeros) * 138 / 100) + 1;
        Span<byte> digits = size <= 256 ? stackalloc byte[size] : new byte[size];
        int length = 0;
        for (int i = zeros; i < data.Length; i++)
        {
            int carry = data[i];
            int j = 0;
            for (int k = size - 1; (carry != 0 || j < length) && k >= 0; k--, j++)
            {
                carry += 256 * digits[k];
                digits[k] = (byte)(carry % 58);
                carry /= 58;
            }
            length = j;
        }
        int start = size - length;
        while (start < size && digits[start] == 0)
        {
            start++;
        }
        return BuildString(zeros, digits[start..]);
    }

    private static string BuildString(int zeros, ReadOnlySpan<byte> digits)
    {
        Span<char> chars = zeros + digits.Length <= 512 ? stackalloc char[zeros + digits.Length] : new char[zeros + digits.Length];
        chars[..zeros].Fill('1');
        for (int i = 0; i < digits.Length; i++)
        {
            chars[zeros + i] = Alphabet[digits[i]];
        }
        return new string(chars);
    }

    /// <summary>Decodes base58btc text; throws <see cref="FormatException"/> on a character outside the alphabet.</summary>
    public static byte[] Decode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int zeros = 0;
        while (zeros < text.Length && text[zeros] == '1')
        {
            zeros++;
        }
        int size = ((text.Length - zeros) * 733 / 1000) + 1;
        Span<byte> bytes = size <= 512 ? stackalloc byte[size] : new byte[size];
        int length = 0;
        for (int i = zeros; i < text.Length; i++)
        {
            char c = text[i];
            int carry = c < 128 ? Reverse[c] : -1;
            if (carry < 0)
            {
                throw new FormatException($"Invalid base58 character '{c}' at position {i}.");
            }
            int j = 0;
            for (int k = size - 1; (carry != 0 || j < length) && k >= 0; k--, j++)
            {
                carry += 58 * bytes[k];
                bytes[k] = (byte)(carry & 0xFF);
                carry >>= 8;
            }
            length = j;
        }
        int start = size - length;
        var result = new byte[zeros + length];
        bytes[start..].CopyTo(result.AsSpan(zeros));
        return result;
    }
}
