# Sourced by scripts/*.sh: puts the project-local tool venv (the YoWASP builds of Yosys, nextpnr
# and the packers, installed by scripts/install-tools.sh) on PATH after the system tools. The
# order does not decide which tool a build uses: `spikeloom build` compares versions (README
# "Tools").
_spikeloom_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$PATH:$_spikeloom_root/.tools/venv/bin"
unset _spikeloom_root
