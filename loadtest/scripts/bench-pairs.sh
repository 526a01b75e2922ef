#!/usr/bin/env bash
# Arbiter against the framework floor, in turns (docs/BENCHMARKS.md, "Series H"): starts the load tester's no-op
# server and Arbiter (fresh data directory, default config, one event loop, layout C of bench-server.sh), warms
# Arbiter with one discarded run, then alternates a run against the no-op server and a run against Arbiter, PAIRS
# times, and prints one line per run. Taking turns puts both under the same machine weather, which on a shared VM
# moves the p99 more than most code changes do.
#
#   loadtest/scripts/bench-pairs.sh decide|bid RATE PAIRS
#
# SERVER_JAVA_OPTS (optional) goes to Arbiter's JVM only. Needs: a 2-core Linux machine (taskset), the jars built
# (./mvnw -q -DskipTests package), curl. Output: ./bench-out/pairs-<scenario>-<rate>.txt and the run files beside it.
set -euo pipefail
scenario=${1:?decide or bid}; rate=${2:?rate}; pairs=${3:?pairs}
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=$PWD/bench-out
mkdir -p "$out"
taskset -c 0 java -jar "$repo/loadtest/target/loadtest.jar" noop-server --port 8081 > "$out/noop.log" 2>&1 &
extra_pids=$!   # stopped with the server
# shellcheck source=server-lib.sh
. "$repo/loadtest/scripts/server-lib.sh"
start_server
# layout C: the event loop and the stop-the-world threads on core 0, everything else of the server on core 1
pin_layout C

cd "$out"
summary=pairs-$scenario-$rate.txt
run() { # port label-n
  turn "$1" "pairs-$scenario-$rate-$2.out" "${2%-*}"
}
echo "== $scenario at $rate/s, $pairs pairs, $(date -u +%FT%TZ), load $(cut -d' ' -f1 /proc/loadavg)" | tee "$summary"
run 8080 warmup-0
for i in $(seq 1 "$pairs"); do
  run 8081 "floor-$i"
  run 8080 "arbiter-$i"
done
