"""snnTorch on CPU on the same model and input as the Rust engines (mlp_subtract fixture).

Builds the fixture's network in snnTorch (Linear -> Leaky -> Linear -> Leaky, beta 0.9 / 0.8,
threshold 1, reset by subtraction: the settings in the fixture's meta.json) with the weights of
its model.nir, runs all samples as one batch over T steps under torch.no_grad() on one thread
(the Rust engines are single-threaded), checks the output spikes against the spikes snnTorch
recorded when the fixture was made, and writes the median time as JSON.
Usage: python snntorch_bench.py FIXTURE_DIR OUT.json   (needs torch, snntorch, h5py, numpy)
"""
import json
import pathlib
import statistics
import sys
import time

import h5py
import numpy as np
import snntorch as snn
import torch


def weights(path):
    with h5py.File(path, "r") as f:
        nodes = f["node"]["nodes"]
        get = lambda n, k: np.asarray(nodes[n][k], dtype=np.float32)
        return {n: (get(n, "weight"), get(n, "bias")) for n in ("fc1", "fc2")}


class Net(torch.nn.Module):
    def __init__(self, w):
        super().__init__()
        self.fc1 = torch.nn.Linear(*w["fc1"][0].shape[::-1])
        self.fc2 = torch.nn.Linear(*w["fc2"][0].shape[::-1])
        for layer, name in ((self.fc1, "fc1"), (self.fc2, "fc2")):
            layer.weight.data = torch.from_numpy(w[name][0])
            layer.bias.data = torch.from_numpy(w[name][1])
        self.lif1 = snn.Leaky(beta=0.9, threshold=1.0, reset_mechanism="subtract")
        self.lif2 = snn.Leaky(beta=0.8, threshold=1.0, reset_mechanism="subtract")

    def forward(self, x):
        m1 = self.lif1.init_leaky()
        m2 = self.lif2.init_leaky()
        out = []
        for t in range(x.shape[0]):
            s1, m1 = self.lif1(self.fc1(x[t]), m1)
            s2, m2 = self.lif2(self.fc2(s1), m2)
            out.append(s2)
        return torch.stack(out)


def main():
    fixture = pathlib.Path(sys.argv[1])
    out = pathlib.Path(sys.argv[2])
    torch.set_num_threads(1)
    net = Net(weights(fixture / "model.nir")).eval()
    x = torch.from_numpy(np.load(fixture / "input.npy").astype(np.float32))
    expected = np.load(fixture / "expected_spikes_lif2.npy")
    with torch.no_grad():
        spikes = net(x).numpy()
        times = []
        start = time.perf_counter()
        while len(times) < 5 or (time.perf_counter() - start < 2.0 and len(times) < 200):
            t0 = time.perf_counter()
            net(x)
            times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    steps, samples = x.shape[0], x.shape[1]
    result = {
        "setup": f"snnTorch {snn.__version__}, torch {torch.__version__.split('+')[0]}, CPU, 1 thread, batch {samples}",
        "what": f"{samples} samples x {steps} steps",
        "median_s": median,
        "steps_per_s": steps * samples / median,
        "matches_fixture": bool(np.array_equal(spikes, expected)),
    }
    out.write_text(json.dumps(result, indent=1) + "\n")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
