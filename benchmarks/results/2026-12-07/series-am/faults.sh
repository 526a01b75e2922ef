#!/usr/bin/env bash
# Minor page faults of the event-loop thread per experiment (plain, guarded, segments, linear) at 5,000/s.
set -u
repo=/work/main; port=18680
work=$(mktemp -d /tmp/arbiter-faults.XXXXXX); cp -r $repo/config $work/
if [ -n "${SHM_CAPS:-}" ]; then
  (cd $work && exec env EVENT_LOOPS=1 HTTP_PORT=$port ADMIN_TOKEN=bench java -jar $repo/server/target/server.jar) > $work/server0.log 2>&1 &
  s0=$!; for _ in $(seq 1 60); do curl -sf localhost:$port/ready > /dev/null && break; sleep 1; done
  kill $s0; wait $s0
  mv $work/data/frequency-caps-records.table /dev/shm/arbiter-caps.table
  ln -s /dev/shm/arbiter-caps.table $work/data/frequency-caps-records.table; echo "cap file on tmpfs"
fi
(cd $work && exec env EVENT_LOOPS=1 HTTP_PORT=$port ADMIN_TOKEN=bench java -jar $repo/server/target/server.jar) > $work/server.log 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; cp $work/server.log /work/quiet/faults/last-server.log; rm -rf $work; rm -f /dev/shm/arbiter-caps.table' EXIT
for _ in $(seq 1 60); do curl -sf localhost:$port/ready > /dev/null && break; sleep 1; done
admin() { curl -sf -X PUT -H 'Authorization: Bearer bench' -H 'Content-Type: application/json' localhost:$port/v1/experiments/$1 -d "$2" > /dev/null; }
admin plain '{"variants": ["A", "B", "C"], "default": "A"}'
admin guarded '{"variants": ["A", "B", "C"], "default": "A", "holdout": 0.1, "minShare": 0.05, "shares": {"B": {"max": 0.6}}, "burnIn": 100, "frequencyCap": {"count": 3, "period": "P1D"}, "guardrails": [{"metric": "unsubscribe", "direction": "lower", "maxRelativeHarm": 0.2, "confidence": 0.95}]}'
admin segments '{"variants": ["A","B","C","D","E","F","G","H","I","J"], "context": {"model": "segments", "attributes": ["device", "country", "visitor"], "interactions": [["device", "country"]]}}'
snap() { for t in /proc/$server/task/*; do echo "$(basename $t) $(tr ' ' '_' < $t/comm) $(awk '{sub(/^.*\) /,""); print $8}' $t/stat)"; done | sort; }
for round in $(seq 1 ${ROUNDS:-2}); do
for e in ${EXPS:-plain guarded segments}; do
  args=""; [ $e = segments ] && args="--context device=4,country=5,visitor=3"
  snap > before.txt; curl -s localhost:$port/metrics > m.before
  java -jar $repo/loadtest/target/loadtest.jar --url http://127.0.0.1:$port --scenario decide --experiments $e --rate 5000 --duration 20s --warmup 5s --connections 32 --seed 42 --quiet $args > /dev/null 2>&1
  snap > after.txt; curl -s localhost:$port/metrics > m.after
  python3 $repo/loadtest/scripts/metrics-percentiles.py m.before m.after decide 200 | tail -1
  echo "round $round $e: minor faults per thread over 25 s (top 4):"
  join before.txt after.txt | awk '{d=$5-$3; if (d>0) print d, $1, $2}' | sort -rn | head -4
done
done
