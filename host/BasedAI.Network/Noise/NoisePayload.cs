using BasedAI.Network.Core;

namespace BasedAI.Network.Noise;

/// <summary>
/// The libp2p Noise handshake payload: <c>NoiseHandshakePayload { bytes identity_key = 1; bytes identity_sig = 2;
/// NoiseExtensions extensions = 4; }</c> with <c>NoiseExtensions { repeated bytes webtransport_certhashes = 1;
/// repeated string stream_muxers = 2; }</c>.
/// </summary>
internal sealed class NoisePayload
{
    public const int MaxStreamMuxers = 16;

    public byte[] IdentityKey { get; init; } = [];
    public byte[] IdentitySignature { get; init; } = [];
    public IReadOnlyList<string> StreamMuxers { get; init; } = [];

    public byte[] Encode()
    {
        var writer = new ProtobufWriter(160);
        writer.WriteBytes(1, IdentityKey);
        writer.WriteBytes(2, IdentitySignature);
        if (StreamMuxers.Count > 0)
        {
            var extensions = new ProtobufWriter(32);
            foreach (string muxer in StreamMuxers)
            {
                extensions.WriteString(2, muxer);
            }
            writer.WriteBytes(4, extensions.WrittenSpan);
        }
        return writer.ToArray();
    }

    public static NoisePayload Decode(ReadOnlySpan<byte> encoded)
    {
        var reader = new ProtobufReader(encoded, "Noise handshake payload");
        byte[] key = [], signature = [];
        var muxers = new List<string>();
        while (reader.TryReadTag(out int field, out WireType wireType))
        {
            switch (field)
            {
                case 1:
                    key = reader.ReadBytes(wireType, field).ToArray();
                    break;
                case 2:
                    signature = reader.ReadBytes(wireType, field).ToArray();
                    break;
                case 4:
                    var extensions = new ProtobufReader(reader.ReadBytes(wireType, field), "Noise extensions");
                    while (extensions.TryReadTag(out int f, out WireType wt))
                    {
                        if (f == 2)
                        {
                            if (muxers.Count >= MaxStreamMuxers)
                            {
                                throw new FormatException($"Malformed Noise extensions: more than {MaxStreamMuxers} stream muxers.");
                            }
                            muxers.Add(extensions.ReadString(wt, f));
                        }
                        else
                        {
                            extensions.Skip(wt);
                        }
                    }
                    break;
                default:
                    reader.Skip(wireType);
                    break;
            }
        }
        return new NoisePayload { IdentityKey = key, IdentitySignature = signature, StreamMuxers = muxers };
    }
}
