using System.Buffers.Binary;
using System.Numerics;

namespace BasedAI.Fhe.Serialization.Zstd;

/// <summary>
/// A Zstandard decoder (RFC 8878): frames, raw/RLE/compressed blocks, Huffman-coded literals, FSE-coded sequences,
/// repeat offsets and the XXH64 content checksum. Decodes the whole content into one buffer bounded by a maximum size,
/// so window sizes do not matter; every read is bounds-checked and corruption raises <see cref="SealFormatException"/>.
/// </summary>
internal static class ZstdDecoder
{
    private const uint FrameMagic = 0xFD2FB528;
    private const int MaxBlockSize = 128 * 1024;

    private static readonly int[] LiteralLengthBase =
    [
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256, 512, 1024, 2048,
        4096, 8192, 16384, 32768, 65536,
    ];

    private static readonly int[] LiteralLengthBits =
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];

    private static readonly int[] MatchLengthBase =
    [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34,
        35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539,
    ];

    private static readonly int[] MatchLengthBits =
    [
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
    ];

    private static readonly short[] DefaultLiteralLengths =
        [4, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 1, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2, 3, 2, 1, 1, 1, 1, 1, -1, -1, -1, -1];

    private static readonly short[] DefaultMatchLengths =
    [
        1, 4, 3, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1,
    ];

    private static readonly short[] DefaultOffsets =
        [1, 1, 1, 1, 1, 1, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1];

    private static readonly FseTable DefaultLiteralLengthTable = FseTable.Build(DefaultLiteralLengths, 6);
    private static readonly FseTable DefaultMatchLengthTable = FseTable.Build(DefaultMatchLengths, 6);
    private static readonly FseTable DefaultOffsetTable = FseTable.Build(DefaultOffsets, 5);

    /// <summary>Decodes one or more concatenated zstd frames (skippable frames are ignored).</summary>
    public static byte[] Decompress(ReadOnlySpan<byte> input, long maxSize, string what)
    {
        try
        {
            var output = new OutputBuffer(maxSize, what);
            int position = 0;
            while (position < input.Length)
            {
                position += DecodeFrame(input[position..], output);
            }

            return output.ToArray();
        }
        catch (CorruptException e)
        {
            throw new SealFormatException($"{what}: zstd data is corrupt: {e.Message}");
        }
    }

    private static int DecodeFrame(ReadOnlySpan<byte> input, OutputBuffer output)
    {
        Require(input.Length >= 4, "frame is shorter than its magic number");
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(input);
        if ((magic & 0xFFFFFFF0) == 0x184D2A50)
        {
            Require(input.Length >= 8, "skippable frame header is truncated");
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(input[4..]);
            Require(size <= (uint)(input.Length - 8), "skippable frame is truncated");
            return 8 + (int)size;
        }

        Require(magic == FrameMagic, $"bad frame magic 0x{magic:X8}");
        int position = 4;
        Require(input.Length > position, "frame header is truncated");
        byte descriptor = input[position++];
        int contentSizeFlag = descriptor >> 6;
        bool singleSegment = (descriptor & 0x20) != 0;
        Require((descriptor & 0x08) == 0, "reserved frame header bit is set");
        bool hasChecksum = (descriptor & 0x04) != 0;
        int dictionaryIdFlag = descriptor & 3;
        if (!singleSegment)
        {
            Require(input.Length > position, "window descriptor is truncated");
            position++;
        }

        int dictionaryIdSize = dictionaryIdFlag switch { 0 => 0, 1 => 1, 2 => 2, _ => 4 };
        Require(input.Length >= position + dictionaryIdSize, "dictionary id is truncated");
        for (int i = 0; i < dictionaryIdSize; i++)
        {
            Require(input[position + i] == 0, "frames that need a dictionary are not supported");
        }

        position += dictionaryIdSize;
        int contentSizeBytes = contentSizeFlag switch { 0 => singleSegment ? 1 : 0, 1 => 2, 2 => 4, _ => 8 };
        Require(input.Length >= position + contentSizeBytes, "frame content size is truncated");
        long contentSize = -1;
        if (contentSizeBytes > 0)
        {
            ulong value = 0;
            for (int i = contentSizeBytes - 1; i >= 0; i--)
            {
                value = (value << 8) | input[position + i];
            }

            contentSize = contentSizeBytes == 2 ? (long)value + 256 : (long)Math.Min(value, long.MaxValue);
            Require(contentSize <= output.MaxSize, $"frame announces {value} bytes, more than the {output.MaxSize} allowed");
        }

        position += contentSizeBytes;
        int frameStart = output.Length;
        var state = new FrameState();
        while (true)
        {
            Require(input.Length >= position + 3, "block header is truncated");
            int header = input[position] | (input[position + 1] << 8) | (input[position + 2] << 16);
            position += 3;
            bool last = (header & 1) != 0;
            int type = (header >> 1) & 3;
            int size = header >> 3;
            switch (type)
            {
                case 0:
                    Require(size <= MaxBlockSize && input.Length >= position + size, "raw block is truncated");
                    output.Append(input.Slice(position, size));
                    position += size;
                    break;
                case 1:
                    Require(size <= MaxBlockSize && input.Length > position, "RLE block is truncated");
                    output.AppendRepeated(input[position], size);
                    position += 1;
                    break;
                case 2:
                    Require(size <= MaxBlockSize && input.Length >= position + size, "compressed block is truncated");
                    DecodeCompressedBlock(input.Slice(position, size), output, state);
                    position += size;
                    break;
                default:
                    throw new CorruptException("reserved block type");
            }

            if (last)
            {
                break;
            }
        }

        int produced = output.Length - frameStart;
        Require(contentSize < 0 || produced == contentSize, $"frame decoded to {produced} bytes but announced {contentSize}");
        if (hasChecksum)
        {
            Require(input.Length >= position + 4, "content checksum is truncated");
            uint expected = BinaryPrimitives.ReadUInt32LittleEndian(input[position..]);
            uint actual = (uint)XxHash64(output.Span(frameStart, produced));
            Require(expected == actual, "content checksum does not match");
            position += 4;
        }

        return position;
    }

    private static void DecodeCompressedBlock(ReadOnlySpan<byte> block, OutputBuffer output, FrameState state)
    {
        int position = DecodeLiterals(block, state, out byte[] literals, out int literalCount);
        position += DecodeSequences(block[position..], literals, literalCount, output, state);
        Require(position == block.Length, "compressed block has trailing bytes");
    }

    private static int DecodeLiterals(ReadOnlySpan<byte> block, FrameState state, out byte[] literals, out int count)
    {
        Require(block.Length >= 1, "literals header is missing");
        int type = block[0] & 3;
        int sizeFormat = (block[0] >> 2) & 3;
        if (type is 0 or 1)
        {
            int headerSize;
            int regenerated;
            switch (sizeFormat)
            {
                case 0:
                case 2:
                    headerSize = 1;
                    regenerated = block[0] >> 3;
                    break;
                case 1:
                    Require(block.Length >= 2, "literals header is truncated");
                    headerSize = 2;
                    regenerated = (block[0] >> 4) | (block[1] << 4);
                    break;
                default:
                    Require(block.Length >= 3, "literals header is truncated");
                    headerSize = 3;
                    regenerated = (block[0] >> 4) | (block[1] << 4) | (block[2] << 12);
                    break;
            }

            Require(regenerated <= MaxBlockSize, "literals section is larger than a block");
            literals = new byte[regenerated];
            count = regenerated;
            if (type == 0)
            {
                Require(block.Length >= headerSize + regenerated, "raw literals are truncated");
                block.Slice(headerSize, regenerated).CopyTo(literals);
                return headerSize + regenerated;
            }

            Require(block.Length >= headerSize + 1, "RLE literal is missing");
            literals.AsSpan().Fill(block[headerSize]);
            return headerSize + 1;
        }

        int streams;
        int regeneratedSize;
        int compressedSize;
        int header;
        switch (sizeFormat)
        {
            case 0:
            case 1:
                Require(block.Length >= 3, "literals header is truncated");
                streams = sizeFormat == 0 ? 1 : 4;
                int h3 = block[0] | (block[1] << 8) | (block[2] << 16);
                regeneratedSize = (h3 >> 4) & 0x3FF;
                compressedSize = (h3 >> 14) & 0x3FF;
                header = 3;
                break;
            case 2:
                Require(block.Length >= 4, "literals header is truncated");
                streams = 4;
                uint h4 = BinaryPrimitives.ReadUInt32LittleEndian(block);
                regeneratedSize = (int)((h4 >> 4) & 0x3FFF);
                compressedSize = (int)((h4 >> 18) & 0x3FFF);
                header = 4;
                break;
            default:
                Require(block.Length >= 5, "literals header is truncated");
                streams = 4;
                ulong h5 = block[0] | ((ulong)block[1] << 8) | ((ulong)block[2] << 16) | ((ulong)block[3] << 24) | ((ulong)block[4] << 32);
                regeneratedSize = (int)((h5 >> 4) & 0x3FFFF);
                compressedSize = (int)((h5 >> 22) & 0x3FFFF);
                header = 5;
                break;
        }

        Require(regeneratedSize <= MaxBlockSize, "literals section is larger than a block");
        Require(block.Length >= header + compressedSize, "compressed literals are truncated");
        var data = block.Slice(header, compressedSize);
        int treeSize = 0;
        if (type == 2)
        {
            state.Huffman = HuffmanTable.Read(data, out treeSize);
        }
        else
        {
            Require(state.Huffman is not null, "treeless literals without a previous Huffman table");
        }

        var table = state.Huffman!;
        data = data[treeSize..];
        literals = new byte[regeneratedSize];
        count = regeneratedSize;
        if (streams == 1)
        {
            table.DecodeStream(data, literals);
        }
        else
        {
            Require(data.Length >= 6, "4-stream jump table is truncated");
            int size1 = BinaryPrimitives.ReadUInt16LittleEndian(data);
            int size2 = BinaryPrimitives.ReadUInt16LittleEndian(data[2..]);
            int size3 = BinaryPrimitives.ReadUInt16LittleEndian(data[4..]);
            int size4 = data.Length - 6 - size1 - size2 - size3;
            Require(size4 >= 0, "4-stream jump table exceeds the literals");
            int segment = (regeneratedSize + 3) / 4;
            Require(3 * segment <= regeneratedSize, "too few literals for four streams");
            var streamData = data[6..];
            table.DecodeStream(streamData[..size1], literals.AsSpan(0, segment));
            table.DecodeStream(streamData.Slice(size1, size2), literals.AsSpan(segment, segment));
            table.DecodeStream(streamData.Slice(size1 + size2, size3), literals.AsSpan(2 * segment, segment));
            table.DecodeStream(streamData.Slice(size1 + size2 + size3, size4), literals.AsSpan(3 * segment));
        }

        return header + compressedSize;
    }

    private static int DecodeSequences(ReadOnlySpan<byte> section, byte[] literals, int literalCount, OutputBuffer output, FrameState state)
    {
        Require(section.Length >= 1, "sequences header is missing");
        int position = 0;
        int first = section[position++];
        int sequences;
        if (first == 0)
        {
            output.Append(literals.AsSpan(0, literalCount));
            return position;
        }

        if (first < 128)
        {
            sequences = first;
        }
        else if (first < 255)
        {
            Require(section.Length >= 2, "sequence count is truncated");
            sequences = ((first - 128) << 8) + section[position++];
        }
        else
        {
            Require(section.Length >= 3, "sequence count is truncated");
            sequences = section[position] + (section[position + 1] << 8) + 0x7F00;
            position += 2;
        }

        Require(section.Length > position, "symbol compression modes are missing");
        byte modes = section[position++];
        Require((modes & 3) == 0, "reserved bits of the compression modes are set");
        state.LiteralLengths = ReadTable(section, ref position, (modes >> 6) & 3, DefaultLiteralLengthTable, state.LiteralLengths, 35, 9, "literal lengths");
        state.Offsets = ReadTable(section, ref position, (modes >> 4) & 3, DefaultOffsetTable, state.Offsets, 31, 8, "offsets");
        state.MatchLengths = ReadTable(section, ref position, (modes >> 2) & 3, DefaultMatchLengthTable, state.MatchLengths, 52, 9, "match lengths");
        var bits = new BackwardBitReader(section[position..]);
        var ll = state.LiteralLengths!;
        var of = state.Offsets!;
        var ml = state.MatchLengths!;
        int llState = (int)bits.Read(ll.AccuracyLog);
        int ofState = (int)bits.Read(of.AccuracyLog);
        int mlState = (int)bits.Read(ml.AccuracyLog);
        int literalPosition = 0;
        for (int s = 0; s < sequences; s++)
        {
            int offsetCode = of.Symbols[ofState];
            int matchCode = ml.Symbols[mlState];
            int literalCode = ll.Symbols[llState];
            Require(offsetCode <= 31 && matchCode <= 52 && literalCode <= 35, "sequence code out of range");
            ulong offsetValue = (1UL << offsetCode) + bits.Read(offsetCode);
            int matchLength = MatchLengthBase[matchCode] + (int)bits.Read(MatchLengthBits[matchCode]);
            int literalLength = LiteralLengthBase[literalCode] + (int)bits.Read(LiteralLengthBits[literalCode]);
            if (s + 1 < sequences)
            {
                llState = ll.Baselines[llState] + (int)bits.Read(ll.NumberOfBits[llState]);
                mlState = ml.Baselines[mlState] + (int)bits.Read(ml.NumberOfBits[mlState]);
                ofState = of.Baselines[ofState] + (int)bits.Read(of.NumberOfBits[ofState]);
            }

            long offset = state.ResolveOffset(offsetValue, literalLength);
            Require(literalLength <= literalCount - literalPosition, "sequence uses more literals than were decoded");
            output.Append(literals.AsSpan(literalPosition, literalLength));
            literalPosition += literalLength;
            output.CopyMatch(offset, matchLength);
        }

        Require(bits.IsExactlyConsumed, "sequence bitstream was not consumed exactly");
        output.Append(literals.AsSpan(literalPosition, literalCount - literalPosition));
        return section.Length;
    }

    private static FseTable? ReadTable(
        ReadOnlySpan<byte> section, ref int position, int mode, FseTable defaultTable, FseTable? previous, int maxSymbol, int maxLog, string what)
    {
        switch (mode)
        {
            case 0:
                return defaultTable;
            case 1:
                Require(section.Length > position, $"RLE symbol for {what} is missing");
                byte symbol = section[position++];
                Require(symbol <= maxSymbol, $"RLE symbol for {what} is out of range");
                return FseTable.Rle(symbol);
            case 2:
                var counts = FseTable.ReadNormalizedCounts(section[position..], maxSymbol, maxLog, out int log, out int used);
                position += used;
                return FseTable.Build(counts, log);
            default:
                Require(previous is not null, $"repeat mode for {what} without a previous table");
                return previous;
        }
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new CorruptException(message);
        }
    }

    /// <summary>XXH64 with seed 0 (the zstd content checksum keeps its low 32 bits).</summary>
    internal static ulong XxHash64(ReadOnlySpan<byte> data)
    {
        const ulong p1 = 11400714785074694791UL, p2 = 14029467366897019727UL, p3 = 1609587929392839161UL;
        const ulong p4 = 9650029242287828579UL, p5 = 2870177450012600261UL;
        int length = data.Length;
        int i = 0;
        ulong h;
        if (length >= 32)
        {
            ulong v1 = unchecked(p1 + p2), v2 = p2, v3 = 0, v4 = unchecked(0 - p1);
            for (; i + 32 <= length; i += 32)
            {
                v1 = Round(v1, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
                v2 = Round(v2, BinaryPrimitives.ReadUInt64LittleEndian(data[(i + 8)..]));
                v3 = Round(v3, BinaryPrimitives.ReadUInt64LittleEndian(data[(i + 16)..]));
                v4 = Round(v4, BinaryPrimitives.ReadUInt64LittleEndian(data[(i + 24)..]));
            }

            h = BitOperations.RotateLeft(v1, 1) + BitOperations.RotateLeft(v2, 7) + BitOperations.RotateLeft(v3, 12) + BitOperations.RotateLeft(v4, 18);
            h = Merge(h, v1);
            h = Merge(h, v2);
            h = Merge(h, v3);
            h = Merge(h, v4);
        }
        else
        {
            h = p5;
        }

        h += (ulong)length;
        for (; i + 8 <= length; i += 8)
        {
            h ^= Round(0, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]));
            h = (BitOperations.RotateLeft(h, 27) * p1) + p4;
        }

        if (i + 4 <= length)
        {
            h ^= BinaryPrimitives.ReadUInt32LittleEndian(data[i..]) * p1;
            h = (BitOperations.RotateLeft(h, 23) * p2) + p3;
            i += 4;
        }

        for (; i < length; i++)
        {
            h ^= data[i] * p5;
            h = BitOperations.RotateLeft(h, 11) * p1;
        }

        h ^= h >> 33;
        h *= p2;
        h ^= h >> 29;
        h *= p3;
        h ^= h >> 32;
        return h;

        static ulong Round(ulong accumulator, ulong input) => BitOperations.RotateLeft(accumulator + (input * p2), 31) * p1;

        static ulong Merge(ulong accumulator, ulong value) => ((accumulator ^ Round(0, value)) * p1) + p4;
    }

    private sealed class CorruptException(string message) : Exception(message);

    /// <summary>Tables and repeat offsets that carry over from block to block within a frame.</summary>
    private sealed class FrameState
    {
        private long _rep0 = 1;
        private long _rep1 = 4;
        private long _rep2 = 8;

        public HuffmanTable? Huffman { get; set; }

        public FseTable? LiteralLengths { get; set; }

        public FseTable? Offsets { get; set; }

        public FseTable? MatchLengths { get; set; }

        public long ResolveOffset(ulong offsetValue, int literalLength)
        {
            if (offsetValue > 3)
            {
                long offset = (long)(offsetValue - 3);
                (_rep2, _rep1, _rep0) = (_rep1, _rep0, offset);
                return offset;
            }

            int index = (int)offsetValue - 1 + (literalLength == 0 ? 1 : 0);
            switch (index)
            {
                case 0:
                    return _rep0;
                case 1:
                    (_rep1, _rep0) = (_rep0, _rep1);
                    return _rep0;
                case 2:
                    (_rep2, _rep1, _rep0) = (_rep1, _rep0, _rep2);
                    return _rep0;
                default:
                    long offset = _rep0 - 1;
                    Require(offset > 0, "repeat offset underflows");
                    (_rep2, _rep1, _rep0) = (_rep1, _rep0, offset);
                    return offset;
            }
        }
    }

    /// <summary>Reads a zstd backward bitstream: starts after the highest set bit of the last byte, reads toward byte 0.</summary>
    private ref struct BackwardBitReader
    {
        private readonly ReadOnlySpan<byte> _data;
        private long _position;

        public BackwardBitReader(ReadOnlySpan<byte> data)
        {
            Require(data.Length > 0 && data[^1] != 0, "bitstream is empty or lacks its end marker");
            _data = data;
            _position = ((long)(data.Length - 1) * 8) + (7 - BitOperations.LeadingZeroCount((uint)data[^1]) + 24);
        }

        public readonly bool IsExactlyConsumed => _position == 0;

        public readonly bool IsOverflowed => _position < 0;

        /// <summary>The next <paramref name="count"/> bits below the current position (missing bits past the start read as 0).</summary>
        public ulong Read(int count)
        {
            if (count == 0)
            {
                return 0;
            }

            ulong value = Peek(count);
            _position -= count;
            return value;
        }

        public readonly ulong Peek(int count)
        {
            long low = _position - count;
            ulong value = 0;
            for (long bit = _position - 1; bit >= low; bit--)
            {
                value <<= 1;
                if (bit >= 0)
                {
                    value |= (uint)((_data[(int)(bit >> 3)] >> (int)(bit & 7)) & 1);
                }
            }

            return value;
        }

        public void Skip(int count) => _position -= count;
    }

    /// <summary>An FSE decoding table: per state, the symbol, the bits to read and the baseline of the next state.</summary>
    private sealed class FseTable
    {
        private FseTable(int accuracyLog)
        {
            AccuracyLog = accuracyLog;
            int size = 1 << accuracyLog;
            Symbols = new byte[size];
            NumberOfBits = new byte[size];
            Baselines = new int[size];
        }

        public int AccuracyLog { get; }

        public byte[] Symbols { get; }

        public byte[] NumberOfBits { get; }

        public int[] Baselines { get; }

        public static FseTable Rle(byte symbol)
        {
            var table = new FseTable(0);
            table.Symbols[0] = symbol;
            return table;
        }

        public static FseTable Build(ReadOnlySpan<short> counts, int accuracyLog)
        {
            var table = new FseTable(accuracyLog);
            int size = 1 << accuracyLog;
            int high = size - 1;
            Span<int> next = stackalloc int[counts.Length];
            for (int s = 0; s < counts.Length; s++)
            {
                if (counts[s] == -1)
                {
                    table.Symbols[high--] = (byte)s;
                    next[s] = 1;
                }
                else
                {
                    next[s] = counts[s];
                }
            }

            int position = 0;
            int step = (size >> 1) + (size >> 3) + 3;
            for (int s = 0; s < counts.Length; s++)
            {
                for (int i = 0; i < counts[s]; i++)
                {
                    table.Symbols[position] = (byte)s;
                    do
                    {
                        position = (position + step) & (size - 1);
                    }
                    while (position > high);
                }
            }

            Require(position == 0, "FSE distribution does not fill its table");
            for (int state = 0; state < size; state++)
            {
                int symbol = table.Symbols[state];
                int nextState = next[symbol]++;
                int bits = accuracyLog - (31 - BitOperations.LeadingZeroCount((uint)nextState));
                table.NumberOfBits[state] = (byte)bits;
                table.Baselines[state] = (nextState << bits) - size;
            }

            return table;
        }

        public static short[] ReadNormalizedCounts(ReadOnlySpan<byte> data, int maxSymbol, int maxLog, out int accuracyLog, out int bytesUsed)
        {
            long bit = 0;
            accuracyLog = (int)ReadForward(data, ref bit, 4) + 5;
            Require(accuracyLog <= maxLog, $"FSE accuracy log {accuracyLog} exceeds {maxLog}");
            int remaining = (1 << accuracyLog) + 1;
            int threshold = 1 << accuracyLog;
            int nbBits = accuracyLog + 1;
            var counts = new List<short>();
            while (remaining > 1)
            {
                Require(counts.Count <= maxSymbol, "FSE distribution has too many symbols");
                int max = (2 * threshold) - 1 - remaining;
                int low = (int)PeekForward(data, bit, nbBits - 1);
                int count;
                if (low < max)
                {
                    count = low;
                    bit += nbBits - 1;
                }
                else
                {
                    count = (int)PeekForward(data, bit, nbBits);
                    if (count >= threshold)
                    {
                        count -= max;
                    }

                    bit += nbBits;
                }

                count--;
                remaining -= count < 0 ? -count : count;
                Require(remaining >= 1, "FSE distribution overflows its table");
                counts.Add((short)count);
                if (count == 0)
                {
                    while (true)
                    {
                        int repeat = (int)ReadForward(data, ref bit, 2);
                        for (int r = 0; r < repeat; r++)
                        {
                            counts.Add(0);
                        }

                        Require(counts.Count <= maxSymbol + 1, "FSE distribution has too many symbols");
                        if (repeat != 3)
                        {
                            break;
                        }
                    }
                }

                while (remaining < threshold)
                {
                    nbBits--;
                    threshold >>= 1;
                }
            }

            Require(remaining == 1 && counts.Count <= maxSymbol + 1, "FSE distribution is invalid");
            bytesUsed = (int)((bit + 7) >> 3);
            Require(bytesUsed <= data.Length, "FSE distribution is truncated");
            return counts.ToArray();
        }

        private static ulong ReadForward(ReadOnlySpan<byte> data, ref long bit, int count)
        {
            ulong value = PeekForward(data, bit, count);
            bit += count;
            return value;
        }

        private static ulong PeekForward(ReadOnlySpan<byte> data, long bit, int count)
        {
            ulong value = 0;
            for (int i = 0; i < count; i++)
            {
                long b = bit + i;
                // Bits beyond the data read as zero; the caller checks how many bytes were really used.
                if ((b >> 3) < data.Length)
                {
                    value |= (ulong)((data[(int)(b >> 3)] >> (int)(b & 7)) & 1) << i;
                }
            }

            return value;
        }
    }

    /// <summary>A Huffman decoding table indexed by the next maxBits bits.</summary>
    private sealed class HuffmanTable
    {
        private HuffmanTable(int maxBits)
        {
            MaxBits = maxBits;
            Symbols = new byte[1 << maxBits];
            Lengths = new byte[1 << maxBits];
        }

        public int MaxBits { get; }

        public byte[] Symbols { get; }

        public byte[] Lengths { get; }

        public static HuffmanTable Read(ReadOnlySpan<byte> data, out int bytesUsed)
        {
            Require(data.Length >= 1, "Huffman tree description is missing");
            int header = data[0];
            var weights = new List<int>();
            if (header >= 128)
            {
                int count = header - 127;
                bytesUsed = 1 + ((count + 1) / 2);
                Require(data.Length >= bytesUsed, "Huffman weights are truncated");
                for (int i = 0; i < count; i++)
                {
                    byte packed = data[1 + (i / 2)];
                    weights.Add(i % 2 == 0 ? packed >> 4 : packed & 0xF);
                }
            }
            else
            {
                bytesUsed = 1 + header;
                Require(data.Length >= bytesUsed, "Huffman weights are truncated");
                var compressed = data.Slice(1, header);
                var counts = FseTable.ReadNormalizedCounts(compressed, 255, 6, out int log, out int used);
                var table = FseTable.Build(counts, log);
                var bits = new BackwardBitReader(compressed[used..]);
                int state1 = (int)bits.Read(log);
                int state2 = (int)bits.Read(log);
                while (true)
                {
                    Require(weights.Count < 255, "too many Huffman weights");
                    weights.Add(table.Symbols[state1]);
                    state1 = table.Baselines[state1] + (int)bits.Read(table.NumberOfBits[state1]);
                    if (bits.IsOverflowed)
                    {
                        weights.Add(table.Symbols[state2]);
                        break;
                    }

                    Require(weights.Count < 255, "too many Huffman weights");
                    weights.Add(table.Symbols[state2]);
                    state2 = table.Baselines[state2] + (int)bits.Read(table.NumberOfBits[state2]);
                    if (bits.IsOverflowed)
                    {
                        weights.Add(table.Symbols[state1]);
                        break;
                    }
                }
            }

            return Build(weights);
        }

        public void DecodeStream(ReadOnlySpan<byte> data, Span<byte> destination)
        {
            var bits = new BackwardBitReader(data);
            for (int i = 0; i < destination.Length; i++)
            {
                int index = (int)bits.Peek(MaxBits);
                destination[i] = Symbols[index];
                bits.Skip(Lengths[index]);
                Require(!bits.IsOverflowed, "Huffman stream ended early");
            }

            Require(bits.IsExactlyConsumed, "Huffman stream was not consumed exactly");
        }

        private static HuffmanTable Build(List<int> weights)
        {
            long total = 0;
            foreach (int w in weights)
            {
                Require(w <= 11, "Huffman weight exceeds 11");
                if (w > 0)
                {
                    total += 1L << (w - 1);
                }
            }

            Require(total > 0, "Huffman weights are all zero");
            int maxBits = 64 - BitOperations.LeadingZeroCount((ulong)total);
            long rest = (1L << maxBits) - total;
            Require(rest > 0 && (rest & (rest - 1)) == 0 && maxBits <= 11, "Huffman weights do not complete a tree");
            weights.Add(BitOperations.Log2((ulong)rest) + 1);
            var table = new HuffmanTable(maxBits);
            int position = 0;
            for (int weight = 1; weight <= maxBits; weight++)
            {
                for (int symbol = 0; symbol < weights.Count; symbol++)
                {
                    if (weights[symbol] != weight)
                    {
                        continue;
                    }

                    int span = 1 << (weight - 1);
                    byte length = (byte)(maxBits + 1 - weight);
                    for (int k = 0; k < span; k++)
                    {
                        table.Symbols[position + k] = (byte)symbol;
                        table.Lengths[position + k] = length;
                    }

                    position += span;
                }
            }

            Require(position == 1 << maxBits, "Huffman table is incomplete");
            return table;
        }
    }

    /// <summary>The decoded content, growing up to a fixed maximum.</summary>
    private sealed class OutputBuffer(long maxSize, string what)
    {
        private byte[] _data = new byte[Math.Min(maxSize, 1 << 16)];

        public long MaxSize { get; } = maxSize;

        public int Length { get; private set; }

        public ReadOnlySpan<byte> Span(int start, int length) => _data.AsSpan(start, length);

        public void Append(ReadOnlySpan<byte> bytes)
        {
            Ensure(bytes.Length);
            bytes.CopyTo(_data.AsSpan(Length));
            Length += bytes.Length;
        }

        public void AppendRepeated(byte value, int count)
        {
            Ensure(count);
            _data.AsSpan(Length, count).Fill(value);
            Length += count;
        }

        public void CopyMatch(long offset, int length)
        {
            Require(offset >= 1 && offset <= Length, "match offset points before the start of the content");
            Ensure(length);
            int source = Length - (int)offset;
            if (offset >= length)
            {
                _data.AsSpan(source, length).CopyTo(_data.AsSpan(Length));
            }
            else
            {
                for (int i = 0; i < length; i++)
                {
                    _data[Length + i] = _data[source + i];
                }
            }

            Length += length;
        }

        public byte[] ToArray() => _data.AsSpan(0, Length).ToArray();

        private void Ensure(int extra)
        {
            long needed = (long)Length + extra;
            if (needed > MaxSize)
            {
                throw new SealFormatException($"{what}: zstd data inflates beyond the largest valid size for these parameters ({MaxSize} bytes)");
            }

            if (needed > _data.Length)
            {
                long grown = Math.Min(Math.Max(needed, (long)_data.Length * 2), MaxSize);
                Array.Resize(ref _data, (int)grown);
            }
        }
    }
}
