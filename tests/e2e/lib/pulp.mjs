// The real Pulp of the harness (scripts/pulp up): where it is, its REST API (read with Basic auth,
// independently of Waybill), and reading an image back from it with skopeo and plain HTTP. The
// suites fail — never skip — when Pulp is not running.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createGunzip } from 'node:zlib';
import path from 'node:path';
import { writeFileSync } from 'node:fs';
import { ROOT, startServe } from './server.mjs';

/** `scripts/pulp env` as an object, checked to answer. */
export async function pulpEnv() {
  const text = execFileSync(path.join(ROOT, 'scripts/pulp'), ['env'], { encoding: 'utf8' });
  const env = {};
  for (const m of text.matchAll(/^export (\w+)=(.*)$/gm)) env[m[1]] = m[2];
  if (!env.PULP_URL) throw new Error(`scripts/pulp env printed no PULP_URL:\n${text}`);
  const pulp = {
    ...env,
    host: env.PULP_URL.replace(/^http:\/\//, ''),
    tokenHost: env.PULP_TOKEN_URL.replace(/^http:\/\//, ''),
    contentHost: env.PULP_CONTENT_URL.replace(/^http:\/\//, ''),
    auth: `Basic ${Buffer.from(`${env.PULP_USER}:${env.PULP_PASSWORD}`).toString('base64')}`,
  };
  const res = await fetch(`${env.PULP_URL}/pulp/api/v3/status/`).catch((e) => {
    throw new Error(`no Pulp at ${env.PULP_URL} (${e.cause?.code ?? e.message}): run scripts/pulp up`);
  });
  if (!res.ok) throw new Error(`${env.PULP_URL}/pulp/api/v3/status/ answered ${res.status}: run scripts/pulp up`);
  return pulp;
}

/** GET on Pulp's REST API (JSON). */
export async function pulpApi(pulp, pathAndQuery) {
  const res = await fetch(`${pulp.PULP_URL}${pathAndQuery}`, { headers: { Authorization: pulp.auth } });
  if (!res.ok) throw new Error(`GET ${pathAndQuery} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

/** How many container repositories and blobs Pulp holds (a refused push must change neither). */
export async function pulpCounts(pulp) {
  const repos = await pulpApi(pulp, '/pulp/api/v3/repositories/container/container/?limit=1');
  const blobs = await pulpApi(pulp, '/pulp/api/v3/content/container/blobs/?limit=1');
  return { repositories: repos.count, blobs: blobs.count };
}

/** Pulp's container repositories named `name` (0 or 1). */
export async function pulpRepositories(pulp, name) {
  return (await pulpApi(pulp, `/pulp/api/v3/repositories/container/container/?name=${encodeURIComponent(name)}`)).count;
}

/** A waybill.toml for `waybill serve --config`: the local registries and Pulp, over plain HTTP. */
export function serveToml({ registryHosts = [], pulp, extra = [], proxySettings = {} }) {
  const plain = [...registryHosts, ...extra];
  let pulpHosts = [];
  if (pulp) {
    plain.push(pulp.host, pulp.tokenHost, pulp.contentHost);
    pulpHosts = [pulp.host, pulp.tokenHost];
  }
  const list = (items) => `[${items.map((h) => JSON.stringify(h)).join(', ')}]`;
  // More `[proxy]` keys (`response_timeout_secs`, …), as TOML integers.
  const settings = Object.entries(proxySettings).map(([k, v]) => `${k} = ${Number(v)}\n`).join('');
  return `[proxy]\ndefault_hosts = false\nplain_http_hosts = ${list(plain)}\npulp_api_hosts = ${list(pulpHosts)}\n${settings}`;
}

/** Starts `waybill serve` with the `serveToml` of `options`, written as `dir`/waybill.toml. */
export function startServeWith(dir, options) {
  const config = path.join(dir, 'waybill.toml');
  writeFileSync(config, serveToml(options));
  return startServe(['--config', config]);
}

/** `sha256:<hex>` of bytes. */
export function sha256(bytes) {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** `skopeo inspect --raw` of `ref` (`host/repo:tag` or `@digest`): the manifest's exact bytes. */
export function skopeoRaw(ref, creds) {
  const args = ['inspect', '--raw', '--tls-verify=false'];
  if (creds) args.push('--creds', creds);
  args.push(`docker://${ref}`);
  return execFileSync('skopeo', args, { maxBuffer: 64 << 20 });
}

/**
 * Reads an image back from a registry (`base` = http://host:port, `auth` an Authorization header or
 * none): the manifest with skopeo, then every blob it names with plain HTTP (following Pulp's
 * redirect to its content app), each hashed here and checked against its descriptor. Returns the
 * manifest's bytes and its parsed form.
 */
export async function pullBackAndCheck({ base, auth, repository, reference, creds }) {
  const host = base.replace(/^http:\/\//, '');
  const sep = reference.startsWith('sha256:') ? '@' : ':';
  const raw = skopeoRaw(`${host}/${repository}${sep}${reference}`, creds);
  const manifest = JSON.parse(raw.toString('utf8'));
  if (manifest.manifests) {
    for (const child of manifest.manifests) {
      const { raw: childRaw } = await pullBackAndCheck({ base, auth, repository, reference: child.digest, creds });
      if (sha256(childRaw) !== child.digest) throw new Error(`index entry ${child.digest} read back as ${sha256(childRaw)}`);
    }
    return { raw, manifest };
  }
  for (const d of [manifest.config, ...manifest.layers]) {
    const headers = auth ? { Authorization: auth } : {};
    let res = await fetch(`${base}/v2/${repository}/blobs/${d.digest}`, { headers, redirect: 'manual' });
    if (res.status >= 300 && res.status < 400) res = await fetch(new URL(res.headers.get('location'), base));
    if (!res.ok) throw new Error(`GET blob ${d.digest} answered ${res.status}`);
    // Streamed through the hash: a 300 MiB layer is never held whole.
    const hash = createHash('sha256');
    let size = 0;
    for await (const chunk of res.body) {
      hash.update(chunk);
      size += chunk.length;
    }
    const actual = `sha256:${hash.digest('hex')}`;
    if (size !== d.size) throw new Error(`blob ${d.digest}: ${size} bytes, the manifest says ${d.size}`);
    if (actual !== d.digest) throw new Error(`blob ${d.digest} hashes to ${actual}`);
  }
  return { raw, manifest };
}

/** The sha256 of a gzip'd blob as Node's gunzip (not the code that compressed it) inflates it,
 *  streamed from the registry: a layer's diff ID. */
export async function gunzippedDigest({ base, auth, repository, digest }) {
  const headers = auth ? { Authorization: auth } : {};
  let res = await fetch(`${base}/v2/${repository}/blobs/${digest}`, { headers, redirect: 'manual' });
  if (res.status >= 300 && res.status < 400) res = await fetch(new URL(res.headers.get('location'), base));
  if (!res.ok) throw new Error(`GET blob ${digest} answered ${res.status}`);
  const gunzip = createGunzip();
  const hash = createHash('sha256');
  const done = (async () => { for await (const chunk of gunzip) hash.update(chunk); })();
  for await (const chunk of res.body) if (!gunzip.write(chunk)) await new Promise((r) => gunzip.once('drain', r));
  gunzip.end();
  await done;
  return `sha256:${hash.digest('hex')}`;
}
