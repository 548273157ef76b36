# Shared helpers for the real-server scripts in test/servers/*.sh. Sourced, never run.
# Contract of every server script:
#   <name>.sh install            install what is missing (idempotent)
#   <name>.sh start STATE_DIR    start on a free loopback port, wait until healthy, and print as the
#                                last stdout line: K2_SERVER {"name":...,"endpoint":...}
#   <name>.sh stop STATE_DIR     stop cleanly; leaves nothing running (idempotent)
# Progress goes to stderr so stdout stays machine-readable.

K2_CACHE_DIR="${K2_CACHE_DIR:-$HOME/.cache/k2}"

log() { printf '[%s] %s\n' "${K2_SERVER_NAME:-server}" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# A free TCP port on 127.0.0.1, chosen by the kernel.
free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# apt_install PKG...: installs Debian packages that are not installed yet.
apt_install() {
  local missing=()
  for p in "$@"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  # Several server scripts may install at once: serialize them, and let apt wait for dpkg's lock.
  local lockfd; exec {lockfd}>/var/lock/k2-apt.lock
  flock -w 1200 "$lockfd" || die "timed out waiting for /var/lock/k2-apt.lock"
  local todo=()
  for p in "${missing[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || todo+=("$p"); done
  if [ ${#todo[@]} -gt 0 ]; then
    log "installing ${todo[*]} with apt-get"
    local aptopts=(-qq -o DPkg::Lock::Timeout=600)
    if [ ! -f /var/lib/apt/periodic/k2-updated ] || [ -z "$(ls -A /var/lib/apt/lists 2>/dev/null | grep -v lock)" ]; then
      DEBIAN_FRONTEND=noninteractive apt-get "${aptopts[@]}" update >&2 || die "apt-get update failed"
      mkdir -p /var/lib/apt/periodic && touch /var/lib/apt/periodic/k2-updated
    fi
    DEBIAN_FRONTEND=noninteractive apt-get "${aptopts[@]}" install -y --no-install-recommends "${todo[@]}" >&2 \
      || die "apt-get install ${todo[*]} failed"
  fi
  exec {lockfd}>&-
}

# pid_alive PID: the process exists and is not a zombie. (An exited daemon stays a zombie until
# PID 1 reaps it, which here takes ~1.5 s, and `kill -0` still succeeds on a zombie.)
pid_alive() { local s; s=$(ps -o stat= -p "$1" 2>/dev/null) && [[ -n $s && $s != Z* ]]; }

# group_alive PGID: some process of that process group is still running (zombies do not count).
group_alive() { ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { f = 1 } END { exit !f }'; }

# wait_until TIMEOUT_S PID DESCRIPTION CMD...: polls CMD until it succeeds; fails early if PID died.
wait_until() {
  local timeout="$1" pid="$2" what="$3"; shift 3
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    pid_alive "$pid" || { log "$what: process $pid exited before it became healthy"; return 1; }
    [ $SECONDS -ge $deadline ] && { log "$what: not healthy after ${timeout}s"; return 1; }
    sleep 0.5
  done
}

# stop_pidfile FILE: SIGTERM the process group, wait up to 30 s, then SIGKILL.
stop_pidfile() {
  local file="$1" pid
  [ -f "$file" ] || return 0
  pid=$(cat "$file")
  if group_alive "$pid" || pid_alive "$pid"; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 1 60); do group_alive "$pid" || pid_alive "$pid" || break; sleep 0.5; done
    if group_alive "$pid" || pid_alive "$pid"; then
      log "still running after 30s, killing $pid"; kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid"
    fi
  fi
  rm -f "$file"
}

# start_daemon PIDFILE LOGFILE CMD...: runs CMD in its own session (so stop can kill the group).
start_daemon() {
  local pidfile="$1" logfile="$2"; shift 2
  setsid "$@" >"$logfile" 2>&1 < /dev/null &
  echo $! > "$pidfile"
}

# report NAME JSON: the machine-readable last line of `start`.
report() { printf 'K2_SERVER %s\n' "$2"; }

# http_ok URL: true when URL answers 2xx within 2 s (for use with wait_until).
http_ok() { curl -fsS -o /dev/null --max-time 2 "$1"; }

# disable_package_service NAME: stops and disables a service that a Debian package may have started
# on its default port, so it can neither collide with nor stand in for the one a script starts.
disable_package_service() {
  local svc="$1"
  if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then
    systemctl disable --now "$svc" >/dev/null 2>&1 || true
  elif [ -x "/etc/init.d/$svc" ]; then
    "/etc/init.d/$svc" stop >/dev/null 2>&1 || true
    update-rc.d "$svc" disable >/dev/null 2>&1 || true
  fi
}

# port_free PORT: succeeds if PORT can be bound on 127.0.0.1 right now.
port_free() {
  node -e 'const s=require("net").createServer();s.once("error",()=>process.exit(1));s.listen(+process.argv[1],"127.0.0.1",()=>s.close())' "$1"
}
