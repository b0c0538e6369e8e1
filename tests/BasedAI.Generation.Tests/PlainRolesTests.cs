using BasedAI.Inference.Model;

namespace BasedAI.Generation.Tests;

public class PlainRolesTests
{
    [Theory]
    [InlineData("Once upon a time", 64)]
    [InlineData("Lily and Ben", 40)]
    [InlineData("", 24)]
    public async Task Client_and_miner_generate_exactly_the_plaintext_greedy_tokens(string prompt, int tokens)
    {
        using var miner = new PlainMinerRole(Stories.Model.Model);
        var client = new PlainClientRole(Stories.Model.Model, Stories.Model.Tokenizer);
        var transport = new InProcessTransport(miner);
        GenerationSession session = client.Start(prompt, new GenerationRequest { MaxNewTokens = tokens });
        await client.RunAsync(session, transport);
        Assert.True(session.IsComplete);
        Assert.Equal(Stories.Greedy(prompt, tokens), session.GeneratedTokens);
        Assert.Equal(0, miner.SessionCount); // closed at the end
        Assert.True(transport.BytesSent > 0 && transport.BytesReceived > 0);
    }

    [Fact]
    public async Task A_generation_resumes_on_another_miner_with_the_same_tokens()
    {
        using var first = new PlainMinerRole(Stories.Model.Model);
        using var second = new PlainMinerRole(Stories.Model.Model);
        var client = new PlainClientRole(Stories.Model.Model, Stories.Model.Tokenizer);
        GenerationSession session = client.Start("Once upon a time", new GenerationRequest { MaxNewTokens = 48 });
        await Assert.ThrowsAsync<IOException>(() => client.RunAsync(session, new DyingTransport(new InProcessTransport(first), 20)));
        Assert.False(session.IsComplete);
        Assert.Equal(20, session.GeneratedTokens.Count);
        await client.RunAsync(session, new InProcessTransport(second));
        Assert.True(session.IsComplete);
        Assert.Equal(2, session.Attempts);
        Assert.Equal(Stories.Greedy("Once upon a time", 48), session.GeneratedTokens);
    }

    [Fact]
    public void The_miner_refuses_requests_it_cannot_serve_with_specific_errors()
    {
        using var miner = new PlainMinerRole(Stories.Model.Model, new PlainMinerOptions { MaxSessions = 1 });
        int width = Stories.Model.Model.Config.HiddenSize;
        float[] row = new float[width];
        var session = Guid.NewGuid();
        Assert.Contains("this miner serves", Assert.Throws<InvalidDataException>(() => miner.Handle(GenerationMessages.EncodeForward(session, new byte[32], 0, 1, width, row))).Message);
        Assert.Contains("hidden size", Assert.Throws<InvalidDataException>(() => miner.Handle(GenerationMessages.EncodeForward(session, miner.Fingerprint, 0, 1, width + 1, new float[width + 1]))).Message);
        Assert.Contains("unknown here", Assert.Throws<InvalidOperationException>(() => miner.Handle(GenerationMessages.EncodeForward(session, miner.Fingerprint, 5, 1, width, row))).Message);
        miner.Handle(GenerationMessages.EncodeForward(session, miner.Fingerprint, 0, 1, width, row));
        Assert.Contains("at position 1", Assert.Throws<InvalidOperationException>(() => miner.Handle(GenerationMessages.EncodeForward(session, miner.Fingerprint, 3, 1, width, row))).Message);
        Assert.Contains("already holds 1 sessions", Assert.Throws<InvalidOperationException>(() => miner.Handle(GenerationMessages.EncodeForward(Guid.NewGuid(), miner.Fingerprint, 0, 1, width, row))).Message);
        Assert.Contains("context", Assert.Throws<InvalidOperationException>(() => miner.Handle(GenerationMessages.EncodeForward(session, miner.Fingerprint, 1, 600, width, new float[600 * width]))).Message);
        Assert.Equal(GenerationMessages.EncodeClosed(), miner.Handle(GenerationMessages.EncodeClose(session)));
        Assert.Equal(0, miner.SessionCount);
    }

    [Fact]
    public void Idle_sessions_expire()
    {
        var clock = new ManualClock();
        using var miner = new PlainMinerRole(Stories.Model.Model, new PlainMinerOptions { IdleTimeout = TimeSpan.FromSeconds(10) }, clock);
        int width = Stories.Model.Model.Config.HiddenSize;
        var first = Guid.NewGuid();
        miner.Handle(GenerationMessages.EncodeForward(first, miner.Fingerprint, 0, 1, width, new float[width]));
        clock.Advance(TimeSpan.FromSeconds(11));
        miner.Handle(GenerationMessages.EncodeForward(Guid.NewGuid(), miner.Fingerprint, 0, 1, width, new float[width]));
        Assert.Equal(1, miner.SessionCount);
        Assert.Throws<InvalidOperationException>(() => miner.Handle(GenerationMessages.EncodeForward(first, miner.Fingerprint, 1, 1, width, new float[width])));
    }

    [Fact]
    public void Messages_round_trip_and_malformed_ones_are_refused()
    {
        var session = Guid.NewGuid();
        byte[] fingerprint = Enumerable.Range(0, 32).Select(i => (byte)i).ToArray();
        float[] rows = [1.5f, -2f, 3.25f, 0f, 7f, 8f];
        PlainRequest forward = GenerationMessages.DecodeRequest(GenerationMessages.EncodeForward(session, fingerprint, 4, 2, 3, rows));
        Assert.Equal((PlainRequestKind.Forward, session, 4, 2, 3), (forward.Kind, forward.Session, forward.Position, forward.Rows, forward.Width));
        Assert.Equal(rows, forward.Activations);
        Assert.Equal(fingerprint, forward.Fingerprint);
        Assert.Equal(PlainRequestKind.Close, GenerationMessages.DecodeRequest(GenerationMessages.EncodeClose(session)).Kind);
        (int next, float[] hidden) = GenerationMessages.DecodeHidden(GenerationMessages.EncodeHidden(9, [1f, 2f]), 2);
        Assert.Equal(9, next);
        Assert.Equal([1f, 2f], hidden);
        Assert.Contains("width 2", Assert.Throws<InvalidDataException>(() => GenerationMessages.DecodeHidden(GenerationMessages.EncodeHidden(9, [1f, 2f]), 3)).Message);
        byte[] hybrid = GenerationMessages.EncodeClose(session);
        hybrid[1] = (byte)GenerationMode.Hybrid;
        Assert.Equal(GenerationMode.Hybrid, GenerationMessages.PeekMode(hybrid));
        Assert.Contains("not served by the plain miner", Assert.Throws<InvalidDataException>(() => GenerationMessages.DecodeRequest(hybrid)).Message);

        var random = new Random(3);
        byte[] seed = GenerationMessages.EncodeForward(session, fingerprint, 4, 2, 3, rows);
        for (int i = 0; i < 5000; i++)
        {
            byte[] input = seed.ToArray();
            switch (i % 3)
            {
                case 0:
                    input[random.Next(input.Length)] = (byte)random.Next(256);
                    break;
                case 1:
                    input = input.AsSpan(0, random.Next(input.Length)).ToArray();
                    break;
                default:
                    input = new byte[random.Next(64)];
                    random.NextBytes(input);
                    break;
            }
            try
            {
                GenerationMessages.DecodeRequest(input);
            }
            catch (InvalidDataException)
            {
            }
            try
            {
                GenerationMessages.DecodeHidden(input, 3);
            }
            catch (InvalidDataException)
            {
            }
        }
    }

    [Fact]
    public void The_fingerprint_names_the_weights()
    {
        byte[] fingerprint = ModelFingerprint.Compute(Stories.Model.Model);
        Assert.Equal(fingerprint, ModelFingerprint.Compute(Stories.Model.Model));
        TransformerModel model = Stories.Model.Model;
        float saved = model.TokenEmbedding.Data[0];
        try
        {
            model.TokenEmbedding.Data[0] += 1;
            Assert.NotEqual(fingerprint, ModelFingerprint.Compute(model));
        }
        finally
        {
            model.TokenEmbedding.Data[0] = saved;
        }
    }

    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;

        public void Advance(TimeSpan by) => _ticks += (long)(by.TotalSeconds * TimestampFrequency);

        public override long GetTimestamp() => _ticks;
    }
}
