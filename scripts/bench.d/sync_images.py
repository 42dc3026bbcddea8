"""Seeds the sync benchmark's source repository: 8 tags sharing one base layer, each with a layer
of its own (seeded pseudo-random data, so gzip cannot shrink it), built with the fixture
generator's own classes (tests/fixtures/make_images.py)."""
import argparse
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "tests", "fixtures"))
import make_images as m  # noqa: E402

MIB = 1024 * 1024


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--registry", required=True)
    p.add_argument("--repository", required=True)
    p.add_argument("--work-dir", required=True)
    p.add_argument("--tags", type=int, default=8)
    p.add_argument("--base-mib", type=int, default=400)
    p.add_argument("--tag-mib", type=int, default=25)
    args = p.parse_args()
    b = m.Builder(args.work_dir)
    reg = m.Registry(args.registry, None, None)
    base = b.big_layer("sync-bench-base", args.base_mib * MIB)
    for i in range(args.tags):
        layers = [base, b.big_layer(f"sync-bench-tag{i}", args.tag_mib * MIB)]
        config, _ = b.json_blob(m.docker_config("linux", "amd64", layers, ["ADD base /", f"ADD tag{i} /"]),
                                m.DOCKER_CONFIG)
        manifest = {"schemaVersion": 2, "mediaType": m.DOCKER_MANIFEST, "config": config.descriptor(),
                    "layers": [layer.descriptor() for layer in layers]}
        _, data = b.json_blob(manifest, m.DOCKER_MANIFEST, indent=3)
        m.push_image(reg, args.repository, config, layers, data, m.DOCKER_MANIFEST, f"v{i}")
    print(f"pushed {args.tags} tags to {args.registry}/{args.repository}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
