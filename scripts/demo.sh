#!/usr/bin/env bash
# The main job on the bundled example, on a fresh Debian machine: installs the FPGA tools,
# builds spikeloom, then takes the digits MLP trained in snnTorch (tests/fixtures/models/
# mlp_subtract) from NIR to verified Verilog and to bitstreams for iCEBreaker (iCE40 UP5K) and
# ULX3S (ECP5 25F), with reports. Usage: scripts/demo.sh [OUT_DIR]   (default: out)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-out}"
model=tests/fixtures/models/mlp_subtract
bash scripts/install-tools.sh
# shellcheck disable=SC1091
source scripts/tool-env.sh
echo "== building spikeloom"
cargo build --release -p spikeloom
sl=target/release/spikeloom
mkdir -p "$out"

echo; echo "== 1. what is in the model"
"$sl" inspect "$model/model.nir"

echo; echo "== 2. quantize (8-bit weights, 16-bit state) with the float vs fixed report"
"$sl" quantize "$model/model.nir" --calibrate "$model/input.npy" --labels "$model/labels.npy" \
  -o "$out/mlp_subtract.q.json"

echo; echo "== 3. verify: fixed == cycle model == Verilator == Icarus, bit and cycle exact"
"$sl" verify "$model/model.nir" --input "$model/input.npy" --labels "$model/labels.npy" \
  --samples 16 --board icebreaker --work "$out/verify"

for board in icebreaker ulx3s-25f; do
  echo; echo "== 4. bitstream for $board"
  "$sl" build "$out/mlp_subtract.q.json" --board "$board" -o "$out/$board" --sample "$model/input.npy"
  cat "$out/$board/report.txt"
done
echo; echo "done: bitstreams and reports in $out/icebreaker and $out/ulx3s-25f"
