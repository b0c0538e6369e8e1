using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using BasedAI.Inference.Model;
using BasedAI.Inference.Tensors;

namespace BasedAI.Generation;

/// <summary>
/// Identifies a model's weights, so a client and a miner can tell they run the same one: SHA-256 over the architecture,
/// the shape hyper-parameters and every float tensor (by canonical name, in name order).
/// </summary>
public static class ModelFingerprint
{
    /// <summary>The 32-byte fingerprint of <paramref name="model"/>.</summary>
    public static byte[] Compute(TransformerModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        TransformerConfig c = model.Config;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes(
            $"basedai/model/v1:{c.Architecture}:{c.VocabSize}:{c.HiddenSize}:{c.LayerCount}:{c.HeadCount}:{c.KeyValueHeadCount}:{c.IntermediateSize}:{c.MaxSequenceLength}"));
        foreach ((string name, Tensor tensor) in model.Tensors.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes(name));
            hash.AppendData(MemoryMarshal.AsBytes(tensor.Data.AsSpan()));
        }
        return hash.GetHashAndReset();
    }
}
