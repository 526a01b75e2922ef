#!/usr/bin/env bash
# Arbiter against no-op servers given a known cost per request (docs/BENCHMARKS.md, "Series J"): starts one no-op
# server per WORK value (microseconds of CPU spun on its event loop before each answer, all on core 0) and Arbiter
# (fresh data directory, default config, one event loop, layout C of bench-server.sh), warms each with one
# discarded run, then runs the load tester against each in turn, ROUNDS times, one line per run. Where Arbiter's
# p99 falls among the no-op servers' says how much of its tail is its own cost per request on this machine.
#
#   loadtest/scripts/bench-floors.sh decide|bid RATE ROUNDS [WORK_US...]     (default WORK_US: 0 10 20 30)
#
# SERVER_JAVA_OPTS and SERVER_JAR as for bench-server.sh. Needs: a 2-core Linux machine (taskset), the jars built
# (./mvnw -q -DskipTests package), curl. Output: ./bench-out/floors-<scenario>-<rate>.txt and the run files.
set -euo pipefail
scenario=${1:?decide or bid}; rate=${2:?rate}; rounds=${3:?rounds}; shift 3
works=("$@"); [ ${#works[@]} -gt 0 ] || works=(0 10 20 30)
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=$PWD/bench-out
mkdir -p "$out"
extra_pids=""   # stopped with the server
for i in "${!works[@]}"; do
  taskset -c 0 java -jar "$repo/loadtest/target/loadtest.jar" noop-server --port $((8090 + i)) \
    --work-per-request "${works[$i]}us" > "$out/noop-${works[$i]}us.log" 2>&1 &
  extra_pids="$extra_pids $!"
done
# shellcheck source=server-lib.sh
. "$repo/loadtest/scripts/server-lib.sh"
start_server
pin_layout C

cd "$out"
summary=floors-$scenario-$rate.txt
echo "== $scenario at $rate/s, $rounds rounds, no-op work ${works[*]} us, $(date -u +%FT%TZ), load $(cut -d' ' -f1 /proc/loadavg)" | tee "$summary"
for i in "${!works[@]}"; do turn $((8090 + i)) "floors-$scenario-$rate-warmup-noop-$i.out"; done
turn 8080 "floors-$scenario-$rate-warmup-arbiter.out"
for r in $(seq 1 "$rounds"); do
  for i in "${!works[@]}"; do
    turn $((8090 + i)) "floors-$scenario-$rate-noop+${works[$i]}us.out" "noop+${works[$i]}us"
  done
  turn 8080 "floors-$scenario-$rate-arbiter.out" arbiter
done
