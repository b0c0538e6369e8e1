using BasedAI.Squeezing;
using BasedAI.Squeezing.Fusion;
using BasedAI.Squeezing.Planning;
using BasedAI.Squeezing.Polynomials;
using BasedAI.ZkLlm.Slots;

namespace BasedAI.ZkLlm;

/// <summary>How a prompt is answered.</summary>
public enum ZkLlmMode
{
    /// <summary>CKKS; the client decrypts, applies the non-linear steps and re-encrypts between stages (the default).</summary>
    Hybrid,

    /// <summary>CKKS; the miner also evaluates norms and activations as polynomials (reduced configuration, see <see cref="ZkLlmSetup.FullModeDegree"/>).</summary>
    Full,

    /// <summary>Encryption disabled: the same plan on clear slot vectors.</summary>
    Plain,
}

/// <summary>Plans and backends for each mode.</summary>
public static class ZkLlmSetup
{
    /// <summary>
    /// Ring degree of full mode's reduced configuration. At 128-bit security its chain (about 19 levels) needs N = 32768,
    /// whose Galois keys take about 3.9 GB; full mode therefore runs at N = 4096 with the same chain, which is NOT secure.
    /// </summary>
    public const int FullModeDegree = 4096;

    /// <summary>
    /// Precision of an unsqueezed model's hybrid plan: a 2^28 working scale and 11 bits of headroom, so its chain
    /// ([39, 28×5, 39] = 218 bits for stories260K) fits N = 8192 at 128-bit security.
    /// </summary>
    public static PlanPrecision UnsqueezedPrecision { get; } = new() { WorkingScaleBits = 28, HeadroomBits = 11 };

    /// <summary>The plan a squeezed artifact runs in <paramref name="mode"/>.</summary>
    public static HePlan PlanFor(ZkLlmMode mode, SqueezedArtifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        if (mode != ZkLlmMode.Full)
        {
            return artifact.Plan;
        }
        PolynomialSet polynomials = artifact.Polynomials
            ?? throw new InvalidDataException($"{artifact.Directory} has no {SqueezedArtifact.PolynomialsFile}: full mode needs the polynomials fitted during squeezing");
        return FullModeCompiler.Compile(artifact.Model, polynomials, FullModeCompiler.Precision(artifact.Plan),
            new PlanOptions { PolyModulusDegree = FullModeDegree, AllowInsecure = true });
    }

    /// <summary>The plan an unsqueezed model (all heads, no fusion) runs in <paramref name="mode"/>; full mode needs a squeezed model.</summary>
    public static HePlan PlanFor(ZkLlmMode mode, SqueezedModel unsqueezed)
    {
        ArgumentNullException.ThrowIfNull(unsqueezed);
        return mode == ZkLlmMode.Full
            ? throw new ArgumentException("full mode needs a squeezed model directory (from `basedai squeeze`): its polynomials are fitted on calibration text")
            : HePlanCompiler.Compile(unsqueezed, UnsqueezedPrecision, squeezed: false);
    }

    /// <summary>The client's backend for <paramref name="mode"/> (a fresh secret key under CKKS).</summary>
    public static IClientBackend CreateClient(ZkLlmMode mode, CkksSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return mode == ZkLlmMode.Plain ? new PlainBackend(settings.Slots, settings.CoeffModulusBits) : new CkksClientBackend(settings);
    }

    /// <summary>The miner's backend for <paramref name="mode"/>.</summary>
    public static IMinerBackend CreateMiner(ZkLlmMode mode, CkksSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return mode == ZkLlmMode.Plain ? new PlainBackend(settings.Slots, settings.CoeffModulusBits) : new CkksMinerBackend(settings);
    }
}
