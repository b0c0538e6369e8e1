using System.Buffers.Binary;
using System.IO.Compression;
using System.Runtime.InteropServices;

namespace BasedAI.Fhe.Serialization;

/// <summary>Writes SEAL's binary format: the 16-byte SEALHeader and little-endian members.</summary>
internal sealed class SealWriter
{
    public const int HeaderSize = 16;
    public const ushort Magic = 0xA15E;
    public const byte VersionMajor = 4;
    public const byte VersionMinor = 1;

    private readonly Stream _stream;

    public SealWriter(Stream stream)
    {
        _stream = stream;
    }

    /// <summary>
    /// Writes one top-level object: header plus members, compressed as asked. <paramref name="membersSize"/> is the exact
    /// uncompressed size of what <paramref name="writeMembers"/> writes.
    /// </summary>
    public static void WriteObject(Stream stream, SealCompression compression, long membersSize, Action<SealWriter> writeMembers)
    {
        switch (compression)
        {
            case SealCompression.None:
            {
                var writer = new SealWriter(stream);
                writer.WriteHeader(SealCompression.None, (ulong)(HeaderSize + membersSize));
                long start = stream.CanSeek ? stream.Position : -1;
                writeMembers(writer);
                if (start >= 0 && stream.Position - start != membersSize)
                {
                    throw new InvalidOperationException($"serializer wrote {stream.Position - start} bytes, announced {membersSize}");
                }

                break;
            }

            case SealCompression.Zlib:
            case SealCompression.Zstd:
            {
                using var raw = new MemoryStream(checked((int)membersSize));
                writeMembers(new SealWriter(raw));
                if (raw.Length != membersSize)
                {
                    throw new InvalidOperationException($"serializer wrote {raw.Length} bytes, announced {membersSize}");
                }

                byte[] compressed = compression == SealCompression.Zlib
                    ? Deflate(raw.GetBuffer().AsSpan(0, (int)raw.Length))
                    : Zstd.ZstdFrameWriter.Compress(raw.GetBuffer().AsSpan(0, (int)raw.Length));
                var writer = new SealWriter(stream);
                writer.WriteHeader(compression, (ulong)(HeaderSize + compressed.LongLength));
                stream.Write(compressed);
                break;
            }

            default:
                throw new ArgumentOutOfRangeException(nameof(compression), compression, "unknown compression mode");
        }
    }

    public static byte[] ToArray(SealCompression compression, long membersSize, Action<SealWriter> writeMembers)
    {
        using var stream = new MemoryStream();
        WriteObject(stream, compression, membersSize, writeMembers);
        return stream.ToArray();
    }

    public void WriteHeader(SealCompression compression, ulong totalSize)
    {
        Span<byte> header = stackalloc byte[HeaderSize];
        BinaryPrimitives.WriteUInt16LittleEndian(header, Magic);
        header[2] = HeaderSize;
        header[3] = VersionMajor;
        header[4] = VersionMinor;
        header[5] = (byte)compression;
        header[6] = 0;
        header[7] = 0;
        BinaryPrimitives.WriteUInt64LittleEndian(header[8..], totalSize);
        _stream.Write(header);
    }

    /// <summary>Writes a nested object (always uncompressed, as SEAL writes them) of the given member size.</summary>
    public void WriteNested(long membersSize, Action<SealWriter> writeMembers)
    {
        WriteHeader(SealCompression.None, (ulong)(HeaderSize + membersSize));
        writeMembers(this);
    }

    public void WriteByte(byte value) => _stream.WriteByte(value);

    public void WriteUInt64(ulong value)
    {
        Span<byte> bytes = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
        _stream.Write(bytes);
    }

    public void WriteDouble(double value) => WriteUInt64(BitConverter.DoubleToUInt64Bits(value));

    public void WriteBytes(ReadOnlySpan<byte> bytes) => _stream.Write(bytes);

    public void WriteParmsId(ParmsId parmsId)
    {
        Span<byte> bytes = stackalloc byte[32];
        parmsId.Write(bytes);
        _stream.Write(bytes);
    }

    /// <summary>Writes a SEAL DynArray&lt;uint64_t&gt; as a nested object: header, count, words.</summary>
    public void WriteDynArray(ReadOnlySpan<ulong> words)
    {
        WriteHeader(SealCompression.None, (ulong)DynArraySize(words.Length));
        WriteUInt64((ulong)words.Length);
        WriteWords(words);
    }

    public void WriteWords(ReadOnlySpan<ulong> words)
    {
        if (BitConverter.IsLittleEndian)
        {
            _stream.Write(MemoryMarshal.AsBytes(words));
            return;
        }

        foreach (ulong word in words)
        {
            WriteUInt64(word);
        }
    }

    /// <summary>Total size of a serialized DynArray of <paramref name="count"/> words, header included.</summary>
    public static long DynArraySize(long count) => HeaderSize + 8 + (8 * count);

    private static byte[] Deflate(ReadOnlySpan<byte> data)
    {
        using var output = new MemoryStream((data.Length / 2) + 64);
        using (var zlib = new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true))
        {
            zlib.Write(data);
        }

        return output.ToArray();
    }
}
