# shellcheck shell=bash
# Shared helpers for the Waybill scripts (sourced, never executed).
#
# Every script keeps its state under one gitignored folder, $WAYBILL_STATE (default `.cache/` at
# the repository root), so a clean clone on a fresh machine and a developer's checkout behave the
# same, and nothing outside the tree is touched except Debian packages and ~/.cargo/bin tools.
# Servers are started in their own session (setsid), so that the recorded PID is also the process
# group id and stopping a server stops every process it forked — and nothing else.

WAYBILL_ROOT=${WAYBILL_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
WAYBILL_STATE=${WAYBILL_STATE:-$WAYBILL_ROOT/.cache}
# Where cargo puts what it builds: CARGO_TARGET_DIR when set (many Rust users set it globally),
# made absolute as cargo reads it (relative to the working directory, which is the root here).
WAYBILL_TARGET=${CARGO_TARGET_DIR:-target}
case $WAYBILL_TARGET in /*) ;; *) WAYBILL_TARGET=$WAYBILL_ROOT/$WAYBILL_TARGET ;; esac
WAYBILL_LOG_TAG=${WAYBILL_LOG_TAG:-$(basename "$0")}
_waybill_t0=$(date +%s.%N)

# log MESSAGE…: a timestamped line on stderr (wall clock and seconds since the script started).
log() {
  local now
  now=$(date +%s.%N)
  printf '[%s %s +%5.1fs] %s\n' "$(date +%H:%M:%S)" "$WAYBILL_LOG_TAG" \
    "$(awk -v a="$_waybill_t0" -v b="$now" 'BEGIN { print b - a }')" "$*" >&2
}

# die MESSAGE…: log the reason and exit non-zero.
die() {
  log "ERROR: $*"
  exit 1
}

# state_dir NAME: the state folder of one component (created on demand), e.g. .cache/pulp.
state_dir() {
  local d=$WAYBILL_STATE/$1
  mkdir -p "$d"
  printf '%s\n' "$d"
}

# have_cmd NAME: true when NAME is on PATH.
have_cmd() { command -v "$1" >/dev/null 2>&1; }

# need_apt PACKAGE…: install only the Debian packages that are not installed yet. `apt-get update`
# runs at most once per process, and only when something is missing (a fresh machine's lists may
# be empty or stale).
_waybill_apt_updated=0
need_apt() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" = 0 ] || die "need Debian packages ${missing[*]}: run as root or install them first"
  if [ $_waybill_apt_updated = 0 ]; then
    log "apt-get update (missing: ${missing[*]})"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    _waybill_apt_updated=1
  fi
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
}

# wait_for_http URL [TIMEOUT_SECONDS [CURL_ARGS…]]: poll URL until it answers 2xx (curl -f), or fail
# after TIMEOUT (default 60 s). Extra arguments go to curl (e.g. -u user:pass). This waits on a
# condition: it returns as soon as the server answers.
wait_for_http() {
  local url=$1 timeout=${2:-60}
  shift $(($# < 2 ? $# : 2))
  local deadline=$((SECONDS + timeout))
  until curl -sf -o /dev/null --max-time 5 "$@" "$url"; do
    [ $SECONDS -lt $deadline ] || { log "timed out after ${timeout}s waiting for $url"; return 1; }
    sleep 0.2
  done
}

# wait_until TIMEOUT_SECONDS COMMAND…: poll COMMAND until it succeeds, or fail after TIMEOUT.
wait_until() {
  local timeout=$1
  shift
  local deadline=$((SECONDS + timeout))
  until "$@"; do
    [ $SECONDS -lt $deadline ] || { log "timed out after ${timeout}s waiting for: $*"; return 1; }
    sleep 0.2
  done
}

# port_free PORT: true when nothing listens on 127.0.0.1:PORT.
port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# lock_state DIR: hold an exclusive lock on DIR/.lock (fd 9) until this script exits, so two
# scripts (say scripts/test and scripts/serve) never start or stop the same servers at once.
lock_state() {
  mkdir -p "$1"
  exec 9>"$1/.lock"
  flock 9
}

# --- processes we start ------------------------------------------------------------------------
# A pid file holds "PID STARTTIME": the start time (field 22 of /proc/PID/stat) tells our process
# from an unrelated one that reused the PID, so a stale pid file can never make us kill a stranger.

_proc_start_time() { awk '{ print $22 }' "/proc/$1/stat" 2>/dev/null; }

# proc_alive PIDFILE: true when the process recorded in PIDFILE is still the one we started.
proc_alive() {
  local pidfile=$1 pid start
  [ -s "$pidfile" ] || return 1
  read -r pid start <"$pidfile" || return 1
  [ -n "$pid" ] && [ "$(_proc_start_time "$pid")" = "$start" ]
}

# proc_start PIDFILE LOGFILE COMMAND…: start COMMAND in a new session (its PID is its process group
# id), stdin from /dev/null, stdout+stderr appended to LOGFILE, and record it in PIDFILE. Does
# nothing when the recorded process is still alive.
proc_start() {
  local pidfile=$1 logfile=$2 pid
  shift 2
  proc_alive "$pidfile" && return 0
  mkdir -p "$(dirname "$pidfile")" "$(dirname "$logfile")"
  # This shell has no job control, so the background child is not a group leader and setsid
  # turns it into one without forking: $! is both the PID and the PGID of the server.
  # fd 9 (the lock of lock_state) is closed, or the server would hold the lock for as long as it runs.
  setsid "$@" >>"$logfile" 2>&1 </dev/null 9>&- &
  pid=$!
  printf '%s %s\n' "$pid" "$(_proc_start_time "$pid")" >"$pidfile"
}

# proc_stop PIDFILE…: SIGTERM every process group recorded (all at once, so they shut down in
# parallel), SIGKILL a group that is still there after $WAYBILL_STOP_GRACE seconds (default 15),
# remove the pid files. A dead or foreign PID is left alone.
proc_stop() {
  local pidfile pid start entry grace=${WAYBILL_STOP_GRACE:-15} signalled=()
  for pidfile in "$@"; do
    if proc_alive "$pidfile"; then
      read -r pid start <"$pidfile"
      kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
      signalled+=("$pidfile $pid $start")
    else
      rm -f "$pidfile"
    fi
  done
  for entry in "${signalled[@]}"; do
    read -r pidfile pid start <<<"$entry"
    if ! wait_until "$grace" _proc_gone "$pid" "$start" 2>/dev/null; then
      log "$(basename "$pidfile" .pid) ignored SIGTERM for ${grace}s: SIGKILL"
      kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
      wait_until 5 _proc_gone "$pid" "$start" || true
    fi
    log "stopped $(basename "$pidfile" .pid) (pgid $pid)"
    rm -f "$pidfile"
  done
}

_proc_gone() {
  local state
  [ "$(_proc_start_time "$1")" = "$2" ] || return 0
  state=$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null) || return 0
  [ "$state" = Z ] # a zombie whose parent has not reaped it yet has stopped all the same
}
