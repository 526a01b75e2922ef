#!/usr/bin/env bash
# Quiet-window measurements, stop 25. Run from /work/quiet/s25 with the jars of main built in /work/main.
set -u
repo=/work/main
cd /work/quiet/s25
X="--add-exports java.base/jdk.internal.misc=ALL-UNNAMED"
echo "### start $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg) code $(git -C $repo rev-parse --short HEAD)"
echo "### bench-guard plain guarded segments linear, 5000/s x 3 $(date -u +%T)"
(EXPERIMENTS="plain guarded segments linear" bash $repo/loadtest/scripts/bench-guard.sh 5000 3) 2>&1 | grep -vE "^\s*$"
echo "### JMH GuardedChooseBenchmark $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
java $X -cp $repo/benchmarks/target/benchmarks.jar:$repo/server/target/server.jar org.openjdk.jmh.Main GuardedChooseBenchmark -f 2 -wi 5 -w 1 -i 5 -r 1 -prof gc -rf json -rff series-guard.json 2>&1 | grep -E '^(Benchmark|GuardedChoose)' 
echo "### GuardedChooseBenchmark CPU per call $(date -u +%T)"
java $X -cp $repo/benchmarks/target/benchmarks.jar:$repo/server/target/server.jar io.arbiter.server.personalisation.decide.GuardedChooseBenchmark 500000 2 2>&1 | tail -12
echo "### LinearBenchmark CPU per call $(date -u +%T)"
java $X -cp $repo/benchmarks/target/benchmarks.jar io.arbiter.bandits.bench.LinearBenchmark 200000 2>&1 | tail -10
echo "### DecidePathBenchmark CPU per decide $(date -u +%T)"
java $X -cp $repo/benchmarks/target/benchmarks.jar:$repo/server/target/server.jar io.arbiter.server.bench.DecidePathBenchmark 100000 2>&1 | tail -16
echo "### eval-load BURN 10k rows/s, 3 rounds $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
ROWS=2000000 BURN=1 EVALUATION_ROWS_PER_SECOND=10000 SLICE_ROWS=450000 bash $repo/loadtest/scripts/bench-evaluation-load.sh 3 2>&1 | grep -E '^(==|   cpu|   burn|   job|[0-9]|median|round)' 
echo "### ingest shipped $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
java $X -cp $repo/benchmarks/target/benchmarks.jar:$repo/server/target/server.jar io.arbiter.server.bench.IngestBenchmark --mix shipped --writers 1,2,4 --batch 2000 --seconds 20 --warmup 5 --runs 1 --seed 18 2>&1 | tail -25
echo "### end $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)"
