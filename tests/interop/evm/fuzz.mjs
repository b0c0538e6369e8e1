// Differential fuzzing oracle: generates random and mutated EVM programs, runs each as a one-transaction block in
// @ethereumjs/vm (Cancun), and writes the cases in GeneralStateTests format with ethereumjs's results: post-state root,
// keccak(RLP(logs)), and (in "_ethereumjs") gas used, return data and the error. BasedEVM's test suite replays the file
// and compares every field. Usage: node fuzz.mjs --seed 1 --count 300 --out cases.json
import { writeFileSync } from 'node:fs'
import { createVM, runTx } from '@ethereumjs/vm'
import { Common, Mainnet, Hardfork } from '@ethereumjs/common'
import { createFeeMarket1559Tx, createLegacyTx } from '@ethereumjs/tx'
import { createBlock } from '@ethereumjs/block'
import { EVMMockBlockchain } from '@ethereumjs/evm'
import { RLP } from '@ethereumjs/rlp'
import { Account, Address, bytesToHex, hexToBytes, utf8ToBytes, privateToAddress } from '@ethereumjs/util'
import { keccak_256 } from '@noble/hashes/sha3.js'

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, value, i, all) => (i % 2 === 0 ? [...pairs, [value.replace(/^--/, ''), all[i + 1]]] : pairs), []))
const seed = Number(args.seed ?? 1)
const count = Number(args.count ?? 200)
const out = args.out ?? 'fuzz-cases.json'

// Deterministic PRNG (mulberry32) so a seed always yields the same cases.
let state = seed >>> 0
const random = () => {
  state = (state + 0x6d2b79f5) >>> 0
  let t = state
  t = Math.imul(t ^ (t >>> 15), t | 1)
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const int = (n) => Math.floor(random() * n)
const pick = (items) => items[int(items.length)]
const hex = (bytes) => bytesToHex(bytes)
const quantity = (value) => '0x' + BigInt(value).toString(16)

const secretKey = hexToBytes('0x45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8')
const sender = new Address(privateToAddress(secretKey))
const target = new Address(hexToBytes('0x1000000000000000000000000000000000000001'))
const other = new Address(hexToBytes('0x1000000000000000000000000000000000000002'))
const coinbase = new Address(hexToBytes('0x2adc25665018aa1fe0e6bc666dac8fc2697ff9ba'))

// Opcodes the generator favours, and interesting immediates.
const simple = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d,
  0x20, 0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a,
  0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x58, 0x59, 0x5a, 0x5c, 0x5d, 0x5e, 0x5f, 0x80, 0x81, 0x82, 0x83, 0x8f, 0x90, 0x91, 0x92, 0x9f, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4]
const calls = [0xf0, 0xf1, 0xf2, 0xf4, 0xf5, 0xfa]
const halts = [0x00, 0xf3, 0xfd, 0xfe, 0xff]
const immediates = [0n, 1n, 2n, 31n, 32n, 33n, 64n, 255n, 256n, 0x1234n, 2n ** 64n - 1n, 2n ** 128n, 2n ** 255n, 2n ** 256n - 1n, 2n ** 256n - 2n, 0xdeadbeefn]
const addresses = [0x1000000000000000000000000000000000000001n, 0x1000000000000000000000000000000000000002n, 1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n, 0xdeadn, 0n]

function push(bytes, value) {
  let hexValue = value.toString(16)
  if (hexValue.length % 2) hexValue = '0' + hexValue
  const data = value === 0n ? [] : Array.from(hexToBytes('0x' + hexValue))
  if (data.length === 0) { bytes.push(0x5f); return }
  bytes.push(0x5f + data.length, ...data)
}

// Stack inputs of the opcodes the generator uses (so it can supply operands and avoid trivial underflows).
const inputs = { 0x01: 2, 0x02: 2, 0x03: 2, 0x04: 2, 0x05: 2, 0x06: 2, 0x07: 2, 0x08: 3, 0x09: 3, 0x0a: 2, 0x0b: 2, 0x10: 2, 0x11: 2, 0x12: 2, 0x13: 2,
  0x14: 2, 0x15: 1, 0x16: 2, 0x17: 2, 0x18: 2, 0x19: 1, 0x1a: 2, 0x1b: 2, 0x1c: 2, 0x1d: 2, 0x20: 2, 0x31: 1, 0x35: 1, 0x37: 3, 0x39: 3, 0x3b: 1, 0x3c: 4,
  0x3e: 3, 0x3f: 1, 0x49: 1, 0x50: 1, 0x51: 1, 0x52: 2, 0x53: 2, 0x54: 1, 0x55: 2, 0x5c: 1, 0x5d: 2, 0x5e: 3, 0x80: 1, 0x81: 2, 0x82: 3, 0x83: 4, 0x8f: 16,
  0x90: 2, 0x91: 3, 0x92: 4, 0x9f: 17, 0xa0: 2, 0xa1: 3, 0xa2: 4, 0xa3: 5, 0xa4: 6 }
const outputs = { 0x37: 0, 0x39: 0, 0x3c: 0, 0x3e: 0, 0x50: 0, 0x52: 0, 0x53: 0, 0x55: 0, 0x5d: 0, 0x5e: 0, 0xa0: 0, 0xa1: 0, 0xa2: 0, 0xa3: 0, 0xa4: 0 }
const memoryOps = new Set([0x20, 0x37, 0x39, 0x3c, 0x3e, 0x51, 0x52, 0x53, 0x5e, 0xa0, 0xa1, 0xa2, 0xa3, 0xa4])

/** A program of plausible instructions: operands supplied, small memory offsets, storage, logs, calls, jumps. */
function structured() {
  const bytes = []
  const length = 4 + int(40)
  const jumpdests = []
  let depth = 0
  const operand = () => random() < 0.5 ? pick(immediates) : BigInt(int(70))
  for (let i = 0; i < length; i++) {
    const r = random()
    if (r < 0.25) { push(bytes, operand()); depth++ }
    else if (r < 0.78) {
      const op = pick(simple)
      const needed = inputs[op] ?? 0
      // Memory offsets stay small most of the time so memory-touching code runs instead of running out of gas.
      for (; depth < needed; depth++) push(bytes, memoryOps.has(op) && random() < 0.9 ? BigInt(int(96)) : operand())
      bytes.push(op)
      depth += (outputs[op] ?? 1) - needed
    }
    else if (r < 0.84) { jumpdests.push(bytes.length); bytes.push(0x5b) }
    else if (r < 0.88 && jumpdests.length > 0) {
      if (random() < 0.5) { push(bytes, BigInt(int(2))); depth++ }
      push(bytes, BigInt(pick(jumpdests)))
      if (depth > 0 && random() < 0.5) { bytes.push(0x57); depth-- } else bytes.push(0x56)
    }
    else if (r < 0.97) {
      // A call with small memory ranges to a known account or precompile.
      const op = pick(calls)
      if (op === 0xf0 || op === 0xf5) {
        if (op === 0xf5) push(bytes, BigInt(int(4)))
        push(bytes, BigInt(int(40))); push(bytes, BigInt(int(40))); push(bytes, BigInt(int(3)))
      } else {
        push(bytes, BigInt(int(40))); push(bytes, BigInt(int(40))); push(bytes, BigInt(int(64))); push(bytes, BigInt(int(64)))
        if (op === 0xf1 || op === 0xf2) push(bytes, BigInt(int(3)))
        push(bytes, pick(addresses)); push(bytes, random() < 0.5 ? BigInt(int(100000)) : 2n ** 64n)
      }
      bytes.push(op)
      depth++
    } else { bytes.push(pick(halts)); depth = 0 }
  }
  if (random() < 0.7) { push(bytes, 32n); push(bytes, 0n); bytes.push(random() < 0.8 ? 0xf3 : 0xfd) }
  return bytes
}

function randomBytes(length) { return Array.from({ length }, () => int(256)) }

/** Replaces BLOCKHASH (0x40) at instruction positions: the two engines see different histories for it. */
function scrub(bytes) {
  for (let pc = 0; pc < bytes.length; pc++) {
    const op = bytes[pc]
    if (op === 0x40) bytes[pc] = 0x5b
    else if (op >= 0x60 && op <= 0x7f) pc += op - 0x5f
  }
  return bytes
}

function program() {
  const r = random()
  if (r < 0.2) return scrub(randomBytes(1 + int(64)))
  const bytes = structured()
  if (r < 0.4) for (let i = 0, n = 1 + int(3); i < n && bytes.length > 0; i++) bytes[int(bytes.length)] = int(256)
  return scrub(bytes)
}

const common = new Common({ chain: Mainnet, hardfork: Hardfork.Cancun })
const blockchain = new EVMMockBlockchain()
blockchain.getBlock = async (number) => ({ hash: () => keccak_256(utf8ToBytes(String(number))) })

const env = {
  currentCoinbase: coinbase.toString(), currentDifficulty: '0x0', currentGasLimit: '0x1c9c380', currentNumber: '0x1',
  currentTimestamp: '0x3e8', currentBaseFee: '0x7', currentRandom: '0x' + '00'.repeat(31) + '02', currentExcessBlobGas: '0x0',
}

const tests = {}
let skipped = 0
for (let i = 0; i < count; i++) {
  const code = program()
  const otherCode = random() < 0.6 ? program() : []
  const storage = random() < 0.5 ? { '0x00': '0x01', '0x01': quantity(2n ** 255n) } : {}
  const data = randomBytes(int(3) === 0 ? 0 : int(68))
  const gasLimit = pick([30000, 60000, 100000, 300000, 1000000])
  const value = random() < 0.7 ? 0 : int(1000)
  const typed = random() < 0.5

  const vm = await createVM({ common, blockchain })
  await vm.stateManager.putAccount(sender, new Account(0n, 10n ** 20n))
  await vm.stateManager.putAccount(target, new Account(1n, BigInt(int(1000))))
  await vm.stateManager.putCode(target, Uint8Array.from(code))
  for (const [key, slot] of Object.entries(storage)) {
    await vm.stateManager.putStorage(target, hexToBytes('0x' + BigInt(key).toString(16).padStart(64, '0')), hexToBytes('0x' + BigInt(slot).toString(16).padStart(64, '0')))
  }
  if (otherCode.length > 0 || random() < 0.5) {
    await vm.stateManager.putAccount(other, new Account(0n, BigInt(int(10))))
    if (otherCode.length > 0) await vm.stateManager.putCode(other, Uint8Array.from(otherCode))
  }
  await vm.stateManager.putAccount(coinbase, new Account(0n, 0n))

  const pre = {}
  for (const address of [sender, target, other, coinbase]) {
    const account = await vm.stateManager.getAccount(address)
    if (account === undefined) continue
    const slots = {}
    if (address.equals(target)) for (const [key, slot] of Object.entries(storage)) slots[key] = slot
    pre[address.toString()] = {
      balance: quantity(account.balance), nonce: quantity(account.nonce),
      code: hex(await vm.stateManager.getCode(address)), storage: slots,
    }
  }
  const txData = { nonce: 0n, gasLimit: BigInt(gasLimit), to: target, value: BigInt(value), data: Uint8Array.from(data) }
  const tx = typed
    ? createFeeMarket1559Tx({ ...txData, maxFeePerGas: 10n, maxPriorityFeePerGas: 2n }, { common }).sign(secretKey)
    : createLegacyTx({ ...txData, gasPrice: 10n }, { common }).sign(secretKey)
  const block = createBlock({
    header: { number: 1n, coinbase, timestamp: 1000n, gasLimit: 30_000_000n, baseFeePerGas: 7n, mixHash: hexToBytes(env.currentRandom), excessBlobGas: 0n },
  }, { common })

  let result
  try {
    result = await runTx(vm, { tx, block, skipHardForkValidation: true })
  } catch (error) {
    skipped++
    continue
  }
  const root = await vm.stateManager.getStateRoot()
  const logs = result.receipt.logs
  const name = `fuzz_${seed}_${i}`
  tests[name] = {
    env,
    pre,
    transaction: {
      data: [hex(Uint8Array.from(data))], gasLimit: [quantity(gasLimit)], value: [quantity(value)], nonce: '0x0',
      to: target.toString(), secretKey: hex(secretKey), sender: sender.toString(),
      ...(typed ? { maxFeePerGas: '0xa', maxPriorityFeePerGas: '0x2' } : { gasPrice: '0xa' }),
    },
    post: {
      Cancun: [{
        indexes: { data: 0, gas: 0, value: 0 },
        hash: hex(root),
        logs: hex(keccak_256(RLP.encode(logs))),
        txbytes: hex(tx.serialize()),
        _ethereumjs: {
          gasUsed: quantity(result.totalGasSpent),
          returnData: hex(result.execResult.returnValue),
          error: result.execResult.exceptionError?.error ?? null,
        },
      }],
    },
  }
}

writeFileSync(out, JSON.stringify(tests, null, 1))
console.log(JSON.stringify({ seed, generated: Object.keys(tests).length, skipped, out }))
