#!/usr/bin/env bash
# The GPU check, as one command for a lent CUDA machine (the `device` tool), within about 8 minutes:
#   1. every `#| cuda` notebook cell (each notebook that has one runs top to bottom, slow cells skipped),
#   2. `instagan bench` of the paper preset at 256x256 in bf16: ms per sample-step, CUDA peak memory, GFLOP/s and the
#      fraction of a measured bf16 conv peak,
#   3. one short epoch of paper-preset training (bf16 autocast, fused Adam) on synthetic 256x256 scenes.
# The machine's image has torch but not fastai's stack: fill .whl first with ../shared/gpu/wheels.sh, carry .whl, and
# run `bash tools/gpu_check.sh` from the checkout's root. Results go to $OUT (or /tmp/gpu_check).
set -euo pipefail
export PYTHONUNBUFFERED=1 MPLBACKEND=Agg PYTHONWARNINGS=ignore
OUT=${OUT:-/tmp/gpu_check}; mkdir -p "$OUT"
DEVICE=${DEVICE:-cuda} SIZE=${SIZE:-256} ITERS=${ITERS:-40}   # a CPU smoke test of this script: DEVICE=cpu SIZE=32 ITERS=2
if ! python3 -c 'import fastai' 2>/dev/null; then
  python3 -m pip install -q --no-index --no-deps --no-compile --target /tmp/site .whl/*.whl
  export PYTHONPATH=/tmp/site:$PWD
fi
instagan() { python3 -c 'import sys; from instagan.cli import main; sys.argv[0] = "instagan"; main()' "$@"; }
python3 -c 'import torch; print("torch", torch.__version__, "| GPU:", torch.cuda.get_device_name(0) if torch.cuda.is_available() else None)'
t0=$(date +%s)

echo "== 1. the #| cuda cells"
python3 - <<'PY'
import json, pathlib, time
for nb in sorted(pathlib.Path('nbs').glob('*.ipynb')):
    cells = [''.join(c['source']) for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'code']
    if not any(c.lstrip().startswith('#| cuda') for c in cells): continue
    t, ns = time.time(), {'__name__': '__main__'}
    for src in cells:
        if src.lstrip().startswith(('#| slow', '#| default_exp')) or any(l.startswith(('%', '!')) for l in src.splitlines()): continue
        exec(compile(src, f'{nb.name}', 'exec'), ns)
    print(f"{nb.name}: all cells ran, cuda ones included ({time.time() - t:.0f} s)")
PY

echo "== 2. bench, paper preset, ${SIZE}x${SIZE}, bf16"
instagan bench --device $DEVICE --preset paper --sizes $SIZE --instances 4 --bs 4 --amp bf16 --flops --out "$OUT"

echo "== 3. one short epoch of the paper preset (synthetic ${SIZE}x${SIZE} scenes)"
instagan data synthetic --out /tmp/syn$SIZE --size $SIZE --n-train 64 --n-test 8 --max-instances 8 > /dev/null
instagan train --preset paper --data /tmp/syn$SIZE --size $SIZE --device $DEVICE --epochs 1 --iters $ITERS --out "$OUT/run" | tail -4
python3 - "$OUT/run" <<'PY'
import json, sys
s = json.load(open(sys.argv[1] + '/summary.json'))
print(f"training: {s['wall_s'] / max(s['iters_done'], 1):.2f} s per iteration (bs 4, including data loading and the epoch's figures)")
PY
echo "gpu check done in $(( $(date +%s) - t0 )) s"
