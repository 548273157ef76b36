#!/usr/bin/env bash
# A real Prometheus (Debian package `prometheus`, which also brings promtool) on a free loopback port.
#   prometheus.sh install | start STATE_DIR | stop STATE_DIR
# start prints: K2_SERVER {"name":"prometheus","url":"http://127.0.0.1:PORT","pid":N}
# Env: K2_PROMETHEUS_CONFIG=FILE  use FILE as prometheus.yml instead of the generated one (relative
#      rule_files resolve against FILE's folder). The server runs with --web.enable-lifecycle, so a
#      caller may edit its config and POST /-/reload.
#      K2_PROMETHEUS_ARGS="--flag=value ..."  extra command-line flags (split on spaces).
# Alerts are re-sent to Alertmanager every 1 s (--rules.alert.resend-delay=1s; Prometheus' default is
# 1 m, and the first send usually goes nowhere because Alertmanager discovery takes ~5 s).
set -euo pipefail
K2_SERVER_NAME=prometheus
. "$(dirname "$0")/lib.sh"

install() {
  if ! dpkg -s prometheus >/dev/null 2>&1; then
    apt_install prometheus
    # The package's own service would listen on 0.0.0.0:9090; we never use it.
    disable_package_service prometheus
  fi
  command -v prometheus >/dev/null || die "prometheus not on PATH"
  command -v promtool >/dev/null || die "promtool not on PATH"
}

start() {
  local state="${1:?usage: prometheus.sh start STATE_DIR}"
  local dir; mkdir -p "$state/prometheus"; dir="$(cd "$state/prometheus" && pwd)"
  local pidfile="$dir/pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    die "already running (pid $(cat "$pidfile")); run: prometheus.sh stop $state"
  fi
  install
  mkdir -p "$dir/data"
  local port config pid extra=()
  read -ra extra <<<"${K2_PROMETHEUS_ARGS:-}"
  for _ in 1 2 3; do
    port=$(free_port)
    config="${K2_PROMETHEUS_CONFIG:-$dir/prometheus.yml}"
    if [ -z "${K2_PROMETHEUS_CONFIG:-}" ]; then
      cat >"$config" <<EOF
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ['127.0.0.1:$port']
EOF
    fi
    [ -r "$config" ] || die "config $config not readable"
    log "starting on 127.0.0.1:$port with $config (log: $dir/prometheus.log)"
    start_daemon "$pidfile" "$dir/prometheus.log" prometheus \
      --config.file="$config" \
      --storage.tsdb.path="$dir/data" \
      --web.listen-address="127.0.0.1:$port" \
      --web.enable-lifecycle \
      --rules.alert.resend-delay=1s \
      "${extra[@]}"
    pid=$(cat "$pidfile")
    if wait_until 60 "$pid" prometheus http_ok "http://127.0.0.1:$port/-/ready"; then
      report prometheus "{\"name\":\"prometheus\",\"url\":\"http://127.0.0.1:$port\",\"pid\":$pid}"
      return 0
    fi
    stop_pidfile "$pidfile"
    grep -q 'address already in use' "$dir/prometheus.log" || break   # only a lost port race is retried
    log "port $port was taken meanwhile, retrying"
  done
  tail -n 20 "$dir/prometheus.log" >&2 || true
  die "prometheus did not become ready"
}

stop() {
  local state="${1:?usage: prometheus.sh stop STATE_DIR}"
  stop_pidfile "$state/prometheus/pid"
}

case "${1:-}" in
  install) install ;;
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 install | start STATE_DIR | stop STATE_DIR" >&2; exit 2 ;;
esac
