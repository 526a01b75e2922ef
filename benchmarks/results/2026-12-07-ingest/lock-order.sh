#!/usr/bin/env bash
# Series AL, the lock-order fix: four writers with the server jar before it (/tmp/server-before-lockorder.jar, built
# from 718b01e^'s PostgresWriter) and after it (server/target/server.jar), one run per configuration each.
set -euo pipefail
cd "$(dirname "$0")/../../.."
out=benchmarks/results/2026-12-07-ingest
for side in after before; do
  jar=server/target/server.jar; [ "$side" = before ] && jar=/tmp/server-before-lockorder.jar
  { echo "# $side $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)"
    java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar:$jar \
      io.arbiter.server.bench.IngestBenchmark --mix shipped,context --writers 4 --batch 200,2000 --seconds 20 \
      --warmup 3 --runs 1 --seed 18 2>&1 | grep -v '^Dec \|^INFO: \|^WARNING: '
    echo "# $side $(date -u +%FT%TZ) load: $(cut -d' ' -f1-3 /proc/loadavg)"; } > "$out/lock-order-$side.txt"
done
