// The real distribution registry seeded by the harness (scripts/registry up + seed): where it is,
// what was pushed to it (the fixture generator's summary, written independently of Waybill), and a
// `waybill serve` configuration that lets the proxy reach it over plain HTTP. The suites fail — never
// skip — when the registry is not running.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { ROOT } from './server.mjs';

/** Every manifest type the fixtures use, for `Accept`. */
export const ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

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

/** `res`, or an error naming what was asked and what the registry said. */
export async function ok(res, what) {
  if (!res.ok) throw new Error(`${what} answered ${res.status}: ${await res.text()}`);
  return res;
}

/** Copies `from:ref` to `to:tag` inside one distribution registry: blobs mounted, manifests as they are. */
export async function copyWithin(base, from, ref, to, tag) {
  const res = await ok(await fetch(`${base}/v2/${from}/manifests/${ref}`, { headers: { Accept: ACCEPT } }), `GET ${from}:${ref}`);
  const bytes = Buffer.from(await res.arrayBuffer());
  const doc = JSON.parse(bytes.toString('utf8'));
  if (doc.manifests) {
    for (const child of doc.manifests) await copyWithin(base, from, child.digest, to, child.digest);
  } else {
    for (const blob of [doc.config, ...doc.layers]) {
      const url = `${base}/v2/${to}/blobs/uploads/?mount=${blob.digest}&from=${from}`;
      const mounted = await ok(await fetch(url, { method: 'POST' }), `mount ${blob.digest}`);
      assert.equal(mounted.status, 201, `${blob.digest} mounted from ${from}`);
    }
  }
  await ok(await fetch(`${base}/v2/${to}/manifests/${tag}`, {
    method: 'PUT', headers: { 'Content-Type': res.headers.get('content-type') }, body: bytes,
  }), `PUT ${to}:${tag}`);
}

/** Uploads `bytes` as a blob of `repository` (monolithic: POST, then PUT with the digest). */
export async function putBlob(base, repository, bytes) {
  const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
  const started = await ok(await fetch(`${base}/v2/${repository}/blobs/uploads/`, { method: 'POST' }), 'POST upload');
  const location = new URL(started.headers.get('location'), base);
  location.searchParams.set('digest', digest);
  await ok(await fetch(location, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: bytes }), 'PUT blob');
  return { digest, size: bytes.length };
}
