#!/usr/bin/env bash
# Side-by-side GPU benchmark for a GPU machine that has PyTorch but no .NET (and perhaps no network).
#   1. here:   bash bench/gpu.sh        publishes the tool and packs it, with the .NET runtime, into .gpu/
#   2. there:  bash .gpu/side-by-side.sh  (with this checkout and .gpu/ copied over)
# There, side-by-side.sh runs `collapsecheck bench --device cuda` on PyTorch's own libtorch (the CUDA build), then
# bench/reference.py eager and with torch.compile, in one session, and the embedded default policy's lineage on the
# GPU (the SDK's reference docs travel in .gpu/docs.tar.xz); it leaves the JSON files and a log (nvidia-smi's
# description of the GPU, doctor, every step's stderr and exit) in $OUT. --peak-tflops is the fp32 non-tensor peak of an H100 or H200 SXM (67, the same
# GH100 chip); for an H100 PCIe use PEAK_TFLOPS=51.
# A GPU machine that has .NET needs none of this: install the tool and run
#   collapsecheck bench --device cuda --libtorch "$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))')/lib"
set -euo pipefail
cd "$(dirname "$0")/.."
publish=$(mktemp -d)
trap 'rm -rf "$publish"' EXIT
dotnet publish src/CollapseCheck.Tool -c Release -r linux-x64 --self-contained false -o "$publish"
mkdir -p .gpu
# The .NET runtime the tool needs (the SDK's own copy), packed once: it does not change between builds.
if [ ! -f .gpu/runtime.tar.xz ]; then
  runtime=$(dirname "$(readlink -f "$(command -v dotnet)")")
  tar -C "$runtime" -cJf .gpu/runtime.tar.xz dotnet host shared/Microsoft.NETCore.App
fi
# The SDK's reference XML docs, so builtin:dotnet-docs (the embedded default policy's corpus) reads there as here:
# the corpus is found beside the running dotnet. About 1.6 MB packed.
if [ ! -f .gpu/docs.tar.xz ]; then
  sdk=$(dirname "$(readlink -f "$(command -v dotnet)")")
  # Through a temporary file: a failed tar (no SDK packs) must not leave an empty archive that later runs trust.
  (cd "$sdk" && tar -cJf - packs/Microsoft.NETCore.App.Ref/*/ref/net*/*.xml) > .gpu/docs.tar.xz.tmp
  mv .gpu/docs.tar.xz.tmp .gpu/docs.tar.xz
fi
# The tool without other platforms' natives; libtorch itself is never in the publish folder (it comes from the
# NuGet cache here, and from PyTorch there).
tar -C "$publish" -czf .gpu/app.tgz --exclude='./runtimes/win-*' --exclude='./runtimes/osx-*' .
cat > .gpu/run.sh <<'RUN'
#!/usr/bin/env bash
# collapsecheck on the GPU machine: the packed runtime and tool, on PyTorch's libtorch.
set -euo pipefail
pack=$(cd "$(dirname "$0")" && pwd)
dotnet_root=/tmp/collapsecheck-dotnet app=/tmp/collapsecheck-app
[ -x "$dotnet_root/dotnet" ] || { mkdir -p "$dotnet_root" && tar -xJf "$pack/runtime.tar.xz" -C "$dotnet_root"; }
[ -d "$dotnet_root/packs/Microsoft.NETCore.App.Ref" ] || tar -xJf "$pack/docs.tar.xz" -C "$dotnet_root"
rm -rf "$app" && mkdir -p "$app" && tar -xzf "$pack/app.tgz" -C "$app"
torch_lib=$(python3 -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
export DOTNET_ROOT=$dotnet_root LD_LIBRARY_PATH="$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
exec "$dotnet_root/dotnet" "$app/collapsecheck.dll" "$@"
RUN
cat > .gpu/side-by-side.sh <<'SCRIPT'
#!/usr/bin/env bash
# Every step has its own time limit and goes on after a failure; stderr of all of them goes to log.txt, so $OUT
# holds few files (the device tool brings back at most 8).
set -uo pipefail
out=${OUT:-/tmp/out}; mkdir -p "$out"
log="$out/log.txt"; : > "$log"
exec 3>&1
step() {  # step NAME SECONDS COMMAND...: stdout wherever the caller sends it, stderr and the outcome to the log
  local name=$1 limit=$2 started=$SECONDS; shift 2
  echo "== $name (limit $limit s)" >> "$log"
  timeout "$limit" "$@" 2>> "$log"
  local rc=$?
  echo "== $name: exit $rc after $((SECONDS - started)) s" | tee -a "$log" >&3
}
torch_lib=$(python3 -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
peak=${PEAK_TFLOPS:-67}
{ nvidia-smi --query-gpu=name,memory.total,clocks.max.sm,driver_version --format=csv; python3 -c 'import torch; print("torch", torch.__version__, torch.version.cuda)'; } >> "$log" 2>&1
step doctor 60 bash .gpu/run.sh doctor --libtorch "$torch_lib" >> "$log"
step "collapsecheck bench fp32" 120 bash .gpu/run.sh bench --device cuda --libtorch "$torch_lib" --peak-tflops "$peak" --no-lineage --json > "$out/torchsharp.json"
step "reference eager fp32" 90 python3 bench/reference.py --device cuda > "$out/eager.json"
# The 3.5M model's pair again, to see how far one run of each moves.
step "collapsecheck bench fp32, 3.5M again" 90 bash .gpu/run.sh bench --device cuda --libtorch "$torch_lib" --model 3.5m --no-lineage --json > "$out/torchsharp-again.json"
step "reference eager fp32, 3.5M again" 90 python3 bench/reference.py --device cuda --model 3.5m > "$out/eager-again.json"
# PyTorch trained the way collapsecheck's trainer does (flat buffers, AdamW by hand, gathered rows, summed loss), then
# with the flat buffers alone: whether the training gap comes with the loop's design or with the binding. Kept out of
# $OUT (at most 8 files come back); the ratios are printed at the end and the JSON goes into the log.
mimic=$(mktemp -d)
step "reference eager fp32, 3.5M, trained as collapsecheck" 60 python3 bench/reference.py --device cuda --model 3.5m --mimic all > "$mimic/all.json"
step "reference eager fp32, 3.5M, flat buffers only" 60 python3 bench/reference.py --device cuda --model 3.5m --mimic flat-grads > "$mimic/flat-grads.json"
cat "$mimic"/*.json >> "$log" 2>&1
# The main job on the GPU: the embedded default policy's lineage, timed by phase in its manifest.
lineage=$(mktemp -d)
step "collapsecheck run (default policy, cuda)" 120 bash .gpu/run.sh run --device cuda --libtorch "$torch_lib" --cache off -o "$lineage/report" >> "$log"
# Its manifest's per-generation times go into the log (the device tool brings back at most 8 files).
cat "$lineage/report/collapsecheck-run.json" >> "$log" 2>&1
step "reference compile fp32" 150 python3 bench/reference.py --device cuda --compile > "$out/compile.json"
step "collapsecheck bench bf16" 100 bash .gpu/run.sh bench --device cuda --libtorch "$torch_lib" --precision bf16 --no-lineage --json > "$out/torchsharp-bf16.json"
step "reference eager bf16" 80 python3 bench/reference.py --device cuda --bf16 > "$out/eager-bf16.json"
python3 - "$out" "$mimic" <<'PY'
import json, sys, os
out, mimic = sys.argv[1], sys.argv[2]
def load(name, folder=out):
    try: return json.load(open(os.path.join(folder, name)))
    except Exception as e: return None
def number(case, field):
    value = (case or {}).get(field)
    return value if isinstance(value, (int, float)) else None
def named(ref, name):
    return next((r for r in (ref or {}).get("results", []) if r.get("name") == name), {})
def compare(ts, refs):
  for case in (ts or {}).get("results", []):
    print(case["name"], ts.get("precision"))
    for field in ("trainTokensPerSecond", "trainFlopsPerSecond", "evaluateTokensPerSecond", "sampleTokensPerSecondCached", "sampleTokensPerSecondUncached"):
        mine = number(case, field)
        if mine is None: continue
        row = f"  {field:30} torchsharp {mine:14,.0f}"
        for label, ref in refs:
            theirs = number(named(ref, case["name"]), field)
            if theirs: row += f"   {label} {theirs:14,.0f} (x{mine / theirs:.2f})"
        print(row)
    early, late = number(case, "decodeStepMsEarly"), number(case, "decodeStepMsLate")
    if early and late:
        row = f"  decoding step early/late ms   torchsharp {early:.3f} / {late:.3f} (x{late / early:.2f})"
        for label, ref in refs:
            r = named(ref, case["name"])
            e, l = number(r, "decodeStepMsEarly"), number(r, "decodeStepMsLate")
            if e and l: row += f"   {label} {e:.3f} / {l:.3f} (x{l / e:.2f})"
        print(row, f"at positions {case.get('decodeEarlyPositions')} and {case.get('decodeLatePositions')}")
  if ts and ts.get("trainModelFlopsUtilisation"):
    print("  model FLOPs utilisation (training):", [f"{u:.1%}" for u in ts["trainModelFlopsUtilisation"] if u is not None])
compare(load("torchsharp.json"), (("eager", load("eager.json")), ("compile", load("compile.json"))))
compare(load("torchsharp-again.json"), (("eager", load("eager-again.json")),))
compare(load("torchsharp-bf16.json"), (("eager bf16", load("eager-bf16.json")),))
eager = number(named(load("eager-again.json"), "3.5M-parameter model"), "trainTokensPerSecond")
for variant in ("all", "flat-grads"):
    theirs = number(named(load(variant + ".json", mimic), "3.5M-parameter model"), "trainTokensPerSecond")
    if eager and theirs:
        print(f"3.5M training, PyTorch eager as collapsecheck ({variant}): {theirs:,.0f} tokens/s, x{theirs / eager:.2f} of its idiomatic loop")
PY
SCRIPT
du -ch .gpu/* | tail -1 | sed 's/total$/in .gpu, all to be carried/'
echo "ready: on the GPU machine, from this checkout: bash .gpu/side-by-side.sh"
