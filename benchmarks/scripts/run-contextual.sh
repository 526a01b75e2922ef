#!/usr/bin/env bash
# Runs the contextual JMH benchmarks recorded in docs/BENCHMARKS.md (series L): segments, linear, the linear offer,
# one thread, with the GC profiler. Build first: ./mvnw -q -pl bandits,benchmarks -am package -DskipTests
set -euo pipefail
JAR=${JAR:-"$(dirname "$0")/../target/benchmarks.jar"}
OUT=${OUT:-.}
java -jar "$JAR" SegmentBenchmark -t 1 -prof gc -rf json -rff "$OUT/segments.json" | tee "$OUT/segments.log"
java -jar "$JAR" "LinearBenchmark" -t 1 -prof gc -rf json -rff "$OUT/linear.json" | tee "$OUT/linear.log"
java -jar "$JAR" LinearOfferBenchmark -prof gc -rf json -rff "$OUT/linear-offer.json" | tee "$OUT/linear-offer.log"
python3 "$(dirname "$0")/jmh-table.py" "$OUT"/segments.json "$OUT"/linear.json "$OUT"/linear-offer.json
