#!/usr/bin/env bash
# Runs the bandits JMH benchmarks recorded in docs/BENCHMARKS.md: 1 and 2 threads, with the GC profiler.
# Build first: ./mvnw -q -pl bandits,benchmarks -am package -DskipTests
set -euo pipefail
JAR=${JAR:-"$(dirname "$0")/../target/benchmarks.jar"}
OUT=${OUT:-.}
for t in 1 2; do
  java -jar "$JAR" ChooseBenchmark -t "$t" -prof gc -rf json -rff "$OUT/choose-t$t.json" | tee "$OUT/choose-t$t.log"
  java -jar "$JAR" UpdateBenchmark -t "$t" -prof gc -rf json -rff "$OUT/update-t$t.json" | tee "$OUT/update-t$t.log"
done
java -jar "$JAR" SamplerBenchmark -prof gc -rf json -rff "$OUT/sampler.json" | tee "$OUT/sampler.log"
python3 "$(dirname "$0")/jmh-table.py" "$OUT"/choose-t1.json "$OUT"/choose-t2.json "$OUT"/update-t1.json \
  "$OUT"/update-t2.json "$OUT"/sampler.json
