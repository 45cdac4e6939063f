#!/usr/bin/env bash
# Benchmark: wall time of `collapsecheck predict` (whole process: start-up, corpus, tokenizing, theory).
# Usage: bash bench/predict.sh [POLICY] [RUNS]   (default: the embedded default policy, 10 runs)
set -euo pipefail
cd "$(dirname "$0")/.."
policy=${1:-}; runs=${2:-10}
dotnet build src/CollapseCheck.Tool -c Release -v q -nologo > /dev/null
tool=src/CollapseCheck.Tool/bin/Release/net10.0/collapsecheck.dll
dotnet "$tool" predict $policy > /dev/null   # warm-up: fills the docs cache on a first run
times=()
for _ in $(seq "$runs"); do
  start=$(date +%s%N); dotnet "$tool" predict $policy > /dev/null; end=$(date +%s%N)
  times+=($(( (end - start) / 1000000 )))
done
printf '%s\n' "${times[@]}" | sort -n | awk -v runs="$runs" -v policy="${policy:-embedded default}" '
  { t[NR] = $1; sum += $1 }
  END { printf "predict (%s): %d runs, mean %.0f ms, min %d ms, median %d ms, max %d ms\n", policy, runs, sum / NR, t[1], t[int((NR + 1) / 2)], t[NR] }'
