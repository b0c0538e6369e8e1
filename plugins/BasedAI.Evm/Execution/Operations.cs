using System.Runtime.CompilerServices;
using BasedAI.Crypto;
using BasedAI.Evm.Numerics;
using BasedAI.Evm.Primitives;
using BasedAI.Evm.State;

namespace BasedAI.Evm.Execution;

/// <summary>
/// The interpreter's less frequent instructions, kept out of its loop so the loop stays small enough for the JIT to hold its
/// counters in registers. Each takes the gas left by value and returns the gas left, or a negative code from
/// <see cref="Fail"/> (decoded with <see cref="Decode"/>). <c>top</c> is the stack's top item; deeper arguments are at
/// <c>Below(ref top, i)</c>.
/// </summary>
internal static class Operations
{
    public static readonly long OutOfGas = Fail(ExitReason.OutOfGas);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static long Fail(ExitReason reason) => -1 - (long)reason;

    public static ExitReason Decode(long code) => (ExitReason)(-1 - code);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref UInt256 Below(ref UInt256 top, int depth) => ref Unsafe.Subtract(ref top, depth);

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long Keccak(EvmMemory memory, ref UInt256 offset, ref UInt256 length, long gas)
    {
        gas = memory.Expand(gas, offset, length);
        if (gas < 0)
        {
            return OutOfGas;
        }
        gas -= Gas.KeccakWord * Gas.Words(length.U0);
        if (gas < 0)
        {
            return OutOfGas;
        }
        Span<byte> digest = stackalloc byte[32];
        Keccak256.Hash(memory.Slice(offset, length), digest);
        length = new UInt256(digest);
        return gas;
    }

    /// <summary>BALANCE, EXTCODESIZE, EXTCODEHASH: warm/cold account access (EIP-2929), result replaces the address.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long AccountQuery(VirtualMachine vm, byte op, ref UInt256 top, long gas)
    {
        WorldState state = vm.State;
        var address = new Address(top);
        if (state.WarmAddress(address))
        {
            gas -= Gas.ColdAccountSurcharge;
            if (gas < 0)
            {
                return OutOfGas;
            }
        }
        top = (Opcode)op switch
        {
            Opcode.BALANCE => state.GetBalance(address),
            Opcode.EXTCODESIZE => new UInt256((ulong)state.GetCode(address).Length),
            _ => state.IsDead(address) ? default : state.GetCodeHash(address).ToUInt256(),
        };
        return gas;
    }

    /// <summary>CALLDATACOPY, CODECOPY, RETURNDATACOPY: (memory offset, source offset, length).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long Copy(EvmFrame frame, byte op, ref UInt256 top, long gas)
    {
        ref UInt256 memoryOffset = ref top;
        ref UInt256 sourceOffset = ref Below(ref top, 1);
        ref UInt256 length = ref Below(ref top, 2);
        gas = ChargeCopy(frame.Memory, gas, memoryOffset, length);
        if (gas < 0)
        {
            return OutOfGas;
        }
        Span<byte> destination = frame.Memory.Slice(memoryOffset, length);
        switch ((Opcode)op)
        {
            case Opcode.CALLDATACOPY:
                CopyPadded(frame.Input.Span, sourceOffset, destination);
                break;
            case Opcode.CODECOPY:
                CopyPadded(frame.Code.Code, sourceOffset, destination);
                break;
            default:
                bool overflow = UInt256.AddWithCarry(sourceOffset, length, out UInt256 end);
                if (overflow || end > new UInt256((ulong)frame.ReturnData.Length))
                {
                    return Fail(ExitReason.ReturnDataOutOfBounds);
                }
                if (!length.IsZero)
                {
                    frame.ReturnData.AsSpan((int)sourceOffset.U0, (int)length.U0).CopyTo(destination);
                }
                break;
        }
        return gas;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long ExtCodeCopy(EvmFrame frame, VirtualMachine vm, ref UInt256 top, long gas)
    {
        var address = new Address(top);
        ref UInt256 memoryOffset = ref Below(ref top, 1);
        ref UInt256 sourceOffset = ref Below(ref top, 2);
        ref UInt256 length = ref Below(ref top, 3);
        gas = ChargeCopy(frame.Memory, gas, memoryOffset, length);
        if (gas < 0)
        {
            return OutOfGas;
        }
        if (vm.State.WarmAddress(address))
        {
            gas -= Gas.ColdAccountSurcharge;
            if (gas < 0)
            {
                return OutOfGas;
            }
        }
        CopyPadded(vm.State.GetCode(address), sourceOffset, frame.Memory.Slice(memoryOffset, length));
        return gas;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long MCopy(EvmMemory memory, ref UInt256 top, long gas)
    {
        ref UInt256 destination = ref top;
        ref UInt256 source = ref Below(ref top, 1);
        ref UInt256 length = ref Below(ref top, 2);
        gas = memory.Expand(gas, source, length);
        if (gas < 0)
        {
            return OutOfGas;
        }
        gas = ChargeCopy(memory, gas, destination, length);
        if (gas < 0)
        {
            return OutOfGas;
        }
        if (!length.IsZero)
        {
            memory.Slice(source, length).CopyTo(memory.Slice(destination, length));
        }
        return gas;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long SLoad(EvmFrame frame, VirtualMachine vm, ref UInt256 top, long gas)
    {
        WorldState state = vm.State;
        gas -= state.WarmSlot(frame.Address, top) ? Gas.ColdSload : Gas.WarmAccess;
        if (gas < 0)
        {
            return OutOfGas;
        }
        Account? account = frame.StorageAccount ??= state.TryGetAccount(frame.Address, out Account found) ? found : null;
        top = account is not null && account.Storage.TryGetValue(top, out UInt256 value) ? value : default;
        return gas;
    }

    /// <summary>SSTORE with EIP-2200/2929/3529 gas and refunds.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long SStore(EvmFrame frame, VirtualMachine vm, ref UInt256 top, long gas)
    {
        if (frame.IsStatic)
        {
            return Fail(ExitReason.StaticStateChange);
        }
        if (gas <= Gas.SstoreSentry)
        {
            return OutOfGas;
        }
        UInt256 key = top;
        UInt256 newValue = Below(ref top, 1);
        WorldState state = vm.State;
        long cost = state.WarmSlot(frame.Address, key) ? Gas.ColdSload : 0;
        Account account = frame.StorageAccount ??= state.GetOrCreate(frame.Address);
        account.Storage.TryGetValue(key, out UInt256 current);
        if (current.Equals(newValue))
        {
            cost += Gas.WarmAccess;
        }
        else
        {
            UInt256 original = account.GetOriginal(key);
            if (original.Equals(current))
            {
                if (original.IsZero)
                {
                    cost += Gas.SstoreSet;
                }
                else
                {
                    cost += Gas.SstoreReset;
                    if (newValue.IsZero)
                    {
                        vm.Refund += Gas.SstoreClearRefund;
                    }
                }
            }
            else
            {
                cost += Gas.WarmAccess;
                if (!original.IsZero)
                {
                    if (current.IsZero)
                    {
                        vm.Refund -= Gas.SstoreClearRefund;
                    }
                    else if (newValue.IsZero)
                    {
                        vm.Refund += Gas.SstoreClearRefund;
                    }
                }
                if (original.Equals(newValue))
                {
                    vm.Refund += original.IsZero ? Gas.SstoreSet - Gas.WarmAccess : Gas.SstoreReset - Gas.WarmAccess;
                }
            }
        }
        gas -= cost;
        if (gas < 0)
        {
            return OutOfGas;
        }
        if (!current.Equals(newValue))
        {
            state.SetStorage(account, frame.Address, key, newValue, current);
        }
        return gas;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long Log(EvmFrame frame, VirtualMachine vm, int topicCount, ref UInt256 top, long gas)
    {
        if (frame.IsStatic)
        {
            return Fail(ExitReason.StaticStateChange);
        }
        ref UInt256 offset = ref top;
        ref UInt256 length = ref Below(ref top, 1);
        gas = frame.Memory.Expand(gas, offset, length);
        if (gas < 0)
        {
            return OutOfGas;
        }
        gas -= Gas.Log * topicCount + Gas.LogData * (long)length.U0;
        if (gas < 0)
        {
            return OutOfGas;
        }
        var topics = new Hash256[topicCount];
        for (int i = 0; i < topicCount; i++)
        {
            topics[i] = Hash256.FromUInt256(Below(ref top, 2 + i));
        }
        vm.Logs.Add(new LogEntry(frame.Address, topics, frame.Memory.Slice(offset, length).ToArray()));
        return gas;
    }

    /// <summary>RETURN and REVERT: copies the output out of memory.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long SetOutput(EvmFrame frame, ref UInt256 top, long gas)
    {
        ref UInt256 length = ref Below(ref top, 1);
        gas = frame.Memory.Expand(gas, top, length);
        if (gas < 0)
        {
            return OutOfGas;
        }
        frame.Output = frame.Memory.Slice(top, length).ToArray();
        return gas;
    }

    /// <summary>CREATE/CREATE2: charges, copies the initcode and records the pending creation; the driver runs it.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long PrepareCreate(EvmFrame frame, byte op, ref UInt256 top, long gas)
    {
        if (frame.IsStatic)
        {
            return Fail(ExitReason.StaticStateChange);
        }
        bool isCreate2 = op == (byte)Opcode.CREATE2;
        UInt256 value = top;
        ref UInt256 offset = ref Below(ref top, 1);
        ref UInt256 length = ref Below(ref top, 2);
        if (!length.FitsInUInt64 || length.U0 > Gas.MaxInitCodeSize)
        {
            return Fail(ExitReason.InitCodeSizeExceeded);
        }
        gas = frame.Memory.Expand(gas, offset, length);
        if (gas < 0)
        {
            return OutOfGas;
        }
        long words = Gas.Words(length.U0);
        gas -= Gas.InitCodeWord * words + (isCreate2 ? Gas.KeccakWord * words : 0);
        if (gas < 0)
        {
            return OutOfGas;
        }
        frame.PendingKind = isCreate2 ? FrameKind.Create2 : FrameKind.Create;
        frame.PendingValue = value;
        frame.PendingSalt = isCreate2 ? Below(ref top, 3) : default;
        frame.PendingInput = frame.Memory.SliceView(offset, length);
        frame.PendingGas = gas - gas / 64;
        return gas - frame.PendingGas;
    }

    /// <summary>
    /// CALL, CALLCODE, DELEGATECALL, STATICCALL: charges memory, access, value and new-account costs, applies the 63/64 rule
    /// (EIP-150) and records the pending call; the driver runs it.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long PrepareCall(EvmFrame frame, VirtualMachine vm, byte op, ref UInt256 top, long gas)
    {
        bool hasValue = op is (byte)Opcode.CALL or (byte)Opcode.CALLCODE;
        UInt256 requestedGas = top;
        var target = new Address(Below(ref top, 1));
        UInt256 value = hasValue ? Below(ref top, 2) : default;
        int next = hasValue ? 3 : 2;
        ref UInt256 inOffset = ref Below(ref top, next);
        ref UInt256 inLength = ref Below(ref top, next + 1);
        ref UInt256 outOffset = ref Below(ref top, next + 2);
        ref UInt256 outLength = ref Below(ref top, next + 3);
        bool transfersValue = hasValue && !value.IsZero;
        if (transfersValue && frame.IsStatic && op == (byte)Opcode.CALL)
        {
            return Fail(ExitReason.StaticStateChange);
        }
        EvmMemory memory = frame.Memory;
        gas = memory.Expand(gas, inOffset, inLength);
        if (gas >= 0)
        {
            gas = memory.Expand(gas, outOffset, outLength);
        }
        if (gas < 0)
        {
            return OutOfGas;
        }
        WorldState state = vm.State;
        if (state.WarmAddress(target))
        {
            gas -= Gas.ColdAccountSurcharge;
        }
        if (transfersValue)
        {
            gas -= Gas.CallValue;
            if (op == (byte)Opcode.CALL && state.IsDead(target))
            {
                gas -= Gas.NewAccount;
            }
        }
        if (gas < 0)
        {
            return OutOfGas;
        }
        long available = gas - gas / 64;
        long callGas = requestedGas.FitsInUInt64 && requestedGas.U0 < (ulong)available ? (long)requestedGas.U0 : available;
        frame.PendingKind = op switch
        {
            (byte)Opcode.CALL => FrameKind.Call,
            (byte)Opcode.CALLCODE => FrameKind.CallCode,
            (byte)Opcode.DELEGATECALL => FrameKind.DelegateCall,
            _ => FrameKind.StaticCall,
        };
        frame.PendingTarget = target;
        frame.PendingValue = value;
        frame.PendingInput = memory.SliceView(inOffset, inLength);
        frame.PendingGas = transfersValue ? callGas + Gas.CallStipend : callGas;
        frame.PendingReturnOffset = outLength.IsZero ? 0 : outOffset.U0;
        frame.PendingReturnLength = outLength.IsZero ? 0 : outLength.U0;
        return gas - callGas;
    }

    /// <summary>SELFDESTRUCT under EIP-6780: the balance moves; the account is deleted only if created in this transaction.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long SelfDestruct(EvmFrame frame, VirtualMachine vm, ref UInt256 top, long gas)
    {
        if (frame.IsStatic)
        {
            return Fail(ExitReason.StaticStateChange);
        }
        WorldState state = vm.State;
        var beneficiary = new Address(top);
        if (state.WarmAddress(beneficiary))
        {
            gas -= Gas.ColdAccountAccess;
        }
        UInt256 balance = state.GetBalance(frame.Address);
        if (!balance.IsZero && state.IsDead(beneficiary))
        {
            gas -= Gas.NewAccount;
        }
        if (gas < 0)
        {
            return OutOfGas;
        }
        state.SubtractBalance(frame.Address, balance);
        state.AddBalance(beneficiary, balance);
        if (state.IsCreatedInTransaction(frame.Address))
        {
            state.SelfDestruct(frame.Address);
        }
        return gas;
    }

    /// <summary>Charges memory expansion plus 3 gas per copied word; the gas left or −1.</summary>
    private static long ChargeCopy(EvmMemory memory, long gas, in UInt256 offset, in UInt256 length)
    {
        gas = memory.Expand(gas, offset, length);
        if (gas < 0)
        {
            return -1;
        }
        gas -= Gas.Copy * Gas.Words(length.U0);
        return gas < 0 ? -1 : gas;
    }

    /// <summary>32 bytes of <paramref name="source"/> from <paramref name="offset"/>, zero-padded past its end.</summary>
    public static UInt256 LoadPadded(ReadOnlySpan<byte> source, in UInt256 offset)
    {
        if (!offset.FitsInUInt64 || offset.U0 >= (ulong)source.Length)
        {
            return default;
        }
        int start = (int)offset.U0;
        if (source.Length - start >= 32)
        {
            return new UInt256(source.Slice(start, 32));
        }
        return new UInt256(source[start..]) << (8 * (32 - (source.Length - start)));
    }

    /// <summary>Fills <paramref name="destination"/> from <paramref name="source"/> at <paramref name="offset"/>, zero past its end.</summary>
    private static void CopyPadded(ReadOnlySpan<byte> source, in UInt256 offset, Span<byte> destination)
    {
        if (destination.IsEmpty)
        {
            return;
        }
        int copied = 0;
        if (offset.FitsInUInt64 && offset.U0 < (ulong)source.Length)
        {
            ReadOnlySpan<byte> available = source[(int)offset.U0..];
            copied = Math.Min(available.Length, destination.Length);
            available[..copied].CopyTo(destination);
        }
        destination[copied..].Clear();
    }
}
