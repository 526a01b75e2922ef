#!/usr/bin/env bash
# Series AL (docs/BENCHMARKS.md): the rows per second one Postgres ingests through the server's writer.
# Build first: ./mvnw -B -o -q -pl benchmarks -am package -DskipTests
# Each invocation: a fresh embedded Postgres, 3 interleaved rounds of 20 s measured after 5 s of warm-up per
# configuration (about 27 s per run with the table reset; 9 runs, about 4.5 minutes, per invocation).
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=benchmarks/results/2026-12-07-ingest
run() {
  local name=$1; shift
  { echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)"
    java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar:server/target/server.jar \
      io.arbiter.server.bench.IngestBenchmark "$@" 2>&1 | grep -v '^Dec \|^INFO: \|^WARNING: '
    echo "# $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)"; } > "$out/$name.txt"
}
run shipped-2000   --mix shipped   --writers 1,2,4 --batch 2000  --seconds 20 --warmup 5 --runs 3 --seed 18
run decisions-2000 --mix decisions --writers 1,2,4 --batch 2000  --seconds 20 --warmup 5 --runs 3 --seed 18
run context-2000   --mix context   --writers 1,2,4 --batch 2000  --seconds 20 --warmup 5 --runs 3 --seed 18
run shipped-10000  --mix shipped   --writers 1,2,4 --batch 10000 --seconds 20 --warmup 5 --runs 3 --seed 18
