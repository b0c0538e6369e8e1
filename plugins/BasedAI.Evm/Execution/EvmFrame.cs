using System.Buffers;
using BasedAI.Evm.Numerics;
using BasedAI.Evm.Primitives;
using BasedAI.Evm.State;

namespace BasedAI.Evm.Execution;

/// <summary>How a frame was entered.</summary>
internal enum FrameKind : byte
{
    Call,
    CallCode,
    DelegateCall,
    StaticCall,
    Create,
    Create2,
}

/// <summary>Why the interpreter stopped running a frame.</summary>
public enum ExitReason : byte
{
    /// <summary>STOP, SELFDESTRUCT or the end of the code.</summary>
    Stop,
    /// <summary>RETURN.</summary>
    Return,
    /// <summary>REVERT: state changes undone, remaining gas returned.</summary>
    Revert,
    /// <summary>Out of gas.</summary>
    OutOfGas,
    /// <summary>An undefined or designated-invalid (0xFE) opcode.</summary>
    InvalidOpcode,
    /// <summary>Too few stack items.</summary>
    StackUnderflow,
    /// <summary>More than 1024 stack items.</summary>
    StackOverflow,
    /// <summary>A jump to a location that is not a JUMPDEST.</summary>
    BadJumpDestination,
    /// <summary>A state change inside a STATICCALL.</summary>
    StaticStateChange,
    /// <summary>RETURNDATACOPY past the end of the return data.</summary>
    ReturnDataOutOfBounds,
    /// <summary>CREATE/CREATE2 initcode larger than 49152 bytes (EIP-3860).</summary>
    InitCodeSizeExceeded,
    /// <summary>Deployed code larger than 24576 bytes (EIP-170).</summary>
    CodeSizeExceeded,
    /// <summary>Deployed code starting with 0xEF (EIP-3541).</summary>
    InvalidCodePrefix,
    /// <summary>CREATE/CREATE2 to an address that already has code, nonce or storage.</summary>
    AddressCollision,
    /// <summary>A precompile rejected its input.</summary>
    PrecompileFailure,
    /// <summary>Internal: the frame is suspended on a CALL/CREATE the driver must run.</summary>
    PendingCall,
    /// <summary>Internal: the fast loop stopped at an instruction the slow path executes.</summary>
    SlowInstruction,
}

/// <summary>
/// A view of call data without copying: a child's input is a slice of the suspended parent's memory, which cannot change or be
/// released until the child has finished.
/// </summary>
internal readonly record struct DataSlice(byte[] Buffer, int Offset, int Length)
{
    public static readonly DataSlice Empty = new([], 0, 0);

    public ReadOnlySpan<byte> Span => Buffer.AsSpan(Offset, Length);

    public static DataSlice Of(byte[] data) => new(data, 0, data.Length);
}

/// <summary>One call frame: the executing code, its program counter, gas, stack and memory, and its message context.</summary>
internal sealed class EvmFrame
{
    public const int StackLimit = 1024;

    public CodeInfo Code = CodeInfoCache.Empty;
    public int Pc = CodeInfo.Start;
    public long Gas;
    public UInt256[] Stack = [];
    public int StackHead;
    /// <summary>The instruction the fast loop handed to the slow path (already validated, charged and stepped over).</summary>
    public byte SlowOpcode;
    /// <summary>True when the fast loop must charge the block at <see cref="Pc"/> before running (frame start, after a block ends in the slow path).</summary>
    public bool EnterBlockOnResume = true;
    public readonly EvmMemory Memory = new();
    public byte[] ReturnData = [];
    public byte[] Output = [];

    public FrameKind Kind;
    public Address Address;
    public Address Caller;
    public UInt256 Value;
    public DataSlice Input = DataSlice.Empty;
    public bool IsStatic;
    public int Depth;
    public int Snapshot;
    public int LogSnapshot;
    public long RefundSnapshot;

    /// <summary>The account whose storage this frame uses, looked up once.</summary>
    public Account? StorageAccount;

    // A call or create the frame is waiting on.
    public FrameKind PendingKind;
    public Address PendingTarget;
    public UInt256 PendingValue;
    public UInt256 PendingSalt;
    public DataSlice PendingInput = DataSlice.Empty;
    public long PendingGas;
    public ulong PendingReturnOffset;
    public ulong PendingReturnLength;

    public void RentStack() => Stack = ArrayPool<UInt256>.Shared.Rent(StackLimit);

    /// <summary>Returns pooled buffers; the frame must not be used afterwards.</summary>
    public void Release()
    {
        if (Stack.Length > 0)
        {
            ArrayPool<UInt256>.Shared.Return(Stack);
            Stack = [];
        }
        Memory.Release();
    }
}
