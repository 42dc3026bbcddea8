# Sourced by the benchmarks that push into a registry of their own (archive.sh, upload.sh).

# start_bench_registry DIR PORT: a throw-away distribution registry on 127.0.0.1:PORT, its storage,
# config, pid and log in DIR (created); waits until it answers. Upload purging is off, so that no
# upload is cut off in the middle of a long run. The caller's EXIT trap stops it
# (proc_stop DIR/registry.pid).
start_bench_registry() {
  local dir=$1 port=$2
  mkdir -p "$dir/storage"
  cat >"$dir/config.yml" <<CONF
version: 0.1
log: { level: warn }
storage:
  filesystem: { rootdirectory: $dir/storage }
  maintenance: { uploadpurging: { enabled: false } }
http: { addr: 127.0.0.1:$port }
CONF
  proc_start "$dir/registry.pid" "$dir/registry.log" /usr/bin/docker-registry serve "$dir/config.yml"
  wait_for_http "http://127.0.0.1:$port/v2/" 30 || die "the registry did not start: see $dir/registry.log"
}
