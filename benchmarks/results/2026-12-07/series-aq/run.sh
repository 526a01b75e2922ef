#!/bin/bash
# before/after of PostgresWriter's column building, alternating: B A B A
# DIR holds before/ and after/, each with benchmarks.jar and server.jar built by
# ./mvnw -B -o -q -pl benchmarks -am package -DskipTests at the two commits; ROUNDS="1 2" then ROUNDS=3
out=${OUT:-results}
mkdir -p $out
for round in ${ROUNDS:-1 2}; do
  for v in before after; do
    echo "== $v round $round $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)" >> $out/log.txt
    java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED -cp $DIR/$v/benchmarks.jar:$DIR/$v/server.jar \
      io.arbiter.server.bench.IngestBenchmark --mix shipped --writers 1 --batch 2000 --seconds 10 --warmup 3 --runs 1 --seed 18 \
      > $out/$v-$round.txt 2>&1
    echo "   end $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg) rc $?" >> $out/log.txt
  done
done
