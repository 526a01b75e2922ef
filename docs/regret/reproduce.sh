#!/usr/bin/env bash
# Reproduces the four settings of Chapelle & Li (2011), Figure 1, plus the drift scenario, with the simulator in
# bandits/target/bandits.jar (build: ./mvnw -q -pl bandits package -DskipTests). Writes JSON, SVG and Markdown
# tables next to this script. Runs: 20 for K = 10, 6 for K = 100 (CPU budget: ~20 minutes on 2 shared cores).
# SETTINGS selects a subset, e.g. SETTINGS="100:0.1:6 100:0.02:6".
set -euo pipefail
cd "$(dirname "$0")"
JAR=${JAR:-../../bandits/target/bandits.jar}   # copy it elsewhere first if you rebuild while this runs
THREADS=${THREADS:-2}
T=${HORIZON:-10000000}
run() { # arms gap runs
  local name="k$1-eps$2"
  java -jar "$JAR" regret --arms "$1" --gap "$2" --horizon "$T" --runs "$3" --seed 2011 --threads "$THREADS" \
    --policies thompson,ucb1,egreedy,random --per-decade 4 \
    --json-out "$name.json" --svg "$name.svg" > "$name.md"
  echo "done $name"
}
for s in ${SETTINGS:-10:0.1:20 10:0.02:20 100:0.1:6 100:0.02:6}; do
  IFS=: read -r k gap runs <<< "$s"
  run "$k" "$gap" "$runs"
done
[ "${DRIFT:-1}" = 1 ] && java -jar "$JAR" drift --arms 10 --gap 0.1 --horizon 200000 --runs 50 --seed 2011 --threads "$THREADS" \
  --half-life 10000 --points 40 --json-out drift.json --svg drift.svg > drift.md
echo "done"
# The plots can be redrawn from the JSON alone:
#   java -jar "$JAR" plot --json k10-eps0.1.json --svg k10-eps0.1.svg
