// Image archives for the upload suites, made at test time by real third-party tools (nothing big
// is committed): skopeo writes docker-archive: and oci-archive: files from the seeded registry,
// GNU tar repacks them. What skopeo 1.9.3 cannot write is added the way `docker save` writes it:
// `LayerSources` in manifest.json for foreign layers (skopeo's docker-archive: drops it and turns
// foreign layers into ordinary uncompressed ones), with the foreign blobs themselves, fetched from
// the registry, in place of the uncompressed tars.
import { execFileSync } from 'node:child_process';
import { createHash, createCipheriv } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, rmSync, openSync, readSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A fresh directory for one suite's files. */
export function workDir(name) {
  return mkdtempSync(path.join(tmpdir(), `waybill-e2e-${name}-`));
}

function run(program, args) {
  execFileSync(program, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** `skopeo copy docker://<registry>/<fixture> docker-archive:<out>:<name>`. */
export function dockerArchive(registryHost, fixture, out, name = fixture) {
  run('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${registryHost}/${fixture}`, `docker-archive:${out}:${name}`]);
  return out;
}

/** `skopeo copy docker://<registry>/<fixture> oci-archive:<out>:<name>`. */
export function ociArchive(registryHost, fixture, out, name) {
  run('skopeo', ['copy', '-q', '--src-tls-verify=false', `docker://${registryHost}/${fixture}`, `oci-archive:${out}:${name}`]);
  return out;
}

/**
 * Rewrites a skopeo docker-archive of `image` (a fixture summary entry) as `docker save` writes an
 * image with foreign layers: `LayerSources` maps each foreign layer's diff ID to its registry
 * descriptor, and the archive holds the foreign blob itself (fetched from `registryUrl`) under
 * `<digest>.tar.gz` instead of the uncompressed tar skopeo wrote.
 */
export async function withLayerSources(archive, out, registryUrl, image) {
  const dir = workDir('layersources');
  run('tar', ['-xf', archive, '-C', dir]);
  const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  const entry = manifest[0];
  const sources = {};
  for (const layer of image.layers.filter((l) => l.foreign)) {
    sources[layer.diffId] = { mediaType: layer.mediaType, size: layer.size, digest: layer.digest, urls: layer.urls };
    const res = await fetch(`${registryUrl}/v2/${image.repository}/blobs/${layer.digest}`);
    if (!res.ok) throw new Error(`GET ${layer.digest} from ${registryUrl} answered ${res.status}`);
    const blob = Buffer.from(await res.arrayBuffer());
    const tarName = `${layer.diffId.replace('sha256:', '')}.tar`;
    const at = entry.Layers.indexOf(tarName);
    if (at < 0) throw new Error(`skopeo's archive has no ${tarName}: ${JSON.stringify(entry.Layers)}`);
    const blobName = `${layer.digest.replace('sha256:', '')}.tar.gz`;
    writeFileSync(path.join(dir, blobName), blob);
    rmSync(path.join(dir, tarName));
    entry.Layers[at] = blobName;
  }
  entry.LayerSources = sources;
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest));
  run('tar', ['-cf', out, '-C', dir, '.']);
  rmSync(dir, { recursive: true, force: true });
  return out;
}

/** Flips one byte in the middle of `member` (a file inside the tar `archive`), in place. */
export function corruptMember(archive, member) {
  const listing = execFileSync('tar', ['--list', '--verbose', '--block-number', '-f', archive], { encoding: 'utf8' });
  // GNU tar: "block N: -rw-r--r-- user/group SIZE date time name"; data starts one block later.
  const line = listing.split('\n').find((l) => l.endsWith(` ${member}`) || l.endsWith(`/${member}`));
  if (!line) throw new Error(`${member} is not in ${archive}`);
  const m = line.match(/^block (\d+): \S+ \S+\s+(\d+) /);
  if (!m) throw new Error(`cannot read tar's listing line: ${line}`);
  const offset = (Number(m[1]) + 1) * 512 + Math.floor(Number(m[2]) / 2);
  const fd = openSync(archive, 'r+');
  const byte = Buffer.alloc(1);
  readSync(fd, byte, 0, 1, offset);
  byte[0] ^= 0xff;
  writeSync(fd, byte, 0, 1, offset);
  closeSync(fd);
  return offset;
}

/**
 * A docker-save archive with one layer of `bytes` pseudo-random bytes (AES-CTR keystream from a
 * fixed key, so every run makes the same image), written in the test with GNU tar: a file in a
 * layer tar, its diff ID in a config, both listed in manifest.json. Returns the archive's path and
 * the layer's diff ID.
 */
export function bigDockerArchive(dir, name, bytes) {
  const root = path.join(dir, 'image');
  const rootfs = path.join(dir, 'rootfs');
  mkdirSync(root, { recursive: true });
  mkdirSync(rootfs, { recursive: true });
  const cipher = createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16, 0));
  const fd = openSync(path.join(rootfs, 'data.bin'), 'w');
  const piece = Buffer.alloc(8 << 20);
  for (let left = bytes; left > 0; left -= piece.length) {
    const out = cipher.update(left >= piece.length ? piece : piece.subarray(0, left));
    writeSync(fd, out);
  }
  closeSync(fd);
  const layer = path.join(dir, 'layer.tar');
  run('tar', ['--mtime=2017-05-02', '--owner=0', '--group=0', '--numeric-owner', '-cf', layer, '-C', rootfs, 'data.bin']);
  rmSync(rootfs, { recursive: true, force: true });
  // coreutils, not the code under test, says what the layer hashes to.
  const diffId = `sha256:${execFileSync('sha256sum', [layer], { encoding: 'utf8' }).split(' ')[0]}`;
  const hex = diffId.replace('sha256:', '');
  execFileSync('mv', [layer, path.join(root, `${hex}.tar`)]);
  const config = JSON.stringify({
    architecture: 'amd64',
    os: 'linux',
    created: '2017-05-02T00:00:00Z',
    config: { Cmd: ['/bin/true'] },
    rootfs: { type: 'layers', diff_ids: [diffId] },
    history: [{ created: '2017-05-02T00:00:00Z', created_by: 'waybill e2e: one big layer' }],
  });
  const configHex = createHash('sha256').update(config).digest('hex');
  writeFileSync(path.join(root, `${configHex}.json`), config);
  writeFileSync(
    path.join(root, 'manifest.json'),
    JSON.stringify([{ Config: `${configHex}.json`, RepoTags: [name], Layers: [`${hex}.tar`] }]),
  );
  const out = path.join(dir, 'big.tar');
  run('tar', ['-cf', out, '-C', root, '.']);
  rmSync(root, { recursive: true, force: true });
  return { path: out, diffId, config: `sha256:${configHex}` };
}
