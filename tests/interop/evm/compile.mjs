// Compiles contracts/*.sol with the pinned solc-js (optimizer on, evmVersion cancun) and prints or writes the artifacts.
// Usage: node compile.mjs [--out contracts/build.json]
import { readFileSync, readdirSync, writeFileSync } from 'node:fs'
import solc from 'solc'

export function compile() {
  const sources = {}
  for (const file of readdirSync(new URL('./contracts/', import.meta.url)).filter((f) => f.endsWith('.sol')).sort()) {
    sources[file] = { content: readFileSync(new URL(`./contracts/${file}`, import.meta.url), 'utf8') }
  }
  const input = {
    language: 'Solidity',
    sources,
    settings: {
      evmVersion: 'cancun',
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  }
  const output = JSON.parse(solc.compile(JSON.stringify(input)))
  const errors = (output.errors ?? []).filter((e) => e.severity === 'error')
  if (errors.length > 0) throw new Error(errors.map((e) => e.formattedMessage).join('\n'))
  const artifacts = { compiler: solc.version(), contracts: {} }
  for (const [file, contracts] of Object.entries(output.contracts)) {
    for (const [name, contract] of Object.entries(contracts)) {
      artifacts.contracts[name] = {
        source: file,
        abi: contract.abi,
        bytecode: '0x' + contract.evm.bytecode.object,
        deployedBytecode: '0x' + contract.evm.deployedBytecode.object,
      }
    }
  }
  return artifacts
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const artifacts = compile()
  const outIndex = process.argv.indexOf('--out')
  const text = JSON.stringify(artifacts, null, 1) + '\n'
  if (outIndex > 0) writeFileSync(process.argv[outIndex + 1], text)
  else process.stdout.write(text)
}
