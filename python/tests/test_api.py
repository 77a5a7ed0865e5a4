"""The Python API on the committed fixtures (tests/fixtures/models, made by snnTorch itself):
float == snnTorch spike for spike, quantize, the fixed-point and cycle engines, verify (Verilator
and Icarus), .q.json round trip, one small build, and the exceptions of bad input."""

import json
import os
import signal
from pathlib import Path

import numpy as np
import pytest

import spikeloom

ROOT = Path(__file__).resolve().parents[2]
MODELS = ROOT / "tests" / "fixtures" / "models"
# Models whose output layer snnTorch recorded: (folder, output layer file name).
FLOAT_CASES = [
    "lif_single",
    "mlp_subtract",
    "mlp_zero",
    "mlp_subtract_nodelay",
    "rleaky",
    "synaptic",
    "graded",
    "cnn",
]


def fixture(name):
    d = MODELS / name
    if not (d / "model.nir").is_file():
        # data missing is a failure, never a pass with zero cases
        pytest.fail(f"fixture {d} is missing (tests/fixtures/gen/run.sh makes it)")
    meta = json.loads((d / "meta.json").read_text())
    return d, meta


def load_as_trained(name):
    """The model with the reset settings snnTorch trained it with (meta.json: what the NIR file
    does not say), per layer."""
    d, meta = fixture(name)
    layers = {
        layer["nir_node"]: {"reset": layer["reset_mechanism"], "reset_delay": layer["reset_delay"]}
        for layer in meta["layers"]
        if "reset_mechanism" in layer
    }
    return spikeloom.load(d / "model.nir", layers=layers), d, meta


@pytest.mark.parametrize("name", FLOAT_CASES)
def test_float_engine_equals_snntorch_spike_for_spike(name):
    model, d, meta = load_as_trained(name)
    out = meta["layer_name_map"][meta["output_layer"]]
    ref = np.load(d / f"expected_spikes_{out}.npy")
    x = np.load(d / "input.npy")
    r = model.simulate(x, labels=np.load(d / "labels.npy"))
    ref = ref.reshape(r.spikes.shape)
    assert r.spikes.sum() > 0
    assert (r.spikes == ref).all(), f"{name}: {(r.spikes != ref).sum()} spikes differ from snnTorch"
    if "fixture_N" in (meta.get("accuracy") or {}):
        assert r.accuracy == pytest.approx(meta["accuracy"]["fixture_N"], abs=1e-12)


def test_the_zero_reset_file_read_without_settings_differs_from_snntorch():
    d, _ = fixture("mlp_zero")
    x = np.load(d / "input.npy")
    ref = np.load(d / "expected_spikes_lif2.npy")
    plain = spikeloom.load(d / "model.nir").simulate(x).spikes
    flagged = spikeloom.load(d / "model.nir", reset="zero").simulate(x).spikes
    assert (flagged == ref).all()
    assert (plain != ref).any()


def test_inputs_any_spike_dtype_and_single_sample():
    model, d, _ = load_as_trained("mlp_subtract")
    x = np.load(d / "input.npy")
    base = model.simulate(x).spikes
    for variant in (x.astype(bool), x.astype(np.float32), x.astype(np.int64)):
        assert (model.simulate(variant).spikes == base).all()
    one = model.simulate(x[:, 3, :]).spikes  # [T, F]: one sample
    assert (one[:, 0, :] == base[:, 3, :]).all()


@pytest.fixture(scope="module")
def quantized():
    model, d, _ = load_as_trained("mlp_subtract")
    x, y = np.load(d / "input.npy"), np.load(d / "labels.npy")
    return model.quantize(calibrate=x, labels=y, weight_bits=8, state_bits=16), x, y


def test_quantize_report_and_html(quantized):
    q, x, y = quantized
    assert q.layers == ["lif1", "lif2"]
    rep = q.report
    assert rep["calibration_samples"] == x.shape[1]
    assert 0.8 < rep["fixed_accuracy"] <= 1.0
    assert rep["float_accuracy"] == pytest.approx(
        spikeloom.load(MODELS / "mlp_subtract" / "model.nir").simulate(x, labels=y).accuracy
    )
    html = q._repr_html_()
    assert html.startswith("<pre>") and "lif1" in html


def test_fixed_and_cycle_engines_agree(quantized):
    q, x, y = quantized
    fixed = q.simulate(x, engine="fixed", labels=y)
    cycle = q.simulate(x, engine="cycle", labels=y)
    assert (fixed.spikes == cycle.spikes).all()
    assert np.array_equal(fixed.v, cycle.v)
    assert fixed.accuracy == pytest.approx(q.report["fixed_accuracy"])
    assert cycle.cycles_per_step.shape == (x.shape[1], x.shape[0])
    assert (cycle.cycles_per_step > 0).all()
    assert fixed.cycles_per_step is None


def test_rtl_engine_equals_fixed(quantized):
    q, x, _ = quantized
    x = x[:, :2]
    rtl = q.simulate(x, engine="rtl", simulator="icarus")
    fixed = q.simulate(x, engine="fixed")
    assert (rtl.spikes == fixed.spikes).all() and np.array_equal(rtl.v, fixed.v)


def test_save_and_load_the_quantized_network(quantized, tmp_path):
    q, x, _ = quantized
    path = q.save(tmp_path / "m.q.json")
    back = spikeloom.load(path)
    assert isinstance(back, spikeloom.QuantizedModel)
    assert back.report is None
    a = q.simulate(x, engine="fixed")
    b = back.simulate(x, engine="fixed")
    assert (a.spikes == b.spikes).all() and np.array_equal(a.v, b.v)


def test_verify_fixed_cycle_rtl_both_simulators(quantized, tmp_path):
    q, x, _ = quantized
    r = q.verify(x[:, :3], simulator="both", work_dir=tmp_path / "verify")
    assert r.passed, r.layers
    assert {e["engine"] for e in r.engines} == {"cycle", "verilator", "icarus"}
    assert len(r.layers) == 3 * 2 and r.mismatches == 0


def test_one_small_build(tmp_path):
    model, d, _ = load_as_trained("lif_single")
    x = np.load(d / "input.npy")
    seen = []
    b = model.build("icebreaker", tmp_path / "out", sample=x[:40], progress=seen.append)
    assert b.bitstream.is_file() and b.bitstream.stat().st_size > 0
    assert b.report["board"] == "icebreaker"
    assert b.report["verify_cycle_model"].startswith("passed")
    assert "identical, cycle for cycle" in b.report["verify_rtl"]
    assert "<iframe" in b._repr_html_() and "report" in b._repr_html_()
    assert any("place" in s.lower() or "nextpnr" in s.lower() for s in seen), seen


def test_ctrl_c_stops_a_build(tmp_path):
    """A SIGINT arriving while the build runs (here: raised from the progress callback, where a
    notebook's interrupt lands too) stops it with spikeloom.Interrupted and no bitstream."""
    model, d, _ = load_as_trained("lif_single")

    def progress(text):
        if text.startswith("plan + generate"):
            signal.raise_signal(signal.SIGINT)

    # Python's own SIGINT handler, as in a terminal or a notebook: a process started in the
    # background by a non-interactive shell inherits SIGINT ignored, and Python then installs
    # no handler, so the interrupt would never arrive.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(spikeloom.Interrupted, match="interrupted after step `generate`"):
            model.build("icebreaker", tmp_path / "out", progress=progress)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert not list((tmp_path / "out").glob("*.bin"))


def test_boards():
    names = {b["name"]: b for b in spikeloom.boards()}
    assert names["icebreaker"]["family"] == "ice40"
    assert any(b["family"] == "ecp5" for b in names.values())


# --- bad input: spikeloom.Error subclasses with the CLI's messages -----------------------------


def test_missing_file(tmp_path):
    with pytest.raises(spikeloom.InputError, match=r"cannot read .*nope\.nir"):
        spikeloom.load(tmp_path / "nope.nir")


def test_not_a_nir_file(tmp_path):
    p = tmp_path / "bad.nir"
    p.write_bytes(b"not hdf5")
    with pytest.raises(spikeloom.Error) as e:
        spikeloom.load(p)
    assert isinstance(e.value, spikeloom.InputError)
    assert "bad.nir" in str(e.value)


def test_wrong_shape_names_the_forms():
    model, _, _ = load_as_trained("mlp_subtract")
    with pytest.raises(
        spikeloom.InputError, match=r"x: shape \[25, 4, 63\] does not fit the model's input"
    ):
        model.simulate(np.zeros((25, 4, 63), dtype=np.uint8))


def test_non_spike_values_are_refused_not_rounded():
    model, _, _ = load_as_trained("mlp_subtract")
    x = np.zeros((5, 2, 64))
    x[2, 1, 7] = 0.5
    with pytest.raises(spikeloom.InputError, match=r"1 value is not valid.*0\.5 at index \[2, 1, 7\]"):
        model.simulate(x)


def test_bad_options():
    path = MODELS / "mlp_subtract" / "model.nir"
    with pytest.raises(spikeloom.InputError, match="reset=\"sideways\""):
        spikeloom.load(path, reset="sideways")
    with pytest.raises(spikeloom.InputError, match="semantics=\"torch\""):
        spikeloom.load(path, semantics="torch")
    with pytest.raises(spikeloom.InputError, match="layer `lif9`.*spiking layers: lif1, lif2"):
        spikeloom.load(path, layers={"lif9": {"reset": "zero"}})
    with pytest.raises(spikeloom.InputError, match="got int"):
        spikeloom.load(42)


def test_bad_engine_board_and_labels(quantized):
    q, x, _ = quantized
    with pytest.raises(spikeloom.InputError, match="engine=\"warp\""):
        q.simulate(x, engine="warp")
    with pytest.raises(spikeloom.InputError, match="nosuchboard"):
        q.simulate(x, engine="cycle", board="nosuchboard")
    with pytest.raises(spikeloom.InputError, match=r"labels must have shape \[64\]"):
        q.simulate(x, engine="fixed", labels=np.zeros(3, dtype=np.int64))
    with pytest.raises(spikeloom.InputError, match="has no float engine"):
        spikeloom.load(q.save(Path(os.environ.get("TMPDIR", "/tmp")) / "sl-q.q.json")).simulate(
            x, engine="float"
        )


def test_console_script_runs_the_rust_cli():
    import subprocess
    import sys

    r = subprocess.run(
        [sys.executable, "-m", "spikeloom._cli", "boards", "--json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert r.returncode == 0, r.stderr
    assert any(b["name"] == "icebreaker" for b in json.loads(r.stdout))
    bad = subprocess.run(
        [sys.executable, "-m", "spikeloom._cli", "inspect", "/nonexistent.nir"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2 and "cannot read /nonexistent.nir" in bad.stderr
