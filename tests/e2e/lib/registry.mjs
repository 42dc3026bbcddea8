// The real distribution registry seeded by the harness (scripts/registry up + seed): where it is,
// what was pushed to it (the fixture generator's summary, written independently of Waybill), and a
// `waybill serve` configuration that lets the proxy reach it over plain HTTP. The suites fail — never
// skip — when the registry is not running.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from './server.mjs';

/** `scripts/registry env` as an object, checked to answer. */
export async function registryEnv() {
  const text = execFileSync(path.join(ROOT, 'scripts/registry'), ['env'], { encoding: 'utf8' });
  const env = {};
  for (const m of text.matchAll(/^export (\w+)=(.*)$/gm)) env[m[1]] = m[2];
  const url = env.REGISTRY_FOREIGN_URL;
  if (!url) throw new Error(`scripts/registry env printed no REGISTRY_FOREIGN_URL:\n${text}`);
  const res = await fetch(`${url}/v2/`).catch((e) => {
    throw new Error(`no registry at ${url} (${e.cause?.code ?? e.message}): run scripts/registry up && scripts/registry seed`);
  });
  if (!res.ok) throw new Error(`${url}/v2/ answered ${res.status}`);
  const fixtures = JSON.parse(readFileSync(env.REGISTRY_FIXTURES, 'utf8'));
  if (fixtures.registry !== url) {
    throw new Error(`the fixture summary is for ${fixtures.registry}, not ${url}: run scripts/registry seed`);
  }
  return { ...env, host: url.replace(/^http:\/\//, ''), fixtures };
}

/** A waybill.toml for `waybill serve --config`: only the local registry, over plain HTTP. */
export function serveConfig(host) {
  const dir = mkdtempSync(path.join(tmpdir(), 'waybill-e2e-'));
  const file = path.join(dir, 'waybill.toml');
  writeFileSync(file, `[proxy]\ndefault_hosts = false\nplain_http_hosts = ["${host}"]\n`);
  return file;
}

/** The file distribution stores a blob in. */
export function blobFile(blobsDir, digest) {
  const hex = digest.replace(/^sha256:/, '');
  return path.join(blobsDir, 'sha256', hex.slice(0, 2), hex, 'data');
}
