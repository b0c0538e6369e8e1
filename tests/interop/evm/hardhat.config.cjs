// The Hardhat 2.x node the end-to-end test compares BasedEVM with (used in-process by e2e.mjs; nothing is compiled here).
const key = process.env.BASEDEVM_E2E_KEY ?? '0x4646464646464646464646464646464646464646464646464646464646464646'

module.exports = {
  networks: {
    hardhat: {
      chainId: Number(process.env.BASEDEVM_E2E_CHAIN_ID ?? 1337),
      hardfork: 'cancun',
      initialBaseFeePerGas: 1_000_000_000,
      accounts: [{ privateKey: key, balance: '1000000000000000000000' }],
      mining: { auto: true, interval: 0 },
      // Mine reverted transactions (status 0) instead of failing eth_sendRawTransaction, as a real node does.
      throwOnTransactionFailures: false,
    },
  },
}
