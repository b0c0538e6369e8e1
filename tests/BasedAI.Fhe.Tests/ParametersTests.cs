namespace BasedAI.Fhe.Tests;

public class ParametersTests
{
    // Facts measured with node-seal 7.0.0 (SEAL 4.1.2).
    private static readonly ParmsId SealKeyParmsId = new(14977430936597932258, 13453138427975565996, 12578521186734665299, 15980188383561613301);
    private static readonly ParmsId SealFirstParmsId = new(1342082883023506191, 7162084550649654076, 10855999249838916620, 1321075796840322136);

    private const string SealParametersHex =
        "5ea1100401000000990000000000000002002000000000000004000000000000005ea110040100000018000000000000000180feffffffff" +
        "0f5ea1100401000000180000000000000001c0f4ffff0000005ea1100401000000180000000000000001c0fdffff0000005ea11004010000" +
        "00180000000000000001c0ffffffffff0f5ea110040100000018000000000000000000000000000000";

    [Fact]
    public void Prime_selection_matches_seal_coeff_modulus_create()
    {
        var parameters = CkksParameters.Create(8192, 60, 40, 40, 60);
        Assert.Equal([0xffffffffffe8001UL, 0xfffff4c001UL, 0xfffffdc001UL, 0xfffffffffffc001UL], parameters.CoeffModulus);
    }

    [Fact]
    public void Parms_ids_match_seal()
    {
        var context = CkksContext.Create(CkksParameters.Create(8192, 60, 40, 40, 60));
        Assert.Equal(SealKeyParmsId, context.KeyLevel.ParmsId);
        Assert.Equal(SealFirstParmsId, context.FirstLevel.ParmsId);
        Assert.Equal(SealKeyParmsId, context.Parameters.ParmsId);
        Assert.Equal(3, context.DataLevels.Count);
        Assert.Equal(2, context.FirstLevel.Index);
        Assert.Same(context.FirstLevel, context.KeyLevel.Next);
        Assert.Null(context.LastLevel.Next);
    }

    [Fact]
    public void Serialization_is_byte_identical_to_seal_and_round_trips()
    {
        var parameters = CkksParameters.Create(8192, 60, 40, 40, 60);
        Assert.Equal(SealParametersHex, Convert.ToHexStringLower(parameters.ToArray()));
        Assert.Equal(153, parameters.ToArray().Length);
        Assert.Equal(parameters, CkksParameters.Load(Convert.FromHexString(SealParametersHex)));
        Assert.Equal(parameters, CkksParameters.Load(parameters.ToArray(SealCompression.Zlib)));
        Assert.Equal(parameters, CkksParameters.Load(parameters.ToArray(SealCompression.Zstd)));
    }

    [Fact]
    public void Default_chains_have_the_documented_sizes_and_pass_the_security_check()
    {
        Assert.Equal(109, CkksParameters.Default(4096).TotalCoeffModulusBitCount);
        Assert.Equal(218, CkksParameters.Default(8192).TotalCoeffModulusBitCount);
        Assert.Equal(438, CkksParameters.Default(16384).TotalCoeffModulusBitCount);
        Assert.Equal(881, CkksParameters.Default(32768).TotalCoeffModulusBitCount);
        foreach (int n in new[] { 4096, 8192, 16384 })
        {
            var context = CkksContext.Create(CkksParameters.Default(n));
            Assert.Equal(SecurityLevel.Tc128, context.SecurityLevel);
        }
    }

    [Fact]
    public void Insecure_parameters_are_refused_unless_the_caller_opts_out()
    {
        var tooBig = CkksParameters.Create(4096, 40, 40, 40);
        var error = Assert.Throws<InsecureParametersException>(() => CkksContext.Create(tooBig));
        Assert.Contains("120 bits", error.Message, StringComparison.Ordinal);
        Assert.Contains("109", error.Message, StringComparison.Ordinal);
        Assert.NotNull(CkksContext.Create(tooBig, SecurityLevel.None));
        Assert.Throws<InsecureParametersException>(() => CkksContext.Create(CkksParameters.Create(65536, 60, 60), SecurityLevel.Tc256));
    }

    [Fact]
    public void Invalid_chains_are_rejected_with_the_reason()
    {
        Assert.Contains("not prime", Assert.Throws<ArgumentException>(() => CkksParameters.Create(4096, [0xffffee001UL, 0xffffee001UL + 8192])).Message, StringComparison.Ordinal);
        Assert.Contains("congruent", Assert.Throws<ArgumentException>(() => CkksParameters.Create(8192, [0xffffee001UL, 0xffffc4001UL])).Message, StringComparison.Ordinal);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() => CkksParameters.Create(4096, [0xffffee001UL, 0xffffee001UL])).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => CkksParameters.Create(3000, 40, 40));
        Assert.Throws<ArgumentOutOfRangeException>(() => CkksParameters.Create(4096, 61, 40));
        Assert.Throws<ArgumentException>(() => CkksParameters.Create(4096, 40));
    }
}
