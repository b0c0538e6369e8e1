// The @ethereumjs/vm side of BasedEVM's Mgas/s benchmark: deploys each workload (initcode), then runs the measured call a
// few times on the deployed state and prints one JSON line per workload with the median CPU-time Mgas/s.
// Usage: node bench.mjs workloads.json   (written by `BasedAI.Evm.Benchmarks mgas --compare`)
import { readFileSync } from 'node:fs'
import { createVM, runTx } from '@ethereumjs/vm'
import { Common, Mainnet, Hardfork } from '@ethereumjs/common'
import { createFeeMarket1559Tx } from '@ethereumjs/tx'
import { createBlock } from '@ethereumjs/block'
import { Account, Address, hexToBytes, privateToAddress } from '@ethereumjs/util'

const workloads = JSON.parse(readFileSync(process.argv[2], 'utf8'))
const repetitions = Number(process.argv[3] ?? 3)
const common = new Common({ chain: Mainnet, hardfork: Hardfork.Cancun })
const key = hexToBytes('0x45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8')
const sender = new Address(privateToAddress(key))
const block = createBlock({ header: { number: 1n, timestamp: 1000n, gasLimit: 2n ** 62n, baseFeePerGas: 1n, excessBlobGas: 0n } }, { common })

for (const workload of workloads) {
  const vm = await createVM({ common })
  await vm.stateManager.putAccount(sender, new Account(0n, 2n ** 200n))
  const deploy = createFeeMarket1559Tx({ nonce: 0n, gasLimit: 30_000_000n, maxFeePerGas: 1n, data: hexToBytes(workload.initCode) }, { common }).sign(key)
  const deployed = await runTx(vm, { tx: deploy, block, skipHardForkValidation: true, skipBlockGasLimitValidation: true })
  const contract = deployed.createdAddress
  const call = createFeeMarket1559Tx({ nonce: 1n, gasLimit: 4_000_000_000n, maxFeePerGas: 1n, to: contract, data: hexToBytes(workload.callData) }, { common }).sign(key)
  const samples = []
  let gas = 0n
  for (let i = 0; i <= repetitions; i++) {
    await vm.stateManager.checkpoint()
    const cpu = process.cpuUsage()
    const result = await runTx(vm, { tx: call, block, skipHardForkValidation: true, skipBlockGasLimitValidation: true })
    const used = process.cpuUsage(cpu)
    await vm.stateManager.revert()
    if (result.execResult.exceptionError) throw new Error(`${workload.name}: ${result.execResult.exceptionError.error}`)
    gas = result.execResult.executionGasUsed
    if (i > 0) samples.push((used.user + used.system) / 1000) // the first run is a warm-up
  }
  samples.sort((a, b) => a - b)
  const ms = samples[Math.floor(samples.length / 2)]
  console.log(JSON.stringify({ name: workload.name, gas: gas.toString(), cpuMs: ms, mgasPerSecond: Number(gas) / ms / 1000 }))
}
