#!/usr/bin/env bash
# Side-by-side GPU benchmark, prepared here and run on the GPU machine (PyTorch installed, no .NET, no network).
#   1. here:  bash bench/gpu.sh          publishes the tool and packs it with ../shared/gpu/pack.sh into .gpu/
#   2. device tool: carry [".gpu"], command:  bash .gpu/side-by-side.sh
# On the device, side-by-side.sh runs `collapsecheck bench --device cuda` on PyTorch's own libtorch, then
# bench/reference.py eager and with torch.compile, in one session, and leaves the JSON files and nvidia-smi's
# description of the GPU in $OUT. --peak-tflops is the fp32 non-tensor peak of an H100 or H200 SXM (67, the same GH100 chip); for an H100 PCIe use 51.
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet publish src/CollapseCheck.Tool -c Release -r linux-x64 --self-contained false -o /tmp/collapsecheck-gpu-publish
bash ../shared/gpu/pack.sh /tmp/collapsecheck-gpu-publish collapsecheck.dll
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
    print(f"  decoding step early/late ms   torchsharp {case['sampleMsPerTokenEarly']:.3f} / {case['sampleMsPerTokenLate']:.3f} (x{case['sampleMsPerTokenLate'] / case['sampleMsPerTokenEarly']:.2f})")
  if ts and ts.get("trainModelFlopsUtilisation"):
    print("  model FLOPs utilisation (training):", [f"{u:.1%}" for u in ts["trainModelFlopsUtilisation"] if u is not None])
compare(load("torchsharp.json"), (("eager", load("eager.json")), ("compile", load("compile.json"))))
compare(load("torchsharp-bf16.json"), (("eager bf16", load("eager-bf16.json")),))
PY
SCRIPT
echo "ready: device run with carry [\".gpu\"] and command: bash .gpu/side-by-side.sh"
