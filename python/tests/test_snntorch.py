"""from_snntorch with torch and snnTorch really installed: two networks whose NIR exports are the
same bytes (reset by subtraction vs reset to zero) must each be simulated exactly as snnTorch runs
them, with no flags. Skipped only when torch/snnTorch are absent and SPIKELOOM_REQUIRE_TORCH is
unset (scripts/test.sh sets it, so CI fails instead)."""

import io
import os

import numpy as np
import pytest

import spikeloom

if os.environ.get("SPIKELOOM_REQUIRE_TORCH"):
    import snntorch  # noqa: F401  (a missing package fails the run)
    import torch
else:
    torch = pytest.importorskip("torch")
    pytest.importorskip("snntorch")

import nir  # noqa: E402
import snntorch as snn  # noqa: E402
from snntorch import utils as snn_utils  # noqa: E402

T, N, F, H, O = 30, 16, 12, 20, 6


def make_net(reset: str, reset_delay: bool = True):
    # per-neuron beta and threshold tensors: the exporter gives the NIR nodes their shapes
    def leaky(size, beta, **kw):
        return snn.Leaky(
            beta=beta * torch.ones(size),
            threshold=torch.ones(size),
            init_hidden=True,
            reset_mechanism=reset,
            reset_delay=reset_delay,
            **kw,
        )

    torch.manual_seed(7)
    net = torch.nn.Sequential(
        torch.nn.Linear(F, H),
        leaky(H, 0.9),
        torch.nn.Linear(H, O),
        leaky(O, 0.8, output=True),
    )
    with torch.no_grad():
        # strong enough drive that neurons spike often and the reset rule matters
        net[0].weight.mul_(3.0)
        net[2].weight.mul_(3.0)
    return net


def spikes_in():
    rng = np.random.default_rng(3)
    return (rng.random((T, N, F)) < 0.4).astype(np.float32)


def snntorch_output(net, x):
    """snnTorch's own forward, step by step: output spikes [T, N, O]."""
    snn_utils.reset(net)
    out = []
    with torch.no_grad():
        for t in range(x.shape[0]):
            spk, _mem = net(torch.from_numpy(x[t]))
            out.append(spk.numpy().astype(np.uint8))
    return np.stack(out)


def nir_bytes(net, sample):
    from snntorch.export_nir import export_to_nir

    buf = io.BytesIO()
    nir.write(buf, export_to_nir(net, sample, ignore_dims=[0]))
    snn_utils.reset(net)
    return buf.getvalue()


def test_subtract_and_zero_exports_are_identical_and_each_is_simulated_right():
    x = spikes_in()
    sample = torch.zeros(1, F)
    sub, zero = make_net("subtract"), make_net("zero")
    # the point of from_snntorch: the files cannot tell the two apart
    assert nir_bytes(sub, sample) == nir_bytes(zero, sample)
    ref_sub, ref_zero = snntorch_output(sub, x), snntorch_output(zero, x)
    # and the reset rule changes what snnTorch computes on this input
    assert (ref_sub != ref_zero).sum() > 20

    for net, ref, reset in ((sub, ref_sub, "subtract"), (zero, ref_zero, "zero")):
        model = spikeloom.from_snntorch(net, sample)
        layers = model.semantics["layers"]
        assert {v["reset"] for v in layers.values()} == {reset}
        got = model.simulate(x).spikes
        assert got.shape == ref.shape
        assert (got == ref).all(), f"{reset}: {(got != ref).sum()} spikes differ from snnTorch"


def test_the_plain_nir_file_of_a_zero_reset_net_is_read_as_subtract():
    """Without from_snntorch the zero-reset export is simulated with the snnTorch default
    (subtract) and differs from snnTorch: the silent error from_snntorch removes."""
    from snntorch.export_nir import export_to_nir

    x = spikes_in()
    zero = make_net("zero")
    model = spikeloom.load(export_to_nir(zero, torch.zeros(1, F), ignore_dims=[0]))
    snn_utils.reset(zero)
    assert model.semantics["reset"] == "subtract"
    assert (model.simulate(x).spikes != snntorch_output(zero, x)).any()


def test_reset_delay_per_layer_is_read_off_the_modules():
    x = spikes_in()
    net = make_net("subtract", reset_delay=False)
    model = spikeloom.from_snntorch(net, torch.zeros(1, F))
    assert {v["reset_delay"] for v in model.semantics["layers"].values()} == {False}
    assert (model.simulate(x).spikes == snntorch_output(net, x)).all()
