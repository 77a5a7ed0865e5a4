#!/usr/bin/env bash
# The one test command (README, .ci/run): installs the external tools spikeloom's tests need on a
# fresh Debian machine (idempotent), then runs every test. Tool-dependent tests are REQUIRED here:
# a missing simulator or synthesis tool fails the run instead of skipping.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-tools.sh
# shellcheck disable=SC1091
source scripts/tool-env.sh
export SPIKELOOM_REQUIRE_TOOLS=1
cargo test --workspace --all-targets --no-fail-fast
# The Python package (pyproject.toml, crates/python, python/): pytest with torch + snnTorch.
bash scripts/test-python.sh
