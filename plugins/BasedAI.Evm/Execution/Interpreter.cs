using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BasedAI.Evm.Numerics;
using BasedAI.Evm.Primitives;

namespace BasedAI.Evm.Execution;

/// <summary>
/// The bytecode interpreter. One frame runs until it halts or reaches a CALL/CREATE, which it hands to the
/// <see cref="VirtualMachine"/> driver as <see cref="ExitReason.PendingCall"/> (so nesting never grows the native stack).
/// <para>
/// Two loops: <see cref="RunFast"/> executes the arithmetic, stack, jump and in-bounds memory instructions and makes no calls at
/// all, so the JIT keeps the program counter, stack height, gas, code and stack pointers in registers; any other instruction
/// (state access, hashing, memory growth, division, calls, logs) is handed to <see cref="RunSlow"/> and the fast loop resumes.
/// Static gas and stack bounds are checked per basic block (see <see cref="CodeInfo"/>), on entry, not per instruction;
/// instructions are dispatched through a dense switch over all 256 byte values that the JIT compiles to a jump table.
/// Errors are returned as <see cref="ExitReason"/>, never thrown.
/// </para>
/// </summary>
internal static class Interpreter
{
    public static ExitReason Run(EvmFrame frame, VirtualMachine vm)
    {
        while (true)
        {
            ExitReason exit = RunFast(frame);
            if (exit != ExitReason.SlowInstruction)
            {
                return exit;
            }
            exit = RunSlow(frame, vm);
            if (exit != ExitReason.SlowInstruction)
            {
                return exit;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ExitReason RunFast(EvmFrame frame)
    {
        CodeInfo codeInfo = frame.Code;
        ref byte code = ref MemoryMarshal.GetArrayDataReference(codeInfo.Padded);
        ref UInt256 stack = ref MemoryMarshal.GetArrayDataReference(frame.Stack);
        byte[] memory = frame.Memory.Buffer;
        ulong memorySize = frame.Memory.Size;
        nint pc = frame.Pc;
        nint sp = frame.StackHead;
        long gas = frame.Gas;
        nint blockPosition;
        ExitReason exit;

        if (frame.EnterBlockOnResume)
        {
            frame.EnterBlockOnResume = false;
            goto EnterExplicit;
        }
        goto Next;

    // A block entered by falling into it (offset 0, after JUMPI/GAS/…); a JUMPDEST enters its own block when it runs.
    EnterExplicit:
        if (Unsafe.Add(ref code, pc) == (byte)Opcode.JUMPDEST)
        {
            goto Next;
        }
        blockPosition = pc;
    EnterBlock:
        {
            ref readonly BlockInfo block = ref codeInfo.BlockAt(blockPosition - CodeInfo.Start);
            if ((nuint)(sp - block.Required) > (nuint)block.Range)
            {
                exit = sp < block.Required ? ExitReason.StackUnderflow : ExitReason.StackOverflow;
                goto Exit;
            }
            gas -= block.Gas;
            if (gas < 0)
            {
                exit = ExitReason.OutOfGas;
                goto Exit;
            }
        }
    Next:
        {
            byte op = Unsafe.Add(ref code, pc);
            pc++;
            switch ((Opcode)op)
            {
                case Opcode.STOP:
                    exit = ExitReason.Stop;
                    goto Exit;

                case Opcode.ADD:
                    UInt256InPlace.Add(Unsafe.Add(ref stack, sp - 1), ref Unsafe.Add(ref stack, sp - 2));
                    sp--;
                    goto Next;
                case Opcode.MUL:
                {
                    ref UInt256 b = ref Unsafe.Add(ref stack, sp - 2);
                    UInt256.Multiply(Unsafe.Add(ref stack, sp - 1), b, out b);
                    sp--;
                    goto Next;
                }
                case Opcode.SUB:
                    UInt256InPlace.Subtract(Unsafe.Add(ref stack, sp - 1), ref Unsafe.Add(ref stack, sp - 2));
                    sp--;
                    goto Next;
                case Opcode.DIV:
                case Opcode.MOD:
                {
                    ref UInt256 a = ref Unsafe.Add(ref stack, sp - 1);
                    ref UInt256 b = ref Unsafe.Add(ref stack, sp - 2);
                    if (!a.FitsInUInt64 || !b.FitsInUInt64)
                    {
                        goto Slow;
                    }
                    ulong divisor = b.U0;
                    b = divisor == 0 ? default : new UInt256(op == (byte)Opcode.DIV ? a.U0 / divisor : a.U0 % divisor);
                    sp--;
                    goto Next;
                }

                case Opcode.LT:
                {
                    ref UInt256 b = ref Unsafe.Add(ref stack, sp - 2);
                    b = Unsafe.Add(ref stack, sp - 1) < b ? UInt256.One : default;
                    sp--;
                    goto Next;
                }
                case Opcode.GT:
                {
                    ref UInt256 b = ref Unsafe.Add(ref stack, sp - 2);
                    b = Unsafe.Add(ref stack, sp - 1) > b ? UInt256.One : default;
                    sp--;
                    goto Next;
                }
                case Opcode.SLT:
                {
                    ref UInt256 b = ref Unsafe.Add(ref stack, sp - 2);
                    b = UInt256.SignedLessThan(Unsafe.Add(ref stack, sp - 1), b) ? UInt256.One : default;
                    sp--;
                    goto Next;
                }
                case Opcode.SGT:
                {
                    ref UInt256 b = ref Unsafe.Add(ref stack, sp - 2);
                    b = UInt256.SignedLessThan(b, Unsafe.Add(ref stack, sp - 1)) ? UInt256.One : default;
                    sp--;
                    goto Next;
                }
                case Opcode.EQ:
                {
                    ref UInt256 b = ref Unsafe.Add(ref stack, sp - 2);
                    b = Unsafe.Add(ref stack, sp - 1).Equals(b) ? UInt256.One : default;
                    sp--;
                    goto Next;
                }
                case Opcode.ISZERO:
                {
                    ref UInt256 a = ref Unsafe.Add(ref stack, sp - 1);
                    a = a.IsZero ? UInt256.One : default;
                    goto Next;
                }
                case Opcode.AND:
                {
                    ref UInt256 b = ref Unsafe.Add(ref stack, sp - 2);
                    UInt256.And(Unsafe.Add(ref stack, sp - 1), b, out b);
                    sp--;
                    goto Next;
                }
                case Opcode.OR:
                {
                    ref UInt256 b = ref Unsafe.Add(ref stack, sp - 2);
                    UInt256.Or(Unsafe.Add(ref stack, sp - 1), b, out b);
                    sp--;
                    goto Next;
                }
                case Opcode.XOR:
                {
                    ref UInt256 b = ref Unsafe.Add(ref stack, sp - 2);
                    UInt256.Xor(Unsafe.Add(ref stack, sp - 1), b, out b);
                    sp--;
                    goto Next;
                }
                case Opcode.NOT:
                {
                    ref UInt256 a = ref Unsafe.Add(ref stack, sp - 1);
                    UInt256.Not(a, out a);
                    goto Next;
                }
                case Opcode.BYTE:
                {
                    ref UInt256 x = ref Unsafe.Add(ref stack, sp - 2);
                    x = UInt256.Byte(Unsafe.Add(ref stack, sp - 1), x);
                    sp--;
                    goto Next;
                }
                case Opcode.SHL:
                {
                    ref UInt256 x = ref Unsafe.Add(ref stack, sp - 2);
                    UInt256.ShiftLeft(x, Unsafe.Add(ref stack, sp - 1), out x);
                    sp--;
                    goto Next;
                }
                case Opcode.SHR:
                {
                    ref UInt256 x = ref Unsafe.Add(ref stack, sp - 2);
                    UInt256.ShiftRight(x, Unsafe.Add(ref stack, sp - 1), out x);
                    sp--;
                    goto Next;
                }

                case Opcode.SAR:
                {
                    ref UInt256 x = ref Unsafe.Add(ref stack, sp - 2);
                    UInt256.ShiftRightArithmetic(x, Unsafe.Add(ref stack, sp - 1), out x);
                    sp--;
                    goto Next;
                }
                case Opcode.SIGNEXTEND:
                {
                    ref UInt256 x = ref Unsafe.Add(ref stack, sp - 2);
                    UInt256.SignExtend(Unsafe.Add(ref stack, sp - 1), x, out x);
                    sp--;
                    goto Next;
                }
                case Opcode.ADDMOD:
                {
                    // Fast path for moduli of 2^255 and above (field-style arithmetic): at most one subtraction per step.
                    ref UInt256 m = ref Unsafe.Add(ref stack, sp - 3);
                    if (!m.IsNegative)
                    {
                        goto Slow;
                    }
                    UInt256.AddModLarge(Unsafe.Add(ref stack, sp - 1), Unsafe.Add(ref stack, sp - 2), m, out m);
                    sp -= 2;
                    goto Next;
                }
                case Opcode.ADDRESS:
                    Unsafe.Add(ref stack, sp++) = frame.Address.ToUInt256();
                    goto Next;
                case Opcode.CALLER:
                    Unsafe.Add(ref stack, sp++) = frame.Caller.ToUInt256();
                    goto Next;
                case Opcode.CALLVALUE:
                    Unsafe.Add(ref stack, sp++) = frame.Value;
                    goto Next;
                case Opcode.CALLDATASIZE:
                    Unsafe.Add(ref stack, sp++) = new UInt256((ulong)frame.Input.Length);
                    goto Next;
                case Opcode.CALLDATALOAD:
                {
                    ref UInt256 slot = ref Unsafe.Add(ref stack, sp - 1);
                    DataSlice input = frame.Input;
                    if (!slot.FitsInUInt64 || !FitsWord(slot.U0, (ulong)input.Length))
                    {
                        goto Slow;
                    }
                    slot = ReadWord(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(input.Buffer), input.Offset + (nint)slot.U0));
                    goto Next;
                }

                case Opcode.POP:
                    sp--;
                    goto Next;
                case Opcode.MLOAD:
                {
                    ref UInt256 slot = ref Unsafe.Add(ref stack, sp - 1);
                    if (!slot.FitsInUInt64 || !FitsWord(slot.U0, memorySize))
                    {
                        goto Slow;
                    }
                    slot = ReadWord(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(memory), (nint)slot.U0));
                    goto Next;
                }
                case Opcode.MSTORE:
                {
                    ref UInt256 offset = ref Unsafe.Add(ref stack, sp - 1);
                    if (!offset.FitsInUInt64 || !FitsWord(offset.U0, memorySize))
                    {
                        goto Slow;
                    }
                    WriteWord(ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(memory), (nint)offset.U0), Unsafe.Add(ref stack, sp - 2));
                    sp -= 2;
                    goto Next;
                }
                case Opcode.MSTORE8:
                {
                    ref UInt256 offset = ref Unsafe.Add(ref stack, sp - 1);
                    if (!offset.FitsInUInt64 || offset.U0 >= memorySize)
                    {
                        goto Slow;
                    }
                    Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(memory), (nint)offset.U0) = (byte)Unsafe.Add(ref stack, sp - 2).U0;
                    sp -= 2;
                    goto Next;
                }
                case Opcode.JUMP:
                {
                    ref UInt256 destination = ref Unsafe.Add(ref stack, sp - 1);
                    if (!destination.FitsInUInt64 || !codeInfo.IsValidJump(destination.U0))
                    {
                        exit = ExitReason.BadJumpDestination;
                        goto Exit;
                    }
                    pc = (nint)destination.U0 + CodeInfo.Start;
                    sp--;
                    goto Next;
                }
                case Opcode.JUMPI:
                {
                    if (!Unsafe.Add(ref stack, sp - 2).IsZero)
                    {
                        ref UInt256 destination = ref Unsafe.Add(ref stack, sp - 1);
                        if (!destination.FitsInUInt64 || !codeInfo.IsValidJump(destination.U0))
                        {
                            exit = ExitReason.BadJumpDestination;
                            goto Exit;
                        }
                        pc = (nint)destination.U0 + CodeInfo.Start;
                        sp -= 2;
                        goto Next;
                    }
                    sp -= 2;
                    goto EnterExplicit;
                }
                case Opcode.PC:
                    Unsafe.Add(ref stack, sp++) = new UInt256((ulong)(pc - 1 - CodeInfo.Start));
                    goto Next;
                case Opcode.MSIZE:
                    Unsafe.Add(ref stack, sp++) = new UInt256(memorySize);
                    goto Next;
                case Opcode.GAS:
                    Unsafe.Add(ref stack, sp++) = new UInt256((ulong)gas);
                    goto EnterExplicit;
                case Opcode.JUMPDEST:
                    blockPosition = pc - 1;
                    goto EnterBlock;

                case Opcode.PUSH0:
                    Unsafe.Add(ref stack, sp++) = default;
                    goto Next;
                case Opcode.PUSH1:
                    Unsafe.Add(ref stack, sp++) = new UInt256(Unsafe.Add(ref code, pc));
                    pc++;
                    goto Next;
                case Opcode.PUSH2:
                    Unsafe.Add(ref stack, sp++) = new UInt256(BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ushort>(ref Unsafe.Add(ref code, pc))));
                    pc += 2;
                    goto Next;
                case Opcode.PUSH3:
                case Opcode.PUSH4:
                case Opcode.PUSH5:
                case Opcode.PUSH6:
                case Opcode.PUSH7:
                case Opcode.PUSH8:
                case Opcode.PUSH9:
                case Opcode.PUSH10:
                case Opcode.PUSH11:
                case Opcode.PUSH12:
                case Opcode.PUSH13:
                case Opcode.PUSH14:
                case Opcode.PUSH15:
                case Opcode.PUSH16:
                case Opcode.PUSH17:
                case Opcode.PUSH18:
                case Opcode.PUSH19:
                case Opcode.PUSH20:
                case Opcode.PUSH21:
                case Opcode.PUSH22:
                case Opcode.PUSH23:
                case Opcode.PUSH24:
                case Opcode.PUSH25:
                case Opcode.PUSH26:
                case Opcode.PUSH27:
                case Opcode.PUSH28:
                case Opcode.PUSH29:
                case Opcode.PUSH30:
                case Opcode.PUSH31:
                case Opcode.PUSH32:
                {
                    int size = op - 0x5f;
                    Unsafe.Add(ref stack, sp++) = ReadPush(ref Unsafe.Add(ref code, pc + size - 32), size);
                    pc += size;
                    goto Next;
                }
                case Opcode.DUP1:
                case Opcode.DUP2:
                case Opcode.DUP3:
                case Opcode.DUP4:
                case Opcode.DUP5:
                case Opcode.DUP6:
                case Opcode.DUP7:
                case Opcode.DUP8:
                case Opcode.DUP9:
                case Opcode.DUP10:
                case Opcode.DUP11:
                case Opcode.DUP12:
                case Opcode.DUP13:
                case Opcode.DUP14:
                case Opcode.DUP15:
                case Opcode.DUP16:
                    Unsafe.Add(ref stack, sp) = Unsafe.Add(ref stack, sp - (op - 0x7f));
                    sp++;
                    goto Next;
                case Opcode.SWAP1:
                case Opcode.SWAP2:
                case Opcode.SWAP3:
                case Opcode.SWAP4:
                case Opcode.SWAP5:
                case Opcode.SWAP6:
                case Opcode.SWAP7:
                case Opcode.SWAP8:
                case Opcode.SWAP9:
                case Opcode.SWAP10:
                case Opcode.SWAP11:
                case Opcode.SWAP12:
                case Opcode.SWAP13:
                case Opcode.SWAP14:
                case Opcode.SWAP15:
                case Opcode.SWAP16:
                {
                    ref Vector256<ulong> top = ref Unsafe.As<UInt256, Vector256<ulong>>(ref Unsafe.Add(ref stack, sp - 1));
                    ref Vector256<ulong> other = ref Unsafe.As<UInt256, Vector256<ulong>>(ref Unsafe.Add(ref stack, sp - 1 - (op - 0x8f)));
                    Vector256<ulong> saved = top;
                    top = other;
                    other = saved;
                    goto Next;
                }

                case Opcode.SDIV:
                case Opcode.SMOD:
                case Opcode.MULMOD:
                case Opcode.EXP:
                case (Opcode)0x0c:
                case (Opcode)0x0d:
                case (Opcode)0x0e:
                case (Opcode)0x0f:
                case (Opcode)0x1e:
                case (Opcode)0x1f:
                case Opcode.KECCAK256:
                case (Opcode)0x21:
                case (Opcode)0x22:
                case (Opcode)0x23:
                case (Opcode)0x24:
                case (Opcode)0x25:
                case (Opcode)0x26:
                case (Opcode)0x27:
                case (Opcode)0x28:
                case (Opcode)0x29:
                case (Opcode)0x2a:
                case (Opcode)0x2b:
                case (Opcode)0x2c:
                case (Opcode)0x2d:
                case (Opcode)0x2e:
                case (Opcode)0x2f:
                case Opcode.BALANCE:
                case Opcode.ORIGIN:
                case Opcode.CALLDATACOPY:
                case Opcode.CODESIZE:
                case Opcode.CODECOPY:
                case Opcode.GASPRICE:
                case Opcode.EXTCODESIZE:
                case Opcode.EXTCODECOPY:
                case Opcode.RETURNDATASIZE:
                case Opcode.RETURNDATACOPY:
                case Opcode.EXTCODEHASH:
                case Opcode.BLOCKHASH:
                case Opcode.COINBASE:
                case Opcode.TIMESTAMP:
                case Opcode.NUMBER:
                case Opcode.PREVRANDAO:
                case Opcode.GASLIMIT:
                case Opcode.CHAINID:
                case Opcode.SELFBALANCE:
                case Opcode.BASEFEE:
                case Opcode.BLOBHASH:
                case Opcode.BLOBBASEFEE:
                case (Opcode)0x4b:
                case (Opcode)0x4c:
                case (Opcode)0x4d:
                case (Opcode)0x4e:
                case (Opcode)0x4f:
                case Opcode.SLOAD:
                case Opcode.SSTORE:
                case Opcode.TLOAD:
                case Opcode.TSTORE:
                case Opcode.MCOPY:
                case Opcode.LOG0:
                case Opcode.LOG1:
                case Opcode.LOG2:
                case Opcode.LOG3:
                case Opcode.LOG4:
                case (Opcode)0xa5:
                case (Opcode)0xa6:
                case (Opcode)0xa7:
                case (Opcode)0xa8:
                case (Opcode)0xa9:
                case (Opcode)0xaa:
                case (Opcode)0xab:
                case (Opcode)0xac:
                case (Opcode)0xad:
                case (Opcode)0xae:
                case (Opcode)0xaf:
                case (Opcode)0xb0:
                case (Opcode)0xb1:
                case (Opcode)0xb2:
                case (Opcode)0xb3:
                case (Opcode)0xb4:
                case (Opcode)0xb5:
                case (Opcode)0xb6:
                case (Opcode)0xb7:
                case (Opcode)0xb8:
                case (Opcode)0xb9:
                case (Opcode)0xba:
                case (Opcode)0xbb:
                case (Opcode)0xbc:
                case (Opcode)0xbd:
                case (Opcode)0xbe:
                case (Opcode)0xbf:
                case (Opcode)0xc0:
                case (Opcode)0xc1:
                case (Opcode)0xc2:
                case (Opcode)0xc3:
                case (Opcode)0xc4:
                case (Opcode)0xc5:
                case (Opcode)0xc6:
                case (Opcode)0xc7:
                case (Opcode)0xc8:
                case (Opcode)0xc9:
                case (Opcode)0xca:
                case (Opcode)0xcb:
                case (Opcode)0xcc:
                case (Opcode)0xcd:
                case (Opcode)0xce:
                case (Opcode)0xcf:
                case (Opcode)0xd0:
                case (Opcode)0xd1:
                case (Opcode)0xd2:
                case (Opcode)0xd3:
                case (Opcode)0xd4:
                case (Opcode)0xd5:
                case (Opcode)0xd6:
                case (Opcode)0xd7:
                case (Opcode)0xd8:
                case (Opcode)0xd9:
                case (Opcode)0xda:
                case (Opcode)0xdb:
                case (Opcode)0xdc:
                case (Opcode)0xdd:
                case (Opcode)0xde:
                case (Opcode)0xdf:
                case (Opcode)0xe0:
                case (Opcode)0xe1:
                case (Opcode)0xe2:
                case (Opcode)0xe3:
                case (Opcode)0xe4:
                case (Opcode)0xe5:
                case (Opcode)0xe6:
                case (Opcode)0xe7:
                case (Opcode)0xe8:
                case (Opcode)0xe9:
                case (Opcode)0xea:
                case (Opcode)0xeb:
                case (Opcode)0xec:
                case (Opcode)0xed:
                case (Opcode)0xee:
                case (Opcode)0xef:
                case Opcode.CREATE:
                case Opcode.CALL:
                case Opcode.CALLCODE:
                case Opcode.RETURN:
                case Opcode.DELEGATECALL:
                case Opcode.CREATE2:
                case (Opcode)0xf6:
                case (Opcode)0xf7:
                case (Opcode)0xf8:
                case (Opcode)0xf9:
                case Opcode.STATICCALL:
                case (Opcode)0xfb:
                case (Opcode)0xfc:
                case Opcode.REVERT:
                case Opcode.INVALID:
                case Opcode.SELFDESTRUCT:
                default:
                    goto Slow;
            }
        }

    Slow:
        frame.SlowOpcode = Unsafe.Add(ref code, pc - 1);
        exit = ExitReason.SlowInstruction;
    Exit:
        frame.Pc = (int)pc;
        frame.StackHead = (int)sp;
        frame.Gas = gas;
        return exit;
    }

    /// <summary>
    /// Executes the instruction the fast loop stopped at (its stack bounds and static gas are already checked and charged, the
    /// program counter is past it). Returns <see cref="ExitReason.SlowInstruction"/> to continue.
    /// </summary>
    private static ExitReason RunSlow(EvmFrame frame, VirtualMachine vm)
    {
        byte op = frame.SlowOpcode;
        int sp = frame.StackHead;
        long gas = frame.Gas;
        ref UInt256 stack = ref MemoryMarshal.GetArrayDataReference(frame.Stack);
        ref UInt256 top = ref Unsafe.Add(ref stack, sp - 1);
        ExitReason exit = ExitReason.SlowInstruction;

        switch ((Opcode)op)
        {
            case Opcode.DIV:
                UInt256.Divide(top, Unsafe.Subtract(ref top, 1), out Unsafe.Subtract(ref top, 1));
                sp--;
                break;
            case Opcode.MOD:
                UInt256.Mod(top, Unsafe.Subtract(ref top, 1), out Unsafe.Subtract(ref top, 1));
                sp--;
                break;
            case Opcode.SDIV:
                UInt256.SignedDivide(top, Unsafe.Subtract(ref top, 1), out Unsafe.Subtract(ref top, 1));
                sp--;
                break;
            case Opcode.SMOD:
                UInt256.SignedMod(top, Unsafe.Subtract(ref top, 1), out Unsafe.Subtract(ref top, 1));
                sp--;
                break;
            case Opcode.ADDMOD:
                UInt256.AddMod(top, Unsafe.Subtract(ref top, 1), Unsafe.Subtract(ref top, 2), out Unsafe.Subtract(ref top, 2));
                sp -= 2;
                break;
            case Opcode.MULMOD:
                UInt256.MultiplyMod(top, Unsafe.Subtract(ref top, 1), Unsafe.Subtract(ref top, 2), out Unsafe.Subtract(ref top, 2));
                sp -= 2;
                break;
            case Opcode.EXP:
            {
                ref UInt256 exponent = ref Unsafe.Subtract(ref top, 1);
                gas -= Gas.ExpByte * exponent.ByteLength;
                if (gas < 0)
                {
                    return ExitReason.OutOfGas;
                }
                UInt256.Exp(top, exponent, out exponent);
                sp--;
                break;
            }
            case Opcode.SIGNEXTEND:
                UInt256.SignExtend(top, Unsafe.Subtract(ref top, 1), out Unsafe.Subtract(ref top, 1));
                sp--;
                break;
            case Opcode.SAR:
                UInt256.ShiftRightArithmetic(Unsafe.Subtract(ref top, 1), top, out Unsafe.Subtract(ref top, 1));
                sp--;
                break;
            case Opcode.KECCAK256:
                gas = Operations.Keccak(frame.Memory, ref top, ref Unsafe.Subtract(ref top, 1), gas);
                sp--;
                break;

            case Opcode.ADDRESS:
                Unsafe.Add(ref stack, sp++) = frame.Address.ToUInt256();
                break;
            case Opcode.BALANCE:
            case Opcode.EXTCODESIZE:
            case Opcode.EXTCODEHASH:
                gas = Operations.AccountQuery(vm, op, ref top, gas);
                break;
            case Opcode.ORIGIN:
                Unsafe.Add(ref stack, sp++) = vm.Tx.Origin.ToUInt256();
                break;
            case Opcode.CALLER:
                Unsafe.Add(ref stack, sp++) = frame.Caller.ToUInt256();
                break;
            case Opcode.CALLDATALOAD:
                top = Operations.LoadPadded(frame.Input.Span, top);
                break;
            case Opcode.CALLDATACOPY:
            case Opcode.CODECOPY:
            case Opcode.RETURNDATACOPY:
                gas = Operations.Copy(frame, op, ref top, gas);
                sp -= 3;
                break;
            case Opcode.CODESIZE:
                Unsafe.Add(ref stack, sp++) = new UInt256((ulong)frame.Code.Length);
                break;
            case Opcode.GASPRICE:
                Unsafe.Add(ref stack, sp++) = vm.Tx.GasPrice;
                break;
            case Opcode.EXTCODECOPY:
                gas = Operations.ExtCodeCopy(frame, vm, ref top, gas);
                sp -= 4;
                break;
            case Opcode.RETURNDATASIZE:
                Unsafe.Add(ref stack, sp++) = new UInt256((ulong)frame.ReturnData.Length);
                break;

            case Opcode.BLOCKHASH:
                top = vm.GetBlockHash(top);
                break;
            case Opcode.COINBASE:
                Unsafe.Add(ref stack, sp++) = vm.Block.Coinbase.ToUInt256();
                break;
            case Opcode.TIMESTAMP:
                Unsafe.Add(ref stack, sp++) = new UInt256(vm.Block.Timestamp);
                break;
            case Opcode.NUMBER:
                Unsafe.Add(ref stack, sp++) = new UInt256(vm.Block.Number);
                break;
            case Opcode.PREVRANDAO:
                Unsafe.Add(ref stack, sp++) = vm.Block.PrevRandao;
                break;
            case Opcode.GASLIMIT:
                Unsafe.Add(ref stack, sp++) = new UInt256((ulong)vm.Block.GasLimit);
                break;
            case Opcode.CHAINID:
                Unsafe.Add(ref stack, sp++) = new UInt256(vm.Block.ChainId);
                break;
            case Opcode.SELFBALANCE:
                Unsafe.Add(ref stack, sp++) = vm.State.GetBalance(frame.Address);
                break;
            case Opcode.BASEFEE:
                Unsafe.Add(ref stack, sp++) = vm.Block.BaseFee;
                break;
            case Opcode.BLOBHASH:
            {
                Hash256[] hashes = vm.Tx.BlobHashes;
                top = top.FitsInUInt64 && top.U0 < (ulong)hashes.Length ? hashes[(int)top.U0].ToUInt256() : default;
                break;
            }
            case Opcode.BLOBBASEFEE:
                Unsafe.Add(ref stack, sp++) = vm.BlobBaseFee;
                break;

            case Opcode.MLOAD:
                gas = frame.Memory.Expand(gas, top, new UInt256(32));
                if (gas >= 0)
                {
                    top = new UInt256(frame.Memory.Buffer.AsSpan((int)top.U0, 32));
                }
                break;
            case Opcode.MSTORE:
                gas = frame.Memory.Expand(gas, top, new UInt256(32));
                if (gas >= 0)
                {
                    Unsafe.Subtract(ref top, 1).WriteBigEndian(frame.Memory.Buffer.AsSpan((int)top.U0, 32));
                }
                sp -= 2;
                break;
            case Opcode.MSTORE8:
                gas = frame.Memory.Expand(gas, top, UInt256.One);
                if (gas >= 0)
                {
                    frame.Memory.Buffer[(int)top.U0] = (byte)Unsafe.Subtract(ref top, 1).U0;
                }
                sp -= 2;
                break;
            case Opcode.SLOAD:
                gas = Operations.SLoad(frame, vm, ref top, gas);
                break;
            case Opcode.SSTORE:
                gas = Operations.SStore(frame, vm, ref top, gas);
                sp -= 2;
                frame.EnterBlockOnResume = true;
                break;
            case Opcode.TLOAD:
                top = vm.State.GetTransient(frame.Address, top);
                break;
            case Opcode.TSTORE:
                if (frame.IsStatic)
                {
                    return ExitReason.StaticStateChange;
                }
                vm.State.SetTransient(frame.Address, top, Unsafe.Subtract(ref top, 1));
                sp -= 2;
                break;
            case Opcode.MCOPY:
                gas = Operations.MCopy(frame.Memory, ref top, gas);
                sp -= 3;
                break;

            case Opcode.LOG0:
            case Opcode.LOG1:
            case Opcode.LOG2:
            case Opcode.LOG3:
            case Opcode.LOG4:
                gas = Operations.Log(frame, vm, op - 0xa0, ref top, gas);
                sp -= 2 + (op - 0xa0);
                break;
            case Opcode.CREATE:
            case Opcode.CREATE2:
                gas = Operations.PrepareCreate(frame, op, ref top, gas);
                sp -= op == (byte)Opcode.CREATE2 ? 4 : 3;
                frame.EnterBlockOnResume = true;
                exit = ExitReason.PendingCall;
                break;
            case Opcode.CALL:
            case Opcode.CALLCODE:
            case Opcode.DELEGATECALL:
            case Opcode.STATICCALL:
                gas = Operations.PrepareCall(frame, vm, op, ref top, gas);
                sp -= op is (byte)Opcode.CALL or (byte)Opcode.CALLCODE ? 7 : 6;
                frame.EnterBlockOnResume = true;
                exit = ExitReason.PendingCall;
                break;
            case Opcode.RETURN:
            case Opcode.REVERT:
                gas = Operations.SetOutput(frame, ref top, gas);
                sp -= 2;
                exit = op == (byte)Opcode.RETURN ? ExitReason.Return : ExitReason.Revert;
                break;
            case Opcode.SELFDESTRUCT:
                gas = Operations.SelfDestruct(frame, vm, ref top, gas);
                sp--;
                exit = ExitReason.Stop;
                break;

            default:
                return ExitReason.InvalidOpcode;
        }

        if (gas < 0)
        {
            // Helpers return −1 (memory expansion) or an encoded failure; both end the frame.
            return gas == -1 ? ExitReason.OutOfGas : Operations.Decode(gas);
        }
        frame.StackHead = sp;
        frame.Gas = gas;
        return exit;
    }

    /// <summary>True when a 32-byte word at <paramref name="offset"/> lies within <paramref name="size"/> bytes (no overflow).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool FitsWord(ulong offset, ulong size) => size >= 32 && offset <= size - 32;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static UInt256 ReadWord(ref byte source) => new(
        BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref source, 24))),
        BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref source, 16))),
        BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref source, 8))),
        BinaryPrimitives.ReverseEndianness(Unsafe.ReadUnaligned<ulong>(ref source)));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WriteWord(ref byte destination, in UInt256 value)
    {
        Unsafe.WriteUnaligned(ref destination, BinaryPrimitives.ReverseEndianness(value.U3));
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, 8), BinaryPrimitives.ReverseEndianness(value.U2));
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, 16), BinaryPrimitives.ReverseEndianness(value.U1));
        Unsafe.WriteUnaligned(ref Unsafe.Add(ref destination, 24), BinaryPrimitives.ReverseEndianness(value.U0));
    }

    /// <summary>
    /// Reads a PUSH of <paramref name="size"/> bytes (3..32): <paramref name="window"/> is the 32-byte window ending at the last
    /// data byte (the code is zero-padded in front, so it is always readable); bytes before the data are masked off.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static UInt256 ReadPush(ref byte window, int size)
    {
        UInt256 word = ReadWord(ref window);
        int clear = 32 - size;
        if (clear >= 24)
        {
            return new UInt256(word.U0 & (ulong.MaxValue >> ((clear - 24) * 8)), 0, 0, 0);
        }
        if (clear >= 16)
        {
            return new UInt256(word.U0, word.U1 & (ulong.MaxValue >> ((clear - 16) * 8)), 0, 0);
        }
        if (clear >= 8)
        {
            return new UInt256(word.U0, word.U1, word.U2 & (ulong.MaxValue >> ((clear - 8) * 8)), 0);
        }
        return new UInt256(word.U0, word.U1, word.U2, word.U3 & (ulong.MaxValue >> (clear * 8)));
    }
}
