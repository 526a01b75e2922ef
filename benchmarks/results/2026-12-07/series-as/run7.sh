#!/usr/bin/env bash
# Quiet-window measurements, stop 26. Run from /work/quiet/s26 with the jars of main built in /work/main.
set -u
repo=/work/main
cd /work/quiet/s26
X="--add-exports java.base/jdk.internal.misc=ALL-UNNAMED"
echo "### start $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg) code $(git -C $repo rev-parse --short HEAD)"
echo "### bench-guard plain guarded segments linear, 5000/s x 3 $(date -u +%T)"
(EXPERIMENTS="plain guarded segments linear" bash $repo/loadtest/scripts/bench-guard.sh 5000 3) 2>&1 | grep -vE "^\s*$"
echo "### DecidePathBenchmark CPU per decide $(date -u +%T)"
java $X -cp $repo/benchmarks/target/benchmarks.jar:$repo/server/target/server.jar io.arbiter.server.bench.DecidePathBenchmark 100000 2>&1 | tail -16
echo "### JMH GuardedChooseBenchmark $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
java $X -cp $repo/benchmarks/target/benchmarks.jar:$repo/server/target/server.jar org.openjdk.jmh.Main GuardedChooseBenchmark -f 2 -wi 5 -w 1 -i 5 -r 1 -prof gc -rf json -rff series-guard.json 2>&1 | grep -E '^(Benchmark|GuardedChoose)'
echo "### JMH ClaimTableBenchmark $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
java $X -cp $repo/benchmarks/target/benchmarks.jar:$repo/server/target/server.jar org.openjdk.jmh.Main ClaimTableBenchmark -f 2 -wi 5 -w 1 -i 5 -r 1 -prof gc -rf json -rff series-claims.json 2>&1 | grep -E '^(Benchmark|ClaimTable)'
echo "### eval-load LAYOUT=B BURN 10k rows/s, 3 rounds $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
LAYOUT=B ROWS=2000000 BURN=1 EVALUATION_ROWS_PER_SECOND=10000 SLICE_ROWS=450000 bash $repo/loadtest/scripts/bench-evaluation-load.sh 3 2>&1 | grep -E '^(==|   cpu|   burn|   job|[0-9]|median|round)'
echo "### log floor 20000/s x 3 $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"
SERVERS="logged=$repo/server/target/server.jar unlogged=$repo/server/target/server.jar:DECISION_LOG_SAMPLE_RATE=0" bash $repo/loadtest/scripts/bench-log-floor.sh 20000 3 2>&1 | grep -vE "^\s*$" | tail -40
echo "### end $(date -u +%FT%TZ) load $(cut -d' ' -f1-3 /proc/loadavg)"
