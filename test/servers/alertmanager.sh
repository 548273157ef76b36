#!/usr/bin/env bash
# A real Alertmanager (Debian package `prometheus-alertmanager`) on a free loopback port, HA gossip off.
#   alertmanager.sh install | start STATE_DIR | stop STATE_DIR
# start prints: K2_SERVER {"name":"alertmanager","url":"http://127.0.0.1:PORT","pid":N}
# Env: K2_ALERTMANAGER_CONFIG=FILE  use FILE as alertmanager.yml instead of the generated one
#      (a single receiver "default" with no integrations: alerts are kept and visible in /api/v2/alerts).
set -euo pipefail
K2_SERVER_NAME=alertmanager
. "$(dirname "$0")/lib.sh"

BIN=prometheus-alertmanager   # Debian's name for the alertmanager binary

install() {
  if ! dpkg -s prometheus-alertmanager >/dev/null 2>&1; then
    apt_install prometheus-alertmanager
    # The package's own service would listen on 0.0.0.0:9093 and gossip on 0.0.0.0:9094; we never use it.
    disable_package_service prometheus-alertmanager
  fi
  command -v "$BIN" >/dev/null || die "$BIN not on PATH"
}

start() {
  local state="${1:?usage: alertmanager.sh start STATE_DIR}"
  local dir; mkdir -p "$state/alertmanager"; dir="$(cd "$state/alertmanager" && pwd)"
  local pidfile="$dir/pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    die "already running (pid $(cat "$pidfile")); run: alertmanager.sh stop $state"
  fi
  install
  mkdir -p "$dir/data"
  local config="${K2_ALERTMANAGER_CONFIG:-$dir/alertmanager.yml}"
  if [ -z "${K2_ALERTMANAGER_CONFIG:-}" ]; then
    cat >"$config" <<'EOF'
route:
  receiver: default
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: default
EOF
  fi
  [ -r "$config" ] || die "config $config not readable"
  local port pid
  for _ in 1 2 3; do
    port=$(free_port)
    log "starting on 127.0.0.1:$port with $config (log: $dir/alertmanager.log)"
    # --cluster.listen-address= (empty) turns off HA gossip, which would otherwise bind 0.0.0.0:9094.
    start_daemon "$pidfile" "$dir/alertmanager.log" "$BIN" \
      --config.file="$config" \
      --storage.path="$dir/data" \
      --web.listen-address="127.0.0.1:$port" \
      --web.external-url="http://127.0.0.1:$port" \
      --cluster.listen-address=
    pid=$(cat "$pidfile")
    if wait_until 60 "$pid" alertmanager http_ok "http://127.0.0.1:$port/-/ready"; then
      report alertmanager "{\"name\":\"alertmanager\",\"url\":\"http://127.0.0.1:$port\",\"pid\":$pid}"
      return 0
    fi
    stop_pidfile "$pidfile"
    grep -q 'address already in use' "$dir/alertmanager.log" || break   # only a lost port race is retried
    log "port $port was taken meanwhile, retrying"
  done
  tail -n 20 "$dir/alertmanager.log" >&2 || true
  die "alertmanager did not become ready"
}

stop() {
  local state="${1:?usage: alertmanager.sh stop STATE_DIR}"
  stop_pidfile "$state/alertmanager/pid"
}

case "${1:-}" in
  install) install ;;
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 install | start STATE_DIR | stop STATE_DIR" >&2; exit 2 ;;
esac
