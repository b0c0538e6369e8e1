// End to end from the Ethereum tool chain: compiles our Solidity contracts with solc-js, then runs the same scenario with
// ethers against BasedEVM's JSON-RPC and against an in-process Hardhat 2.x node, and compares receipts (status, gas used,
// contract addresses, events), storage, call results and revert reasons. Prints a JSON report; exits 1 on any difference.
// Usage: node e2e.mjs --rpc http://127.0.0.1:8545/ [--key 0x…]
import { ethers } from 'ethers'
import { compile } from './compile.mjs'

const argv = process.argv.slice(2)
const option = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback)
const rpc = option('--rpc')
const key = option('--key', '0x4646464646464646464646464646464646464646464646464646464646464646')
if (!rpc) {
  console.error('usage: node e2e.mjs --rpc <BasedEVM JSON-RPC URL>')
  process.exit(2)
}
process.env.BASEDEVM_E2E_KEY = key

const { contracts } = compile()
const hre = (await import('hardhat')).default

async function scenario(provider) {
  const wallet = new ethers.Wallet(key, provider)
  const steps = []
  // Explicit nonces: ethers caches eth_getTransactionCount for a moment, and both chains mine instantly.
  let nonce = await provider.getTransactionCount(wallet.address)
  const gas = () => ({ gasLimit: 3_000_000, nonce: nonce++ })
  const record = async (label, sent) => {
    let receipt
    try {
      receipt = await (await sent).wait()
    } catch (error) {
      if (error.receipt === undefined) throw error
      receipt = error.receipt // a mined transaction that reverted
    }
    steps.push({
      step: label,
      status: receipt.status,
      gasUsed: receipt.gasUsed.toString(),
      contractAddress: receipt.contractAddress,
      logs: receipt.logs.map((l) => ({ address: l.address, topics: l.topics, data: l.data })),
    })
    return receipt
  }
  const factory = (name) => new ethers.ContractFactory(contracts[name].abi, contracts[name].bytecode, wallet)
  const alice = '0x00000000000000000000000000000000000a11ce'
  const carol = '0x0000000000000000000000000000000000c0ffee'

  const tokenDeploy = await factory('Token').deploy(ethers.parseEther('1000000'), gas())
  await record('deploy Token', tokenDeploy.deploymentTransaction())
  const token = tokenDeploy.connect(wallet)
  await record('transfer', token.transfer(alice, 100n, gas()))
  await record('approve self', token.approve(wallet.address, 50n, gas()))
  await record('transferFrom', token.transferFrom(wallet.address, carol, 30n, gas()))
  await record('transfer beyond balance (reverts)', token.transfer(alice, ethers.parseEther('2000000'), gas()))
  await record('transferMany(5)', token.transferMany(5n, gas()))

  const registryDeploy = await factory('Registry').deploy(gas())
  await record('deploy Registry', registryDeploy.deploymentTransaction())
  const registry = registryDeploy.connect(wallet)
  const salt = ethers.id('salt-1')
  await record('CREATE2 child', registry.deploy(salt, ethers.toUtf8Bytes('hello from solidity'), gas()))
  await record('CREATE2 same salt again (reverts)', registry.deploy(salt, '0x', gas()))

  const child = new ethers.Contract(await registry.deployed(salt), contracts.Child.abi, provider)
  let revertReason = null
  try {
    await registry.fail.staticCall('nope')
  } catch (error) {
    revertReason = error.reason ?? error.shortMessage
  }
  const tokenAddress = await token.getAddress()
  const storage = {}
  for (const slot of [0n, 1n, 2n, 3n]) storage[`token[${slot}]`] = await provider.getStorage(tokenAddress, slot)
  for (const holder of [wallet.address, alice, carol, '0x0000000000000000000000000000000000000003']) {
    const slot = ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(['address', 'uint256'], [holder, 1]))
    storage[`balanceOf[${holder}]`] = await provider.getStorage(tokenAddress, slot)
  }
  storage['registry.count'] = await provider.getStorage(await registry.getAddress(), 1n)
  const transfers = await token.queryFilter(token.filters.Transfer(wallet.address))
  return {
    steps,
    calls: {
      balanceOfAlice: (await token.balanceOf(alice)).toString(),
      allowance: (await token.allowance(wallet.address, wallet.address)).toString(),
      childNote: ethers.toUtf8String(await child.note()),
      echo: await child.echo('0x0102'),
      registryCount: (await registry.count()).toString(),
      revertReason,
      code: ethers.keccak256(await provider.getCode(tokenAddress)),
    },
    storage,
    transferEventsFromDeployer: transfers.map((e) => ({ to: e.args.to, value: e.args.value.toString(), block: e.blockNumber })),
  }
}

// Both chains mine on submission; poll receipts quickly instead of ethers' 4 s default.
const based = await scenario(new ethers.JsonRpcProvider(rpc, undefined, { pollingInterval: 20 }))
const hardhat = await scenario(new ethers.BrowserProvider(hre.network.provider, undefined, { pollingInterval: 20 }))

// Block numbers differ only if the chains mined different numbers of blocks; both mine one per transaction from genesis.
const differences = []
const compare = (path, a, b) => {
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) compare(`${path}.${k}`, a[k], b[k])
  } else if (a !== b) differences.push({ path, basedEvm: a, hardhat: b })
}
compare('result', based, hardhat)
const report = { ok: differences.length === 0, steps: based.steps.length, differences, basedEvm: based }
console.log(JSON.stringify(report, null, 1))
process.exit(report.ok ? 0 : 1)
