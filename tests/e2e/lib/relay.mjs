// A fault-injecting TCP relay on 127.0.0.1, written for the tests: it forwards every connection
// to the real registry and back, byte for byte, except that it drops the connection carrying the
// Nth PATCH — before a byte of that request reaches the registry — so the upload engine must
// resume from the registry's Range. It also counts the requests it saw by their request line.
import { createServer, connect } from 'node:net';

const PATCH = Buffer.from('PATCH /v2/');
const REQUEST_LINE = /^(GET|HEAD|POST|PUT|PATCH|DELETE) (\/v2\/\S*) HTTP\/1\.1\r$/;

/**
 * Starts a relay to `upstreamPort` on 127.0.0.1. `dropPatch`: which PATCH (1-based) to cut off.
 * Returns `{ host, faults, requests, close() }`; `requests` lists "METHOD path" in order.
 */
export async function startRelay(upstreamPort, dropPatch) {
  const state = { patches: 0, faults: 0, requests: [] };
  const sockets = new Set();
  const server = createServer((client) => {
    const upstream = connect(upstreamPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    const end = () => { client.destroy(); upstream.destroy(); };
    client.on('error', end);
    upstream.on('error', end);
    client.on('close', () => { sockets.delete(client); upstream.destroy(); });
    upstream.on('close', () => { sockets.delete(upstream); client.destroy(); });
    upstream.on('data', (data) => client.write(data));
    client.on('data', (data) => {
      // Request lines, for the record (bodies of random bytes never match the pattern).
      for (const line of data.toString('latin1').split('\n')) {
        const m = line.match(REQUEST_LINE);
        if (m) state.requests.push(`${m[1]} ${m[2].split('?')[0]}`);
      }
      let at = data.indexOf(PATCH);
      while (at >= 0) {
        state.patches += 1;
        if (state.patches === dropPatch) {
          // Forward what came before this request, then cut the connection: the PATCH never
          // reaches the registry.
          state.faults += 1;
          upstream.write(data.subarray(0, at), end);
          return;
        }
        at = data.indexOf(PATCH, at + 1);
      }
      upstream.write(data);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${server.address().port}`,
    get faults() { return state.faults; },
    get requests() { return state.requests; },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
