#!/usr/bin/env python3
"""Generate small snnTorch reference cases for spikeloom-float's engine test.

Every reset mechanism x reset_delay for Leaky, Synaptic, RLeaky and RSynaptic layers, with
random untrained weights (per-neuron betas, so both the float32 and float64 export paths of
tau appear). Each case folder has the same layout as tests/fixtures/models/<name>/: model.nir
(snnTorch's own exporter), input.npy [T, N, F] uint8, expected_{spikes,mem,syn}_<layer>.npy
recorded from the snnTorch modules, meta.json (reset settings + layer name map).

RSynaptic is only generated with reset_delay=True: at snnTorch 1.0.0 its reset_delay=False
branch reads the spk argument (None with init_hidden=True) and raises.

Usage: python gen_snn_cases.py [OUT_DIR] with torch 2.15, snntorch 1.0.0, nir 1.0.8 and nirtorch 2.6
(the pins of tests/fixtures/gen/requirements.txt; snnTorch imports nirtorch without declaring it).
"""

import json
import sys
import warnings
from collections import OrderedDict
from importlib.metadata import version
from pathlib import Path

import nir
import numpy as np
import snntorch as snn
import torch
from snntorch import utils as snn_utils
from snntorch.export_nir import export_to_nir
from torch import nn

T, N, F, H, O = 30, 4, 16, 12, 5


def neuron(kind, size, reset, delay, gen):
    beta = torch.empty(size).uniform_(0.5, 0.99, generator=gen)
    common = dict(threshold=torch.ones(size), init_hidden=True, reset_mechanism=reset, reset_delay=delay)
    if kind == "Leaky":
        return snn.Leaky(beta=beta, **common)
    alpha = torch.empty(size).uniform_(0.5, 0.95, generator=gen)
    if kind == "Synaptic":
        return snn.Synaptic(alpha=alpha, beta=beta, **common)
    # Recurrent modules export scalar-broadcast params (float64); use one value per layer.
    if kind == "RLeaky":
        return snn.RLeaky(beta=float(beta[0]), all_to_all=True, linear_features=size, **common)
    if kind == "RSynaptic":
        return snn.RSynaptic(alpha=float(alpha[0]), beta=float(beta[0]), all_to_all=True, linear_features=size, **common)
    raise ValueError(kind)


def build(kinds, reset, delay, seed):
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    mods = OrderedDict()
    mods["fc1"] = nn.Linear(F, H)
    mods["n1"] = neuron(kinds[0], H, reset, delay, gen)
    mods["fc2"] = nn.Linear(H, O)
    mods["n2"] = neuron(kinds[1], O, reset, delay, gen)
    net = nn.Sequential(mods)
    with torch.no_grad():
        # Strong enough drive that every layer spikes often and resets matter.
        net.fc1.weight.mul_(4.0)
        net.fc1.bias.add_(0.2)
        net.fc2.weight.mul_(3.0)
        for m in (net.n1, net.n2):
            if hasattr(m, "recurrent"):
                m.recurrent.weight.mul_(2.0)
    return net


def record(net, inputs):
    recs = {name: {"spikes": [], "mem": [], "syn": []} for name in ("n1", "n2")}
    hooks = []
    for name in recs:
        def hook(module, _inp, out, name=name):
            recs[name]["spikes"].append(out.detach().clone())
            recs[name]["mem"].append(module.mem.detach().clone())
            if hasattr(module, "syn"):
                recs[name]["syn"].append(module.syn.detach().clone())
        hooks.append(getattr(net, name).register_forward_hook(hook))
    snn_utils.reset(net)
    with torch.no_grad():
        x = torch.from_numpy(inputs).float()
        for t in range(T):
            net(x[t])
    for h in hooks:
        h.remove()
    return {n: {k: torch.stack(v).numpy().astype(np.float32) for k, v in r.items() if v} for n, r in recs.items()}


def nir_name(kind, name):
    return f"{name}.lif" if kind.startswith("R") else name


def make_case(out, kinds, reset, delay, seed):
    name = f"{kinds[0].lower()}_{kinds[1].lower()}_{reset}_{'delay' if delay else 'nodelay'}"
    folder = out / name
    folder.mkdir(parents=True, exist_ok=True)
    net = build(kinds, reset, delay, seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        graph = export_to_nir(net, torch.zeros(1, F), model_name=name, ignore_dims=[0])
    nir.write(str(folder / "model.nir"), graph)
    rng = np.random.default_rng(seed)
    inputs = (rng.random((T, N, F)) < 0.3).astype(np.uint8)
    np.save(folder / "input.npy", inputs)
    recs = record(net, inputs)
    layers = []
    for kind, mod in zip(kinds, ("n1", "n2")):
        node = nir_name(kind, mod)
        stem = node.replace(".", "_")
        for k, arr in recs[mod].items():
            np.save(folder / f"expected_{k}_{stem}.npy", arr)
        layers.append({"nir_node": node, "file_name": stem, "snntorch_class": kind,
                       "reset_mechanism": reset, "reset_delay": delay,
                       "spike_count": int(recs[mod]["spikes"].sum())})
    meta = {"name": name, "T": T, "N": N, "n_inputs": F, "layers": layers,
            "versions": {p: version(p) for p in ("torch", "snntorch", "nir", "numpy")}}
    (folder / "meta.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(name, [l["spike_count"] for l in layers])


def main():
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent / "snn_cases"
    torch.set_num_threads(1)
    seed = 1
    for reset in ("subtract", "zero", "none"):
        for delay in (True, False):
            make_case(out, ("Leaky", "Synaptic"), reset, delay, seed)
            second = "RSynaptic" if delay else "Leaky"
            make_case(out, ("RLeaky", second), reset, delay, seed + 100)
            seed += 1


if __name__ == "__main__":
    main()
