#!/usr/bin/env bash
# Benchmarks, side by side in one run: generate time vs size, Rust engines vs snnTorch,
# cycle model vs Verilator/Icarus, hardware efficiency, accuracy, place and route.
# Writes bench/results.json and bench/results.md (markdown tables for the README).
#
#   scripts/bench.sh [spikeloom-bench flags: --no-rtl --no-pnr --pnr-models a,b ...]
#
# PYTHON: a Python with torch, snntorch, nir, h5py (default: the fixtures' venv,
# tests/fixtures/gen/.venv, made by tests/fixtures/gen/run.sh). Without it the snnTorch
# column is skipped, with a message.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-tests/fixtures/gen/.venv/bin/python}
mkdir -p bench/nets bench/out

snntorch_flag=()
if [ -x "$PYTHON" ] && "$PYTHON" -c "import nir, snntorch, h5py" 2>/dev/null; then
  "$PYTHON" bench/make_nets.py bench/nets
  "$PYTHON" bench/snntorch_bench.py tests/fixtures/models/mlp_subtract bench/out/snntorch.json
  snntorch_flag=(--snntorch bench/out/snntorch.json)
else
  echo "bench.sh: $PYTHON lacks nir/snntorch/h5py: snnTorch not measured" >&2
  [ -n "$(ls bench/nets/*.nir 2>/dev/null)" ] || { echo "bench.sh: no bench/nets/*.nir either" >&2; exit 1; }
fi

cargo build --release -p spikeloom-bench
target/release/spikeloom-bench "${snntorch_flag[@]}" "$@"
