// Starts `waybill serve` (the debug build from cargo) on a free loopback port, waits until it
// answers, and stops it afterwards.
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../../..');

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
    srv.on('error', reject);
  });
}

async function waitUntilUp(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`waybill serve exited with ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`waybill serve did not answer ${url} in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A file of cargo's debug build (`waybill`, `examples/fault_relay`), in CARGO_TARGET_DIR if set. */
export function debugBuild(file) {
  return path.join(path.resolve(ROOT, process.env.CARGO_TARGET_DIR || 'target'), 'debug', file);
}

/** The waybill binary the suites run: $WAYBILL_BIN, else cargo's debug build. */
export function waybillBin() {
  return process.env.WAYBILL_BIN || debugBuild('waybill');
}

export async function startServe(extraArgs = []) {
  const port = await freePort();
  const bin = waybillBin();
  const args = ['serve', '--listen', `127.0.0.1:${port}`, '--dist', path.join(ROOT, 'dist'), ...extraArgs];
  const child = spawn(bin, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  const origin = `http://127.0.0.1:${port}`;
  await waitUntilUp(`${origin}/`, child, 20_000);
  return {
    origin,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
