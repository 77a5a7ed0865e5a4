"""Where does nextpnr start to struggle? Builds synthetic LIF MLPs of growing size for a board and
records, per design, the logic utilisation nextpnr reports, each seed's place-and-route time and
whether it routed. The fit check's target utilisation per family (README "Tools") comes from this.

Nets: 64 inputs, DEPTH hidden LIF layers of WIDTH, 10 outputs, beta = 0.875 (a shift-add leak, so
DSPs do not limit the sweep), random weights from a fixed seed; built with `spikeloom build
--lanes L --state-bits B --no-verify --allow-timing-failure --seeds S` (wider state, more logic).
BOARD may be a board file: one with `luts` raised past the device's lets the sweep go above the
fit check's target (nextpnr still gets the real device).

Usage (a Python with `nir` and numpy, e.g. /work/venvs/fixtures/bin/python; SPIKELOOM=path picks
the binary, default target/debug/spikeloom):
  python bench/routability.py BOARD OUT_DIR "DEPTHxWIDTHxLANES[xSTATE_BITS] ..." [SEEDS] [PNR_LIMIT_S]
  e.g. python bench/routability.py icebreaker /tmp/route "1x48x1 1x48x2 2x48x4" 2 900
Prints one markdown row per design and writes OUT_DIR/results.json.
"""
import json
import os
import pathlib
import subprocess
import sys
import time

import nir
import numpy as np

from make_nets import lif  # snnTorch-style Leaky parameters (bench/make_nets.py)

BETA = 0.875
REPO = pathlib.Path(__file__).resolve().parent.parent
SPIKELOOM = os.environ.get("SPIKELOOM", REPO / "target" / "debug" / "spikeloom")


def mlp(depth, width, rng, inputs=64, outputs=10):
    sizes = [inputs] + [width] * depth + [outputs]
    nodes = {"input": nir.Input(input_type=np.array([inputs]))}
    edges = []
    prev = "input"
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        w = (rng.standard_normal((b, a)) / np.sqrt(a) * 2).astype(np.float32)
        nodes[f"fc{i}"] = nir.Affine(weight=w, bias=np.zeros(b, np.float32))
        nodes[f"lif{i}"] = lif(b, BETA)
        edges += [(prev, f"fc{i}"), (f"fc{i}", f"lif{i}")]
        prev = f"lif{i}"
    nodes["output"] = nir.Output(output_type=np.array([outputs]))
    edges.append((prev, "output"))
    return nir.NIRGraph(nodes=nodes, edges=edges)


def build(board, out, depth, width, lanes, state_bits, seeds, limit):
    name = f"d{depth}w{width}l{lanes}s{state_bits}"
    d = out / name
    d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([20240601, depth, width])  # same net for every lanes/state bits
    nir.write(d / "model.nir", mlp(depth, width, rng))
    x = (rng.random((25, 16, 64)) < 0.2).astype(np.uint8)
    np.save(d / "input.npy", x)
    cmd = [
        str(SPIKELOOM), "build", str(d / "model.nir"), "--calibrate", str(d / "input.npy"),
        "--board", board, "-o", str(d / "out"), "--lanes", str(lanes), "--no-verify",
        "--state-bits", str(state_bits),
        "--allow-timing-failure", "--seeds", str(seeds),
        "--step-timeout", f"place-and-route={limit}",
    ]
    start = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True)
    row = {"design": name, "depth": depth, "width": width, "lanes": lanes,
           "seconds": round(time.time() - start, 1), "exit": p.returncode}
    report = d / "out" / "report.json"
    if p.returncode == 0 and report.exists():
        r = json.loads(report.read_text())
        util = r["utilization"]
        cell = "ICESTORM_LC" if "ICESTORM_LC" in util else "TRELLIS_COMB"
        row["cells"] = f"{util[cell]['used']}/{util[cell]['available']}"
        row["util_pct"] = round(100 * util[cell]["used"] / util[cell]["available"], 1)
        row["fmax_mhz"] = r["fmax_mhz"]
        row["seeds"] = r["seeds"]
        row["synth_s"] = next((s for n, s in r["step_seconds"] if n == "synth"), None)
    else:
        row["error"] = p.stderr.strip().splitlines()[-8:]
        # The placer's own count of cells, when it got that far.
        for log in sorted((d / "out" / "build").glob("place-and-route*.log")):
            for line in log.read_text(errors="replace").splitlines():
                if "ICESTORM_LC:" in line or "TRELLIS_COMB:" in line:
                    row["cells"] = line.split(":", 2)[-1].strip()
    return row


def main():
    board, out, specs = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3].split()
    seeds = int(sys.argv[4]) if len(sys.argv) > 4 else 2
    limit = int(sys.argv[5]) if len(sys.argv) > 5 else 900
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for spec in specs:
        depth, width, lanes, *bits = (int(v) for v in spec.split("x"))
        row = build(board, out, depth, width, lanes, bits[0] if bits else 16, seeds, limit)
        rows.append(row)
        (out / "results.json").write_text(json.dumps(rows, indent=1) + "\n")
        seeds_txt = "; ".join(
            f"s{s['seed']} {s['seconds']:.0f} s " + (f"{s['fmax_mhz']:.1f} MHz" if s["fmax_mhz"] else s["error"] or "")
            for s in row.get("seeds", [])
        ) or " / ".join(row.get("error", []))[-200:]
        print(f"| {board} | {row['design']} | {row.get('cells', '?')} | {row.get('util_pct', '?')} | "
              f"{row.get('synth_s', '?')} | {seeds_txt} |", flush=True)


if __name__ == "__main__":
    main()
