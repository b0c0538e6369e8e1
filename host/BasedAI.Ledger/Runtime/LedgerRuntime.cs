using BasedAI.Crypto;
using BasedAI.Ledger.Chain;
using BasedAI.Ledger.Codec;
using BasedAI.Ledger.State;
using BasedAI.Ledger.Yuma;

namespace BasedAI.Ledger.Runtime;

/// <summary>A call that was included but failed: its writes were rolled back, its fee and nonce stay charged.</summary>
public sealed class CallFailedException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    public CallFailedException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public CallFailedException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public CallFailedException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>A block or extrinsic that may not be part of the chain (bad signature, nonce, fee, root, seal...).</summary>
public sealed class BlockRejectedException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public BlockRejectedException(string message) : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public BlockRejectedException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public BlockRejectedException(string message, Exception innerException) : base(message, innerException)
    {
    }
}

/// <summary>The outcome of one included extrinsic.</summary>
/// <param name="Hash">Transaction hash.</param>
/// <param name="Call">Call name.</param>
/// <param name="Success">False when the call failed (fee and nonce still charged).</param>
/// <param name="Error">Why it failed.</param>
public sealed record Receipt(Hash32 Hash, string Call, bool Success, string? Error);

/// <summary>Pepecoin held on Ethereum; the dev ledger keeps balances in state, a later bridge implements the same operations.</summary>
public interface IPepecoinLedger
{
    /// <summary>Spendable Pepecoin of an account.</summary>
    ulong BalanceOf(EthereumAddress account);

    /// <summary>Destroys Pepecoin; throws <see cref="CallFailedException"/> when the balance is short.</summary>
    void Burn(EthereumAddress account, ulong amount);

    /// <summary>Locks Pepecoin (no longer spendable); throws <see cref="CallFailedException"/> when the balance is short.</summary>
    void Lock(EthereumAddress account, ulong amount);

    /// <summary>Returns locked Pepecoin.</summary>
    void Unlock(EthereumAddress account, ulong amount);
}

/// <summary>The dev bridge: Pepecoin balances live in the ledger state.</summary>
public sealed class StatePepecoinLedger(LedgerState state) : IPepecoinLedger
{
    /// <inheritdoc />
    public ulong BalanceOf(EthereumAddress account) => state.GetPepecoin(account);

    /// <inheritdoc />
    public void Burn(EthereumAddress account, ulong amount) => Take(account, amount, "burn");

    /// <inheritdoc />
    public void Lock(EthereumAddress account, ulong amount) => Take(account, amount, "lock");

    /// <inheritdoc />
    public void Unlock(EthereumAddress account, ulong amount) => state.SetPepecoin(account, checked(state.GetPepecoin(account) + amount));

    private void Take(EthereumAddress account, ulong amount, string what)
    {
        ulong balance = state.GetPepecoin(account);
        if (balance < amount)
        {
            throw new CallFailedException($"cannot {what} {FormatPepe(amount)} Pepecoin: {account} holds {FormatPepe(balance)}");
        }
        state.SetPepecoin(account, balance - amount);
    }

    internal static string FormatPepe(ulong units) => Units.FormatBased(units);
}

/// <summary>Accounts and amounts a genesis block starts with.</summary>
public sealed record GenesisConfig
{
    /// <summary>Chain name (part of the genesis state).</summary>
    public string ChainName { get; init; } = "basedai-dev";

    /// <summary>Genesis timestamp, Unix ms.</summary>
    public ulong Timestamp { get; init; }

    /// <summary>The dev authority that seals blocks.</summary>
    public required EthereumAddress Authority { get; init; }

    /// <summary>Initial BASED (rao) and Pepecoin (units) per account.</summary>
    public IReadOnlyList<(EthereumAddress Account, ulong Based, ulong Pepecoin)> Endowments { get; init; } = [];

    /// <summary>Chain rules.</summary>
    public ChainParameters Parameters { get; init; } = new();
}

/// <summary>
/// The deterministic state transition: genesis, per-block initialization (governance, emission, epochs), and extrinsics.
/// Nothing here reads the clock, randomness or the file system; the same blocks on the same state give the same root.
/// </summary>
public static class LedgerRuntime
{
    /// <summary>Writes the genesis state.</summary>
    public static void InitializeGenesis(LedgerState state, GenesisConfig config)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(config);
        state.Parameters = config.Parameters;
        state.ChainName = config.ChainName;
        ulong issuance = 0;
        foreach ((EthereumAddress account, ulong based, ulong pepecoin) in config.Endowments)
        {
            AccountRecord existing = state.GetAccount(account);
            state.SetAccount(account, existing with { Balance = checked(existing.Balance + based) });
            state.SetPepecoin(account, checked(state.GetPepecoin(account) + pepecoin));
            issuance = checked(issuance + based);
        }
        state.TotalIssuance = issuance;
    }

    /// <summary>Per-block work before extrinsics: close proposals, mint and split the block reward, run due epochs.</summary>
    public static void InitializeBlock(LedgerState state, ulong height)
    {
        ArgumentNullException.ThrowIfNull(state);
        ChainParameters parameters = state.Parameters;
        Governance.CloseDue(state, height, parameters);
        Emission.Distribute(state, height, parameters);
        foreach (ushort id in state.BrainIds)
        {
            BrainRecord brain = state.GetBrain(id)!;
            ulong period = (ulong)brain.Hyperparameters.Tempo + 1;
            if ((height + id + 1) % period == 0)
            {
                Epochs.Run(state, brain, height);
            }
        }
    }

    /// <summary>
    /// Checks that an extrinsic may be included now (chain, signature, nonce, fee); returns the reason it may not, or null.
    /// <paramref name="signatureChecked"/> skips the signature when the caller already verified it (the mempool).
    /// </summary>
    public static string? CheckValidity(LedgerState state, Hash32 genesis, Extrinsic extrinsic, bool signatureChecked = false)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(extrinsic);
        if (extrinsic.Genesis != genesis)
        {
            return $"extrinsic is for another chain (genesis {extrinsic.Genesis}, this chain is {genesis})";
        }
        if (!signatureChecked && extrinsic.VerifySignature() is { } signatureError)
        {
            return signatureError;
        }
        AccountRecord account = state.GetAccount(extrinsic.Sender);
        if (extrinsic.Nonce != account.Nonce)
        {
            return extrinsic.Nonce < account.Nonce
                ? $"nonce {extrinsic.Nonce} was already used (the account's next nonce is {account.Nonce}): a replay"
                : $"nonce {extrinsic.Nonce} is ahead of the account's next nonce {account.Nonce}";
        }
        ulong minimum = state.Parameters.MinimumFee(extrinsic.Call, extrinsic.Encoded.Length);
        if (extrinsic.Fee < minimum)
        {
            return $"fee {extrinsic.Fee} rao is below the minimum {minimum} rao for this extrinsic";
        }
        if (account.Balance < extrinsic.Fee)
        {
            return $"balance {account.Balance} rao cannot pay the fee {extrinsic.Fee} rao";
        }
        return null;
    }

    /// <summary>
    /// Charges the fee and nonce of a valid extrinsic, then dispatches its call inside a checkpoint: a failing call rolls back
    /// its own writes and yields a failed receipt.
    /// </summary>
    public static Receipt Apply(StateOverlay overlay, LedgerState state, Hash32 genesis, ulong height, EthereumAddress author, Extrinsic extrinsic)
    {
        ArgumentNullException.ThrowIfNull(overlay);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(extrinsic);
        AccountRecord sender = state.GetAccount(extrinsic.Sender);
        state.SetAccount(extrinsic.Sender, new AccountRecord(sender.Balance - extrinsic.Fee, sender.Nonce + 1));
        Credit(state, author, extrinsic.Fee);
        int checkpoint = overlay.Checkpoint();
        try
        {
            var context = new CallContext(state, genesis, height, extrinsic.Sender);
            Calls.Dispatch(context, extrinsic.Call);
            return new Receipt(extrinsic.Hash, extrinsic.Call.Name, true, null);
        }
        catch (CallFailedException e)
        {
            overlay.Rollback(checkpoint);
            return new Receipt(extrinsic.Hash, extrinsic.Call.Name, false, e.Message);
        }
    }

    internal static void Credit(LedgerState state, EthereumAddress account, ulong amount)
    {
        if (amount == 0)
        {
            return;
        }
        AccountRecord record = state.GetAccount(account);
        state.SetAccount(account, record with { Balance = checked(record.Balance + amount) });
    }

    internal static void Debit(LedgerState state, EthereumAddress account, ulong amount, string purpose)
    {
        AccountRecord record = state.GetAccount(account);
        if (record.Balance < amount)
        {
            throw new CallFailedException($"insufficient balance for {purpose}: {account} has {Units.FormatBased(record.Balance)} BASED, needs {Units.FormatBased(amount)}");
        }
        state.SetAccount(account, record with { Balance = record.Balance - amount });
    }
}

/// <summary>What a call sees: the state, the chain, the block height and the signer.</summary>
internal sealed record CallContext(LedgerState State, Hash32 Genesis, ulong Height, EthereumAddress Sender)
{
    public ChainParameters Parameters { get; } = State.Parameters;
}
