#!/usr/bin/env bash
# Server benchmark series as recorded in docs/BENCHMARKS.md ("Series E"): starts Arbiter from a fresh data directory
# with the default config and one event loop, pins it, then runs the load tester at each rate and prints the
# server-side percentiles of each run (from /metrics) next to the load tester's own summary.
#
#   loadtest/scripts/bench-server.sh A|B decide|bid RATE [RATE...]
#
#   layout A: the event loop thread alone on core 0; the server's other threads, Postgres and the generator on core 1
#   layout B: the server JVM and Postgres on core 0; the generator alone on core 1
#   layout C: the event loop and the JVM's stop-the-world threads (GC workers, VM thread) on core 0; the server's
#             other threads, Postgres and the generator on core 1. A young pause then has core 0 to itself instead
#             of sharing core 1 with the generator (layout A), and nothing else competes with the event loop.
#
# SERVER_JAVA_OPTS (optional) goes to the server's JVM only, e.g. SERVER_JAVA_OPTS="-XX:+UseZGC -Xmx1g".
# SERVER_JAR (optional) runs another build of the server (A/B comparisons); default server/target/server.jar.
# CONTEXT_EXPERIMENT (optional, decide only): an experiment definition (JSON) created as experiment "ctx" through the
#   admin API before the runs, which then decide on it; LOADTEST_ARGS adds load-tester options, e.g.
#   CONTEXT_EXPERIMENT='{"variants":["A","B","C","D","E","F","G","H","I","J"],"context":{"model":"segments",
#   "attributes":["device","country","visitor"],"interactions":[["device","country"]]}}' \
#   LOADTEST_ARGS="--context device=4,country=5,visitor=3" loadtest/scripts/bench-server.sh C decide 5000
# Needs: a 2-core Linux machine (taskset), the jars built (./mvnw -q -DskipTests package), curl, python3.
# Output goes to ./bench-out/<layout>-<scenario>-<rate>.{out,before,after} and reports/ below it.
set -euo pipefail
layout=${1:?layout A, B or C}; scenario=${2:?decide or bid}; shift 2
[ $# -gt 0 ] || { echo "give at least one rate" >&2; exit 2; }
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=$PWD/bench-out
# shellcheck source=server-lib.sh
. "$repo/loadtest/scripts/server-lib.sh"
extra_args=${LOADTEST_ARGS:-}
if [ -n "${CONTEXT_EXPERIMENT:-}" ]; then
  export ADMIN_TOKEN=${ADMIN_TOKEN:-bench-admin-token}
fi
start_server
if [ -n "${CONTEXT_EXPERIMENT:-}" ]; then
  curl -sf -X PUT localhost:8080/v1/experiments/ctx -H "Authorization: Bearer $ADMIN_TOKEN" \
    -H 'Content-Type: application/json' -d "$CONTEXT_EXPERIMENT" > /dev/null
  extra_args="--experiments ctx $extra_args"
fi
pin_layout "$layout"

# CPU time (user + system, in clock ticks) of the whole server process and of its event loop thread(s).
cpu_ticks() { awk '{print $14 + $15}' "$1"; }
loop_ticks() {
  local sum=0 t
  for t in /proc/"$server"/task/*; do
    [ "$(cat "$t/comm")" = "vert.x-eventloo" ] && sum=$((sum + $(cpu_ticks "$t/stat")))
  done
  echo "$sum"
}
hz=$(getconf CLK_TCK)

cd "$out"
for rate in "$@"; do
  name=$layout-$scenario-$rate
  curl -s localhost:8080/metrics > "$name.before"
  proc_before=$(cpu_ticks /proc/"$server"/stat); loop_before=$(loop_ticks)
  echo "== $name  $(date -u +%FT%TZ)  load $(cut -d' ' -f1 /proc/loadavg)"
  # shellcheck disable=SC2086 # extra_args is a list of options
  taskset -c 1 java -jar "$repo/loadtest/target/loadtest.jar" --url http://127.0.0.1:8080 --scenario "$scenario" \
    --rate "$rate" --duration 20s --warmup 10s --connections 32 --seed 42 --quiet --report "reports/$name" \
    $extra_args > "$name.out" 2>&1 || true
  curl -s localhost:8080/metrics > "$name.after"
  proc_after=$(cpu_ticks /proc/"$server"/stat); loop_after=$(loop_ticks)
  # warm-up and measured requests alike (30 s at the rate); the process figure includes GC, JIT and the shipper
  python3 -c "import sys; r, hz, p, l = map(float, sys.argv[1:]); n = r * 30; \
print(f'server CPU per request: process {p / hz / n * 1e6:.1f} µs, event loop {l / hz / n * 1e6:.1f} µs')" \
    "$rate" "$hz" "$((proc_after - proc_before))" "$((loop_after - loop_before))"
  python3 "$repo/loadtest/scripts/metrics-percentiles.py" "$name.before" "$name.after"
  grep -E '^(corrected|uncorrected|send lag|throughput|requests|statuses|errors)' "$name.out" || cat "$name.out"
  curl -s localhost:8080/metrics | grep -E '^arbiter_outcome_(decisions_dropped_total|ring_depth)[ {]' || true
done
