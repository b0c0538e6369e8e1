using System.Buffers.Binary;
using System.Text;

namespace BasedAI.Inference.Tokenizers;

/// <summary>
/// Reads the parts of a SentencePiece <c>ModelProto</c> the tokenizer needs, straight from the protobuf wire format:
/// pieces (1: piece, 2: score, 3: type), trainer_spec (3: model_type, 40-42: unk/bos/eos ids) and normalizer_spec
/// (3: add_dummy_prefix). Unknown fields are skipped as the format requires.
/// </summary>
internal static class SentencePieceModelReader
{
    private const int ModelTypeBpe = 2;

    public static SentencePieceTokenizer Read(ReadOnlySpan<byte> data)
    {
        var pieces = new List<string>();
        var scores = new List<float>();
        var kinds = new List<PieceKind>();
        int modelType = 1, unkId = 0, bosId = 1, eosId = 2;
        bool addDummyPrefix = true;
        var reader = new ProtoReader(data);
        while (reader.Next(out int field, out int wire))
        {
            switch (field)
            {
                case 1 when wire == 2:
                    ReadPiece(reader.Bytes(), pieces, scores, kinds);
                    break;
                case 2 when wire == 2:
                    var trainer = new ProtoReader(reader.Bytes());
                    while (trainer.Next(out int f, out int w))
                    {
                        switch (f)
                        {
                            case 3 when w == 0: modelType = (int)trainer.Varint(); break;
                            case 40 when w == 0: unkId = (int)trainer.Varint(); break;
                            case 41 when w == 0: bosId = (int)trainer.Varint(); break;
                            case 42 when w == 0: eosId = (int)trainer.Varint(); break;
                            default: trainer.Skip(w); break;
                        }
                    }
                    break;
                case 3 when wire == 2:
                    var normalizer = new ProtoReader(reader.Bytes());
                    while (normalizer.Next(out int f, out int w))
                    {
                        if (f == 3 && w == 0)
                        {
                            addDummyPrefix = normalizer.Varint() != 0;
                        }
                        else
                        {
                            normalizer.Skip(w);
                        }
                    }
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }
        if (pieces.Count == 0)
        {
            throw new InvalidDataException("not a SentencePiece model (no pieces)");
        }
        if (modelType != ModelTypeBpe)
        {
            throw new InvalidDataException($"SentencePiece model type {modelType} is not supported (only BPE, type {ModelTypeBpe})");
        }
        static int Checked(int id, int count) => id >= 0 && id < count ? id : -1;
        return new SentencePieceTokenizer(pieces, scores, kinds, Checked(unkId, pieces.Count), Checked(bosId, pieces.Count),
            Checked(eosId, pieces.Count), addDummyPrefix);
    }

    private static void ReadPiece(ReadOnlySpan<byte> data, List<string> pieces, List<float> scores, List<PieceKind> kinds)
    {
        string piece = "";
        float score = 0;
        var kind = PieceKind.Normal;
        var reader = new ProtoReader(data);
        while (reader.Next(out int field, out int wire))
        {
            switch (field)
            {
                case 1 when wire == 2: piece = Encoding.UTF8.GetString(reader.Bytes()); break;
                case 2 when wire == 5: score = BitConverter.Int32BitsToSingle((int)reader.Fixed32()); break;
                case 3 when wire == 0:
                    ulong type = reader.Varint();
                    kind = type is >= 1 and <= 6 ? (PieceKind)type : throw new InvalidDataException($"piece {pieces.Count} has unknown type {type}");
                    break;
                default: reader.Skip(wire); break;
            }
        }
        pieces.Add(piece);
        scores.Add(score);
        kinds.Add(kind);
    }

    private ref struct ProtoReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public bool Next(out int field, out int wire)
        {
            field = wire = 0;
            if (_position >= _data.Length)
            {
                return false;
            }
            ulong key = Varint();
            field = (int)(key >> 3);
            wire = (int)(key & 7);
            if (field == 0)
            {
                throw new InvalidDataException($"malformed protobuf: field number 0 at byte {_position}");
            }
            return true;
        }

        public ulong Varint()
        {
            ulong value = 0;
            for (int shift = 0; shift < 64; shift += 7)
            {
                if (_position >= _data.Length)
                {
                    throw new InvalidDataException("malformed protobuf: truncated varint");
                }
                byte b = _data[_position++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                {
                    return value;
                }
            }
            throw new InvalidDataException("malformed protobuf: varint longer than 10 bytes");
        }

        public uint Fixed32()
        {
            Need(4);
            uint value = BinaryPrimitives.ReadUInt32LittleEndian(_data[_position..]);
            _position += 4;
            return value;
        }

        public ReadOnlySpan<byte> Bytes()
        {
            ulong length = Varint();
            if (length > (ulong)(_data.Length - _position))
            {
                throw new InvalidDataException($"malformed protobuf: a field of {length} bytes overruns the message at byte {_position}");
            }
            ReadOnlySpan<byte> bytes = _data.Slice(_position, (int)length);
            _position += (int)length;
            return bytes;
        }

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0: Varint(); break;
                case 1: Need(8); _position += 8; break;
                case 2: Bytes(); break;
                case 5: Need(4); _position += 4; break;
                default: throw new InvalidDataException($"malformed protobuf: unsupported wire type {wire}");
            }
        }

        private readonly void Need(int count)
        {
            if (_data.Length - _position < count)
            {
                throw new InvalidDataException("malformed protobuf: truncated fixed-width field");
            }
        }
    }
}
