// The fault-injecting relay the CLI's fault tests use (crates/cli/tests/support/relay.rs), run as
// a process (crates/cli/examples/fault_relay.rs, built by `cargo build -p waybill --examples`):
// it sits between `waybill serve` and the real registry, forwards every request, injects one kind
// of fault, and logs each request line as it arrives.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { debugBuild } from './server.mjs';

/**
 * Starts a relay to the registry on 127.0.0.1:`upstreamPort` with `fault`, spelt as the example's
 * header says (`drop-patch:3`, `answer:PUT:/blobs/uploads/:1:500`, `stall:PATCH:/blobs/uploads/:1`).
 * Returns `{ host, seen, requests, faults, close() }`: `seen` lists `{ ms, line, faulted }` in order
 * of arrival (`line` is "METHOD target"), `requests` only the lines, `faults` how many were faulted.
 */
export async function startRelay(upstreamPort, fault) {
  const child = spawn(debugBuild('examples/fault_relay'), [`127.0.0.1:${upstreamPort}`, fault], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const seen = [];
  const lines = createInterface({ input: child.stdout });
  const host = await new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`fault_relay ${fault} exited with ${code}`)));
    lines.once('line', resolve);
  });
  lines.on('line', (line) => seen.push(JSON.parse(line)));
  return {
    host,
    get seen() { return seen; },
    get requests() { return seen.map((s) => s.line); },
    get faults() { return seen.filter((s) => s.faulted).length; },
    async close() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
