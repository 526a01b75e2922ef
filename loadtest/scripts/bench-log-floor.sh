#!/usr/bin/env bash
# The decision log's cost end to end, against the no-op floor (issue 18's goal: at 20,000 decides/s with every
# decision logged, end-to-end p99 at most 1.25x the no-op server's in the same window with the same generator).
#
# Starts the load tester's no-op server and one Arbiter per entry of SERVERS (each from a fresh data directory with
# its own embedded Postgres, one event loop, default config), nothing pinned, then runs the load tester against each
# in turn, ROUNDS times (after one discarded warm-up run each): RATE decides/s for 20 s after 10 s of warm-up, 32
# connections. For every Arbiter run it also prints the server-side decide percentiles (from /metrics, this run only)
# and the decision rows dropped. At the end: per server, the median of its end-to-end p99s over the median of the
# floor's.
#
#   loadtest/scripts/bench-log-floor.sh [RATE] [ROUNDS]        (defaults 20000 3)
#
# SERVERS: space-separated NAME=JAR[:ENV=VALUE,...] (default "arbiter=server/target/server.jar"), for example
#   SERVERS="main=/tmp/a/server.jar io=/tmp/b/server.jar unlogged=/tmp/a/server.jar:DECISION_LOG_SAMPLE_RATE=0"
# An entry's OUTCOMES=JSON (no commas or spaces inside: use ';' between members) replaces the "outcomes" section of
# that server's copy of config/server.json, for settings without a variable, for example
#   small=/tmp/a/server.jar:OUTCOMES={"batchSize":200;"flushInterval":"PT0.01S"}
# LAYOUT=B pins every server (the no-op one, each Arbiter JVM and every Postgres process) to core 0 and the generator
# alone to core 1, so the servers' work (logging included) does not take turns with the generator on its core.
# Needs the jars built (./mvnw -q -DskipTests package), curl and python3 (and taskset for LAYOUT).
# Output: ./bench-out/log-floor-<time>/.
set -euo pipefail
rate=${1:-20000}
rounds=${2:-3}
repo=$(cd "$(dirname "$0")/../.." && pwd)
read -r -a servers <<< "${SERVERS:-arbiter=$repo/server/target/server.jar}"
out=$PWD/bench-out/log-floor-$(date -u +%Y%m%dT%H%M%SZ); mkdir -p "$out"
pids=()
works=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  for w in "${works[@]}"; do rm -rf "$w"; done
}
trap cleanup EXIT

java -jar "$repo/loadtest/target/loadtest.jar" noop-server --port 18600 > "$out/noop.log" 2>&1 &
pids+=($!)
names=(noop); ports=(18600)
i=0
for entry in "${servers[@]}"; do
  i=$((i + 1))
  name=${entry%%=*}; rest=${entry#*=}; jar=${rest%%:*}; envs=""
  [ "$rest" != "$jar" ] && envs=${rest#*:}
  work=$(mktemp -d /tmp/arbiter-log-floor.XXXXXX); works+=("$work")
  cp -r "$repo/config" "$work/"
  if [[ ",$envs" == *",OUTCOMES="* ]]; then
    outcomes=${envs#*OUTCOMES=}; outcomes=${outcomes%%,*}
    envs=$(echo ",$envs" | sed 's/,OUTCOMES=[^,]*//; s/^,//')
    python3 - "$work/config/server.json" "${outcomes//;/,}" <<'PY'
import json, sys
path, section = sys.argv[1], json.loads(sys.argv[2])
config = json.load(open(path))
config.setdefault('outcomes', {}).update(section)
json.dump(config, open(path, 'w'), indent=2)
PY
  fi
  port=$((18600 + 2 * i)); pgport=$((18601 + 2 * i))
  # shellcheck disable=SC2086,SC2046 # envs is a comma-separated list of NAME=VALUE
  (cd "$work" && exec env EVENT_LOOPS=1 HTTP_PORT=$port EMBEDDED_PG_PORT=$pgport DATA_DIR="$work/data" \
    $(echo "$envs" | tr ',' ' ') java -jar "$jar") > "$out/$name.log" 2>&1 &
  pids+=($!)
  names+=("$name"); ports+=("$port")
done
for k in "${!names[@]}"; do
  for _ in $(seq 1 120); do
    curl -sf "localhost:${ports[$k]}/ready" > /dev/null 2>&1 && break
    [ "${names[$k]}" = noop ] && curl -s -o /dev/null "localhost:${ports[$k]}/" && break
    sleep 1
  done
done

generator=()
if [ "${LAYOUT:-}" = B ]; then
  for p in "${pids[@]}"; do taskset -a -pc 0 "$p" > /dev/null; done
  for p in $(pgrep -x postgres); do taskset -pc 0 "$p" > /dev/null; done
  generator=(taskset -c 1)
  echo "== layout B: every server and Postgres on core 0, the generator alone on core 1"
elif [ -n "${LAYOUT:-}" ]; then
  echo "LAYOUT must be B or unset, not '$LAYOUT'" >&2; exit 2
fi

cd "$out"
summary=$out/runs.tsv
printf 'round\tserver\tload\te2e_p50_ms\te2e_p99_ms\te2e_p999_ms\tserver_p99\tserver_p999\tdropped\n' > "$summary"
turn() { # name port round
  local name=$1 port=$2 round=$3 file=$out/$1-$3
  [ "$name" = noop ] || curl -s "localhost:$port/metrics" > "$file.before"
  local load; load=$(cut -d' ' -f1 /proc/loadavg)
  ${generator[@]+"${generator[@]}"} java -jar "$repo/loadtest/target/loadtest.jar" --url "http://127.0.0.1:$port" \
    --scenario decide --rate "$rate" --duration 20s --warmup 10s --connections 32 --seed 42 --quiet --report "$file" \
    > "$file.out" 2>&1 || true
  local sp99="-" sp999="-" dropped="-"
  if [ "$name" != noop ]; then
    curl -s "localhost:$port/metrics" > "$file.after"
    python3 "$repo/loadtest/scripts/metrics-percentiles.py" "$file.before" "$file.after" decide 200 > "$file.server"
    read -r sp99 sp999 <<< "$(awk 'NR == 2 {split($0, c, " [|] "); print c[3], c[4]}' "$file.server" \
      | sed 's/<= //g; s/ µs/µs/g; s/ ms/ms/g')"
    dropped=$(python3 - "$file.before" "$file.after" <<'PY'
import re, sys
def total(path):
    n = 0.0
    for line in open(path):
        if line.startswith('arbiter_outcome_decisions_dropped'):
            n += float(line.split()[-1])
    return n
print(int(total(sys.argv[2]) - total(sys.argv[1])))
PY
)
  fi
  python3 - "$file" "$round" "$name" "$load" "$sp99" "$sp999" "$dropped" >> "$summary" <<'PY'
import json, sys
file, round_, name, load, sp99, sp999, dropped = sys.argv[1:8]
try:
    c = json.load(open(file + '/summary.json'))['corrected']
    cells = [f"{c['p50Ms']:.3f}", f"{c['p99Ms']:.3f}", f"{c.get('p999Ms', float('nan')):.3f}"]
except (OSError, KeyError, ValueError):
    cells = ['?', '?', '?']
print('\t'.join([round_, name, load] + cells + [sp99, sp999, dropped]))
PY
  tail -1 "$summary"
}
echo "== decide at $rate/s, $rounds rounds, servers ${names[*]}, $(date -u +%FT%TZ), load $(cut -d' ' -f1 /proc/loadavg)"
for k in "${!names[@]}"; do turn "${names[$k]}" "${ports[$k]}" warmup > /dev/null; done
for r in $(seq 1 "$rounds"); do
  for k in "${!names[@]}"; do turn "${names[$k]}" "${ports[$k]}" "$r"; done
done
echo "== summary ($(date -u +%FT%TZ), load $(cut -d' ' -f1 /proc/loadavg))"
grep -v warmup "$summary" | column -t -s $'\t'
python3 - "$summary" <<'PY'
import csv, statistics, sys
rows = [r for r in csv.DictReader(open(sys.argv[1]), delimiter='\t') if r['round'] != 'warmup']
def med(name):
    v = [float(r['e2e_p99_ms']) for r in rows if r['server'] == name and r['e2e_p99_ms'] != '?']
    return statistics.median(v) if v else float('nan')
floor = med('noop')
print(f"median end-to-end p99: noop {floor:.3f} ms")
for name in dict.fromkeys(r['server'] for r in rows):
    if name != 'noop':
        print(f"  {name}: {med(name):.3f} ms = {med(name) / floor:.2f}x the floor")
PY
