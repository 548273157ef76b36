#!/usr/bin/env bash
# A real single-node Apache Kafka (KRaft: broker and controller in one JVM) for the tests,
# run straight from the Maven Central jars. Contract: see lib.sh.
#   kafka.sh install | start STATE_DIR | stop STATE_DIR
# Everything of one instance lives in STATE_DIR/kafka/ (data/, ports, server.properties, pid, kafka.log).
set -euo pipefail
K2_SERVER_NAME=kafka
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/lib.sh"

KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$HERE/kafka/pom.xml")
LIBS="$K2_CACHE_DIR/kafka-$KAFKA_VERSION/libs"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms64m -Xmx512m}"
# shellcheck disable=SC2206 # KAFKA_HEAP_OPTS is meant to split into several flags
JVM=("$JAVA" $KAFKA_HEAP_OPTS -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true
  -Dlog4j2.configurationFile="$HERE/kafka/log4j2.properties" -cp "$LIBS/*")

install() {
  if [ -f "$LIBS/.complete" ]; then log "Kafka $KAFKA_VERSION already installed in $LIBS"; return 0; fi
  command -v "$JAVA" >/dev/null || apt_install openjdk-17-jre-headless
  command -v mvn >/dev/null || apt_install maven
  log "fetching Kafka $KAFKA_VERSION jars into $LIBS"
  rm -rf "$LIBS" && mkdir -p "$LIBS"
  mvn -B -f "$HERE/kafka/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$LIBS" > "$LIBS/../mvn.log" 2>&1 \
    || { tail -n 30 "$LIBS/../mvn.log" >&2; die "mvn dependency:copy-dependencies failed"; }
  touch "$LIBS/.complete"
}

# Both must hold: the broker logs "Kafka Server started" only once it is unfenced and serving.
ready() { grep -q 'Kafka Server started' "$1" && (exec 3<>"/dev/tcp/127.0.0.1/$2"); }

start() {
  local dir="${1:?usage: kafka.sh start STATE_DIR}/kafka" bport="" cport="" pid
  [ -f "$LIBS/.complete" ] || install
  mkdir -p "$dir" && dir="$(cd "$dir" && pwd)"
  if [ -f "$dir/pid" ] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    die "already running (pid $(cat "$dir/pid")); stop it first"
  fi
  # A restart reuses the ports so clients reconnect to the same address.
  [ -f "$dir/ports" ] && { read -r bport cport < "$dir/ports" || true; }
  if [ -z "$bport" ] || ! port_free "$bport" || ! port_free "$cport"; then
    [ -n "$bport" ] && log "ports $bport/$cport are taken now; choosing new ones"
    bport=$(free_port); cport=$(free_port)
    while [ "$cport" = "$bport" ]; do cport=$(free_port); done
    echo "$bport $cport" > "$dir/ports"
  fi
  sed -e "s|@BROKER_PORT@|$bport|g; s|@CONTROLLER_PORT@|$cport|g; s|@DATA_DIR@|$dir/data|g" \
    "$HERE/kafka/server.properties" > "$dir/server.properties"

  if [ ! -f "$dir/data/meta.properties" ]; then
    # The storage tool moved from core (Scala) to the tools module in some versions.
    local tool=kafka.tools.StorageTool
    grep -qa 'org/apache/kafka/tools/StorageTool.class' "$LIBS"/*.jar && tool=org.apache.kafka.tools.StorageTool
    # Kafka's Uuid: 16 random bytes, base64url without padding.
    local cluster_id
    cluster_id=$(node -e 'console.log(require("crypto").randomBytes(16).toString("base64url"))')
    log "formatting $dir/data (cluster id $cluster_id)"
    "${JVM[@]}" "$tool" format -t "$cluster_id" -c "$dir/server.properties" > "$dir/format.log" 2>&1 \
      || { cat "$dir/format.log" >&2; die "storage format failed"; }
  fi

  [ -f "$dir/kafka.log" ] && mv -f "$dir/kafka.log" "$dir/kafka.log.1"
  log "starting Kafka $KAFKA_VERSION on 127.0.0.1:$bport (controller $cport)"
  start_daemon "$dir/pid" "$dir/kafka.log" "${JVM[@]}" kafka.Kafka "$dir/server.properties"
  pid=$(cat "$dir/pid")
  if ! wait_until 120 "$pid" kafka ready "$dir/kafka.log" "$bport"; then
    tail -n 40 "$dir/kafka.log" >&2
    stop_pidfile "$dir/pid"
    exit 1
  fi
  report kafka "{\"name\":\"kafka\",\"brokers\":\"127.0.0.1:$bport\",\"endpoint\":\"127.0.0.1:$bport\",\"pid\":$pid}"
}

stop() {
  local dir="${1:?usage: kafka.sh stop STATE_DIR}/kafka"
  stop_pidfile "$dir/pid"
}

case "${1:-}" in
  install) install ;;
  start) start "${2:-}" ;;
  stop) stop "${2:-}" ;;
  *) echo "usage: $0 install | start STATE_DIR | stop STATE_DIR" >&2; exit 2 ;;
esac
