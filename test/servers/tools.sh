#!/usr/bin/env bash
# Command-line tools the tests use, from Debian packages: kubectl, headless Chromium, promtool.
#   tools.sh install | start STATE_DIR | stop STATE_DIR   (start = install; stop does nothing)
# install/start print:
#   K2_SERVER {"name":"tools","kubectl":"/usr/bin/kubectl","chromium":"/usr/bin/chromium","promtool":"/usr/bin/promtool"}
# kubectl: an existing one on PATH is kept as it is; Debian's kubernetes-client only when there is none.
# Chromium runs here as root without a display, so call it e.g. as
#   chromium --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
#     --disable-component-update --disable-sync --user-data-dir="$(mktemp -d)" --screenshot=OUT.png URL
set -euo pipefail
K2_SERVER_NAME=tools
. "$(dirname "$0")/lib.sh"

install() {
  command -v kubectl >/dev/null || apt_install kubernetes-client
  apt_install chromium fonts-liberation   # fonts-liberation: readable text in screenshots
  command -v promtool >/dev/null || "$(dirname "$0")/prometheus.sh" install
  [ -x /usr/bin/chromium ] || die "/usr/bin/chromium missing after install"
  local kubectl promtool
  kubectl=$(command -v kubectl) || die "kubectl not on PATH"
  promtool=$(command -v promtool) || die "promtool not on PATH"
  report tools "{\"name\":\"tools\",\"kubectl\":\"$kubectl\",\"chromium\":\"/usr/bin/chromium\",\"promtool\":\"$promtool\"}"
}

case "${1:-}" in
  install|start) install ;;
  stop) ;;
  *) echo "usage: $0 install | start STATE_DIR | stop STATE_DIR" >&2; exit 2 ;;
esac
