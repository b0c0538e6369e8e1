using System.Text.Json;
using BasedAI.Evm.Numerics;
using BasedAI.Evm.Primitives;
using BasedAI.Evm.Rlp;
using BasedAI.Evm.Transactions;

namespace BasedAI.Evm.Tests;

public class TransactionTests
{
    private static readonly byte[] Key = Convert.FromHexString("45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8");
    private static readonly Address KeyAddress = Address.Parse("0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b");

    [Fact]
    public void Signed_transactions_of_the_state_tests_recover_their_senders()
    {
        string root = Path.Combine(TestPaths.EthereumTests, "GeneralStateTests");
        int checkedCount = 0;
        var seenTypes = new HashSet<TransactionType>();
        foreach (string file in new[] { "stExample/add11.json", "stEIP2930/coinbaseT2.json", "stEIP2930/coinbaseT01.json", "Cancun/stEIP4844-blobtransactions/blobhashListBounds3.json" })
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(root, file)));
            foreach (JsonProperty test in document.RootElement.EnumerateObject())
            {
                Address sender = Address.Parse(test.Value.GetProperty("transaction").GetProperty("sender").GetString()!);
                foreach (JsonElement post in test.Value.GetProperty("post").GetProperty("Cancun").EnumerateArray())
                {
                    byte[] raw = Convert.FromHexString(post.GetProperty("txbytes").GetString()!.AsSpan(2));
                    Transaction tx = Transaction.Decode(raw);
                    Assert.True(tx.TryRecoverSender(out Address recovered, out string? error), error);
                    Assert.Equal(sender, recovered);
                    Assert.Equal(raw, tx.Encode());
                    seenTypes.Add(tx.Type);
                    checkedCount++;
                }
            }
        }
        Assert.True(checkedCount >= 5);
        Assert.Equal(4, seenTypes.Count);
    }

    public static TheoryData<TransactionType, bool> Kinds() => new()
    {
        { TransactionType.Legacy, false },
        { TransactionType.Legacy, true },
        { TransactionType.AccessList, true },
        { TransactionType.DynamicFee, true },
        { TransactionType.Blob, true },
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Sign_encode_decode_recover_round_trip(TransactionType type, bool withChainId)
    {
        var hash = Hash256.Parse("0x01" + new string('a', 62));
        var tx = new Transaction
        {
            Type = type,
            ChainId = withChainId ? 32323UL : null,
            Nonce = 7,
            GasPrice = new UInt256(20_000_000_000),
            MaxPriorityFeePerGas = new UInt256(2),
            MaxFeePerGas = new UInt256(30_000_000_000),
            GasLimit = 100_000,
            To = Address.Parse("0x095e7baea6a6c7c4c2dfeb977efac326af552d87"),
            Value = UInt256.Parse("1000000000000000000"),
            Data = [0xde, 0xad, 0xbe, 0xef],
            AccessList = type == TransactionType.Legacy ? [] : [new AccessListItem(Address.FromNumber(3), [UInt256.One, new UInt256(2)])],
            MaxFeePerBlobGas = new UInt256(5),
            BlobVersionedHashes = type == TransactionType.Blob ? [hash] : [],
        }.Sign(Key);

        byte[] encoded = tx.Encode();
        Transaction decoded = Transaction.Decode(encoded);
        Assert.Equal(encoded, decoded.Encode());
        Assert.Equal(tx.Hash, decoded.Hash);
        Assert.Equal(type, decoded.Type);
        Assert.True(decoded.TryRecoverSender(out Address sender, out _));
        Assert.Equal(KeyAddress, sender);
    }

    [Fact]
    public void Malformed_or_forged_transactions_are_rejected_with_a_reason()
    {
        Transaction tx = new Transaction { Type = TransactionType.DynamicFee, ChainId = 1, GasLimit = 21000, To = Address.Zero, MaxFeePerGas = UInt256.One }.Sign(Key);
        byte[] encoded = tx.Encode();

        Assert.Contains("Unsupported transaction type", Assert.Throws<RlpException>(() => Transaction.Decode([0x05, .. encoded[1..]])).Message);
        Assert.Contains("trailing", Assert.Throws<RlpException>(() => Transaction.Decode([.. encoded, 0x00])).Message);
        Assert.Throws<RlpException>(() => Transaction.Decode(encoded.AsSpan(0, encoded.Length - 3)));
        Assert.Throws<RlpException>(() => Transaction.Decode([]));

        // High-s (malleated) signatures are invalid for transactions (EIP-2).
        UInt256 n = UInt256.Parse("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
        var malleated = Transaction.Decode(encoded);
        var flipped = new Transaction
        {
            Type = malleated.Type, ChainId = malleated.ChainId, GasLimit = malleated.GasLimit, To = malleated.To, MaxFeePerGas = malleated.MaxFeePerGas,
            V = UInt256.One - malleated.V, R = malleated.R, S = n - malleated.S,
        };
        Assert.False(flipped.TryRecoverSender(out _, out string? error));
        Assert.Contains("s ≤ n/2", error, StringComparison.Ordinal);

        // A tampered payload recovers a different sender, never the signer.
        var tampered = Transaction.Decode(encoded);
        var changed = new Transaction
        {
            Type = tampered.Type, ChainId = tampered.ChainId, GasLimit = tampered.GasLimit + 1, To = tampered.To, MaxFeePerGas = tampered.MaxFeePerGas,
            V = tampered.V, R = tampered.R, S = tampered.S,
        };
        Assert.True(!changed.TryRecoverSender(out Address other, out _) || other != KeyAddress);
    }

    [Fact]
    public void Transaction_decoder_fuzz_throws_only_rlp_exceptions()
    {
        var random = new Random(2718);
        byte[] valid = new Transaction { Type = TransactionType.DynamicFee, ChainId = 1, GasLimit = 21000, To = Address.Zero, Data = [1, 2, 3] }.Sign(Key).Encode();
        for (int i = 0; i < 3_000; i++)
        {
            byte[] input = (byte[])valid.Clone();
            for (int flips = random.Next(1, 4); flips > 0; flips--)
            {
                input[random.Next(input.Length)] = (byte)random.Next(256);
            }
            if (random.Next(4) == 0)
            {
                input = input[..random.Next(input.Length)];
            }
            try
            {
                Transaction decoded = Transaction.Decode(input);
                decoded.TryRecoverSender(out _, out _);
            }
            catch (RlpException)
            {
            }
        }
    }
}
