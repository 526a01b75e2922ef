#!/usr/bin/env bash
# Server benchmark series as recorded in docs/BENCHMARKS.md ("Series E"): starts Arbiter from a fresh data directory
# with the default config and one event loop, pins it, then runs the load tester at each rate and prints the
# server-side percentiles of each run (from /metrics) next to the load tester's own summary.
#
#   loadtest/scripts/bench-server.sh A|B decide|bid RATE [RATE...]
#
#   layout A: the event loop thread alone on core 0; the server's other threads, Postgres and the generator on core 1
#   layout B: the server JVM and Postgres on core 0; the generator alone on core 1
#
# SERVER_JAVA_OPTS (optional) goes to the server's JVM only, e.g. SERVER_JAVA_OPTS="-XX:+UseZGC -Xmx1g".
# Needs: a 2-core Linux machine (taskset), the jars built (./mvnw -q -DskipTests package), curl, python3.
# Output goes to ./bench-out/<layout>-<scenario>-<rate>.{out,before,after} and reports/ below it.
set -euo pipefail
layout=${1:?layout A or B}; scenario=${2:?decide or bid}; shift 2
[ $# -gt 0 ] || { echo "give at least one rate" >&2; exit 2; }
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=$PWD/bench-out
work=$(mktemp -d /tmp/arbiter-bench.XXXXXX)
mkdir -p "$out"
cp -r "$repo/config" "$work/"

cd "$work"
# shellcheck disable=SC2086 # SERVER_JAVA_OPTS is a list of options
EVENT_LOOPS=1 java ${SERVER_JAVA_OPTS:-} -jar "$repo/server/target/server.jar" > "$out/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 60); do curl -sf localhost:8080/ready > /dev/null && break; sleep 1; done
curl -sf localhost:8080/ready > /dev/null || { echo "server did not become ready; see $out/server.log" >&2; exit 1; }

if [ "$layout" = A ]; then
  taskset -a -pc 1 "$server" > /dev/null
  for p in $(pgrep -x postgres); do taskset -pc 1 "$p" > /dev/null; done
  for t in /proc/"$server"/task/*; do
    [ "$(cat "$t/comm")" = "vert.x-eventloo" ] && taskset -pc 0 "$(basename "$t")" > /dev/null
  done
else
  taskset -a -pc 0 "$server" > /dev/null
  for p in $(pgrep -x postgres); do taskset -pc 0 "$p" > /dev/null; done
fi

cd "$out"
for rate in "$@"; do
  name=$layout-$scenario-$rate
  curl -s localhost:8080/metrics > "$name.before"
  echo "== $name  $(date -u +%FT%TZ)  load $(cut -d' ' -f1 /proc/loadavg)"
  taskset -c 1 java -jar "$repo/loadtest/target/loadtest.jar" --url http://127.0.0.1:8080 --scenario "$scenario" \
    --rate "$rate" --duration 20s --warmup 10s --connections 32 --seed 42 --quiet --report "reports/$name" \
    > "$name.out" 2>&1 || true
  curl -s localhost:8080/metrics > "$name.after"
  python3 "$repo/loadtest/scripts/metrics-percentiles.py" "$name.before" "$name.after"
  grep -E '^(corrected|uncorrected|send lag|throughput|requests|statuses|errors)' "$name.out" || cat "$name.out"
  curl -s localhost:8080/metrics | grep -E '^arbiter_outcome_(decisions_dropped_total|ring_depth) ' || true
done
