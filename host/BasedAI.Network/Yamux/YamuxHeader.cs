using System.Buffers.Binary;

namespace BasedAI.Network.Yamux;

/// <summary>Yamux frame types.</summary>
internal enum YamuxFrameType : byte
{
    Data = 0,
    WindowUpdate = 1,
    Ping = 2,
    GoAway = 3,
}

/// <summary>Yamux frame flags.</summary>
[Flags]
internal enum YamuxFlags : ushort
{
    None = 0,
    Syn = 1,
    Ack = 2,
    Fin = 4,
    Rst = 8,
}

/// <summary>Yamux go-away codes.</summary>
internal enum YamuxGoAwayCode : uint
{
    Normal = 0,
    ProtocolError = 1,
    InternalError = 2,
}

/// <summary>
/// The 12-byte Yamux header: version (0), type, flags (16 bits), stream id (32 bits), length (32 bits), all big-endian.
/// For data frames the length is the payload size; for window updates the window delta; for ping the opaque value;
/// for go-away the error code.
/// </summary>
internal readonly record struct YamuxHeader(YamuxFrameType Type, YamuxFlags Flags, uint StreamId, uint Length)
{
    public const int Size = 12;

    public void Write(Span<byte> destination)
    {
        destination[0] = 0;
        destination[1] = (byte)Type;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], (ushort)Flags);
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], StreamId);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Length);
    }

    /// <summary>Decodes a header; throws <see cref="ProtocolViolationException"/> for an unknown version or type.</summary>
    public static YamuxHeader Read(ReadOnlySpan<byte> source)
    {
        if (source.Length < Size)
        {
            throw new ProtocolViolationException($"Yamux: a header is {Size} bytes, got {source.Length}.");
        }
        if (source[0] != 0)
        {
            throw new ProtocolViolationException($"Yamux: unsupported protocol version {source[0]}.");
        }
        if (source[1] > (byte)YamuxFrameType.GoAway)
        {
            throw new ProtocolViolationException($"Yamux: unknown frame type {source[1]}.");
        }
        return new YamuxHeader(
            (YamuxFrameType)source[1],
            (YamuxFlags)BinaryPrimitives.ReadUInt16BigEndian(source[2..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(source[8..]));
    }
}
