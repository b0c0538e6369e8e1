using BasedAI.Evm.Numerics;

namespace BasedAI.Evm.Execution;

/// <summary>Gas constants of the Cancun schedule (Yellow Paper appendix G with EIPs 150, 1884, 2028, 2200, 2565, 2929, 3529, 3860, 4844).</summary>
public static class Gas
{
    /// <summary>Base cost of any transaction.</summary>
    public const long Transaction = 21000;
    /// <summary>Extra base cost of a contract-creating transaction.</summary>
    public const long TransactionCreate = 32000;
    /// <summary>Per zero byte of calldata.</summary>
    public const long TxDataZero = 4;
    /// <summary>Per non-zero byte of calldata (EIP-2028).</summary>
    public const long TxDataNonZero = 16;
    /// <summary>Per access-list address (EIP-2930).</summary>
    public const long AccessListAddress = 2400;
    /// <summary>Per access-list storage key (EIP-2930).</summary>
    public const long AccessListStorageKey = 1900;
    /// <summary>Per 32-byte word of initcode (EIP-3860).</summary>
    public const long InitCodeWord = 2;
    /// <summary>Largest initcode (EIP-3860).</summary>
    public const int MaxInitCodeSize = 2 * MaxCodeSize;
    /// <summary>Largest deployed code (EIP-170).</summary>
    public const int MaxCodeSize = 24576;
    /// <summary>Per byte of deployed code.</summary>
    public const long CodeDeposit = 200;

    internal const long WarmAccess = 100;
    internal const long ColdAccountAccess = 2600;
    internal const long ColdAccountSurcharge = ColdAccountAccess - WarmAccess;
    internal const long ColdSload = 2100;
    internal const long SstoreSet = 20000;
    internal const long SstoreReset = 5000 - ColdSload;
    internal const long SstoreSentry = 2300;
    internal const long SstoreClearRefund = 4800;
    internal const long CallValue = 9000;
    internal const long CallStipend = 2300;
    internal const long NewAccount = 25000;
    internal const long Copy = 3;
    internal const long KeccakWord = 6;
    internal const long Log = 375;
    internal const long LogData = 8;
    internal const long ExpByte = 50;
    internal const long Create = 32000;

    /// <summary>Gas per blob (EIP-4844).</summary>
    public const ulong PerBlob = 1 << 17;
    /// <summary>Most blobs per block, hence per transaction (EIP-4844, Cancun).</summary>
    public const int MaxBlobsPerBlock = 6;
    /// <summary>Target blob gas per block (EIP-4844, Cancun).</summary>
    public const ulong TargetBlobGasPerBlock = 3 * PerBlob;
    private const ulong BlobBaseFeeUpdateFraction = 3338477;

    /// <summary>The blob base fee for an excess blob gas: fake_exponential(1, excess, 3338477).</summary>
    public static UInt256 BlobBaseFee(ulong excessBlobGas)
    {
        // fake_exponential from EIP-4844: Taylor series of factor · e^(numerator / denominator), integer arithmetic.
        System.Numerics.BigInteger denominator = BlobBaseFeeUpdateFraction;
        System.Numerics.BigInteger numerator = excessBlobGas;
        System.Numerics.BigInteger output = 0;
        System.Numerics.BigInteger accumulator = denominator;
        for (int i = 1; accumulator > 0; i++)
        {
            output += accumulator;
            accumulator = accumulator * numerator / (denominator * i);
        }
        return UInt256.FromBigInteger(output / denominator);
    }

    /// <summary>Number of 32-byte words needed for <paramref name="bytes"/> bytes.</summary>
    internal static long Words(ulong bytes) => (long)((bytes + 31) / 32);
}
