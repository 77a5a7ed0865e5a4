"""Synthetic NIR networks for the generate-time benchmark (bench/nets/*.nir).

Two-layer LIF MLPs written like snnTorch's exporter writes Leaky layers (dt = 1e-4:
tau = dt / (1 - beta), r = tau / dt, v_leak = 0, v_threshold = 1, v_reset = 0), with random
weights from a fixed seed. Sizes are chosen for about 1k, 10k and 100k synapses.
Run with a Python that has `nir` (e.g. /work/venv-nir/bin/python).
"""
import pathlib
import sys

import nir
import numpy as np

DT = 1e-4
# (inputs, hidden, outputs): synapses = inputs*hidden + hidden*outputs
SIZES = {"mlp_1k": (32, 24, 10), "mlp_10k": (100, 90, 10), "mlp_100k": (300, 320, 10)}


def lif(n, beta):
    tau = np.full(n, DT / (1 - beta), dtype=np.float32)
    return nir.LIF(
        tau=tau,
        r=tau / DT,
        v_leak=np.zeros(n, np.float32),
        v_threshold=np.ones(n, np.float32),
        v_reset=np.zeros(n, np.float32),
    )


def net(i, h, o, rng):
    w1 = (rng.standard_normal((h, i)) / np.sqrt(i)).astype(np.float32)
    w2 = (rng.standard_normal((o, h)) / np.sqrt(h)).astype(np.float32)
    nodes = {
        "input": nir.Input(input_type=np.array([i])),
        "fc1": nir.Affine(weight=w1, bias=np.zeros(h, np.float32)),
        "lif1": lif(h, 0.9),
        "fc2": nir.Affine(weight=w2, bias=np.zeros(o, np.float32)),
        "lif2": lif(o, 0.8),
        "output": nir.Output(output_type=np.array([o])),
    }
    edges = [("input", "fc1"), ("fc1", "lif1"), ("lif1", "fc2"), ("fc2", "lif2"), ("lif2", "output")]
    return nir.NIRGraph(nodes=nodes, edges=edges)


def main():
    out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent / "nets")
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20240601)
    for name, (i, h, o) in SIZES.items():
        nir.write(out / f"{name}.nir", net(i, h, o, rng))
        print(f"{out / name}.nir: {i}-{h}-{o}, {i * h + h * o} synapses")


if __name__ == "__main__":
    main()
