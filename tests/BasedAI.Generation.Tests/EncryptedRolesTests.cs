namespace BasedAI.Generation.Tests;

/// <summary>The encrypted task's client role against the ZK-LLM miner role (CKKS, N = 8192) through the task's byte transport.</summary>
public class EncryptedRolesTests
{
    private static readonly Lazy<EncryptedTask> Task = new(() => EncryptedTask.Create(Stories.Model.Model));

    [Fact]
    public async System.Threading.Tasks.Task The_encrypted_task_answers_the_plaintext_greedy_tokens_and_resumes_on_another_miner()
    {
        using var first = Task.Value.CreateMiner();
        using var second = Task.Value.CreateMiner();
        ILlmTaskClient client = LlmTaskClients.Create(GenerationMode.Hybrid, Stories.Model.Model, Stories.Model.Tokenizer);
        Assert.Equal(EncryptedTask.TaskName, client.TaskName);
        GenerationSession session = client.Start("Once upon a time", new GenerationRequest { MaxNewTokens = 4 });

        // The first miner dies after the session opened, its keys arrived and the prompt and two tokens went through.
        await Assert.ThrowsAnyAsync<IOException>(() => client.RunAsync(session, new CountdownTransport(new InProcessTransport(first), session, 2)));
        Assert.Equal(2, session.GeneratedTokens.Count);
        Assert.False(session.IsComplete);

        var transport = new InProcessTransport(second);
        await client.RunAsync(session, transport);
        Assert.True(session.IsComplete);
        Assert.Equal(2, session.Attempts);
        Assert.Equal(Stories.Greedy("Once upon a time", 4), session.GeneratedTokens);
        Assert.True(transport.BytesSent > 1_000_000, "evaluation keys and ciphertexts travel, megabytes of them");
        Assert.False(string.IsNullOrWhiteSpace(client.Decode(session)));
    }

    [Fact]
    public async System.Threading.Tasks.Task A_miner_of_another_task_is_refused_with_a_specific_error()
    {
        var client = new EncryptedClientRole(Task.Value, Stories.Model.Tokenizer);
        GenerationSession session = client.Start("One day", new GenerationRequest { MaxNewTokens = 2 });
        using var other = new PlainMinerRole(Stories.Model.Model);
        var plain = new InProcessTransport(other);
        InvalidDataException error = await Assert.ThrowsAnyAsync<InvalidDataException>(() => client.RunAsync(session, plain));
        Assert.Empty(session.GeneratedTokens);
        Assert.False(string.IsNullOrWhiteSpace(error.Message));
    }

    /// <summary>Fails every call once <paramref name="session"/> has <paramref name="tokens"/> generated tokens.</summary>
    private sealed class CountdownTransport(IMinerTransport inner, GenerationSession session, int tokens) : IMinerTransport
    {
        public Task<ReadOnlyMemory<byte>> SendAsync(ReadOnlyMemory<byte> request, CancellationToken cancellationToken) =>
            session.GeneratedTokens.Count >= tokens ? throw new IOException("the miner went away") : inner.SendAsync(request, cancellationToken);
    }
}
