using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace BasedAI.Fhe.Serialization;

/// <summary>
/// Reads SEAL's binary format defensively: every length is checked against what remains and against the largest size the
/// context allows before anything is allocated, and every failure names the object and field.
/// </summary>
internal sealed class SealReader
{
    private readonly byte[] _data;
    private readonly int _end;
    private int _position;

    private SealReader(byte[] data, int start, int end, string what)
    {
        _data = data;
        _position = start;
        _end = end;
        What = what;
    }

    /// <summary>The object being read, for error messages.</summary>
    public string What { get; }

    public int Remaining => _end - _position;

    /// <summary>
    /// Reads one top-level object from the start of <paramref name="data"/>; returns it and how many bytes it took.
    /// With <paramref name="sensitive"/> (secret keys), buffers this reader creates are wiped after use.
    /// </summary>
    public static T ReadObject<T>(byte[] data, int offset, string what, long maxTotalSize, Func<SealReader, T> readMembers, out int consumed, bool sensitive = false)
    {
        if (data.Length - offset < SealWriter.HeaderSize)
        {
            throw new SealFormatException($"{what}: data is truncated: {data.Length - offset} bytes is shorter than the 16-byte SEAL header");
        }

        var (compression, size) = ParseHeader(data.AsSpan(offset, SealWriter.HeaderSize), what, maxTotalSize);
        if (size > (ulong)(data.Length - offset))
        {
            throw new SealFormatException($"{what}: data is truncated: the header announces {size} bytes but only {data.Length - offset} are present");
        }

        consumed = (int)size;
        return ReadBody(data, offset + SealWriter.HeaderSize, offset + (int)size, compression, what, maxTotalSize, readMembers, sensitive);
    }

    /// <summary>Reads one top-level object from a stream, consuming exactly its bytes (wiping its copies when <paramref name="sensitive"/>).</summary>
    public static T ReadObject<T>(Stream stream, string what, long maxTotalSize, Func<SealReader, T> readMembers, bool sensitive = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] header = new byte[SealWriter.HeaderSize];
        int read = ReadFully(stream, header, 0, header.Length);
        if (read < header.Length)
        {
            throw new SealFormatException($"{what}: data is truncated: {read} bytes is shorter than the 16-byte SEAL header");
        }

        var (_, size) = ParseHeader(header, what, maxTotalSize);
        // Grow with what actually arrives rather than trusting the announced size with one large allocation — except for
        // secrets, read into one exact buffer (the size is bounded by the object's maximum) so no stray copies are left.
        using var buffer = new MemoryStream(sensitive ? (int)size : (int)Math.Min(size, 1 << 20));
        byte[] chunk = new byte[81920];
        byte[]? data = null;
        try
        {
            buffer.Write(header);
            long remaining = (long)size - SealWriter.HeaderSize;
            while (remaining > 0)
            {
                int got = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, remaining));
                if (got == 0)
                {
                    throw new SealFormatException($"{what}: data is truncated: the header announces {size} bytes but the stream ended after {buffer.Length}");
                }

                buffer.Write(chunk, 0, got);
                remaining -= got;
            }

            data = buffer.ToArray();
            return ReadObject(data, 0, what, maxTotalSize, readMembers, out _, sensitive);
        }
        finally
        {
            if (sensitive)
            {
                Array.Clear(chunk);
                Array.Clear(buffer.GetBuffer());
                if (data is not null)
                {
                    Array.Clear(data);
                }
            }
        }
    }

    /// <summary>Validates a SEALHeader and returns its compression mode and total size.</summary>
    public static (SealCompression Compression, ulong Size) ParseHeader(ReadOnlySpan<byte> header, string what, long maxTotalSize)
    {
        ushort magic = BinaryPrimitives.ReadUInt16LittleEndian(header);
        if (magic != SealWriter.Magic)
        {
            throw new SealFormatException($"{what}: not SEAL data: magic is 0x{magic:X4}, expected 0xA15E");
        }

        if (header[2] != SealWriter.HeaderSize)
        {
            throw new SealFormatException($"{what}: SEAL header size byte is {header[2]}, expected 16");
        }

        byte major = header[3];
        byte minor = header[4];
        if (major != SealWriter.VersionMajor || minor > SealWriter.VersionMinor)
        {
            throw new SealFormatException($"{what}: unsupported SEAL serialization version {major}.{minor}; this reader understands 4.0 and 4.1");
        }

        byte mode = header[5];
        if (mode > (byte)SealCompression.Zstd)
        {
            throw new SealFormatException($"{what}: unknown compression mode {mode} in the SEAL header");
        }

        ulong size = BinaryPrimitives.ReadUInt64LittleEndian(header[8..]);
        if (size < SealWriter.HeaderSize)
        {
            throw new SealFormatException($"{what}: SEAL header announces a total size of {size} bytes, smaller than the header itself");
        }

        if (size > (ulong)Math.Min(maxTotalSize, Array.MaxLength))
        {
            throw new SealFormatException($"{what}: SEAL header announces {size} bytes, more than the largest valid {what} for these parameters ({maxTotalSize} bytes)");
        }

        return ((SealCompression)mode, size);
    }

    public byte ReadByte(string field)
    {
        Need(1, field);
        return _data[_position++];
    }

    public ulong ReadUInt64(string field)
    {
        Need(8, field);
        ulong value = BinaryPrimitives.ReadUInt64LittleEndian(_data.AsSpan(_position, 8));
        _position += 8;
        return value;
    }

    public double ReadDouble(string field) => BitConverter.UInt64BitsToDouble(ReadUInt64(field));

    public ParmsId ReadParmsId(string field)
    {
        Need(32, field);
        var id = ParmsId.Read(_data.AsSpan(_position, 32));
        _position += 32;
        return id;
    }

    public void ReadBytes(Span<byte> destination, string field)
    {
        Need(destination.Length, field);
        _data.AsSpan(_position, destination.Length).CopyTo(destination);
        _position += destination.Length;
    }

    public void ReadWords(Span<ulong> destination, string field)
    {
        Need((long)destination.Length * 8, field);
        var source = _data.AsSpan(_position, destination.Length * 8);
        if (BitConverter.IsLittleEndian)
        {
            source.CopyTo(MemoryMarshal.AsBytes(destination));
        }
        else
        {
            for (int i = 0; i < destination.Length; i++)
            {
                destination[i] = BinaryPrimitives.ReadUInt64LittleEndian(source[(8 * i)..]);
            }
        }

        _position += destination.Length * 8;
    }

    /// <summary>Reads a nested object (its own SEALHeader, usually uncompressed) that may be at most <paramref name="maxTotalSize"/> bytes.</summary>
    public T ReadNested<T>(string what, long maxTotalSize, Func<SealReader, T> readMembers)
    {
        Need(SealWriter.HeaderSize, what + " header");
        var (compression, size) = ParseHeader(_data.AsSpan(_position, SealWriter.HeaderSize), What + ": " + what, maxTotalSize);
        if (size > (ulong)Remaining)
        {
            throw new SealFormatException($"{What}: {what} is truncated: its header announces {size} bytes but only {Remaining} remain");
        }

        int start = _position + SealWriter.HeaderSize;
        int end = _position + (int)size;
        _position = end;
        return ReadBody(_data, start, end, compression, What + ": " + what, maxTotalSize, readMembers);
    }

    /// <summary>
    /// Reads a DynArray&lt;uint64_t&gt; holding at most <c>destination.Length</c> words into the start of
    /// <paramref name="destination"/>; returns the word count.
    /// </summary>
    public int ReadDynArray(string what, Span<ulong> destination)
    {
        long maxCount = destination.Length;
        Need(SealWriter.HeaderSize, what + " header");
        var (compression, size) = ParseHeader(_data.AsSpan(_position, SealWriter.HeaderSize), What + ": " + what, SealWriter.DynArraySize(maxCount) + 1024);
        if (compression != SealCompression.None)
        {
            // SEAL always writes nested arrays uncompressed; decompress generically if someone did not.
            ulong[] buffer = new ulong[maxCount];
            int count = ReadNested(what, SealWriter.DynArraySize(maxCount) + 1024, r => r.ReadDynArrayMembers(what, buffer));
            buffer.AsSpan(0, count).CopyTo(destination);
            return count;
        }

        if (size > (ulong)Remaining)
        {
            throw new SealFormatException($"{What}: {what} is truncated: its header announces {size} bytes but only {Remaining} remain");
        }

        int start = _position;
        _position += SealWriter.HeaderSize;
        int read = ReadDynArrayMembers(what, destination);
        if (_position - start != (long)size)
        {
            throw new SealFormatException($"{What}: {what} header announces {size} bytes but its contents take {_position - start}");
        }

        return read;
    }

    /// <summary>Fails unless every byte of this (sub)object was consumed.</summary>
    public void ExpectEnd()
    {
        if (_position != _end)
        {
            throw new SealFormatException($"{What}: {_end - _position} unexpected bytes after the last member");
        }
    }

    private int ReadDynArrayMembers(string what, Span<ulong> destination)
    {
        ulong count = ReadUInt64(what + " length");
        if (count > (ulong)destination.Length)
        {
            throw new SealFormatException($"{What}: {what} holds {count} words, more than the {destination.Length} these parameters allow");
        }

        ReadWords(destination[..(int)count], what);
        return (int)count;
    }

    private static T ReadBody<T>(
        byte[] data, int start, int end, SealCompression compression, string what, long maxTotalSize, Func<SealReader, T> readMembers, bool sensitive = false)
    {
        if (compression == SealCompression.None)
        {
            var reader = new SealReader(data, start, end, what);
            T result = readMembers(reader);
            reader.ExpectEnd();
            return result;
        }

        byte[] inflated = Decompress(data.AsSpan(start, end - start), compression, what, maxTotalSize);
        try
        {
            var reader = new SealReader(inflated, 0, inflated.Length, what);
            T result = readMembers(reader);
            reader.ExpectEnd();
            return result;
        }
        finally
        {
            if (sensitive)
            {
                Array.Clear(inflated);
            }
        }
    }

    private static byte[] Decompress(ReadOnlySpan<byte> compressed, SealCompression compression, string what, long maxSize)
    {
        try
        {
            if (compression == SealCompression.Zstd)
            {
                return Zstd.ZstdDecoder.Decompress(compressed, maxSize, what);
            }

            using var input = new MemoryStream(compressed.ToArray(), writable: false);
            using var zlib = new ZLibStream(input, CompressionMode.Decompress);
            using var output = new MemoryStream();
            byte[] chunk = new byte[81920];
            int read;
            while ((read = zlib.Read(chunk, 0, chunk.Length)) > 0)
            {
                output.Write(chunk, 0, read);
                if (output.Length > maxSize)
                {
                    throw new SealFormatException($"{what}: zlib data inflates beyond the largest valid size for these parameters ({maxSize} bytes)");
                }
            }

            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new SealFormatException($"{what}: compressed data is corrupt ({e.Message})", e);
        }
    }

    private void Need(long bytes, string field)
    {
        if (bytes > Remaining)
        {
            throw new SealFormatException($"{What}: data is truncated while reading {field}: needs {bytes} bytes, {Remaining} remain");
        }
    }

    private static int ReadFully(Stream stream, byte[] buffer, int offset, int count)
    {
        int total = 0;
        while (total < count)
        {
            int read = stream.Read(buffer, offset + total, count - total);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }
}
