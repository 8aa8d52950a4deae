#!/usr/bin/env bash
# The benchmark on a CUDA machine: the tutorial loop, the classic path, the reference train_model over the fast
# loaders (with the learner-style .item() per batch, and with sums kept on the device), and the limit; under 8 minutes.
#
#   bench/gpu_bench.sh prepare   # where the photos are: copy N of them into bench/gpu_data/ (git-ignored)
#   bench/gpu_bench.sh run       # on the GPU machine: run the comparison, write the results
#   bench/gpu_bench.sh lesson    # on the GPU machine: lesson 05's training path with a learner's ten pieces
#                                #   (bench/lesson05_gpu.py): their loaders (a worker per core) and the fast
#                                #   loaders measured against the GPU's limit, then trained with each
#   bench/gpu_bench.sh           # prepare, lesson, run
#
# On a lent machine (15 minutes of device time, 10 a command, no package registry, torch and torchvision
# but no Jupyter packages): prepare here, carry bench/gpu_data, and run
#   run(command="bench/gpu_bench.sh lesson", carry=["bench/gpu_data"], timeout_s=540)
# The kit is installed there with pip --no-deps (nothing to download), or found on PYTHONPATH.
#
# Self-contained: after `prepare`, the working tree holds everything the run needs (the photos
# in bench/gpu_data/, about 10 KB each), so it can be copied to a machine that cannot see
# ../shared. The run needs a Python with torch and torchvision (.venv/bin/python if it has
# them, else python3; set PYTHON to choose) and no network.
#
# Results: bench/out/bench-gpu-latest.{json,md} (and a time-stamped copy; bench-check-cpu-* for
# DEVICE=cpu), also copied into $OUT when that is set. Settings (environment variables, defaults for an H100/H200-class GPU):
#   PHOTOS=../shared/data/dogs-vs-cats-200px/train  N=4000  SIZE=224  EPOCHS=3
#   SCALE=1000,4000,25000  DEVICE=cuda  LIMIT_S=450 (the run is stopped after this many seconds)
#   THREADS=0 (torch's CPU threads per process; 0: torch's default)
# A quick check of the script on a CPU:
#   DEVICE=cpu N=200 SIZE=32 EPOCHS=1 SCALE=200,400 THREADS=1 bench/gpu_bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PHOTOS=${PHOTOS:-../shared/data/dogs-vs-cats-200px/train}
N=${N:-4000}
SIZE=${SIZE:-224}
EPOCHS=${EPOCHS:-3}
SCALE=${SCALE:-1000,4000,25000}
DEVICE=${DEVICE:-cuda}
LIMIT_S=${LIMIT_S:-450}
THREADS=${THREADS:-0}
LESSON_EPOCHS=${LESSON_EPOCHS:-2}
LESSON_N=${LESSON_N:-$N}
DATA=bench/gpu_data/photos

prepare() {
    local have
    have=$( (find "$DATA" -name '*.jpg' 2>/dev/null || true) | wc -l)
    if [ "$have" -ge "$N" ]; then
        echo "bench/gpu_data holds $have photos already"
        return
    fi
    if [ ! -d "$PHOTOS" ]; then
        echo "no photos at $PHOTOS: set PHOTOS to a folder of cat.N.jpg / dog.N.jpg" >&2
        exit 2
    fi
    mkdir -p "$DATA"
    local half=$((N / 2)) label
    for label in cat dog; do
        find "$PHOTOS" -maxdepth 1 -name "$label.*.jpg" | sort -V | sed -n "1,${half}p" | xargs -r cp -t "$DATA"
    done
    echo "copied $(find "$DATA" -name '*.jpg' | wc -l) photos into $DATA ($(du -sh "$DATA" | cut -f1))"
}

pick_python() {
    if [ -n "${PYTHON:-}" ]; then echo "$PYTHON"; return; fi
    if [ -x .venv/bin/python ] && .venv/bin/python -c 'import torch, torchvision' 2>/dev/null; then
        echo .venv/bin/python; return
    fi
    echo python3
}

run() {
    local py
    py=$(pick_python)
    if ! "$py" -c 'import torch, torchvision, tqdm, PIL' 2>/dev/null; then
        echo "$py lacks torch, torchvision, tqdm or pillow: set PYTHON to one that has them" >&2
        exit 2
    fi
    if [ "$DEVICE" = cuda ] && ! "$py" -c 'import torch, sys; sys.exit(not torch.cuda.is_available())'; then
        echo "no CUDA device here: run on a GPU machine, or set DEVICE=cpu for a quick check" >&2
        exit 2
    fi
    # The kit itself, imported from this working tree when it is not installed.
    export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
    export CATDOG_CACHE="$PWD/bench/gpu_data/cache"
    nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>/dev/null || true
    local train_max=25000 tag=gpu
    if [ "$DEVICE" != cuda ]; then train_max=1000; tag="check-$DEVICE"; fi
    timeout "$LIMIT_S" "$py" bench/bench_train.py --data "$DATA" --images "$N" --size "$SIZE" --epochs "$EPOCHS" \
        --device "$DEVICE" --scale "$SCALE" --scale-size "$SIZE" --scale-train-max "$train_max" \
        --threads "$THREADS" --tag "$tag" --out bench/out
    if [ -n "${OUT:-}" ]; then
        cp "bench/out/bench-$tag-latest.json" "bench/out/bench-$tag-latest.md" "$OUT"/
    fi
}

install_kit() {
    # The kit itself, with no dependency fetched (there is no registry there); PYTHONPATH when pip cannot.
    "$1" -m pip install -q --no-deps --no-build-isolation --no-index -e . 2>/dev/null \
        || echo "(pip could not install the kit: using it from $PWD through PYTHONPATH)"
    export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
}

lesson() {
    local py out
    py=$(pick_python)
    if ! "$py" -c 'import torch, torchvision, PIL' 2>/dev/null; then
        echo "$py lacks torch, torchvision or pillow: set PYTHON to one that has them" >&2
        exit 2
    fi
    install_kit "$py"
    nvidia-smi 2>/dev/null || echo "(no nvidia-smi here)"
    out=${OUT:-bench/out}
    mkdir -p "$out"
    timeout "$LIMIT_S" "$py" bench/lesson05_gpu.py --photos "$DATA" --images "$LESSON_N" --size "$SIZE" \
        --epochs "$LESSON_EPOCHS" --device "$DEVICE" --out "$out" ${BATCH:+--batch-size "$BATCH"}
}

case "${1:-all}" in
    prepare) prepare ;;
    run) run ;;
    lesson) lesson ;;
    all) prepare; lesson; run ;;
    *) echo "usage: bench/gpu_bench.sh [prepare|run|lesson|all]" >&2; exit 2 ;;
esac
