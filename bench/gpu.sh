#!/usr/bin/env bash
# Side-by-side GPU benchmark for a GPU machine that has PyTorch but no .NET (and perhaps no network).
#   1. here:   bash bench/gpu.sh        publishes the tool and packs it, with the .NET runtime, into .gpu/
#   2. there:  bash .gpu/side-by-side.sh  (with this checkout and .gpu/ copied over)
# There, side-by-side.sh runs `collapsecheck bench --device cuda` on PyTorch's own libtorch (the CUDA build), then
# bench/reference.py eager and with torch.compile, in one session, and leaves the JSON files and nvidia-smi's
# description of the GPU in $OUT. --peak-tflops is the fp32 non-tensor peak of an H100 or H200 SXM (67, the same
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
rm -rf "$app" && mkdir -p "$app" && tar -xzf "$pack/app.tgz" -C "$app"
torch_lib=$(python3 -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
export DOTNET_ROOT=$dotnet_root LD_LIBRARY_PATH="$torch_lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
exec "$dotnet_root/dotnet" "$app/collapsecheck.dll" "$@"
RUN
cat > .gpu/side-by-side.sh <<'SCRIPT'
#!/usr/bin/env bash
set -uo pipefail
out=${OUT:-/tmp/out}; mkdir -p "$out"
torch_lib=$(python3 -c 'import torch, os; print(os.path.join(os.path.dirname(torch.__file__), "lib"))')
nvidia-smi --query-gpu=name,memory.total,clocks.max.sm --format=csv > "$out/gpu.csv" 2>&1
peak=${PEAK_TFLOPS:-67}
bash .gpu/run.sh doctor --libtorch "$torch_lib" > "$out/doctor.txt" 2>&1
bash .gpu/run.sh bench --device cuda --libtorch "$torch_lib" --peak-tflops "$peak" --no-lineage --json > "$out/torchsharp.json" 2> "$out/torchsharp.err"
python3 bench/reference.py --device cuda > "$out/eager.json" 2> "$out/eager.err"
python3 bench/reference.py --device cuda --compile > "$out/compile.json" 2> "$out/compile.err"
python3 bench/reference.py --device cuda --bf16 > "$out/eager-bf16.json" 2> "$out/eager-bf16.err"
bash .gpu/run.sh bench --device cuda --libtorch "$torch_lib" --precision bf16 --no-lineage --json > "$out/torchsharp-bf16.json" 2> "$out/torchsharp-bf16.err"
python3 - "$out" <<'PY'
import json, sys, os
out = sys.argv[1]
def load(name):
    try: return json.load(open(os.path.join(out, name)))
    except Exception as e: return None
def compare(ts, refs):
  for i, case in enumerate((ts or {}).get("results", [])):
    print(case["name"], ts.get("precision"))
    for field in ("trainTokensPerSecond", "trainFlopsPerSecond", "evaluateTokensPerSecond", "sampleTokensPerSecondCached"):
        row = f"  {field:30} torchsharp {case[field]:14,.0f}"
        for label, ref in refs:
            if ref: row += f"   {label} {ref['results'][i][field]:14,.0f} (x{case[field] / ref['results'][i][field]:.2f})"
        print(row)
    print(f"  decoding step early/late ms   torchsharp {case['decodeStepMsEarly']:.3f} / {case['decodeStepMsLate']:.3f} (x{case['decodeStepMsLate'] / case['decodeStepMsEarly']:.2f})")
  if ts and ts.get("trainModelFlopsUtilisation"):
    print("  model FLOPs utilisation (training):", [f"{u:.1%}" for u in ts["trainModelFlopsUtilisation"] if u is not None])
compare(load("torchsharp.json"), (("eager", load("eager.json")), ("compile", load("compile.json"))))
compare(load("torchsharp-bf16.json"), (("eager bf16", load("eager-bf16.json")),))
PY
SCRIPT
du -ch .gpu/* | tail -1 | sed 's/total$/in .gpu, all to be carried/'
echo "ready: on the GPU machine, from this checkout: bash .gpu/side-by-side.sh"
