using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using BasedAI.Network.Identity;
using Org.BouncyCastle.Math.EC.Rfc7748;
using Org.BouncyCastle.Security;

namespace BasedAI.Network.Noise;

/// <summary>An X25519 key pair (the Noise static or ephemeral key).</summary>
internal sealed class X25519KeyPair : IDisposable
{
    private static readonly SecureRandom Random = new();

    public X25519KeyPair()
    {
        X25519.GeneratePrivateKey(Random, Private);
        X25519.GeneratePublicKey(Private, 0, Public, 0);
    }

    public byte[] Private { get; } = new byte[X25519.ScalarSize];
    public byte[] Public { get; } = new byte[X25519.PointSize];

    /// <summary>X25519(private, remote); throws <see cref="HandshakeException"/> for a low-order remote point (all-zero result).</summary>
    public byte[] Agree(byte[] remotePublic)
    {
        byte[] shared = new byte[32];
        if (!X25519.CalculateAgreement(Private, 0, remotePublic, 0, shared, 0))
        {
            throw new HandshakeException("Noise: the remote X25519 key is a low-order point.");
        }
        return shared;
    }

    public void Dispose() => CryptographicOperations.ZeroMemory(Private);
}

/// <summary>The outcome of a Noise handshake: transport ciphers and the authenticated remote identity.</summary>
internal sealed record NoiseResult(NoiseCipherState Send, NoiseCipherState Receive, PublicKey RemoteKey, PeerId RemotePeer, IReadOnlyList<string> RemoteMuxers);

/// <summary>Test hooks that make a handshake misbehave on purpose (robustness tests only).</summary>
internal sealed class NoiseFaults
{
    /// <summary>Rewrites the identity signature this side sends.</summary>
    public Func<byte[], byte[]>? SignatureTransform { get; init; }
}

/// <summary>
/// Noise_XX_25519_ChaChaPoly_SHA256 with the libp2p handshake payload: each side proves its libp2p identity by signing
/// <c>"noise-libp2p-static-key:" ‖ its Noise static public key</c>. Messages are framed with a 2-byte big-endian length.
/// </summary>
internal sealed class NoiseHandshake : IDisposable
{
    public const string ProtocolId = "/noise";
    public const int MaxMessageLength = 65535;
    private static readonly byte[] ProtocolName = Encoding.ASCII.GetBytes("Noise_XX_25519_ChaChaPoly_SHA256");
    private static readonly byte[] SignaturePrefix = Encoding.ASCII.GetBytes("noise-libp2p-static-key:");

    // Identity proofs already verified (hash of key, static key and signature). A peer keeps its Noise static key for its
    // lifetime, so reconnecting peers skip a signature verification; only successes are remembered, so it cannot change an outcome.
    private static readonly ConcurrentDictionary<string, byte> VerifiedProofs = new(StringComparer.Ordinal);
    private const int MaxVerifiedProofs = 4096;

    private readonly X25519KeyPair _static;
    private readonly byte[] _payload;
    private byte[] _ck;
    private byte[] _h;
    private NoiseCipherState? _cipher;

    public NoiseHandshake(NodeIdentity identity, X25519KeyPair staticKey, IReadOnlyList<string> muxers, NoiseFaults? faults = null)
        : this(staticKey, CreatePayload(identity, staticKey, muxers, faults))
    {
    }

    /// <summary>Uses a payload made once by <see cref="CreatePayload"/>: the static key does not change, nor does its proof.</summary>
    public NoiseHandshake(X25519KeyPair staticKey, byte[] payload)
    {
        _static = staticKey;
        _payload = payload;
        // The protocol name is exactly 32 bytes, so h starts as the name itself; the prologue is empty.
        _h = (byte[])ProtocolName.Clone();
        _ck = (byte[])_h.Clone();
        MixHash([]);
    }

    /// <summary>
    /// Runs the initiator side. <paramref name="expectedPeer"/>, when known, must match the responder's identity.
    /// <paramref name="beforeFirstRead"/> runs after message 1 is sent (it completes a lazy /noise negotiation).
    /// </summary>
    public async Task<NoiseResult> InitiateAsync(Stream stream, PeerId? expectedPeer, CancellationToken cancellationToken, Func<CancellationToken, Task>? beforeFirstRead = null)
    {
        using var ephemeral = new X25519KeyPair();
        // -> e
        MixHash(ephemeral.Public);
        byte[] payload1 = EncryptAndHash([]);
        await WriteFrameAsync(stream, [.. ephemeral.Public, .. payload1], cancellationToken).ConfigureAwait(false);
        if (beforeFirstRead is not null)
        {
            await beforeFirstRead(cancellationToken).ConfigureAwait(false);
        }

        // <- e, ee, s, es
        byte[] message2 = await ReadFrameAsync(stream, cancellationToken).ConfigureAwait(false);
        if (message2.Length < 32 + 48 + NoiseCipherState.TagSize)
        {
            throw new HandshakeException($"Noise: message 2 is {message2.Length} bytes, too short for e, s and a payload.");
        }
        byte[] remoteEphemeral = message2[..32];
        MixHash(remoteEphemeral);
        MixKey(ephemeral.Agree(remoteEphemeral));
        byte[] remoteStatic = DecryptAndHash(message2.AsSpan(32, 48), "the responder's static key");
        MixKey(ephemeral.Agree(remoteStatic));
        NoisePayload remotePayload = DecodePayload(DecryptAndHash(message2.AsSpan(80), "the responder's payload"));
        (PublicKey remoteKey, PeerId remotePeer) = Authenticate(remotePayload, remoteStatic, expectedPeer);

        // -> s, se
        byte[] encryptedStatic = EncryptAndHash(_static.Public);
        MixKey(_static.Agree(remoteEphemeral));
        byte[] payload3 = EncryptAndHash(_payload);
        await WriteFrameAsync(stream, [.. encryptedStatic, .. payload3], cancellationToken).ConfigureAwait(false);

        (NoiseCipherState c1, NoiseCipherState c2) = Split();
        return new NoiseResult(c1, c2, remoteKey, remotePeer, remotePayload.StreamMuxers);
    }

    /// <summary>Runs the responder side.</summary>
    public async Task<NoiseResult> RespondAsync(Stream stream, CancellationToken cancellationToken)
    {
        // <- e
        byte[] message1 = await ReadFrameAsync(stream, cancellationToken).ConfigureAwait(false);
        if (message1.Length < 32)
        {
            throw new HandshakeException($"Noise: message 1 is {message1.Length} bytes, shorter than an ephemeral key.");
        }
        byte[] remoteEphemeral = message1[..32];
        MixHash(remoteEphemeral);
        DecryptAndHash(message1.AsSpan(32), "message 1 payload");

        // -> e, ee, s, es
        using var ephemeral = new X25519KeyPair();
        MixHash(ephemeral.Public);
        MixKey(ephemeral.Agree(remoteEphemeral));
        byte[] encryptedStatic = EncryptAndHash(_static.Public);
        MixKey(_static.Agree(remoteEphemeral));
        byte[] payload2 = EncryptAndHash(_payload);
        await WriteFrameAsync(stream, [.. ephemeral.Public, .. encryptedStatic, .. payload2], cancellationToken).ConfigureAwait(false);

        // <- s, se
        byte[] message3 = await ReadFrameAsync(stream, cancellationToken).ConfigureAwait(false);
        if (message3.Length < 48 + NoiseCipherState.TagSize)
        {
            throw new HandshakeException($"Noise: message 3 is {message3.Length} bytes, too short for s and a payload.");
        }
        byte[] remoteStatic = DecryptAndHash(message3.AsSpan(0, 48), "the initiator's static key");
        MixKey(ephemeral.Agree(remoteStatic));
        NoisePayload remotePayload = DecodePayload(DecryptAndHash(message3.AsSpan(48), "the initiator's payload"));
        (PublicKey remoteKey, PeerId remotePeer) = Authenticate(remotePayload, remoteStatic, null);

        (NoiseCipherState c1, NoiseCipherState c2) = Split();
        return new NoiseResult(c2, c1, remoteKey, remotePeer, remotePayload.StreamMuxers);
    }

    /// <summary>The handshake payload: identity key, its signature over the static key, and the muxers offered.</summary>
    public static byte[] CreatePayload(NodeIdentity identity, X25519KeyPair staticKey, IReadOnlyList<string> muxers, NoiseFaults? faults = null)
    {
        byte[] signature = identity.PrivateKey.Sign([.. SignaturePrefix, .. staticKey.Public]);
        if (faults?.SignatureTransform is { } transform)
        {
            signature = transform(signature);
        }
        return new NoisePayload { IdentityKey = identity.PublicKey.ToProtobuf(), IdentitySignature = signature, StreamMuxers = muxers }.Encode();
    }

    private static NoisePayload DecodePayload(byte[] bytes)
    {
        try
        {
            return NoisePayload.Decode(bytes);
        }
        catch (FormatException e)
        {
            throw new HandshakeException($"Noise: {e.Message}", e);
        }
    }

    private static (PublicKey, PeerId) Authenticate(NoisePayload payload, byte[] remoteStatic, PeerId? expectedPeer)
    {
        PublicKey key;
        try
        {
            key = PublicKey.FromProtobuf(payload.IdentityKey);
        }
        catch (FormatException e)
        {
            throw new HandshakeException($"Noise: the remote identity key is invalid: {e.Message}", e);
        }
        string proof = Convert.ToHexString(SHA256.HashData([.. payload.IdentityKey, .. remoteStatic, .. payload.IdentitySignature]));
        if (!VerifiedProofs.ContainsKey(proof))
        {
            if (!key.Verify([.. SignaturePrefix, .. remoteStatic], payload.IdentitySignature))
            {
                throw new HandshakeException("Noise: the remote's identity signature over its static key does not verify.");
            }
            if (VerifiedProofs.Count >= MaxVerifiedProofs)
            {
                VerifiedProofs.Clear();
            }
            VerifiedProofs.TryAdd(proof, 0);
        }
        PeerId peer = key.ToPeerId();
        if (expectedPeer is not null && !expectedPeer.Equals(peer))
        {
            throw new HandshakeException($"Noise: dialed {expectedPeer} but the remote is {peer}.");
        }
        return (key, peer);
    }

    private void MixHash(ReadOnlySpan<byte> data)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(_h);
        sha.AppendData(data);
        _h = sha.GetHashAndReset();
    }

    private void MixKey(byte[] inputKeyMaterial)
    {
        byte[] output = HKDF.DeriveKey(HashAlgorithmName.SHA256, inputKeyMaterial, 64, _ck, []);
        CryptographicOperations.ZeroMemory(inputKeyMaterial);
        _ck = output[..32];
        _cipher?.Dispose();
        _cipher = new NoiseCipherState(output.AsSpan(32, 32));
        CryptographicOperations.ZeroMemory(output);
    }

    private byte[] EncryptAndHash(ReadOnlySpan<byte> plaintext)
    {
        byte[] ciphertext;
        if (_cipher is null)
        {
            ciphertext = plaintext.ToArray();
        }
        else
        {
            ciphertext = new byte[plaintext.Length + NoiseCipherState.TagSize];
            _cipher.Encrypt(_h, plaintext, ciphertext);
        }
        MixHash(ciphertext);
        return ciphertext;
    }

    private byte[] DecryptAndHash(ReadOnlySpan<byte> ciphertext, string what)
    {
        byte[] plaintext;
        if (_cipher is null)
        {
            plaintext = ciphertext.ToArray();
        }
        else
        {
            if (ciphertext.Length < NoiseCipherState.TagSize)
            {
                throw new HandshakeException($"Noise: {what} is shorter than an authentication tag.");
            }
            plaintext = new byte[ciphertext.Length - NoiseCipherState.TagSize];
            if (!_cipher.Decrypt(_h, ciphertext, plaintext))
            {
                throw new HandshakeException($"Noise: {what} fails authentication.");
            }
        }
        MixHash(ciphertext);
        return plaintext;
    }

    private (NoiseCipherState, NoiseCipherState) Split()
    {
        byte[] output = HKDF.DeriveKey(HashAlgorithmName.SHA256, [], 64, _ck, []);
        var result = (new NoiseCipherState(output.AsSpan(0, 32)), new NoiseCipherState(output.AsSpan(32, 32)));
        CryptographicOperations.ZeroMemory(output);
        CryptographicOperations.ZeroMemory(_ck);
        Dispose();
        return result;
    }

    public void Dispose()
    {
        _cipher?.Dispose();
        _cipher = null;
    }

    internal static async ValueTask WriteFrameAsync(Stream stream, byte[] message, CancellationToken cancellationToken)
    {
        byte[] frame = new byte[2 + message.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, checked((ushort)message.Length));
        message.CopyTo(frame, 2);
        await stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    internal static async ValueTask<byte[]> ReadFrameAsync(Stream stream, CancellationToken cancellationToken)
    {
        byte[] header = new byte[2];
        try
        {
            await stream.ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
            byte[] message = new byte[BinaryPrimitives.ReadUInt16BigEndian(header)];
            await stream.ReadExactlyAsync(message, cancellationToken).ConfigureAwait(false);
            return message;
        }
        catch (EndOfStreamException e)
        {
            throw new HandshakeException("Noise: the connection closed during the handshake.", e);
        }
    }
}
