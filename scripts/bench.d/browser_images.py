#!/usr/bin/env python3
"""Push the browser benchmark's images to a registry: one image per case, each blob a file the
shell script made and measured (its digest computed there by sha256sum, passed in here).

usage: browser_images.py REGISTRY_URL REPO:TAG MEDIA_TYPE FILE=DIGEST[=DIFF_ID]…

  MEDIA_TYPE  the layers' media type
  FILE=DIGEST[=DIFF_ID]  a layer file, its sha256 digest, and its diff_id (default: the digest,
                         for uncompressed layers)

The config lists the layers' diff_ids, so the app's "also check diff_ids" has something to
compare with. Uploads stream from the files (a 1 GiB layer is never read into memory here).
"""

import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures"))
from make_images import OCI_CONFIG, OCI_MANIFEST, Blob, Registry  # noqa: E402


def main() -> None:
    registry, image, media_type, *layers = sys.argv[1:]
    repo, tag = image.rsplit(":", 1)
    reg = Registry(registry, None, None)
    blobs = []
    for spec in layers:
        path, digest, *diff = spec.split("=")
        blobs.append(Blob(path, digest, os.path.getsize(path), media_type, diff[0] if diff else digest))
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": "2026-01-01T00:00:00Z",
        "rootfs": {"type": "layers", "diff_ids": [b.diff_id for b in blobs]},
    }
    config_bytes = json.dumps(config, separators=(",", ":"), sort_keys=True).encode()
    config_path = os.path.join(os.path.dirname(blobs[0].path), f"config-{repo.replace('/', '-')}.json")
    with open(config_path, "wb") as f:
        f.write(config_bytes)
    config_digest = "sha256:" + hashlib.sha256(config_bytes).hexdigest()
    config_blob = Blob(config_path, config_digest, len(config_bytes), OCI_CONFIG)
    for blob in [config_blob, *blobs]:
        reg.push_blob(repo, blob)
    manifest = {
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": config_blob.descriptor(),
        "layers": [b.descriptor() for b in blobs],
    }
    digest = reg.push_manifest(repo, tag, json.dumps(manifest, indent=2).encode(), OCI_MANIFEST)
    print(f"pushed {registry}/{image} {digest} ({reg.uploaded} blobs uploaded, {reg.skipped} already there)")


if __name__ == "__main__":
    main()
