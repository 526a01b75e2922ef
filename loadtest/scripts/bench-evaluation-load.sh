#!/usr/bin/env bash
# Does a throttled evaluation job slow decisions? (issue 16, "Speed"; docs/BENCHMARKS.md series T.)
#
# Starts Arbiter from a fresh data directory (embedded Postgres, one event loop), defines "hero" (variants A, B, C),
# seeds ROWS decision rows (default 10,000,000) straight into the partitioned `decisions` table with SQL
# generate_series, in the shape the shipper writes (d2 ids with the issue time in base 36, the experiment, variant,
# unit, propensity, time, no context, flags 0; one every SPACING_MS ms ending now) and a reward row for about one
# decision in nine, then ANALYZE. Then ROUNDS interleaved rounds, each an "off" and an "on" run (the order alternates
# from round to round): the load tester at RATE decides/s (default 5,000) for DURATION s after WARMUP s; in an "on"
# run a default-throttled evaluation job (POST /v1/experiments/hero/evaluations, three candidates, IPS, SNIPS and DR,
# the server's default read budget) is started just before the load and reads a slice of the seeded log sized to
# outlast the run; the script waits for it to finish before the next run, so no "off" run has a job. Each run prints
# the server-side decide percentiles (from /metrics, this run only) and the load tester's end-to-end (corrected)
# ones; at the end, the medians of the p99s per mode and their ratio.
#
# With BURN=1 each round also has a "burn" run: no job, but a busy loop at nice 19 (`burn-cpu.py`) that takes the
# CPU the job took in the round's "on" run (the server's and Postgres's CPU seconds over the run, "on" minus "off",
# read from /proc; BURN_FRACTION overrides it). If "burn" costs the end-to-end p99 what "on" does, the job's cost is
# the CPU it takes from the load generator on a shared machine, not the way the job runs. Every run records the
# server's and Postgres's CPU seconds (columns server_cpu_s, pg_cpu_s).
#
# With LAYOUT=B the server JVM (with the job in it), Postgres (the postmaster, so every backend it forks) and the
# busy loop are pinned to core 0 and the load generator alone to core 1 (`server-lib.sh`'s layout B): the job then
# competes with the server for one core, not with the generator, so the end-to-end p99 shows what the job does to
# the server's answers rather than to the generator's own scheduling on a shared machine.
#
#   loadtest/scripts/bench-evaluation-load.sh [ROUNDS]
#
# Settings (environment): LAYOUT (unset: nothing pinned; B), ROWS, SPACING_MS (4), RATE (5000), DURATION (30), WARMUP (5), CONNECTIONS (16),
# HTTP_PORT (18490), EMBEDDED_PG_PORT (18491), SLICE_ROWS (rows one "on" job reads; default (WARMUP + DURATION + 10)
# x the job's budget: EVALUATION_ROWS_PER_SECOND, which reaches the server as every setting's variable does, else
# the shipped 10,000), SERVER_JAVA_OPTS. Raw output in ./bench-out/evaluation-load-<time>/.
#
# Needs the jars built (./mvnw -q -DskipTests package), curl, psql and python3. Seeding 10 M rows takes a few minutes.
set -euo pipefail
rounds=${1:-3}
rows=${ROWS:-10000000}
spacing=${SPACING_MS:-4}
rate=${RATE:-5000}
duration=${DURATION:-30}
warmup=${WARMUP:-5}
connections=${CONNECTIONS:-16}
port=${HTTP_PORT:-18490}
pgport=${EMBEDDED_PG_PORT:-18491}
slice=${SLICE_ROWS:-$(( (warmup + duration + 10) * ${EVALUATION_ROWS_PER_SECOND:-10000} ))}
repo=$(cd "$(dirname "$0")/../.." && pwd)
out=$PWD/bench-out/evaluation-load-$(date -u +%Y%m%dT%H%M%SZ); mkdir -p "$out"
work=$(mktemp -d /tmp/arbiter-eval-load.XXXXXX)
cp -r "$repo/config" "$work/"
(cd "$work" && exec env EVENT_LOOPS=1 HTTP_PORT="$port" EMBEDDED_PG_PORT="$pgport" DATA_DIR="$work/data" \
  ADMIN_TOKEN=bench java ${SERVER_JAVA_OPTS:-} -jar "$repo/server/target/server.jar") > "$out/server.log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  # the embedded Postgres runs detached; a clean server stop stops it, this catches the rest
  local cluster
  cluster=$(sed -n 's/.*(cluster in \([^)]*\)).*/\1/p' "$out/server.log" | head -1)
  if [ -n "$cluster" ] && [ -f "$cluster/postmaster.pid" ]; then
    /usr/lib/postgresql/*/bin/pg_ctl -D "$cluster" -m fast stop > /dev/null 2>&1 \
      || kill "$(head -1 "$cluster/postmaster.pid")" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 1 120); do curl -sf "localhost:$port/ready" > /dev/null && break; sleep 1; done
curl -sf "localhost:$port/ready" > /dev/null || { echo "server did not become ready; see $out/server.log"; exit 1; }
auth=(-H 'Authorization: Bearer bench' -H 'Content-Type: application/json')
curl -sf -X PUT "${auth[@]}" "localhost:$port/v1/experiments/hero" -d '{"variants": ["A", "B", "C"]}' > /dev/null

export PGPASSWORD
PGPASSWORD=$(cat "$work/data/pg/arbiter.password")
sql() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$pgport" -U arbiter -d arbiter "$@"; }

# The window: ROWS decisions, one every SPACING_MS ms, the last one a minute ago (inside the retention).
end_ms=$(( $(date +%s) * 1000 - 60000 ))
start_ms=$(( end_ms - rows * spacing ))
chunk=1000000
echo "== seeding $rows decision rows ($(date -u +%FT%TZ), load $(cut -d' ' -f1 /proc/loadavg))"
seed_started=$(date +%s)
for first in $(seq 1 "$chunk" "$rows"); do
  last=$(( first + chunk - 1 < rows ? first + chunk - 1 : rows ))
  sql <<SQL
WITH s AS (
    SELECT i, ms, (ARRAY['A', 'B', 'C'])[1 + ((hashint4(i) & 2147483647) % 3)] AS v
    FROM (SELECT i, $start_ms::bigint + i::bigint * $spacing AS ms FROM generate_series($first, $last) AS i) g
), d AS (
    INSERT INTO decisions (id, experiment, variant, unit, propensity, time, context, flags)
    SELECT 'd2.hero.' || v || '.'
               || substr('0123456789abcdefghijklmnopqrstuvwxyz', (ms / 78364164096 % 36)::int + 1, 1)
               || substr('0123456789abcdefghijklmnopqrstuvwxyz', (ms / 2176782336 % 36)::int + 1, 1)
               || substr('0123456789abcdefghijklmnopqrstuvwxyz', (ms / 60466176 % 36)::int + 1, 1)
               || substr('0123456789abcdefghijklmnopqrstuvwxyz', (ms / 1679616 % 36)::int + 1, 1)
               || substr('0123456789abcdefghijklmnopqrstuvwxyz', (ms / 46656 % 36)::int + 1, 1)
               || substr('0123456789abcdefghijklmnopqrstuvwxyz', (ms / 1296 % 36)::int + 1, 1)
               || substr('0123456789abcdefghijklmnopqrstuvwxyz', (ms / 36 % 36)::int + 1, 1)
               || substr('0123456789abcdefghijklmnopqrstuvwxyz', (ms % 36)::int + 1, 1)
               || '.' || lpad(to_hex(i), 16, '0') || '.0..' || md5(i::text),
           'hero', v, 'u' || (i % 1000000), 1.0 / 3, to_timestamp(ms / 1000.0), NULL, 0
    FROM s
    RETURNING id, variant, time
)
INSERT INTO rewards (decision_id, experiment, variant, reward, time, flags, metric)
SELECT id, 'hero', variant, CASE WHEN (hashtext(id) & 1) = 0 THEN 1 ELSE 0 END, time + interval '1 second', 0, ''
FROM d WHERE (hashtext(id) & 2147483647) % 9 = 0;
SQL
  echo "   rows $first..$last  $(( $(date +%s) - seed_started )) s"
done
sql -c 'ANALYZE decisions' -c 'ANALYZE rewards' -c 'CHECKPOINT'
sql -At -c "SELECT 'decisions ' || count(*) FROM decisions WHERE experiment = 'hero'" \
        -c "SELECT 'rewards ' || count(*) FROM rewards WHERE experiment = 'hero'" | tee "$out/seeded.txt"
echo "   seeded in $(( $(date +%s) - seed_started )) s"

iso() { date -u -d "@$(( $1 / 1000 )).$(printf '%03d' $(( $1 % 1000 )))" +%Y-%m-%dT%H:%M:%S.%3NZ; }
job_body() { # slice number -> the evaluation request over that slice of the seeded window
  local from=$(( start_ms + ($1 * slice % rows) * spacing ))
  local to=$(( from + slice * spacing ))
  [ "$to" -le "$end_ms" ] || { from=$start_ms; to=$(( start_ms + slice * spacing )); }
  printf '{"policies": [{"name": "always-C", "type": "fixed", "variant": "C"}, {"type": "uniform"}, %s' \
    '{"type": "logged"}], "estimators": ["ips", "snips", "dr"], '
  printf '"from": "%s", "to": "%s"}' "$(iso "$from")" "$(iso "$to")"
}

generator=()
core0=()
if [ "${LAYOUT:-}" = B ]; then
  taskset -a -pc 0 "$server" > /dev/null
  for p in $(pgrep -x postgres); do taskset -pc 0 "$p" > /dev/null; done
  generator=(taskset -c 1)
  core0=(taskset -c 0)
  echo "== layout B: server and Postgres on core 0, the generator on core 1"
fi

cd "$out"
summary=$out/runs.tsv
printf 'round\tmode\tload\tserver_p50\tserver_p99\tserver_p999\te2e_p50_ms\te2e_p99_ms\tjob_rows_per_s\tserver_cpu_s\tpg_cpu_s\n' > "$summary"
# CPU seconds so far of a process (utime + stime) and, with a second argument, of its reaped children too.
cpu_of() { awk -v hz="$(getconf CLK_TCK)" -v kids="${2:-}" '{ sub(/^.*\) /, ""); t = $12 + $13; if (kids) t += $14 + $15; printf "%.2f", t / hz }' "/proc/$1/stat" 2>/dev/null || echo 0; }
pg_cpu() { # every postgres process of the embedded cluster, with the exited backends the postmaster reaped
  local cluster pm total=0 pid
  cluster=$(sed -n 's/.*(cluster in \([^)]*\)).*/\1/p' "$out/server.log" | head -1)
  pm=$(head -1 "$cluster/postmaster.pid" 2>/dev/null || echo 0)
  total=$(cpu_of "$pm" kids)
  for pid in $(pgrep -P "$pm" 2>/dev/null); do total=$(echo "$total + $(cpu_of "$pid")" | bc); done
  echo "$total"
}
jvm=$server # exec: the subshell became the JVM
burn_fraction=${BURN_FRACTION:-}
# One run that is not recorded, so the first recorded run does not pay for the JIT and the CPU counts compare.
echo "== warm-up run (not recorded)  $(date -u +%FT%TZ)"
${generator[@]+"${generator[@]}"} java -jar "$repo/loadtest/target/loadtest.jar" --url "http://127.0.0.1:$port" --scenario decide \
  --experiments hero --rate "$rate" --duration "${duration}s" --warmup "${warmup}s" \
  --connections "$connections" --seed 41 --quiet > warm-up.out 2>&1 || true
slice_no=0
for round in $(seq 1 "$rounds"); do
  if [ $(( round % 2 )) -eq 1 ]; then modes="off on"; else modes="on off"; fi
  [ -n "${BURN:-}" ] && modes="$modes burn"
  for mode in $modes; do
    name=round$round-$mode
    job=""
    if [ "$mode" = on ]; then
      job=$(curl -sf -X POST "${auth[@]}" "localhost:$port/v1/experiments/hero/evaluations" \
        -d "$(job_body $slice_no)" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
      slice_no=$(( slice_no + 1 ))
    fi
    load=$(cut -d' ' -f1 /proc/loadavg)
    echo "== $name  $(date -u +%FT%TZ)  load $load  ${job:+job $job}"
    burner=""
    if [ "$mode" = burn ]; then
      echo "   burning ${burn_fraction:-0} of a core at nice 19"
      ${core0[@]+"${core0[@]}"} nice -n 19 python3 "$repo/loadtest/scripts/burn-cpu.py" "${burn_fraction:-0}" $(( warmup + duration + 2 )) &
      burner=$!
    fi
    cpu0=$(cpu_of "$jvm"); pg0=$(pg_cpu); t0=$(date +%s.%N)
    curl -s "localhost:$port/metrics" > "$name.before"
    ${generator[@]+"${generator[@]}"} java -jar "$repo/loadtest/target/loadtest.jar" --url "http://127.0.0.1:$port" --scenario decide \
      --experiments hero --rate "$rate" --duration "${duration}s" --warmup "${warmup}s" \
      --connections "$connections" --seed 42 --quiet --report "$out/$name" > "$name.out" 2>&1 || true
    curl -s "localhost:$port/metrics" > "$name.after"
    cpu1=$(cpu_of "$jvm"); pg1=$(pg_cpu); t1=$(date +%s.%N)
    server_cpu=$(echo "$cpu1 - $cpu0" | bc); pg_cpu_s=$(echo "$pg1 - $pg0" | bc)
    [ -n "$burner" ] && { kill "$burner" 2>/dev/null || true; wait "$burner" 2>/dev/null || true; }
    echo "   cpu: server $server_cpu s, postgres $pg_cpu_s s over $(echo "$t1 - $t0" | bc | cut -c1-5) s"
    eval "cpu_${mode}=\$(echo \"\$server_cpu + \$pg_cpu_s\" | bc)"
    if [ -z "${BURN_FRACTION:-}" ] && [ -n "${cpu_on:-}" ] && [ -n "${cpu_off:-}" ]; then
      burn_fraction=$(echo "scale=3; f = ($cpu_on - $cpu_off) / ($t1 - $t0); if (f < 0) f = 0; f" | bc)
    fi
    jobrate=""
    if [ -n "$job" ]; then
      status=""
      for _ in $(seq 1 600); do
        curl -s "${auth[@]}" "localhost:$port/v1/experiments/hero/evaluations/$job" > "$name.job.json"
        status=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("status", ""))' "$name.job.json")
        [ "$status" = running ] || break
        sleep 1
      done
      jobrate=$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1]))
def find(o):
    if isinstance(o, dict):
        if "rowsPerSecond" in o: return o["rowsPerSecond"]
        for v in o.values():
            r = find(v)
            if r is not None: return r
    return None
print(find(j) or "")' "$name.job.json")
      echo "   job $job: $status, $jobrate rows/s"
    fi
    python3 "$repo/loadtest/scripts/metrics-percentiles.py" "$name.before" "$name.after" decide 200 | tee "$name.server"
    python3 - "$name" "$round" "$mode" "$load" "$jobrate" "$server_cpu" "$pg_cpu_s" >> "$summary" <<'PY'
import json, sys
name, round_, mode, load, jobrate, server_cpu, pg_cpu = sys.argv[1:8]
server = open(name + '.server').read().splitlines()
cells = server[1].split(' ', 3)[3].split(' | ') if len(server) > 1 else ['?'] * 5
try:
    s = json.load(open(name + '/summary.json'))
    e2e = s['corrected']
    p50, p99 = f"{e2e['p50Ms']:.3f}", f"{e2e['p99Ms']:.3f}"
except (OSError, KeyError, ValueError):
    p50 = p99 = '?'
print('\t'.join([round_, mode, load, cells[0], cells[2], cells[3], p50, p99, jobrate or '-', server_cpu, pg_cpu]))
PY
    tail -1 "$summary"
  done
done

echo "== summary ($(date -u +%FT%TZ), load $(cut -d' ' -f1 /proc/loadavg))"
column -t -s $'\t' "$summary"
python3 - "$summary" <<'PY'
import csv, re, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1]), delimiter='\t'))
def micros(cell):
    m = re.search(r'([\d.]+) (µs|ms)', cell)
    return None if not m else float(m.group(1)) * (1000 if m.group(2) == 'ms' else 1)
for key, unit, conv in (('server_p99', 'µs', micros), ('e2e_p99_ms', 'ms', lambda c: None if c == '?' else float(c))):
    med = {}
    for mode in ('off', 'on', 'burn'):
        vals = [v for v in (conv(r[key]) for r in rows if r['mode'] == mode) if v is not None]
        med[mode] = statistics.median(vals) if vals else None
    ratio = med['on'] / med['off'] if med['on'] and med['off'] else float('nan')
    line = f"median {key}: off {med['off']} {unit}, on {med['on']} {unit}, on/off {ratio:.2f}"
    if med['burn']:
        line += f", burn {med['burn']} {unit}, burn/off {med['burn'] / med['off']:.2f}"
    print(line)
PY
