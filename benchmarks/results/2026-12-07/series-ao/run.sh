#!/usr/bin/env bash
# Series AO: before (93d72f5) and after (eeca233) in turn, in process.
set -u
cd "${JARS:-/tmp/dt}"  # before/ and final/ hold server.jar and benchmarks.jar of 93d72f5 and eeca233
J="java --add-exports java.base/jdk.internal.misc=ALL-UNNAMED"
stamp() { echo "== $1 $(date -u +%T) load $(cut -d' ' -f1-3 /proc/loadavg)"; }
for turn in 1 2; do
  for v in before final; do
    stamp "tails hot $v"; $J -cp $v/server.jar:final/benchmarks.jar io.arbiter.server.bench.DecideTails 100000 2 plain,guarded,segments,linear hot
  done
done
for v in before final before final; do
  stamp "tails cold $v"; $J -cp $v/server.jar:final/benchmarks.jar io.arbiter.server.bench.DecideTails 20000 2 plain,guarded,segments,linear cold
done
for v in before final before final; do
  stamp "linear $v"; $J -cp $v/benchmarks.jar io.arbiter.bandits.bench.LinearBenchmark 200000
done
for v in before final; do
  stamp "decide path $v"; $J -cp $v/server.jar:$v/benchmarks.jar io.arbiter.server.bench.DecidePathBenchmark 100000
done
stamp end
