namespace BasedAI.Evm.Execution;

/// <summary>The opcodes of the Cancun instruction set.</summary>
public enum Opcode : byte
{
    /// <summary>0x00</summary>
    STOP = 0x00,
    /// <summary>0x01</summary>
    ADD = 0x01,
    /// <summary>0x02</summary>
    MUL = 0x02,
    /// <summary>0x03</summary>
    SUB = 0x03,
    /// <summary>0x04</summary>
    DIV = 0x04,
    /// <summary>0x05</summary>
    SDIV = 0x05,
    /// <summary>0x06</summary>
    MOD = 0x06,
    /// <summary>0x07</summary>
    SMOD = 0x07,
    /// <summary>0x08</summary>
    ADDMOD = 0x08,
    /// <summary>0x09</summary>
    MULMOD = 0x09,
    /// <summary>0x0a</summary>
    EXP = 0x0a,
    /// <summary>0x0b</summary>
    SIGNEXTEND = 0x0b,
    /// <summary>0x10</summary>
    LT = 0x10,
    /// <summary>0x11</summary>
    GT = 0x11,
    /// <summary>0x12</summary>
    SLT = 0x12,
    /// <summary>0x13</summary>
    SGT = 0x13,
    /// <summary>0x14</summary>
    EQ = 0x14,
    /// <summary>0x15</summary>
    ISZERO = 0x15,
    /// <summary>0x16</summary>
    AND = 0x16,
    /// <summary>0x17</summary>
    OR = 0x17,
    /// <summary>0x18</summary>
    XOR = 0x18,
    /// <summary>0x19</summary>
    NOT = 0x19,
    /// <summary>0x1a</summary>
    BYTE = 0x1a,
    /// <summary>0x1b</summary>
    SHL = 0x1b,
    /// <summary>0x1c</summary>
    SHR = 0x1c,
    /// <summary>0x1d</summary>
    SAR = 0x1d,
    /// <summary>0x20</summary>
    KECCAK256 = 0x20,
    /// <summary>0x30</summary>
    ADDRESS = 0x30,
    /// <summary>0x31</summary>
    BALANCE = 0x31,
    /// <summary>0x32</summary>
    ORIGIN = 0x32,
    /// <summary>0x33</summary>
    CALLER = 0x33,
    /// <summary>0x34</summary>
    CALLVALUE = 0x34,
    /// <summary>0x35</summary>
    CALLDATALOAD = 0x35,
    /// <summary>0x36</summary>
    CALLDATASIZE = 0x36,
    /// <summary>0x37</summary>
    CALLDATACOPY = 0x37,
    /// <summary>0x38</summary>
    CODESIZE = 0x38,
    /// <summary>0x39</summary>
    CODECOPY = 0x39,
    /// <summary>0x3a</summary>
    GASPRICE = 0x3a,
    /// <summary>0x3b</summary>
    EXTCODESIZE = 0x3b,
    /// <summary>0x3c</summary>
    EXTCODECOPY = 0x3c,
    /// <summary>0x3d</summary>
    RETURNDATASIZE = 0x3d,
    /// <summary>0x3e</summary>
    RETURNDATACOPY = 0x3e,
    /// <summary>0x3f</summary>
    EXTCODEHASH = 0x3f,
    /// <summary>0x40</summary>
    BLOCKHASH = 0x40,
    /// <summary>0x41</summary>
    COINBASE = 0x41,
    /// <summary>0x42</summary>
    TIMESTAMP = 0x42,
    /// <summary>0x43</summary>
    NUMBER = 0x43,
    /// <summary>0x44</summary>
    PREVRANDAO = 0x44,
    /// <summary>0x45</summary>
    GASLIMIT = 0x45,
    /// <summary>0x46</summary>
    CHAINID = 0x46,
    /// <summary>0x47</summary>
    SELFBALANCE = 0x47,
    /// <summary>0x48</summary>
    BASEFEE = 0x48,
    /// <summary>0x49</summary>
    BLOBHASH = 0x49,
    /// <summary>0x4a</summary>
    BLOBBASEFEE = 0x4a,
    /// <summary>0x50</summary>
    POP = 0x50,
    /// <summary>0x51</summary>
    MLOAD = 0x51,
    /// <summary>0x52</summary>
    MSTORE = 0x52,
    /// <summary>0x53</summary>
    MSTORE8 = 0x53,
    /// <summary>0x54</summary>
    SLOAD = 0x54,
    /// <summary>0x55</summary>
    SSTORE = 0x55,
    /// <summary>0x56</summary>
    JUMP = 0x56,
    /// <summary>0x57</summary>
    JUMPI = 0x57,
    /// <summary>0x58</summary>
    PC = 0x58,
    /// <summary>0x59</summary>
    MSIZE = 0x59,
    /// <summary>0x5a</summary>
    GAS = 0x5a,
    /// <summary>0x5b</summary>
    JUMPDEST = 0x5b,
    /// <summary>0x5c</summary>
    TLOAD = 0x5c,
    /// <summary>0x5d</summary>
    TSTORE = 0x5d,
    /// <summary>0x5e</summary>
    MCOPY = 0x5e,
    /// <summary>0x5f</summary>
    PUSH0 = 0x5f,
    /// <summary>0x60</summary>
    PUSH1 = 0x60,
    /// <summary>0x61</summary>
    PUSH2 = 0x61,
    /// <summary>0x62</summary>
    PUSH3 = 0x62,
    /// <summary>0x63</summary>
    PUSH4 = 0x63,
    /// <summary>0x64</summary>
    PUSH5 = 0x64,
    /// <summary>0x65</summary>
    PUSH6 = 0x65,
    /// <summary>0x66</summary>
    PUSH7 = 0x66,
    /// <summary>0x67</summary>
    PUSH8 = 0x67,
    /// <summary>0x68</summary>
    PUSH9 = 0x68,
    /// <summary>0x69</summary>
    PUSH10 = 0x69,
    /// <summary>0x6a</summary>
    PUSH11 = 0x6a,
    /// <summary>0x6b</summary>
    PUSH12 = 0x6b,
    /// <summary>0x6c</summary>
    PUSH13 = 0x6c,
    /// <summary>0x6d</summary>
    PUSH14 = 0x6d,
    /// <summary>0x6e</summary>
    PUSH15 = 0x6e,
    /// <summary>0x6f</summary>
    PUSH16 = 0x6f,
    /// <summary>0x70</summary>
    PUSH17 = 0x70,
    /// <summary>0x71</summary>
    PUSH18 = 0x71,
    /// <summary>0x72</summary>
    PUSH19 = 0x72,
    /// <summary>0x73</summary>
    PUSH20 = 0x73,
    /// <summary>0x74</summary>
    PUSH21 = 0x74,
    /// <summary>0x75</summary>
    PUSH22 = 0x75,
    /// <summary>0x76</summary>
    PUSH23 = 0x76,
    /// <summary>0x77</summary>
    PUSH24 = 0x77,
    /// <summary>0x78</summary>
    PUSH25 = 0x78,
    /// <summary>0x79</summary>
    PUSH26 = 0x79,
    /// <summary>0x7a</summary>
    PUSH27 = 0x7a,
    /// <summary>0x7b</summary>
    PUSH28 = 0x7b,
    /// <summary>0x7c</summary>
    PUSH29 = 0x7c,
    /// <summary>0x7d</summary>
    PUSH30 = 0x7d,
    /// <summary>0x7e</summary>
    PUSH31 = 0x7e,
    /// <summary>0x7f</summary>
    PUSH32 = 0x7f,
    /// <summary>0x80</summary>
    DUP1 = 0x80,
    /// <summary>0x81</summary>
    DUP2 = 0x81,
    /// <summary>0x82</summary>
    DUP3 = 0x82,
    /// <summary>0x83</summary>
    DUP4 = 0x83,
    /// <summary>0x84</summary>
    DUP5 = 0x84,
    /// <summary>0x85</summary>
    DUP6 = 0x85,
    /// <summary>0x86</summary>
    DUP7 = 0x86,
    /// <summary>0x87</summary>
    DUP8 = 0x87,
    /// <summary>0x88</summary>
    DUP9 = 0x88,
    /// <summary>0x89</summary>
    DUP10 = 0x89,
    /// <summary>0x8a</summary>
    DUP11 = 0x8a,
    /// <summary>0x8b</summary>
    DUP12 = 0x8b,
    /// <summary>0x8c</summary>
    DUP13 = 0x8c,
    /// <summary>0x8d</summary>
    DUP14 = 0x8d,
    /// <summary>0x8e</summary>
    DUP15 = 0x8e,
    /// <summary>0x8f</summary>
    DUP16 = 0x8f,
    /// <summary>0x90</summary>
    SWAP1 = 0x90,
    /// <summary>0x91</summary>
    SWAP2 = 0x91,
    /// <summary>0x92</summary>
    SWAP3 = 0x92,
    /// <summary>0x93</summary>
    SWAP4 = 0x93,
    /// <summary>0x94</summary>
    SWAP5 = 0x94,
    /// <summary>0x95</summary>
    SWAP6 = 0x95,
    /// <summary>0x96</summary>
    SWAP7 = 0x96,
    /// <summary>0x97</summary>
    SWAP8 = 0x97,
    /// <summary>0x98</summary>
    SWAP9 = 0x98,
    /// <summary>0x99</summary>
    SWAP10 = 0x99,
    /// <summary>0x9a</summary>
    SWAP11 = 0x9a,
    /// <summary>0x9b</summary>
    SWAP12 = 0x9b,
    /// <summary>0x9c</summary>
    SWAP13 = 0x9c,
    /// <summary>0x9d</summary>
    SWAP14 = 0x9d,
    /// <summary>0x9e</summary>
    SWAP15 = 0x9e,
    /// <summary>0x9f</summary>
    SWAP16 = 0x9f,
    /// <summary>0xa0</summary>
    LOG0 = 0xa0,
    /// <summary>0xa1</summary>
    LOG1 = 0xa1,
    /// <summary>0xa2</summary>
    LOG2 = 0xa2,
    /// <summary>0xa3</summary>
    LOG3 = 0xa3,
    /// <summary>0xa4</summary>
    LOG4 = 0xa4,
    /// <summary>0xf0</summary>
    CREATE = 0xf0,
    /// <summary>0xf1</summary>
    CALL = 0xf1,
    /// <summary>0xf2</summary>
    CALLCODE = 0xf2,
    /// <summary>0xf3</summary>
    RETURN = 0xf3,
    /// <summary>0xf4</summary>
    DELEGATECALL = 0xf4,
    /// <summary>0xf5</summary>
    CREATE2 = 0xf5,
    /// <summary>0xfa</summary>
    STATICCALL = 0xfa,
    /// <summary>0xfd</summary>
    REVERT = 0xfd,
    /// <summary>0xfe</summary>
    INVALID = 0xfe,
    /// <summary>0xff</summary>
    SELFDESTRUCT = 0xff,
}

/// <summary>Static gas and stack bounds of one opcode: the interpreter validates every instruction against this table before dispatch.</summary>
/// <param name="Gas">Gas charged before the instruction runs.</param>
/// <param name="MinStack">Stack items the instruction needs.</param>
/// <param name="StackRange">Largest stack height minus <paramref name="MinStack"/> that leaves room for the items it pushes.
/// The check is one unsigned comparison: (uint)(height − MinStack) &gt; StackRange fails on underflow and overflow alike.
/// Undefined opcodes have a <paramref name="MinStack"/> no stack reaches, so they always fail it.</param>
/// <param name="Delta">Items pushed minus items popped.</param>
internal readonly record struct OpInfo(int Gas, short MinStack, short StackRange, int Delta)
{
    private const short Undefined = 4096;

    public bool IsDefined => MinStack != Undefined;

    /// <summary>Indexed by opcode.</summary>
    public static readonly OpInfo[] Table = Build();

    private static OpInfo[] Build()
    {
        var table = new OpInfo[256];
        Array.Fill(table, new OpInfo(0, Undefined, 0, 0));
        table[0x00] = new OpInfo(0, 0, 1024, 0); // STOP
        table[0x01] = new OpInfo(3, 2, 1022, -1); // ADD
        table[0x02] = new OpInfo(5, 2, 1022, -1); // MUL
        table[0x03] = new OpInfo(3, 2, 1022, -1); // SUB
        table[0x04] = new OpInfo(5, 2, 1022, -1); // DIV
        table[0x05] = new OpInfo(5, 2, 1022, -1); // SDIV
        table[0x06] = new OpInfo(5, 2, 1022, -1); // MOD
        table[0x07] = new OpInfo(5, 2, 1022, -1); // SMOD
        table[0x08] = new OpInfo(8, 3, 1021, -2); // ADDMOD
        table[0x09] = new OpInfo(8, 3, 1021, -2); // MULMOD
        table[0x0a] = new OpInfo(10, 2, 1022, -1); // EXP
        table[0x0b] = new OpInfo(5, 2, 1022, -1); // SIGNEXTEND
        table[0x10] = new OpInfo(3, 2, 1022, -1); // LT
        table[0x11] = new OpInfo(3, 2, 1022, -1); // GT
        table[0x12] = new OpInfo(3, 2, 1022, -1); // SLT
        table[0x13] = new OpInfo(3, 2, 1022, -1); // SGT
        table[0x14] = new OpInfo(3, 2, 1022, -1); // EQ
        table[0x15] = new OpInfo(3, 1, 1023, 0); // ISZERO
        table[0x16] = new OpInfo(3, 2, 1022, -1); // AND
        table[0x17] = new OpInfo(3, 2, 1022, -1); // OR
        table[0x18] = new OpInfo(3, 2, 1022, -1); // XOR
        table[0x19] = new OpInfo(3, 1, 1023, 0); // NOT
        table[0x1a] = new OpInfo(3, 2, 1022, -1); // BYTE
        table[0x1b] = new OpInfo(3, 2, 1022, -1); // SHL
        table[0x1c] = new OpInfo(3, 2, 1022, -1); // SHR
        table[0x1d] = new OpInfo(3, 2, 1022, -1); // SAR
        table[0x20] = new OpInfo(30, 2, 1022, -1); // KECCAK256
        table[0x30] = new OpInfo(2, 0, 1023, 1); // ADDRESS
        table[0x31] = new OpInfo(100, 1, 1023, 0); // BALANCE
        table[0x32] = new OpInfo(2, 0, 1023, 1); // ORIGIN
        table[0x33] = new OpInfo(2, 0, 1023, 1); // CALLER
        table[0x34] = new OpInfo(2, 0, 1023, 1); // CALLVALUE
        table[0x35] = new OpInfo(3, 1, 1023, 0); // CALLDATALOAD
        table[0x36] = new OpInfo(2, 0, 1023, 1); // CALLDATASIZE
        table[0x37] = new OpInfo(3, 3, 1021, -3); // CALLDATACOPY
        table[0x38] = new OpInfo(2, 0, 1023, 1); // CODESIZE
        table[0x39] = new OpInfo(3, 3, 1021, -3); // CODECOPY
        table[0x3a] = new OpInfo(2, 0, 1023, 1); // GASPRICE
        table[0x3b] = new OpInfo(100, 1, 1023, 0); // EXTCODESIZE
        table[0x3c] = new OpInfo(100, 4, 1020, -4); // EXTCODECOPY
        table[0x3d] = new OpInfo(2, 0, 1023, 1); // RETURNDATASIZE
        table[0x3e] = new OpInfo(3, 3, 1021, -3); // RETURNDATACOPY
        table[0x3f] = new OpInfo(100, 1, 1023, 0); // EXTCODEHASH
        table[0x40] = new OpInfo(20, 1, 1023, 0); // BLOCKHASH
        table[0x41] = new OpInfo(2, 0, 1023, 1); // COINBASE
        table[0x42] = new OpInfo(2, 0, 1023, 1); // TIMESTAMP
        table[0x43] = new OpInfo(2, 0, 1023, 1); // NUMBER
        table[0x44] = new OpInfo(2, 0, 1023, 1); // PREVRANDAO
        table[0x45] = new OpInfo(2, 0, 1023, 1); // GASLIMIT
        table[0x46] = new OpInfo(2, 0, 1023, 1); // CHAINID
        table[0x47] = new OpInfo(5, 0, 1023, 1); // SELFBALANCE
        table[0x48] = new OpInfo(2, 0, 1023, 1); // BASEFEE
        table[0x49] = new OpInfo(3, 1, 1023, 0); // BLOBHASH
        table[0x4a] = new OpInfo(2, 0, 1023, 1); // BLOBBASEFEE
        table[0x50] = new OpInfo(2, 1, 1023, -1); // POP
        table[0x51] = new OpInfo(3, 1, 1023, 0); // MLOAD
        table[0x52] = new OpInfo(3, 2, 1022, -2); // MSTORE
        table[0x53] = new OpInfo(3, 2, 1022, -2); // MSTORE8
        table[0x54] = new OpInfo(0, 1, 1023, 0); // SLOAD
        table[0x55] = new OpInfo(0, 2, 1022, -2); // SSTORE
        table[0x56] = new OpInfo(8, 1, 1023, -1); // JUMP
        table[0x57] = new OpInfo(10, 2, 1022, -2); // JUMPI
        table[0x58] = new OpInfo(2, 0, 1023, 1); // PC
        table[0x59] = new OpInfo(2, 0, 1023, 1); // MSIZE
        table[0x5a] = new OpInfo(2, 0, 1023, 1); // GAS
        table[0x5b] = new OpInfo(1, 0, 1024, 0); // JUMPDEST
        table[0x5c] = new OpInfo(100, 1, 1023, 0); // TLOAD
        table[0x5d] = new OpInfo(100, 2, 1022, -2); // TSTORE
        table[0x5e] = new OpInfo(3, 3, 1021, -3); // MCOPY
        table[0x5f] = new OpInfo(2, 0, 1023, 1); // PUSH0
        table[0x60] = new OpInfo(3, 0, 1023, 1); // PUSH1
        table[0x61] = new OpInfo(3, 0, 1023, 1); // PUSH2
        table[0x62] = new OpInfo(3, 0, 1023, 1); // PUSH3
        table[0x63] = new OpInfo(3, 0, 1023, 1); // PUSH4
        table[0x64] = new OpInfo(3, 0, 1023, 1); // PUSH5
        table[0x65] = new OpInfo(3, 0, 1023, 1); // PUSH6
        table[0x66] = new OpInfo(3, 0, 1023, 1); // PUSH7
        table[0x67] = new OpInfo(3, 0, 1023, 1); // PUSH8
        table[0x68] = new OpInfo(3, 0, 1023, 1); // PUSH9
        table[0x69] = new OpInfo(3, 0, 1023, 1); // PUSH10
        table[0x6a] = new OpInfo(3, 0, 1023, 1); // PUSH11
        table[0x6b] = new OpInfo(3, 0, 1023, 1); // PUSH12
        table[0x6c] = new OpInfo(3, 0, 1023, 1); // PUSH13
        table[0x6d] = new OpInfo(3, 0, 1023, 1); // PUSH14
        table[0x6e] = new OpInfo(3, 0, 1023, 1); // PUSH15
        table[0x6f] = new OpInfo(3, 0, 1023, 1); // PUSH16
        table[0x70] = new OpInfo(3, 0, 1023, 1); // PUSH17
        table[0x71] = new OpInfo(3, 0, 1023, 1); // PUSH18
        table[0x72] = new OpInfo(3, 0, 1023, 1); // PUSH19
        table[0x73] = new OpInfo(3, 0, 1023, 1); // PUSH20
        table[0x74] = new OpInfo(3, 0, 1023, 1); // PUSH21
        table[0x75] = new OpInfo(3, 0, 1023, 1); // PUSH22
        table[0x76] = new OpInfo(3, 0, 1023, 1); // PUSH23
        table[0x77] = new OpInfo(3, 0, 1023, 1); // PUSH24
        table[0x78] = new OpInfo(3, 0, 1023, 1); // PUSH25
        table[0x79] = new OpInfo(3, 0, 1023, 1); // PUSH26
        table[0x7a] = new OpInfo(3, 0, 1023, 1); // PUSH27
        table[0x7b] = new OpInfo(3, 0, 1023, 1); // PUSH28
        table[0x7c] = new OpInfo(3, 0, 1023, 1); // PUSH29
        table[0x7d] = new OpInfo(3, 0, 1023, 1); // PUSH30
        table[0x7e] = new OpInfo(3, 0, 1023, 1); // PUSH31
        table[0x7f] = new OpInfo(3, 0, 1023, 1); // PUSH32
        table[0x80] = new OpInfo(3, 1, 1022, 1); // DUP1
        table[0x81] = new OpInfo(3, 2, 1021, 1); // DUP2
        table[0x82] = new OpInfo(3, 3, 1020, 1); // DUP3
        table[0x83] = new OpInfo(3, 4, 1019, 1); // DUP4
        table[0x84] = new OpInfo(3, 5, 1018, 1); // DUP5
        table[0x85] = new OpInfo(3, 6, 1017, 1); // DUP6
        table[0x86] = new OpInfo(3, 7, 1016, 1); // DUP7
        table[0x87] = new OpInfo(3, 8, 1015, 1); // DUP8
        table[0x88] = new OpInfo(3, 9, 1014, 1); // DUP9
        table[0x89] = new OpInfo(3, 10, 1013, 1); // DUP10
        table[0x8a] = new OpInfo(3, 11, 1012, 1); // DUP11
        table[0x8b] = new OpInfo(3, 12, 1011, 1); // DUP12
        table[0x8c] = new OpInfo(3, 13, 1010, 1); // DUP13
        table[0x8d] = new OpInfo(3, 14, 1009, 1); // DUP14
        table[0x8e] = new OpInfo(3, 15, 1008, 1); // DUP15
        table[0x8f] = new OpInfo(3, 16, 1007, 1); // DUP16
        table[0x90] = new OpInfo(3, 2, 1022, 0); // SWAP1
        table[0x91] = new OpInfo(3, 3, 1021, 0); // SWAP2
        table[0x92] = new OpInfo(3, 4, 1020, 0); // SWAP3
        table[0x93] = new OpInfo(3, 5, 1019, 0); // SWAP4
        table[0x94] = new OpInfo(3, 6, 1018, 0); // SWAP5
        table[0x95] = new OpInfo(3, 7, 1017, 0); // SWAP6
        table[0x96] = new OpInfo(3, 8, 1016, 0); // SWAP7
        table[0x97] = new OpInfo(3, 9, 1015, 0); // SWAP8
        table[0x98] = new OpInfo(3, 10, 1014, 0); // SWAP9
        table[0x99] = new OpInfo(3, 11, 1013, 0); // SWAP10
        table[0x9a] = new OpInfo(3, 12, 1012, 0); // SWAP11
        table[0x9b] = new OpInfo(3, 13, 1011, 0); // SWAP12
        table[0x9c] = new OpInfo(3, 14, 1010, 0); // SWAP13
        table[0x9d] = new OpInfo(3, 15, 1009, 0); // SWAP14
        table[0x9e] = new OpInfo(3, 16, 1008, 0); // SWAP15
        table[0x9f] = new OpInfo(3, 17, 1007, 0); // SWAP16
        table[0xa0] = new OpInfo(375, 2, 1022, -2); // LOG0
        table[0xa1] = new OpInfo(375, 3, 1021, -3); // LOG1
        table[0xa2] = new OpInfo(375, 4, 1020, -4); // LOG2
        table[0xa3] = new OpInfo(375, 5, 1019, -5); // LOG3
        table[0xa4] = new OpInfo(375, 6, 1018, -6); // LOG4
        table[0xf0] = new OpInfo(32000, 3, 1021, -2); // CREATE
        table[0xf1] = new OpInfo(100, 7, 1017, -6); // CALL
        table[0xf2] = new OpInfo(100, 7, 1017, -6); // CALLCODE
        table[0xf3] = new OpInfo(0, 2, 1022, -2); // RETURN
        table[0xf4] = new OpInfo(100, 6, 1018, -5); // DELEGATECALL
        table[0xf5] = new OpInfo(32000, 4, 1020, -3); // CREATE2
        table[0xfa] = new OpInfo(100, 6, 1018, -5); // STATICCALL
        table[0xfd] = new OpInfo(0, 2, 1022, -2); // REVERT
        table[0xff] = new OpInfo(5000, 1, 1023, -1); // SELFDESTRUCT
        return table;
    }
}
