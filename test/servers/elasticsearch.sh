#!/usr/bin/env bash
# A real single-node Elasticsearch 8.x for K2's tests, built from Maven Central jars (no Docker,
# no tarball): test/servers/elasticsearch/ holds a pom and a small launcher (k2.EsLauncher) that
# starts an org.elasticsearch.node.Node with the transport-netty4 plugin from the classpath.
# Only server features are there: no painless, ingest processors, _reindex/_by_query, x-pack
# (ILM, security, wildcard type) nor analysis-common (language analyzers); see pom.xml.
# Usage: elasticsearch.sh install | start STATE_DIR | stop STATE_DIR   (contract: see lib.sh)
# start prints: K2_SERVER {"name":"elasticsearch","url":"http://127.0.0.1:PORT","pid":N}
# Env: JAVA_HOME (Java 17+, default: java on PATH), K2_ES_HEAP (default 1g), K2_ES_START_TIMEOUT (s).
set -euo pipefail
K2_SERVER_NAME=elasticsearch
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$HERE/lib.sh"

SRC="$HERE/elasticsearch"
ES_VERSION="$(sed -n 's:.*<es.version>\(.*\)</es.version>.*:\1:p' "$SRC/pom.xml")"
BUILD_DIR="$K2_CACHE_DIR/elasticsearch-$ES_VERSION"
ES_HEAP="${K2_ES_HEAP:-1g}"

java_bin() {
  local java="${JAVA_HOME:+$JAVA_HOME/bin/}java" major
  major=$("$java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
  [ "${major:-0}" -ge 17 ] 2>/dev/null || die "Java 17+ needed for Elasticsearch $ES_VERSION (found: ${major:-none})"
  echo "$java"
}

# Fingerprint of the build inputs: a changed pom or launcher triggers a rebuild.
build_stamp() { cat "$SRC/pom.xml" $(find "$SRC/src" -type f | sort) | sha256sum | cut -d' ' -f1; }

cmd_install() {
  command -v curl >/dev/null || apt_install curl ca-certificates
  command -v mvn >/dev/null || apt_install maven
  java_bin >/dev/null
  local stamp; stamp=$(build_stamp)
  if [ "$(cat "$BUILD_DIR/.k2-stamp" 2>/dev/null)" = "$stamp" ] && [ -f "$BUILD_DIR/k2-es-launcher.jar" ]; then
    return 0
  fi
  log "building launcher for Elasticsearch $ES_VERSION into $BUILD_DIR"
  rm -rf "$BUILD_DIR"
  mvn -B -q -Dstyle.color=never -f "$SRC/pom.xml" -Dk2.buildDir="$BUILD_DIR" package >&2 || die "maven build failed"
  echo "$stamp" > "$BUILD_DIR/.k2-stamp"
}

es_healthy() { curl -fsS --max-time 5 "http://127.0.0.1:$1/_cluster/health?wait_for_status=yellow&timeout=2s"; }

cmd_start() {
  local state="${1:?usage: elasticsearch.sh start STATE_DIR}"
  cmd_install
  local java; java=$(java_bin)
  local dir; dir="$(mkdir -p "$state/elasticsearch" && cd "$state/elasticsearch" && pwd)"
  stop_pidfile "$dir/es.pid"
  mkdir -p "$dir/config" "$dir/data" "$dir/logs" "$dir/tmp"
  cp "$SRC/log4j2.properties" "$dir/config/log4j2.properties"
  local http_port transport_port
  http_port=$(free_port)
  transport_port=$(free_port)
  while [ "$transport_port" = "$http_port" ]; do transport_port=$(free_port); done

  log "starting Elasticsearch $ES_VERSION on 127.0.0.1:$http_port (log: $dir/logs/console.log)"
  start_daemon "$dir/es.pid" "$dir/logs/console.log" \
    "$java" -Xms512m "-Xmx$ES_HEAP" -XX:+UseG1GC -Djava.io.tmpdir="$dir/tmp" \
      -Dfile.encoding=UTF-8 -Djava.awt.headless=true \
      -Dlog4j.shutdownHookEnabled=false -Dlog4j2.disable.jmx=true -Dlog4j2.formatMsgNoLookups=true \
      -Dio.netty.noUnsafe=true -Dio.netty.noKeySetOptimization=true -Dio.netty.recycler.maxCapacityPerThread=0 \
      -cp "$BUILD_DIR/k2-es-launcher.jar:$BUILD_DIR/lib/*" k2.EsLauncher \
      -Ecluster.name=k2-test -Enode.name=k2-es \
      -Epath.home="$dir" -Epath.data="$dir/data" -Epath.logs="$dir/logs" \
      -Enetwork.host=127.0.0.1 -Ehttp.port="$http_port" -Etransport.port="$transport_port" \
      -Ediscovery.type=single-node \
      -Ecluster.routing.allocation.disk.threshold_enabled=false \
      -Eaction.destructive_requires_name=false
  local pid; pid=$(cat "$dir/es.pid")
  if ! wait_until "${K2_ES_START_TIMEOUT:-180}" "$pid" "elasticsearch" es_healthy "$http_port"; then
    tail -n 40 "$dir/logs/console.log" >&2 || true
    stop_pidfile "$dir/es.pid"
    die "Elasticsearch did not become healthy"
  fi
  report elasticsearch "{\"name\":\"elasticsearch\",\"url\":\"http://127.0.0.1:$http_port\",\"pid\":$pid}"
}

cmd_stop() {
  local state="${1:?usage: elasticsearch.sh stop STATE_DIR}"
  stop_pidfile "$state/elasticsearch/es.pid"
}

case "${1:-}" in
  install) cmd_install ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  *) echo "usage: $0 install | start STATE_DIR | stop STATE_DIR" >&2; exit 2 ;;
esac
