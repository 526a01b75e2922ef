#!/usr/bin/env bash
# Decide with every safeguard configured, against the same experiment without them, on one server (docs/BENCHMARKS.md,
# "Do-no-harm safeguards on the decide path"): starts Arbiter from a fresh data directory with one event loop on
# HTTP_PORT (default 18080), defines "plain" (3 variants) and "guarded" (the same with a 10% holdout, a 5% floor and a
# 60% cap, burnIn 100, a frequency cap of 3 per day, a guardrail), and runs the load tester against each in turn,
# RUNS times, printing the server-side decide percentiles of each run (from /metrics). EXPERIMENTS (default
# "plain guarded") picks the experiments and their order; also defined: "segments" (10 variants, attributes device,
# country, visitor and the interaction device x country; requests with --context device=4,country=5,visitor=3) and
# "linear" (10 variants, 15 features, d = 16; requests with --features 15). Before the runs the linear experiment is
# trained (LINEAR_TRAIN seconds, default 15, of the reward scenario at 1,000/s rewarding half the decisions): an
# untrained model's scores are all alike, and its propensity is then exactly 1/10 with no quadrature, which would
# flatter the decide path.
#
#   loadtest/scripts/bench-guard.sh RATE [RUNS]
#   EXPERIMENTS="plain segments linear" loadtest/scripts/bench-guard.sh 5000 2
#
# LAYOUT (unset: nothing pinned) pins the server once it is ready, as server-lib.sh's layouts do: A puts the event
# loop thread alone on core 0 and the server's other threads, Postgres and the generator on core 1; B puts the server
# JVM and Postgres on core 0 and the generator alone on core 1. The generator runs on core 1 in either.
#
# Before the server starts, the machine's own floor is measured (HICCUPS_SECONDS, default 5; 0 skips it): the stalls
# a spinning thread sees and the p99 of 10 us and 20 us units of pure CPU work (loadtest.jar hiccups, docs/loadtest.md),
# so each run's server-side p99 can be read against what any code of its median gets on this machine in this window.
#
# Needs the jars built (./mvnw -q -DskipTests package), curl and python3 (and taskset for LAYOUT).
set -euo pipefail
rate=${1:?rate}; runs=${2:-2}
repo=$(cd "$(dirname "$0")/../.." && pwd)
port=${HTTP_PORT:-18080}
out=$PWD/bench-out; mkdir -p "$out"
if [ "${HICCUPS_SECONDS:-5}" != 0 ]; then
  echo "== machine floor, idle  $(date -u +%FT%TZ)  load $(cut -d' ' -f1 /proc/loadavg)"
  java -jar "$repo/loadtest/target/loadtest.jar" hiccups --duration "${HICCUPS_SECONDS:-5}s" --work 10us,20us 2>&1 \
    | grep -v WARNING
fi
work=$(mktemp -d /tmp/arbiter-guard-bench.XXXXXX)
cp -r "$repo/config" "$work/"
(cd "$work" && exec env EVENT_LOOPS=1 HTTP_PORT="$port" ADMIN_TOKEN=bench java ${SERVER_JAVA_OPTS:-} \
  -jar "$repo/server/target/server.jar") > "$out/guard-server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 60); do curl -sf "localhost:$port/ready" > /dev/null && break; sleep 1; done
generator=()
if [ -n "${LAYOUT:-}" ]; then
  # shellcheck source=server-lib.sh
  . "$repo/loadtest/scripts/server-lib.sh"
  pin_layout "$LAYOUT"
  generator=(taskset -c 1)
  echo "== layout $LAYOUT"
fi
admin() { curl -sf -X PUT -H 'Authorization: Bearer bench' -H 'Content-Type: application/json' \
  "localhost:$port/v1/experiments/$1" -d "$2" > /dev/null; }
admin plain '{"variants": ["A", "B", "C"], "default": "A"}'
admin guarded '{"variants": ["A", "B", "C"], "default": "A", "holdout": 0.1, "minShare": 0.05,
  "shares": {"B": {"max": 0.6}}, "burnIn": 100, "frequencyCap": {"count": 3, "period": "P1D"},
  "guardrails": [{"metric": "unsubscribe", "direction": "lower", "maxRelativeHarm": 0.2, "confidence": 0.95}]}'
admin segments '{"variants": ["A","B","C","D","E","F","G","H","I","J"], "context": {"model": "segments",
  "attributes": ["device", "country", "visitor"], "interactions": [["device", "country"]]}}'
admin linear '{"variants": ["A","B","C","D","E","F","G","H","I","J"], "context": {"model": "linear",
  "features": ["f0","f1","f2","f3","f4","f5","f6","f7","f8","f9","f10","f11","f12","f13","f14"]}}'
args_of() {
  case $1 in
    segments) echo "--context device=4,country=5,visitor=3" ;;
    linear) echo "--features 15" ;;
  esac
}
cd "$out"
if [[ " ${EXPERIMENTS:-plain guarded} " == *" linear "* ]] && [ "${LINEAR_TRAIN:-15}" -gt 0 ]; then
  echo "== training linear for ${LINEAR_TRAIN:-15} s  $(date -u +%FT%TZ)"
  ${generator[@]+"${generator[@]}"} java -jar "$repo/loadtest/target/loadtest.jar" --url "http://127.0.0.1:$port" \
    --scenario reward --reward-rate 0.5 \
    --experiments linear --features 15 --rate 1000 --duration "${LINEAR_TRAIN:-15}s" --warmup 0s --connections 8 \
    --seed 7 --quiet > guard-linear-training.out 2>&1 || true
  grep -E '^(throughput|statuses)' guard-linear-training.out || cat guard-linear-training.out
fi
for run in $(seq 1 "$runs"); do
  for experiment in ${EXPERIMENTS:-plain guarded}; do
    name=guard-$experiment-$rate-$run
    curl -s "localhost:$port/metrics" > "$name.before"
    echo "== $name  $(date -u +%FT%TZ)  load $(cut -d' ' -f1 /proc/loadavg)"
    ${generator[@]+"${generator[@]}"} java -jar "$repo/loadtest/target/loadtest.jar" --url "http://127.0.0.1:$port" \
      --scenario decide \
      --experiments "$experiment" --rate "$rate" --duration 20s --warmup 10s --connections 32 --seed 42 --quiet \
      $(args_of "$experiment") > "$name.out" 2>&1 || true
    curl -s "localhost:$port/metrics" > "$name.after"
    python3 "$repo/loadtest/scripts/metrics-percentiles.py" "$name.before" "$name.after"
    grep -E '^(corrected|throughput|statuses|errors)' "$name.out" || cat "$name.out"
  done
done
