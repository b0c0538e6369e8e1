using System.Buffers.Binary;
using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;

namespace BasedAI.Network.Noise;

/// <summary>
/// Noise CipherState for ChaChaPoly: a 32-byte key and a 64-bit counter nonce (4 zero bytes ‖ little-endian counter).
/// Uses the platform's ChaCha20-Poly1305 when available and BouncyCastle otherwise.
/// </summary>
internal sealed class NoiseCipherState : IDisposable
{
    public const int TagSize = 16;

    private readonly ChaCha20Poly1305? _platform;
    private readonly Org.BouncyCastle.Crypto.Modes.ChaCha20Poly1305? _portable;
    private readonly byte[]? _key;
    private ulong _nonce;

    public NoiseCipherState(ReadOnlySpan<byte> key)
    {
        if (ChaCha20Poly1305.IsSupported)
        {
            _platform = new ChaCha20Poly1305(key);
        }
        else
        {
            _portable = new Org.BouncyCastle.Crypto.Modes.ChaCha20Poly1305();
            _key = key.ToArray();
        }
    }

    /// <summary>Encrypts <paramref name="plaintext"/> into <paramref name="destination"/> (ciphertext ‖ tag, plaintext length + 16).</summary>
    public void Encrypt(ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> plaintext, Span<byte> destination)
    {
        Span<byte> nonce = stackalloc byte[12];
        NextNonce(nonce);
        if (_platform is not null)
        {
            _platform.Encrypt(nonce, plaintext, destination[..plaintext.Length], destination.Slice(plaintext.Length, TagSize), associatedData);
            return;
        }
        byte[] output = Portable(true, nonce, associatedData, plaintext);
        output.CopyTo(destination);
    }

    /// <summary>
    /// Decrypts ciphertext ‖ tag into <paramref name="destination"/> (may be the same memory as the ciphertext).
    /// Returns false when authentication fails; the nonce is consumed either way, so a failure must end the session.
    /// </summary>
    public bool Decrypt(ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> ciphertextAndTag, Span<byte> destination)
    {
        if (ciphertextAndTag.Length < TagSize)
        {
            return false;
        }
        Span<byte> nonce = stackalloc byte[12];
        NextNonce(nonce);
        int length = ciphertextAndTag.Length - TagSize;
        if (_platform is not null)
        {
            try
            {
                _platform.Decrypt(nonce, ciphertextAndTag[..length], ciphertextAndTag[length..], destination[..length], associatedData);
                return true;
            }
            catch (AuthenticationTagMismatchException)
            {
                return false;
            }
        }
        try
        {
            byte[] output = Portable(false, nonce, associatedData, ciphertextAndTag);
            output.CopyTo(destination);
            return true;
        }
        catch (Org.BouncyCastle.Crypto.InvalidCipherTextException)
        {
            return false;
        }
    }

    private void NextNonce(Span<byte> nonce)
    {
        if (_nonce == ulong.MaxValue)
        {
            // 2^64-1 is reserved by the Noise spec; a session never gets there in practice.
            throw new CryptographicException("Noise nonce exhausted.");
        }
        nonce[..4].Clear();
        BinaryPrimitives.WriteUInt64LittleEndian(nonce[4..], _nonce++);
    }

    private byte[] Portable(bool encrypt, ReadOnlySpan<byte> nonce, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> input)
    {
        _portable!.Init(encrypt, new AeadParameters(new KeyParameter(_key), TagSize * 8, nonce.ToArray(), associatedData.ToArray()));
        byte[] output = new byte[_portable.GetOutputSize(input.Length)];
        int n = _portable.ProcessBytes(input.ToArray(), 0, input.Length, output, 0);
        _portable.DoFinal(output, n);
        return output;
    }

    public void Dispose()
    {
        _platform?.Dispose();
        if (_key is not null)
        {
            CryptographicOperations.ZeroMemory(_key);
        }
    }
}
