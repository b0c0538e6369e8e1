using System.Buffers;

namespace BasedAI.Network.Core;

/// <summary>Outcome of decoding a varint from a buffer that may hold only part of it.</summary>
public enum VarintStatus
{
    /// <summary>A complete varint was decoded.</summary>
    Done,
    /// <summary>The buffer ends inside the varint; read more bytes and try again.</summary>
    NeedMoreData,
    /// <summary>The varint is longer than allowed or overflows 64 bits.</summary>
    Invalid,
}

/// <summary>
/// Unsigned LEB128 varints as used by multiformats (at most 9 bytes, 63 bits) and protobuf (at most 10 bytes, 64 bits).
/// </summary>
public static class Varint
{
    /// <summary>Longest multiformats unsigned varint (9 bytes, 63 bits of value).</summary>
    public const int MaxMultiformatsLength = 9;
    /// <summary>Longest protobuf varint (10 bytes).</summary>
    public const int MaxLength = 10;

    /// <summary>Number of bytes the varint encoding of <paramref name="value"/> takes.</summary>
    public static int SizeOf(ulong value)
    {
        int size = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            size++;
        }
        return size;
    }

    /// <summary>Writes <paramref name="value"/> at the start of <paramref name="destination"/>; returns the bytes written.</summary>
    public static int Write(Span<byte> destination, ulong value)
    {
        int i = 0;
        while (value >= 0x80)
        {
            destination[i++] = (byte)(value | 0x80);
            value >>= 7;
        }
        destination[i++] = (byte)value;
        return i;
    }

    /// <summary>Appends <paramref name="value"/> to <paramref name="writer"/>.</summary>
    public static void Write(IBufferWriter<byte> writer, ulong value)
    {
        Span<byte> span = writer.GetSpan(MaxLength);
        writer.Advance(Write(span, value));
    }

    /// <summary>
    /// Decodes a varint of at most <paramref name="maxLength"/> bytes from the start of <paramref name="source"/>.
    /// </summary>
    public static VarintStatus TryRead(ReadOnlySpan<byte> source, out ulong value, out int bytesRead, int maxLength = MaxLength)
    {
        value = 0;
        bytesRead = 0;
        int shift = 0;
        for (int i = 0; i < source.Length; i++)
        {
            if (i >= maxLength)
            {
                return VarintStatus.Invalid;
            }
            byte b = source[i];
            if (shift == 63 && b > 1)
            {
                return VarintStatus.Invalid;
            }
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                bytesRead = i + 1;
                return VarintStatus.Done;
            }
            shift += 7;
        }
        return source.Length >= maxLength ? VarintStatus.Invalid : VarintStatus.NeedMoreData;
    }

    /// <summary>Decodes a complete varint or throws <see cref="FormatException"/> naming <paramref name="what"/>.</summary>
    public static ulong Read(ReadOnlySpan<byte> source, out int bytesRead, string what = "varint", int maxLength = MaxLength)
    {
        return TryRead(source, out ulong value, out bytesRead, maxLength) switch
        {
            VarintStatus.Done => value,
            VarintStatus.NeedMoreData => throw new FormatException($"Truncated {what}: the input ends inside the varint."),
            _ => throw new FormatException($"Invalid {what}: longer than {maxLength} bytes or over 64 bits."),
        };
    }

    /// <summary>
    /// Reads one varint from <paramref name="stream"/> byte by byte (so nothing after it is consumed).
    /// Returns null at a clean end of stream before the first byte.
    /// </summary>
    public static async ValueTask<ulong?> ReadAsync(Stream stream, string what, CancellationToken cancellationToken, int maxLength = Varint.MaxMultiformatsLength)
    {
        byte[] one = new byte[1];
        ulong value = 0;
        int shift = 0;
        for (int i = 0; ; i++)
        {
            int n = await stream.ReadAsync(one, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                if (i == 0)
                {
                    return null;
                }
                throw new EndOfStreamException($"The stream ended inside the {what} length varint.");
            }
            if (i >= maxLength || (shift == 63 && one[0] > 1))
            {
                throw new FormatException($"Invalid {what} length varint: longer than {maxLength} bytes.");
            }
            value |= (ulong)(one[0] & 0x7F) << shift;
            if (one[0] < 0x80)
            {
                return value;
            }
            shift += 7;
        }
    }
}
