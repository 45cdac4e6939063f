#!/usr/bin/env bash
# Prepares a side-by-side GPU benchmark: publishes the tool and packs it with ../shared/gpu/pack.sh into .gpu/
# (git-ignored). Then, with the device tool, carry [".gpu", "bench"] and run on the GPU machine:
#   bash .gpu/run.sh bench --device cuda --json > $OUT/torchsharp.json && \
#   python3 bench/reference.py --device cuda > $OUT/eager.json && \
#   python3 bench/reference.py --device cuda --compile > $OUT/compile.json
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet publish src/CollapseCheck.Tool -c Release -r linux-x64 --self-contained false -o /tmp/collapsecheck-gpu-publish
bash ../shared/gpu/pack.sh /tmp/collapsecheck-gpu-publish collapsecheck.dll
