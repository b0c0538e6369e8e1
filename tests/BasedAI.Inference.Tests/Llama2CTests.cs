using BasedAI.Inference.Formats;
using BasedAI.Inference.Generation;
using BasedAI.Inference.Model;

namespace BasedAI.Inference.Tests;

public class Llama2CTests
{
    [Fact]
    public void Stories260K_greedy_200_steps_from_bos_matches_llama2c_byte_for_byte()
    {
        string expected = File.ReadAllText(Fixtures.Stories260KExpected);
        string text = Fixtures.GenerateText(Fixtures.Stories, "", new GenerationOptions { MaxNewTokens = 200 });
        Assert.Equal(expected, text);
    }

    [Fact]
    public void Stories260K_config_is_read_from_the_header()
    {
        TransformerConfig c = Fixtures.Stories.Model.Config;
        Assert.Equal((64, 172, 5, 8, 4, 512, 512), (c.HiddenSize, c.IntermediateSize, c.LayerCount, c.HeadCount, c.KeyValueHeadCount, c.VocabSize, c.MaxSequenceLength));
        Assert.True(c.TieWordEmbeddings);
    }
}
