#!/usr/bin/env bash
# Run every bench task in each applicable setting (3 seeds where training is stochastic),
# score each run with the bench's own score.py (--json --bootstrap 1000), and write the
# markdown table for docs/benchmarks.md.
#
#   scripts/bench_all.sh [OUT_DIR] [BENCH_DIR]        (defaults: runs/bench ../shared/bench)
#   TASKS="ml100k-newuser-k1 scientific-seq" SEEDS="0" scripts/bench_all.sh   # a subset
#   SETTINGS="trained" SEEDS="1 2" scripts/bench_all.sh                        # add seeds
#
# Runs one task at a time under `nice` (shared 2-core machines).
set -euo pipefail
OUT=${1:-runs/bench}
BENCH=${2:-../shared/bench}
SEEDS=${SEEDS:-"0 1 2"}
BOOT=${BOOTSTRAP:-1000}
PY=${PYTHON:-python}
mkdir -p "$OUT"
TASKS=${TASKS:-$($PY -c "import json,sys; print(' '.join(sorted(json.load(open(sys.argv[1])))))" "$BENCH/tasks/index.json")}

for task in $TASKS; do
  dir="$BENCH/tasks/$task"
  kind=$($PY -c "import json,sys; print(json.load(open(sys.argv[1]))['kind'])" "$dir/task.json")
  ntrain=$($PY -c "import json,sys; print(json.load(open(sys.argv[1])).get('counts',{}).get('train',1))" "$dir/task.json")
  # zero-shot is deterministic (one run); trained fits are seeded (SEEDS runs).
  settings=${SETTINGS:-"zero-shot trained"}
  if [ "$kind" = "binary" ] && [ "$ntrain" = "0" ]; then settings="zero-shot"; fi
  for setting in $settings; do
    seeds="$SEEDS"
    if [ "$setting" = "zero-shot" ]; then seeds="0"; fi
    for seed in $seeds; do
      resp="$OUT/$task/$setting-s$seed.jsonl"
      mkdir -p "$OUT/$task"
      echo ">> $task $setting seed=$seed"
      nice -n 10 $PY -m dayone.cli.main run-bench "$dir" --out "$resp" --setting "$setting" --seed "$seed" --quiet \
        > "$OUT/$task/$setting-s$seed.run.json"
      nice -n 10 $PY "$BENCH/score.py" "$dir" "$resp" --json --bootstrap "$BOOT" > "$OUT/$task/$setting-s$seed.score.json"
    done
  done
done
$PY -m dayone.bench.report "$OUT" --bench "$BENCH" > "$OUT/table.md"
echo "table: $OUT/table.md"
