"""The README's notebook example runs as written: it is examples/snntorch_to_bitstream.py, word
for word, and this runs that script (train a tiny snnTorch net, from_snntorch, quantize, verify,
build for the iCEBreaker)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "examples" / "snntorch_to_bitstream.py"


def test_readme_example_is_the_script():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    script = SCRIPT.read_text(encoding="utf-8")
    assert script in blocks, "README's example differs from examples/snntorch_to_bitstream.py"


def test_example_runs(tmp_path):
    if not os.environ.get("SPIKELOOM_REQUIRE_TORCH"):
        pytest.importorskip("torch")
        pytest.importorskip("snntorch")
    r = subprocess.run(
        [sys.executable, str(SCRIPT)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert r.returncode == 0, r.stdout + r.stderr
    assert "PASS" in r.stdout
    assert (tmp_path / "out" / "toy-icebreaker" / "design.bin").is_file()
    assert (tmp_path / "toy.q.json").is_file()
