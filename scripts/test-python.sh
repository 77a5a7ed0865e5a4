#!/usr/bin/env bash
# The Python package's tests (part of scripts/test.sh, so of CI): a venv with the real torch,
# snnTorch and nir (python/requirements-test.txt), `pip install .` of this checkout, then pytest
# on python/tests and the README example (examples/snntorch_to_bitstream.py).
#
# The venv lives outside the checkout, keyed by the requirements' hash, so a later run on the same
# machine reuses it: SPIKELOOM_PY_VENV overrides the place. torch from PyPI brings the CUDA
# wheels (about 5.6 GB installed); a fresh venv took 74 s here (README "Python package").
# `pip install .` builds with the workspace's dev profile in target/, after `cargo test` has
# compiled the same crates.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
"$PYTHON" -c 'import sys; assert sys.version_info >= (3, 9), sys.version' \
  || { echo "error: the Python package needs CPython >= 3.9 ($PYTHON)" >&2; exit 1; }
key="$(sha256sum python/requirements-test.txt | cut -c1-12)"
venv="${SPIKELOOM_PY_VENV:-${XDG_CACHE_HOME:-$HOME/.cache}/spikeloom/py-test-$key}"
if [ ! -x "$venv/bin/pytest" ] || [ ! -f "$venv/.complete" ]; then
  echo "test-python: making the test venv $venv (torch, snnTorch, nir from PyPI)"
  rm -rf "$venv"
  "$PYTHON" -m venv "$venv"
  "$venv/bin/pip" install -q -r python/requirements-test.txt
  touch "$venv/.complete"
fi
# (maturin runs its own binary from PATH)
PATH="$venv/bin:$PATH" "$venv/bin/pip" install -q --no-build-isolation --no-deps --force-reinstall .
export SPIKELOOM_REQUIRE_TORCH=1
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# from the work directory, so the installed package (not ./python) is what is imported
(cd "$work" && "$venv/bin/python" -m pytest -q -p no:cacheprovider -W ignore::DeprecationWarning \
  "$OLDPWD/python/tests")
