using System.Runtime.CompilerServices;
using BasedAI.Crypto;
using BasedAI.Evm.Numerics;
using BasedAI.Evm.Precompiles;
using BasedAI.Evm.Primitives;
using BasedAI.Evm.Rlp;
using BasedAI.Evm.State;

namespace BasedAI.Evm.Execution;

/// <summary>The outcome of one message (a call or a creation) run to completion.</summary>
/// <param name="Reason">How the outermost frame ended.</param>
/// <param name="Output">Return data (or revert data).</param>
/// <param name="GasLeft">Gas not consumed.</param>
/// <param name="CreatedAddress">The new contract's address for a successful creation.</param>
public readonly record struct MessageResult(ExitReason Reason, byte[] Output, long GasLeft, Address? CreatedAddress)
{
    /// <summary>True when the message succeeded (STOP, RETURN or SELFDESTRUCT).</summary>
    public bool Success => Reason is ExitReason.Stop or ExitReason.Return;
}

/// <summary>
/// Runs messages against a <see cref="WorldState"/> in a block. Drives call frames iteratively: the interpreter suspends a frame
/// on CALL/CREATE, this driver starts the child (or settles it at once: precompiles, empty code, depth and balance failures),
/// and resumes the parent with the result, so 1024 nested calls need no deep native stack.
/// </summary>
public sealed class VirtualMachine
{
    /// <summary>Deepest call depth (EIP-150).</summary>
    public const int MaxCallDepth = 1024;

    private readonly Stack<EvmFrame> _suspended = new();
    private readonly Stack<EvmFrame> _framePool = new();

    internal readonly WorldState State;
    internal readonly BlockContext Block;
    internal readonly UInt256 BlobBaseFee;
    internal TransactionContext Tx = new();
    internal readonly List<LogEntry> Logs = [];
    internal long Refund;

    /// <summary>Creates a machine for one block over <paramref name="state"/>.</summary>
    public VirtualMachine(WorldState state, BlockContext block)
    {
        State = state;
        Block = block;
        BlobBaseFee = block.BlobBaseFee;
    }

    internal UInt256 GetBlockHash(in UInt256 number)
    {
        ulong current = Block.Number;
        if (!number.FitsInUInt64 || number.U0 >= current || current - number.U0 > 256 || Block.BlockHashes is null)
        {
            return default;
        }
        return Block.BlockHashes(number.U0).ToUInt256();
    }

    /// <summary>Prepares per-transaction state (origin, gas price, blob hashes, logs, refund counter).</summary>
    internal void BeginTransaction(Address origin, in UInt256 gasPrice, Hash256[] blobHashes)
    {
        Tx = new TransactionContext { Origin = origin, GasPrice = gasPrice, BlobHashes = blobHashes };
        Logs.Clear();
        Refund = 0;
    }

    /// <summary>Runs a message call from <paramref name="caller"/> to <paramref name="target"/> at depth 0.</summary>
    internal MessageResult Call(Address caller, Address target, in UInt256 value, byte[] input, long gas)
    {
        EvmFrame? frame = BeginCall(FrameKind.Call, caller, target, target, value, value, DataSlice.Of(input), gas, depth: 0, isStatic: false, out Outcome outcome);
        Outcome final = frame is null ? outcome : Drive(frame);
        return new MessageResult(final.Reason, final.Output, final.GasLeft, null);
    }

    /// <summary>Runs a contract creation from <paramref name="caller"/> at depth 0.</summary>
    internal MessageResult Create(Address caller, in UInt256 value, byte[] initCode, long gas)
    {
        EvmFrame? frame = BeginCreate(FrameKind.Create, caller, value, DataSlice.Of(initCode), default, gas, depth: 0, out Outcome outcome);
        Outcome final = frame is null ? outcome : Drive(frame);
        return new MessageResult(final.Reason, final.Output, final.GasLeft, final.Reason is ExitReason.Stop or ExitReason.Return ? final.Created : null);
    }

    private Outcome Drive(EvmFrame frame)
    {
        int baseline = _suspended.Count;
        while (true)
        {
            ExitReason reason = Interpreter.Run(frame, this);
            if (reason == ExitReason.PendingCall)
            {
                EvmFrame? child = BeginChild(frame, out Outcome immediate);
                if (child is null)
                {
                    Resume(frame, immediate);
                }
                else
                {
                    _suspended.Push(frame);
                    frame = child;
                }
                continue;
            }

            Outcome outcome = Finish(frame, reason);
            ReturnFrame(frame);
            if (_suspended.Count == baseline)
            {
                return outcome;
            }
            frame = _suspended.Pop();
            Resume(frame, outcome);
        }
    }

    private EvmFrame? BeginChild(EvmFrame parent, out Outcome outcome)
    {
        int depth = parent.Depth + 1;
        return parent.PendingKind switch
        {
            FrameKind.Create or FrameKind.Create2 =>
                BeginCreate(parent.PendingKind, parent.Address, parent.PendingValue, parent.PendingInput, parent.PendingSalt, parent.PendingGas, depth, out outcome),
            FrameKind.Call =>
                BeginCall(FrameKind.Call, parent.Address, parent.PendingTarget, parent.PendingTarget, parent.PendingValue, parent.PendingValue,
                    parent.PendingInput, parent.PendingGas, depth, parent.IsStatic, out outcome),
            FrameKind.CallCode =>
                BeginCall(FrameKind.CallCode, parent.Address, parent.PendingTarget, parent.Address, parent.PendingValue, parent.PendingValue,
                    parent.PendingInput, parent.PendingGas, depth, parent.IsStatic, out outcome),
            FrameKind.DelegateCall =>
                BeginCall(FrameKind.DelegateCall, parent.Caller, parent.PendingTarget, parent.Address, default, parent.Value,
                    parent.PendingInput, parent.PendingGas, depth, parent.IsStatic, out outcome),
            _ =>
                BeginCall(FrameKind.StaticCall, parent.Address, parent.PendingTarget, parent.PendingTarget, default, default,
                    parent.PendingInput, parent.PendingGas, depth, isStatic: true, out outcome),
        };
    }

    /// <summary>
    /// Starts a call. <paramref name="codeAddress"/> supplies the code; <paramref name="context"/> is the executing account
    /// (storage, ADDRESS, value recipient). Returns the child frame, or null with <paramref name="outcome"/> set when the call
    /// settles at once.
    /// </summary>
    private EvmFrame? BeginCall(FrameKind kind, Address caller, Address codeAddress, Address context, in UInt256 transferValue,
        in UInt256 apparentValue, DataSlice input, long gas, int depth, bool isStatic, out Outcome outcome)
    {
        if (depth > MaxCallDepth)
        {
            outcome = Outcome.Failed(gas);
            return null;
        }
        if (kind is FrameKind.Call or FrameKind.CallCode && State.GetBalance(caller) < transferValue)
        {
            outcome = Outcome.Failed(gas);
            return null;
        }

        var snapshot = new Checkpoint(State.Snapshot(), Logs.Count, Refund);
        int precompile = PrecompileSet.Number(codeAddress);
        if (kind == FrameKind.Call)
        {
            if (!State.Exists(codeAddress))
            {
                if (precompile == 0 && transferValue.IsZero)
                {
                    // Calling a non-existent account without value does nothing (EIP-158).
                    outcome = new Outcome(ExitReason.Stop, [], gas, default);
                    return null;
                }
                State.GetOrCreate(codeAddress);
            }
            State.SubtractBalance(caller, transferValue);
            State.AddBalance(codeAddress, transferValue);
        }
        else if (kind == FrameKind.StaticCall)
        {
            // A zero-value credit touches the target, as clients do for STATICCALL.
            State.AddBalance(codeAddress, default);
        }

        if (precompile != 0)
        {
            outcome = RunPrecompile(precompile, input.Span, gas);
            if (outcome.Reason != ExitReason.Return)
            {
                Rollback(snapshot);
            }
            return null;
        }

        State.TryGetAccount(codeAddress, out Account? account);
        if (account is null || account.Code.Length == 0)
        {
            outcome = new Outcome(ExitReason.Stop, [], gas, default);
            return null;
        }

        EvmFrame frame = RentFrame();
        frame.Kind = kind;
        frame.Code = CodeInfoCache.Get(account.CodeHash, account.Code);
        frame.Address = context;
        frame.Caller = caller;
        frame.Value = apparentValue;
        frame.Input = input;
        frame.Gas = gas;
        frame.IsStatic = isStatic;
        frame.Depth = depth;
        frame.Snapshot = snapshot.Journal;
        frame.LogSnapshot = snapshot.Logs;
        frame.RefundSnapshot = snapshot.Refund;
        outcome = default;
        return frame;
    }

    private EvmFrame? BeginCreate(FrameKind kind, Address caller, in UInt256 value, DataSlice initCode, in UInt256 salt, long gas, int depth,
        out Outcome outcome)
    {
        if (depth > MaxCallDepth || State.GetBalance(caller) < value)
        {
            outcome = Outcome.Failed(gas);
            return null;
        }
        ulong nonce = State.GetNonce(caller);
        if (nonce == ulong.MaxValue)
        {
            outcome = Outcome.Failed(gas);
            return null;
        }
        Address address = kind == FrameKind.Create2 ? Create2Address(caller, salt, initCode.Span) : CreateAddress(caller, nonce);
        State.SetNonce(caller, nonce + 1);
        // Warmed before the snapshot: the access survives a failed creation.
        State.WarmAddress(address);

        if (State.TryGetAccount(address, out Account? existing) && (existing.Nonce != 0 || existing.Code.Length != 0 || existing.HasStorage))
        {
            outcome = new Outcome(ExitReason.AddressCollision, [], 0, default);
            return null;
        }

        var snapshot = new Checkpoint(State.Snapshot(), Logs.Count, Refund);
        State.GetOrCreate(address);
        State.MarkCreatedInTransaction(address);
        State.SetNonce(address, 1);
        State.SubtractBalance(caller, value);
        State.AddBalance(address, value);

        EvmFrame frame = RentFrame();
        frame.Kind = kind;
        frame.Code = initCode.Length == 0 ? CodeInfoCache.Empty : new CodeInfo(initCode.Span);
        frame.Address = address;
        frame.Caller = caller;
        frame.Value = value;
        frame.Input = DataSlice.Empty;
        frame.Gas = gas;
        frame.IsStatic = false;
        frame.Depth = depth;
        frame.Snapshot = snapshot.Journal;
        frame.LogSnapshot = snapshot.Logs;
        frame.RefundSnapshot = snapshot.Refund;
        outcome = default;
        return frame;
    }

    /// <summary>Settles a finished frame: code deposit for creations, rollback on revert or failure.</summary>
    private Outcome Finish(EvmFrame frame, ExitReason reason)
    {
        var snapshot = new Checkpoint(frame.Snapshot, frame.LogSnapshot, frame.RefundSnapshot);
        bool isCreate = frame.Kind is FrameKind.Create or FrameKind.Create2;
        byte[] output = reason == ExitReason.Stop ? [] : frame.Output;

        if (reason is ExitReason.Stop or ExitReason.Return)
        {
            if (!isCreate)
            {
                return new Outcome(reason, output, frame.Gas, default);
            }
            ExitReason deposit = DepositCode(frame, output);
            if (deposit == ExitReason.Return)
            {
                return new Outcome(ExitReason.Return, output, frame.Gas, frame.Address);
            }
            reason = deposit;
        }

        Rollback(snapshot);
        return reason == ExitReason.Revert
            ? new Outcome(ExitReason.Revert, frame.Output, frame.Gas, default)
            : new Outcome(reason, [], 0, default);
    }

    private ExitReason DepositCode(EvmFrame frame, byte[] code)
    {
        if (code.Length > Gas.MaxCodeSize)
        {
            return ExitReason.CodeSizeExceeded;
        }
        if (code.Length > 0 && code[0] == 0xEF)
        {
            return ExitReason.InvalidCodePrefix;
        }
        long cost = Gas.CodeDeposit * code.Length;
        if (frame.Gas < cost)
        {
            return ExitReason.OutOfGas;
        }
        frame.Gas -= cost;
        State.SetCode(frame.Address, code);
        return ExitReason.Return;
    }

    /// <summary>Pushes a child's result onto the suspended parent and hands back its unused gas.</summary>
    private static void Resume(EvmFrame parent, in Outcome outcome)
    {
        bool success = outcome.Reason is ExitReason.Stop or ExitReason.Return;
        parent.Gas += outcome.GasLeft;
        ref UInt256 slot = ref parent.Stack[parent.StackHead++];
        if (parent.PendingKind is FrameKind.Create or FrameKind.Create2)
        {
            slot = success ? outcome.Created.ToUInt256() : default;
            parent.ReturnData = outcome.Reason == ExitReason.Revert ? outcome.Output : [];
        }
        else
        {
            slot = success ? UInt256.One : default;
            parent.ReturnData = outcome.Output;
            int copy = (int)Math.Min(parent.PendingReturnLength, (ulong)outcome.Output.Length);
            if (copy > 0)
            {
                outcome.Output.AsSpan(0, copy).CopyTo(parent.Memory.Buffer.AsSpan((int)parent.PendingReturnOffset));
            }
        }
        parent.PendingInput = DataSlice.Empty;
    }

    private static Outcome RunPrecompile(int number, ReadOnlySpan<byte> input, long gas)
    {
        long cost = PrecompileSet.GasCost(number, input);
        if (cost > gas)
        {
            return new Outcome(ExitReason.OutOfGas, [], 0, default);
        }
        return PrecompileSet.TryRun(number, input, out byte[] output)
            ? new Outcome(ExitReason.Return, output, gas - cost, default)
            : new Outcome(ExitReason.PrecompileFailure, [], 0, default);
    }

    private void Rollback(in Checkpoint checkpoint)
    {
        State.Revert(checkpoint.Journal);
        Logs.RemoveRange(checkpoint.Logs, Logs.Count - checkpoint.Logs);
        Refund = checkpoint.Refund;
    }

    private EvmFrame RentFrame()
    {
        EvmFrame frame = _framePool.Count > 0 ? _framePool.Pop() : new EvmFrame();
        frame.RentStack();
        return frame;
    }

    private void ReturnFrame(EvmFrame frame)
    {
        frame.Release();
        frame.Pc = CodeInfo.Start;
        frame.StackHead = 0;
        frame.EnterBlockOnResume = true;
        frame.ReturnData = [];
        frame.Output = [];
        frame.Input = DataSlice.Empty;
        frame.PendingInput = DataSlice.Empty;
        frame.StorageAccount = null;
        if (_framePool.Count < 64)
        {
            _framePool.Push(frame);
        }
    }

    /// <summary>The CREATE address: keccak(rlp([sender, nonce]))[12..].</summary>
    public static Address CreateAddress(Address sender, ulong nonce)
    {
        byte[] encoded = new RlpWriter(32).StartList().WriteAddress(sender).WriteUInt64(nonce).EndList().ToArray();
        Span<byte> hash = stackalloc byte[32];
        Keccak256.Hash(encoded, hash);
        return new Address(hash[12..]);
    }

    /// <summary>The CREATE2 address: keccak(0xff ‖ sender ‖ salt ‖ keccak(initcode))[12..] (EIP-1014).</summary>
    public static Address Create2Address(Address sender, in UInt256 salt, ReadOnlySpan<byte> initCode)
    {
        Span<byte> preimage = stackalloc byte[1 + 20 + 32 + 32];
        preimage[0] = 0xff;
        sender.CopyTo(preimage[1..]);
        salt.WriteBigEndian(preimage[21..]);
        Keccak256.Hash(initCode, preimage[53..]);
        Span<byte> hash = stackalloc byte[32];
        Keccak256.Hash(preimage, hash);
        return new Address(hash[12..]);
    }

    private readonly record struct Checkpoint(int Journal, int Logs, long Refund);

    private readonly record struct Outcome(ExitReason Reason, byte[] Output, long GasLeft, Address Created)
    {
        /// <summary>A call that never started (depth, balance, nonce): the gas goes back to the caller.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Outcome Failed(long gas) => new(ExitReason.Revert, [], gas, default);
    }
}
