# Sourced by scripts/*.sh: puts the project-local tool venv (YoWASP yosys/nextpnr-ecp5/ecppack,
# installed by scripts/install-tools.sh) on PATH after the system tools.
_spikeloom_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$PATH:$_spikeloom_root/.tools/venv/bin"
unset _spikeloom_root
