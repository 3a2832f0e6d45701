#!/usr/bin/env bash
# Rebuild the committed evaluation reports under docs/evaluation/ from the raw datasets.
# Usage: scripts/evaluate_reports.sh [SHARED_DIR]   (default: ../shared, next to the repo)
# The raw data is read by path and never copied into the repository (MovieLens terms);
# the per-user tables are left out of git (--no-per-user).
# The Amazon config file can skip (protocol, strategy) pairs; it used to skip the bench
# runner's cold-item fit (over 10 minutes then), which now takes under 4 and runs.
set -euo pipefail
SHARED="${1:-../shared}"
OUT=docs/evaluation
dayone evaluate "$SHARED/data/ml-100k" --out "$OUT/ml-100k" --no-per-user
dayone evaluate "$SHARED/data/amazon-scientific-unisrec" --out "$OUT/amazon-scientific" --no-per-user \
  --config "$OUT/amazon-scientific.config.json"
