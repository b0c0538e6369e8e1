// js-libp2p side of the network benchmark (same stack as the interop peer: TCP, Noise, Yamux, identify, ping).
//   node bench.mjs serve                      -> prints {"addr": ...}; serves /bench/sink/1.0.0 until stdin closes
//   node bench.mjs dial ADDR DIALS BYTES RUNS STREAMS STREAM_BYTES
//                                             -> prints one JSON line of results
// It imports libp2p from the interop peer's node_modules (the harness links them next to this file).
if (typeof Promise.withResolvers !== 'function') {
  Promise.withResolvers = function withResolvers () {
    let resolve, reject
    const promise = new this((res, rej) => { resolve = res; reject = rej })
    return { promise, resolve, reject }
  }
}
const { createLibp2p } = await import('libp2p')
const { tcp } = await import('@libp2p/tcp')
const { noise } = await import('@chainsafe/libp2p-noise')
const { yamux } = await import('@chainsafe/libp2p-yamux')
const { identify } = await import('@libp2p/identify')
const { ping } = await import('@libp2p/ping')
const { multiaddr } = await import('@multiformats/multiaddr')

const SINK = '/bench/sink/1.0.0'
const makeNode = (listen) => createLibp2p({
  addresses: { listen: listen ? ['/ip4/127.0.0.1/tcp/0'] : [] },
  transports: [tcp()],
  connectionEncrypters: [noise()],
  streamMuxers: [yamux()],
  connectionManager: { maxConnections: 1000, inboundConnectionThreshold: 1_000_000, maxIncomingPendingConnections: 1000 },
  services: { identify: identify(), ping: ping() }
})

const [mode, ...rest] = process.argv.slice(2)

if (mode === 'serve') {
  const node = await makeNode(true)
  await node.handle(SINK, async (stream) => {
    let bytes = 0
    for await (const chunk of stream) bytes += chunk.byteLength
    stream.send(new TextEncoder().encode(String(bytes)))
    await stream.close()
  }, { maxInboundStreams: 1000 })
  await node.start()
  process.stdout.write(JSON.stringify({ addr: node.getMultiaddrs()[0].toString() }) + '\n')
  process.stdin.resume()
  process.stdin.on('end', async () => { await node.stop(); process.exit(0) })
} else if (mode === 'dial') {
  const [addr, dials, bytes, runs, streams, streamBytes] = [rest[0], ...rest.slice(1).map(Number)]
  const node = await makeNode(false)
  await node.start()
  const ma = multiaddr(addr)
  const chunk = new Uint8Array(64 * 1024)

  const sink = async (conn, total) => {
    const stream = await conn.newStream(SINK, { maxOutboundStreams: 1000 })
    const reply = (async () => {
      let text = ''
      for await (const c of stream) text += new TextDecoder().decode(c.subarray())
      return Number(text)
    })()
    let sent = 0
    while (sent < total) {
      const n = Math.min(chunk.byteLength, total - sent)
      if (!stream.send(n === chunk.byteLength ? chunk : chunk.subarray(0, n))) await stream.onDrain()
      sent += n
    }
    await stream.close()
    const got = await reply
    if (got !== total) throw new Error(`sink counted ${got} of ${total} bytes`)
  }

  for (let i = 0; i < 3; i++) await (await node.dial(ma)).close() // warm-up
  const setup = []
  for (let i = 0; i < dials; i++) {
    const t0 = process.hrtime.bigint()
    const conn = await node.dial(ma)
    setup.push(Number(process.hrtime.bigint() - t0) / 1e6)
    await conn.close()
  }
  const conn = await node.dial(ma)
  await sink(conn, 1 << 20) // warm-up
  const throughput = []
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint()
    await sink(conn, bytes)
    throughput.push(bytes / (Number(process.hrtime.bigint() - t0) / 1e9) / 1e6)
  }
  const t0 = process.hrtime.bigint()
  await Promise.all(Array.from({ length: streams }, () => sink(conn, streamBytes)))
  const concurrentSeconds = Number(process.hrtime.bigint() - t0) / 1e9
  process.stdout.write(JSON.stringify({ setupMs: setup, throughputMBps: throughput, concurrentSeconds }) + '\n')
  await node.stop()
  process.exit(0)
} else {
  process.stderr.write('usage: node bench.mjs serve | dial ADDR DIALS BYTES RUNS STREAMS STREAM_BYTES\n')
  process.exit(2)
}
