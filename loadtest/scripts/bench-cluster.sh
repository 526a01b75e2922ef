#!/usr/bin/env bash
# One Arbiter node against two on one Postgres at the same total rate (docs/BENCHMARKS.md, "Series U"). Node a runs
# the embedded Postgres; node b shares it (PG_URL) and the token secret. Per round: a turn with all the traffic on
# node a, then a turn with half the rate on each node (two load generators at once). Each turn first runs a
# discarded warm-up. With COLD_B=1 node b is stopped for the one-node turns and started afresh (JIT cold) for each
# two-node turn; by default it runs throughout, idle in the one-node turns (its sync rounds and subscription go on),
# so both nodes are equally warm.
#
#   loadtest/scripts/bench-cluster.sh RATE ROUNDS
#
# On a 2-core machine both nodes, Postgres and the generators share the same two cores: this measures what the
# cluster protocol costs (shipping from two nodes, sync rounds, the per-node aggregates), not scaling.
#
# Per turn it prints the generators' corrected latency (p50 p90 p99 p99.9; with two nodes, each node's generator),
# the rows Postgres inserted per second (arbiter.outcome.postgres.rows.inserted over the nodes), the CPU seconds the
# Postgres processes used per 1,000 rows (from /proc of that cluster's processes only), and for two nodes the sync
# lag p99 and max (arbiter.cluster.sync.lag, both nodes' rounds in the measured window). Nothing is pinned to a core.
#
# Environment: COLD_B (0), SCENARIO (reward), REWARD_RATE (0.2), DURATION (20s), WARMUP (10s), CONNECTIONS (32 per generator),
# PORT_A (18080), PORT_B (18081), PG_PORT (55433), SERVER_JAVA_OPTS, SERVER_JAR. Needs the jars built
# (./mvnw -q -DskipTests package), curl, python3. Output: ./bench-out/cluster-<rate>.txt, the run files
# (cluster-<rate>-r<round>-<turn>-<port>.out) and the nodes' logs.
set -euo pipefail
rate=${1:?total rate per second}; rounds=${2:?rounds}
scenario=${SCENARIO:-reward}; reward_rate=${REWARD_RATE:-0.2}
duration=${DURATION:-20s}; warmup=${WARMUP:-10s}; connections=${CONNECTIONS:-32}
port_a=${PORT_A:-18080}; port_b=${PORT_B:-18081}; pg_port=${PG_PORT:-55433}
repo=$(cd "$(dirname "$0")/../.." && pwd)
jar=${SERVER_JAR:-$repo/server/target/server.jar}
out=$PWD/bench-out
mkdir -p "$out"
work=$(mktemp -d /tmp/arbiter-cluster-bench.XXXXXX)
cp -r "$repo/config" "$work/"
secret=$(head -c 32 /dev/urandom | base64)
pid_a=""; pid_b=""

stop_node() { # PID: SIGTERM (a clean stop), then wait for it
  [ -n "$1" ] || return 0
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
cleanup() {
  stop_node "$pid_b"
  stop_node "$pid_a"
  rm -rf "$work"
}
trap cleanup EXIT

await_ready() { # PORT LOG
  for _ in $(seq 1 120); do curl -sf "localhost:$1/ready" > /dev/null && return 0; sleep 1; done
  echo "node on port $1 did not become ready; see $2" >&2
  exit 1
}

start_a() {
  # shellcheck disable=SC2086 # SERVER_JAVA_OPTS is a list of options
  (cd "$work" && exec env EVENT_LOOPS=1 HTTP_PORT="$port_a" DATA_DIR="$work/a" NODE_ID=a TOKEN_SECRET="$secret" \
    EMBEDDED_PG_PORT="$pg_port" java ${SERVER_JAVA_OPTS:-} -jar "$jar") > "$out/cluster-node-a.log" 2>&1 &
  pid_a=$!
  await_ready "$port_a" "$out/cluster-node-a.log"
}

start_b() {
  local password
  password=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(open(sys.argv[1]).read().strip(), safe=""))' \
    "$work/a/pg/arbiter.password")
  # shellcheck disable=SC2086
  (cd "$work" && exec env EVENT_LOOPS=1 HTTP_PORT="$port_b" DATA_DIR="$work/b" NODE_ID=b TOKEN_SECRET="$secret" \
    PG_URL="postgres://arbiter:$password@127.0.0.1:$pg_port/arbiter" java ${SERVER_JAVA_OPTS:-} -jar "$jar") \
    >> "$out/cluster-node-b.log" 2>&1 &
  pid_b=$!
  await_ready "$port_b" "$out/cluster-node-b.log"
}

# The Postgres processes of this cluster only (other Postgres clusters may run on the machine): the postmaster named
# in its postmaster.pid, and its children.
pg_cpu_ticks() {
  local dir postmaster
  dir=$(sed -n 's/.*Postgres listening on .* (cluster \(.*\))$/\1/p' "$out/cluster-node-a.log" | tail -1)
  postmaster=$(head -1 "$dir/postmaster.pid")
  for p in $postmaster $(pgrep -P "$postmaster"); do
    awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || true
  done | awk '{s += $1} END {print s + 0}'
}

scrape() { # FILE PORT...
  local file=$1; shift
  : > "$file"
  for port in "$@"; do curl -sf "localhost:$port/metrics" >> "$file"; done
}

generate() { # PORT RATE FILE
  java -jar "$repo/loadtest/target/loadtest.jar" --url "http://127.0.0.1:$1" --scenario "$scenario" \
    --reward-rate "$reward_rate" --rate "$2" --duration "$3" --warmup "$warmup" --connections "$connections" \
    --seed 42 --quiet > "$4" 2>&1 || true
}

# turn LABEL PORT...: a warm-up run, then the measured run, the total rate split over the ports' generators.
turn() {
  local label=$1; shift
  local share=$((rate / $#)) port before after ticks_before ticks_after files=()
  for port in "$@"; do generate "$port" "$share" 5s "$out/cluster-$rate-r$r-$label-$port-warmup.out" & done
  wait_generators
  scrape "$out/before.metrics" "$@"; ticks_before=$(pg_cpu_ticks); before=$(date +%s.%N)
  for port in "$@"; do
    files+=("$out/cluster-$rate-r$r-$label-$port.out")
    generate "$port" "$share" "$duration" "$out/cluster-$rate-r$r-$label-$port.out" &
  done
  wait_generators
  after=$(date +%s.%N); ticks_after=$(pg_cpu_ticks); scrape "$out/after.metrics" "$@"
  python3 - "$label" "$out/before.metrics" "$out/after.metrics" "$before" "$after" "$ticks_before" "$ticks_after" \
    "$(getconf CLK_TCK)" "${files[@]}" <<'EOF' | tee -a "$summary"
import re, sys
label, before_file, after_file = sys.argv[1:4]
seconds = float(sys.argv[5]) - float(sys.argv[4])
pg_cpu = (float(sys.argv[7]) - float(sys.argv[6])) / float(sys.argv[8])
runs = sys.argv[9:]

def read(path):
    rows, lag = 0.0, {}
    for line in open(path):
        if line.startswith('arbiter_outcome_postgres_rows_inserted_total'):
            rows += float(line.split()[-1])
        m = re.match(r'arbiter_cluster_sync_lag_seconds_bucket\{.*le="([^"]+)".*\} (\S+)', line)
        if m:
            le = float('inf') if m.group(1) == '+Inf' else float(m.group(1))
            lag[le] = lag.get(le, 0.0) + float(m.group(2))
    return rows, lag

rows_before, lag_before = read(before_file)
rows_after, lag_after = read(after_file)
rows = rows_after - rows_before
lag = {le: lag_after[le] - lag_before.get(le, 0.0) for le in lag_after}
total = lag.get(float('inf'), 0.0)

def bound(q):
    for le in sorted(lag):
        if lag[le] >= q * total:
            return '%.0f ms' % (le * 1000) if le != float('inf') else 'inf'
    return '-'

latency = []
for run in runs:
    text = open(run).read()
    m = re.search(r'^corrected \(from intended\)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)', text, re.M)
    t = re.search(r'^throughput\s+(\d+)', text, re.M)
    latency.append('p50 %s p90 %s p99 %s p99.9 %s (%s/s)' % (m.groups() + (t.group(1),)) if m and t else 'no report')
sync = ' | sync lag: %d rounds, p99 <= %s, max <= %s' % (total, bound(0.99), bound(1.0)) if total else ''
print('%s %-9s %s | Postgres: %.0f rows/s, %.1f ms CPU per 1,000 rows%s' % (
    __import__('time').strftime('%H:%M:%S', __import__('time').gmtime()), label, ' / '.join(latency),
    rows / seconds, 1000.0 * pg_cpu / rows * 1000 if rows else 0.0, sync))
EOF
}

wait_generators() {
  local job
  for job in $(jobs -p); do
    if [ "$job" != "$pid_a" ] && [ "$job" != "$pid_b" ]; then wait "$job" || true; fi
  done
}

summary=$out/cluster-$rate.txt
echo "== $scenario (reward rate $reward_rate) at $rate/s in total, $rounds rounds, COLD_B=${COLD_B:-0}, $duration measured after $warmup," \
  "$(nproc) cores, $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee "$summary"
start_a
[ "${COLD_B:-0}" = 1 ] || start_b
for r in $(seq 1 "$rounds"); do
  turn one-node "$port_a"
  [ "${COLD_B:-0}" != 1 ] || start_b
  turn two-nodes "$port_a" "$port_b"
  if [ "${COLD_B:-0}" = 1 ]; then stop_node "$pid_b"; pid_b=""; fi
done
echo "== done $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$summary"
