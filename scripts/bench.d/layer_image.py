#!/usr/bin/env python3
"""Writes the layers benchmark's input: one gzip'd layer of generated files, as a container
image's layer would hold them, and a one-image OCI archive holding that layer byte for byte.

The layer is packages of files, added until the gzip'd tar reaches --target-mib (seeded, so the
same arguments give the same bytes):
  * python packages: many small source files (text) and their .pyc files (binary);
  * node packages: package.json, README.md and a lib/ of .js files, some paths over 100 bytes
    (PAX headers, as deep node_modules trees need);
  * native libraries: .so files from 40 KiB to 12 MiB (part code-like random bytes, part tables
    and strings), each with its .so and .so.N symbolic links, and a copyright file;
  * programs in usr/bin, some with hard links to them;
  * data: locale catalogues and already-compressed files (random bytes, as .png or .gz are).
Text is cut from a corpus of made-up identifiers and keywords (it compresses 3.6:1, about as
source code does), programs and libraries 1.7:1; the layer as a whole about 2:1. Every directory has its own entry, as `docker build`
writes them, and every path is written once.

usage: layer_image.py --out-dir DIR [--target-mib 256] [--seed 14]
writes DIR/layer.tar.gz and DIR/image.oci.tar, and prints a JSON summary on stdout (entries by
type, uncompressed bytes, the layer's digest and diff ID).
"""

import argparse
import hashlib
import io
import json
import os
import random
import sys
import tarfile
import zlib

KIB = 1024
MIB = 1024 * KIB
MTIME = 1767225600  # 2026-01-01


class GzipHashWriter:
    """A write-only file for tarfile's stream mode: hashes what it is given (the diff ID) and
    writes it gzip'd (level 6, as gzip's default), counting the compressed bytes."""

    def __init__(self, path: str) -> None:
        self.out = open(path, "wb")
        self.diff = hashlib.sha256()
        self.blob = hashlib.sha256()
        self.zip = zlib.compressobj(6, zlib.DEFLATED, 31)
        self.raw = 0
        self.compressed = 0

    def _emit(self, data: bytes) -> None:
        if data:
            self.blob.update(data)
            self.out.write(data)
            self.compressed += len(data)

    def write(self, data: bytes) -> int:
        self.diff.update(data)
        self.raw += len(data)
        self._emit(self.zip.compress(data))
        return len(data)

    def close(self) -> None:
        self._emit(self.zip.flush())
        self.out.close()


class Layer:
    def __init__(self, path: str, seed: int) -> None:
        self.rng = random.Random(seed)
        self.sink = GzipHashWriter(path)
        self.tar = tarfile.open(fileobj=self.sink, mode="w|", format=tarfile.PAX_FORMAT)
        self.dirs: set[str] = set()
        self.paths: set[str] = set()  # a made-up name drawn twice is skipped: each path once
        self.counts = {"file": 0, "dir": 0, "symlink": 0, "hardlink": 0}
        self.corpus = self._corpus(8 * MIB)

    def _corpus(self, size: int) -> bytes:
        rng = self.rng
        syllables = ["get", "set", "load", "parse", "buf", "len", "node", "item", "read", "write", "conf",
                     "str", "err", "ctx", "val", "key", "map", "list", "init", "free", "path", "size",
                     "user", "data", "time", "next", "prev", "tmp", "idx", "handle", "stream", "cache"]
        words = ["".join(rng.choice(syllables) for _ in range(rng.randint(1, 3))) for _ in range(4000)]
        words += ["def", "return", "if", "else", "for", "in", "import", "from", "const", "function",
                  "self", "None", "true", "false", "this", "let", "=", "==", "(", ")", "{", "}", ":",
                  ",", "+", "0", "1", "#", "//", '"', "'"] * 40
        out, n = [], 0
        while n < size:
            indent = " " * (4 * rng.randint(0, 3))
            line = indent + " ".join(rng.choice(words) for _ in range(rng.randint(2, 12))) + "\n"
            out.append(line)
            n += len(line)
        return "".join(out).encode()[:size]

    def text(self, size: int) -> bytes:
        start = self.rng.randrange(0, len(self.corpus) - size) if size < len(self.corpus) else 0
        return self.corpus[start:start + size]

    def binary(self, size: int) -> bytes:
        """Code-like content: blocks of random bytes, strings from the corpus and sparse tables."""
        rng, parts, n = self.rng, [], 0
        while n < size:
            block = min(size - n, rng.choice((512, 1024, 4096, 8192)))
            pick = rng.random()
            if pick < 0.35:
                parts.append(rng.randbytes(block))
            elif pick < 0.7:
                parts.append(self.text(block))
            else:
                table = bytearray(block)
                for i in range(0, block, 16):
                    table[i:i + 4] = rng.randbytes(4)
                parts.append(bytes(table))
            n += block
        return b"".join(parts)

    def size(self, median: int, low: int, high: int) -> int:
        return max(low, min(high, int(self.rng.lognormvariate(0, 1.0) * median)))

    def _dir(self, path: str) -> None:
        parts = path.split("/")
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d and d not in self.dirs:
                self.dirs.add(d)
                info = tarfile.TarInfo(d)
                info.type, info.mode, info.mtime = tarfile.DIRTYPE, 0o755, MTIME
                self.tar.addfile(info)
                self.counts["dir"] += 1

    def _new(self, path: str) -> bool:
        if path in self.paths or path in self.dirs:
            return False
        self.paths.add(path)
        self._dir(os.path.dirname(path))
        return True

    def file(self, path: str, data: bytes, mode: int = 0o644) -> None:
        if not self._new(path):
            return
        info = tarfile.TarInfo(path)
        info.size, info.mode, info.mtime = len(data), mode, MTIME
        self.tar.addfile(info, io.BytesIO(data))
        self.counts["file"] += 1

    def link(self, path: str, target: str, hard: bool = False) -> None:
        if not self._new(path):
            return
        info = tarfile.TarInfo(path)
        info.type = tarfile.LNKTYPE if hard else tarfile.SYMTYPE
        info.linkname, info.mode, info.mtime = target, 0o777 if not hard else 0o755, MTIME
        self.tar.addfile(info)
        self.counts["hardlink" if hard else "symlink"] += 1

    def name(self) -> str:
        rng = self.rng
        return rng.choice(["py", "lib", "net", "core", "xml", "json", "http", "ssl", "z", "yaml", "cli",
                           "gtk", "glib", "db", "pg", "io", "text", "num", "img", "auth"]) + \
            rng.choice(["", "-utils", "-core", "kit", "2", "-common", "-tools", "x"]) + str(rng.randint(1, 999))

    # --- packages --------------------------------------------------------------------------------
    def python(self) -> None:
        pkg = self.name().replace("-", "_")
        base = f"usr/lib/python3.12/site-packages/{pkg}"
        for sub in ["", *[f"/{self.name().replace('-', '_')}" for _ in range(self.rng.randint(0, 3))]]:
            for _ in range(self.rng.randint(3, 25)):
                mod = self.name().replace("-", "_")
                src = self.text(self.size(3 * KIB, 40, 200 * KIB))
                self.file(f"{base}{sub}/{mod}.py", src)
                self.file(f"{base}{sub}/__pycache__/{mod}.cpython-312.pyc", self.binary(len(src) * 2 // 3 + 16))
        self.file(f"{base}-1.0.dist-info/METADATA", self.text(self.size(2 * KIB, 200, 40 * KIB)))
        self.file(f"{base}-1.0.dist-info/RECORD", self.text(self.size(4 * KIB, 200, 40 * KIB)))

    def node(self) -> None:
        pkg = self.name()
        base = f"app/node_modules/{pkg}"
        if self.rng.random() < 0.3:  # nested copies make the long paths of real node_modules trees
            base += f"/node_modules/@{self.name()}/{self.name()}-{'-'.join(self.name() for _ in range(4))}"
        self.file(f"{base}/package.json", self.text(self.size(1 * KIB, 100, 8 * KIB)))
        self.file(f"{base}/README.md", self.text(self.size(4 * KIB, 100, 64 * KIB)))
        for _ in range(self.rng.randint(2, 30)):
            self.file(f"{base}/lib/{self.name()}.js", self.text(self.size(2 * KIB, 30, 300 * KIB)))
            if self.rng.random() < 0.3:
                self.file(f"{base}/lib/{self.name()}.d.ts", self.text(self.size(1 * KIB, 30, 30 * KIB)))

    def native(self) -> None:
        pkg = self.name()
        for _ in range(self.rng.randint(1, 4)):
            lib = f"lib{self.name()}"
            major = self.rng.randint(0, 9)
            real = f"{lib}.so.{major}.{self.rng.randint(0, 30)}.0"
            self.file(f"usr/lib/x86_64-linux-gnu/{real}", self.binary(self.size(300 * KIB, 40 * KIB, 12 * MIB)))
            self.link(f"usr/lib/x86_64-linux-gnu/{lib}.so.{major}", real)
            self.link(f"usr/lib/x86_64-linux-gnu/{lib}.so", f"{lib}.so.{major}")
        self.file(f"usr/share/doc/{pkg}/copyright", self.text(self.size(3 * KIB, 300, 30 * KIB)))
        self.file(f"usr/share/doc/{pkg}/changelog.Debian.gz", self.rng.randbytes(self.size(2 * KIB, 100, 60 * KIB)))

    def programs(self) -> None:
        for _ in range(self.rng.randint(1, 5)):
            prog = self.name()
            self.file(f"usr/bin/{prog}", self.binary(self.size(120 * KIB, 8 * KIB, 6 * MIB)), 0o755)
            if self.rng.random() < 0.2:
                self.link(f"usr/bin/{prog}-alias{self.rng.randint(1, 99)}", f"usr/bin/{prog}", hard=True)
            self.file(f"usr/share/man/man1/{prog}.1.gz", self.rng.randbytes(self.size(3 * KIB, 200, 40 * KIB)))

    def data(self) -> None:
        pkg = self.name()
        for lang in self.rng.sample(["de", "fr", "es", "it", "ja", "pt_BR", "ru", "zh_CN", "pl", "nl"], 4):
            self.file(f"usr/share/locale/{lang}/LC_MESSAGES/{pkg}.mo", self.binary(self.size(8 * KIB, 500, 200 * KIB)))
        for _ in range(self.rng.randint(1, 8)):
            self.file(f"usr/share/{pkg}/icons/{self.name()}.png", self.rng.randbytes(self.size(6 * KIB, 200, 2 * MIB)))

    def fill(self, target: int) -> None:
        kinds = [(self.python, 0.35), (self.node, 0.3), (self.native, 0.12), (self.programs, 0.1),
                 (self.data, 0.13)]
        while self.sink.compressed < target:
            pick, acc = self.rng.random(), 0.0
            for make, weight in kinds:
                acc += weight
                if pick < acc:
                    make()
                    break
        self.tar.close()
        self.sink.close()


def oci_archive(path: str, layer_path: str, layer_digest: str, layer_size: int, diff_id: str) -> str:
    """A one-image OCI layout as a tar (what `skopeo copy oci-archive:` writes); the layer blob is
    the file at `layer_path`, byte for byte. Returns the manifest's digest."""
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": "2026-01-01T00:00:00Z",
        "config": {"Cmd": ["/bin/sh"]},
        "rootfs": {"type": "layers", "diff_ids": [diff_id]},
        "history": [{"created": "2026-01-01T00:00:00Z", "created_by": "COPY rootfs / # bench layers"}],
    }
    config_bytes = json.dumps(config, separators=(",", ":"), sort_keys=True).encode()
    config_digest = "sha256:" + hashlib.sha256(config_bytes).hexdigest()
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest,
                   "size": len(config_bytes)},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": layer_digest,
                    "size": layer_size}],
    }
    manifest_bytes = json.dumps(manifest, indent=2).encode()
    manifest_digest = "sha256:" + hashlib.sha256(manifest_bytes).hexdigest()
    index = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{"mediaType": manifest["mediaType"], "digest": manifest_digest, "size": len(manifest_bytes),
                       "annotations": {"org.opencontainers.image.ref.name": "bench-layers:v1"}}],
    }

    def add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
        info = tarfile.TarInfo(name)
        info.size, info.mode, info.mtime = len(data), 0o644, MTIME
        tar.addfile(info, io.BytesIO(data))

    with tarfile.open(path + ".tmp", "w", format=tarfile.PAX_FORMAT) as tar:
        add(tar, "oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        add(tar, "index.json", json.dumps(index).encode())
        add(tar, f"blobs/sha256/{manifest_digest[7:]}", manifest_bytes)
        add(tar, f"blobs/sha256/{config_digest[7:]}", config_bytes)
        info = tar.gettarinfo(layer_path, f"blobs/sha256/{layer_digest[7:]}")
        info.mtime, info.uid, info.gid, info.uname, info.gname = MTIME, 0, 0, "", ""
        with open(layer_path, "rb") as f:
            tar.addfile(info, f)
    os.replace(path + ".tmp", path)
    return manifest_digest


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out-dir", required=True)
    p.add_argument("--target-mib", type=int, default=256)
    p.add_argument("--seed", type=int, default=14)
    args = p.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    layer_path = os.path.join(args.out_dir, "layer.tar.gz")
    layer = Layer(layer_path + ".tmp", args.seed)
    layer.fill(args.target_mib * MIB)
    os.replace(layer_path + ".tmp", layer_path)
    digest = "sha256:" + layer.sink.blob.hexdigest()
    diff_id = "sha256:" + layer.sink.diff.hexdigest()
    manifest = oci_archive(os.path.join(args.out_dir, "image.oci.tar"), layer_path, digest,
                           layer.sink.compressed, diff_id)
    summary = {"layer": {"digest": digest, "size": layer.sink.compressed, "diff_id": diff_id,
                         "uncompressed": layer.sink.raw, "entries": sum(layer.counts.values()),
                         "by_type": layer.counts},
               "manifest": manifest, "seed": args.seed, "target_mib": args.target_mib}
    json.dump(summary, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
