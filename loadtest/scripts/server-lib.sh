# Shared by the bench-*.sh scripts (sourced, not run): start Arbiter from a fresh data directory and pin it to one of
# the layouts, and run the load tester in turns. Expects $repo and $out; sets $work and $server and an EXIT trap that
# stops the server.

# start_server: one event loop, the default config, SERVER_JAVA_OPTS and SERVER_JAR as documented by the callers.
start_server() {
  work=$(mktemp -d /tmp/arbiter-bench.XXXXXX)
  mkdir -p "$out"
  cp -r "$repo/config" "$work/"
  # shellcheck disable=SC2086 # SERVER_JAVA_OPTS is a list of options
  (cd "$work" && exec env EVENT_LOOPS=1 java ${SERVER_JAVA_OPTS:-} \
    -jar "${SERVER_JAR:-$repo/server/target/server.jar}") > "$out/server.log" 2>&1 &
  server=$!
  trap 'stop_server' EXIT
  for _ in $(seq 1 60); do curl -sf localhost:8080/ready > /dev/null && break; sleep 1; done
  curl -sf localhost:8080/ready > /dev/null || { echo "server did not become ready; see $out/server.log" >&2; exit 1; }
}

stop_server() {
  kill "$server" ${extra_pids:-} 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$work"
}

# pin_layout A|B|C
#   A: the event loop thread alone on core 0; the server's other threads, Postgres and the generator on core 1
#   B: the server JVM and Postgres on core 0; the generator alone on core 1
#   C: as A, and the JVM's stop-the-world threads (GC workers, VM thread) on core 0 with the event loop
pin_layout() {
  local layout=$1 t p
  if [ "$layout" = A ] || [ "$layout" = C ]; then
    taskset -a -pc 1 "$server" > /dev/null
    for p in $(pgrep -x postgres); do taskset -pc 1 "$p" > /dev/null; done
    for t in /proc/"$server"/task/*; do
      case "$(cat "$t/comm")" in
        vert.x-eventloo) taskset -pc 0 "$(basename "$t")" > /dev/null ;;
        "GC Thread#"*|"VM Thread") if [ "$layout" = C ]; then taskset -pc 0 "$(basename "$t")" > /dev/null; fi ;;
      esac
    done
  else
    taskset -a -pc 0 "$server" > /dev/null
    for p in $(pgrep -x postgres); do taskset -pc 0 "$p" > /dev/null; done
  fi
}

# turn PORT FILE LABEL: one 30-s run (20 s measured after 10 s of warm-up) of $scenario at $rate against PORT, the
# generator on core 1, output in FILE; with a LABEL, one summary line appended to $summary and printed.
turn() {
  local port=$1 file=$2 label=${3:-}
  taskset -c 1 java -jar "$repo/loadtest/target/loadtest.jar" --url "http://127.0.0.1:$port" --scenario "$scenario" \
    --rate "$rate" --duration 20s --warmup 10s --connections 32 --seed 42 --quiet > "$file" 2>&1 || true
  [ -n "$label" ] || return 0
  printf '%s %-14s corrected p50 %s p90 %s p99 %s p99.9 %s | send lag p99 %s\n' "$(date -u +%T)" "$label" \
    $(awk '/^corrected/ {print $4, $5, $6, $7}' "$file") "$(awk '/^send lag/ {print $6}' "$file")" | tee -a "$summary"
}
