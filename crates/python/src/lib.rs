//! `spikeloom._native`: the Python package's binding of [`spikeloom_pipeline`] (and the CLI, for
//! the `spikeloom` console script). It holds no pipeline logic of its own: a model is a
//! [`Config`] plus the session-made artifacts, every array goes through the pipeline's `input`
//! checks, and every error is the pipeline's, raised as a `spikeloom.Error` subclass with the
//! CLI's message. No panic crosses into Python (each entry point catches unwinds), long steps
//! run without the GIL, and a build polls Python's signal handlers between tool progress reports
//! so Ctrl-C / a notebook interrupt stops it.

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyKeyboardInterrupt};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use spikeloom_float::{ResetMode, SemanticsOptions};
use spikeloom_npy::{NpyArray, NpyData};
use spikeloom_pipeline::build::{finish, ToolRun, ToolSettings, BUILD_DIR};
use spikeloom_pipeline::engines::{hardware_plan, run_cycle, run_fixed, run_float, run_rtl};
use spikeloom_pipeline::engines::{EngineOutput, Membrane};
use spikeloom_pipeline::error::chain;
use spikeloom_pipeline::input::{labels_from_array, steps_from_array};
use spikeloom_pipeline::model::LoadedModel;
use spikeloom_pipeline::verify::{check_engines, EngineCheckInput};
use spikeloom_pipeline::{Config, Error, ErrorKind, HwConfig, LayerSemantics, Session};
use spikeloom_qnet::SpikeSteps;
use spikeloom_toolchain::{execute, tools_for, Progress, TimeLimits, ToolEnv, ToolPaths};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

create_exception!(
    spikeloom,
    SpikeloomError,
    PyException,
    "Any spikeloom error: the message is the CLI's."
);
create_exception!(
    spikeloom,
    InputError,
    SpikeloomError,
    "The model, the data or an option cannot be used (the CLI's exit code 2)."
);
create_exception!(
    spikeloom,
    StepError,
    SpikeloomError,
    "A step failed: a simulator or tool failure, an output that cannot be written (exit code 1)."
);
create_exception!(
    spikeloom,
    VerificationError,
    StepError,
    "Two engines that must agree bit for bit differ: the output would not be verified."
);
create_exception!(
    spikeloom,
    Interrupted,
    SpikeloomError,
    "The user interrupted a long step (Ctrl-C, a notebook's interrupt)."
);

type PResult<T> = std::result::Result<T, Error>;

/// A pipeline error as the Python exception of its kind, with the CLI's message.
fn to_py(e: Error) -> PyErr {
    let msg = chain(&e);
    match &e {
        Error::Interrupted { .. } => Interrupted::new_err(msg),
        Error::Mismatch { .. } => VerificationError::new_err(msg),
        _ => match e.kind() {
            ErrorKind::Input => InputError::new_err(msg),
            ErrorKind::Failure => StepError::new_err(msg),
        },
    }
}

/// Run `f`, turning a pipeline error into its exception and a panic into a `StepError` (the
/// interpreter never sees the unwind).
fn guard<T>(f: impl FnOnce() -> PResult<T>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(r) => r.map_err(to_py),
        Err(panic) => {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            Err(StepError::new_err(format!(
                "internal error (a bug in spikeloom, please report it with the model): {what}"
            )))
        }
    }
}

/// [`guard`] without the GIL: for steps that take a while.
fn detached<T: Send>(py: Python<'_>, f: impl FnOnce() -> PResult<T> + Send) -> PyResult<T> {
    py.detach(|| catch_unwind(AssertUnwindSafe(f)))
        .map_err(|_| StepError::new_err("internal error (a bug in spikeloom, please report it)"))?
        .map_err(to_py)
}

/// A numpy array as the Python side hands it over: shape and little-endian float64 bytes.
type Array<'a> = (Vec<usize>, &'a [u8]);

fn npy(a: &Array<'_>) -> NpyArray {
    let data =
        a.1.chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
            .collect();
    NpyArray {
        shape: a.0.clone(),
        data: NpyData::F64(data),
    }
}

fn input_error(msg: String) -> PyErr {
    InputError::new_err(msg)
}

/// Notes a session sent, kept until Python takes them (it shows them as warnings).
type Notes = Arc<Mutex<Vec<String>>>;

fn session(config: Config, notes: &Notes) -> Session<'static> {
    let notes = Arc::clone(notes);
    Session::new(config).on_event(move |e| match e {
        spikeloom_pipeline::Event::Note(text) => {
            notes.lock().unwrap_or_else(|p| p.into_inner()).push(text)
        }
    })
}

fn take(notes: &Notes) -> Vec<String> {
    std::mem::take(&mut *notes.lock().unwrap_or_else(|p| p.into_inner()))
}

fn parse_reset(text: &str, what: &str) -> PyResult<ResetMode> {
    ResetMode::parse(text).ok_or_else(|| {
        input_error(format!(
            "{what}={text:?} is not a reset mechanism: use \"subtract\", \"zero\" or \"none\""
        ))
    })
}

/// An engine's output: (t, n, o, spikes u8 bytes, v float64 bytes, cycles per step or None).
type Output<'py> = (
    usize,
    usize,
    usize,
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
    Option<Vec<u64>>,
);

fn output<'py>(py: Python<'py>, out: &EngineOutput) -> Output<'py> {
    let v: Vec<u8> = match &out.v {
        Membrane::Float(v) => v.iter().flat_map(|&x| f64::from(x).to_le_bytes()).collect(),
        Membrane::Fixed { raw, scale } => raw
            .iter()
            .flat_map(|&x| (f64::from(x) * scale).to_le_bytes())
            .collect(),
    };
    (
        out.t,
        out.n,
        out.o,
        PyBytes::new(py, &out.spikes),
        PyBytes::new(py, &v),
        out.cycles(),
    )
}

/// A model as read: a `.nir` with its semantics, or a `.q.json`.
#[pyclass(module = "spikeloom._native", frozen)]
struct NativeModel {
    session: Session<'static>,
    notes: Notes,
}

#[pymethods]
impl NativeModel {
    #[new]
    #[pyo3(signature = (path, semantics=None, reset=None, reset_delay=None, dt=None, layers=Vec::new()))]
    fn new(
        path: PathBuf,
        semantics: Option<String>,
        reset: Option<String>,
        reset_delay: Option<bool>,
        dt: Option<f64>,
        layers: Vec<(String, Option<String>, Option<bool>)>,
    ) -> PyResult<Self> {
        let (convention, norse) = match &semantics {
            None => (None, None),
            Some(s) => {
                let (c, v) = spikeloom_float::parse_convention(s).ok_or_else(|| {
                    input_error(format!(
                        "semantics={s:?} is not a convention: use snntorch, nir-euler, norse, \
                         norse@<1.1, norse@1.1, norse@>1.1, sinabs, rockpool, spyx or \
                         spikingjelly"
                    ))
                })?;
                (Some(c), v)
            }
        };
        if let Some(d) = dt {
            if !(d.is_finite() && d > 0.0) {
                return Err(input_error(format!(
                    "dt={d} is not a time step: give a positive number of seconds"
                )));
            }
        }
        let mut config = Config::new(path);
        config.semantics = SemanticsOptions {
            convention,
            norse,
            nir_version: None,
            dt,
            reset: reset
                .as_deref()
                .map(|r| parse_reset(r, "reset"))
                .transpose()?,
            reset_delay,
            spike_mode: None,
        };
        for (name, reset, delay) in layers {
            let reset = reset
                .as_deref()
                .map(|r| parse_reset(r, &format!("layer {name}: reset")))
                .transpose()?;
            config.layers.push((
                name,
                LayerSemantics {
                    reset,
                    reset_delay: delay,
                },
            ));
        }
        let notes = Notes::default();
        let session = session(config, &notes);
        // Read and lower now: a bad file or setting fails at load, as the CLI's commands do.
        guard(|| {
            if session.config().is_qnet() {
                session.quantized().map(|_| ())
            } else {
                session.float_net().map(|_| ())
            }
        })?;
        Ok(NativeModel { session, notes })
    }

    /// True for a `.q.json`.
    fn is_quantized(&self) -> bool {
        self.session.config().is_qnet()
    }

    /// The model's per-step input shape.
    fn input_shape(&self) -> PyResult<Vec<usize>> {
        guard(|| Ok(self.session.model_input()?.shape))
    }

    /// The notes the session sent since the last call.
    fn take_notes(&self) -> Vec<String> {
        take(&self.notes)
    }

    /// The semantics applied (convention, dt, reset, reset delay), and each layer's reset.
    #[allow(clippy::type_complexity)]
    fn semantics(&self) -> PyResult<(String, f64, String, bool, Vec<(String, String, bool)>)> {
        guard(|| {
            let net = self.session.float_net()?;
            let s = &net.semantics;
            let layers = net
                .layers
                .iter()
                .filter_map(|l| match &l.neuron {
                    spikeloom_float::Neuron::Lif {
                        reset, reset_delay, ..
                    }
                    | spikeloom_float::Neuron::CubaLif {
                        reset, reset_delay, ..
                    } => Some((l.name.clone(), reset.name().to_string(), *reset_delay)),
                    _ => None,
                })
                .collect();
            Ok((
                s.convention_name().to_string(),
                s.dt,
                s.reset.name().to_string(),
                s.reset_delay,
                layers,
            ))
        })
    }

    /// The float engine on `x` (output layer).
    fn simulate_float<'py>(&self, py: Python<'py>, x: Array<'_>) -> PyResult<Output<'py>> {
        let arr = npy(&x);
        let out = detached(py, || {
            let input = steps_from_array("x", &arr, &self.session.model_input()?)?;
            run_float(self.session.float_net()?, &input)
        })?;
        Ok(output(py, &out))
    }

    /// Quantize (a `.nir`), calibrated on `calibrate` (else on estimated ranges).
    #[pyo3(signature = (calibrate=None, labels=None, weight_bits=None, state_bits=None, config=None))]
    fn quantize(
        &self,
        py: Python<'_>,
        calibrate: Option<Array<'_>>,
        labels: Option<Vec<i64>>,
        weight_bits: Option<u32>,
        state_bits: Option<u32>,
        config: Option<PathBuf>,
    ) -> PyResult<NativeQuantized> {
        let base = self.session.config().clone();
        if base.is_qnet() {
            return Err(input_error(format!(
                "{} is already quantized; quantize takes a .nir model",
                base.model.display()
            )));
        }
        let arr = calibrate.as_ref().map(npy);
        let notes = Arc::clone(&self.notes);
        detached(py, move || {
            let mut cfg = base;
            cfg.quant.weight_bits = weight_bits;
            cfg.quant.state_bits = state_bits;
            cfg.quant.config_file = config;
            let shape = self.session.model_input()?;
            let spikes = arr
                .map(|a| steps_from_array("calibrate", &a, &shape))
                .transpose()?;
            let labels = match (labels, &spikes) {
                (Some(l), Some(s)) => {
                    let n = l.len();
                    let a = NpyArray {
                        shape: vec![n],
                        data: NpyData::I64(l),
                    };
                    Some(labels_from_array("labels", &a, s.samples())?)
                }
                (Some(_), None) => {
                    return Err(Error::input(
                        "labels need calibrate (the labelled samples)".to_string(),
                    ))
                }
                (None, _) => None,
            };
            let s = session(cfg.clone(), &notes).with_calibration(spikes.clone(), labels);
            let model = s.quantized()?.clone();
            Ok(NativeQuantized {
                config: cfg,
                model,
                notes,
            })
        })
    }

    /// The quantized network of a `.q.json` model.
    fn as_quantized(&self) -> PyResult<NativeQuantized> {
        guard(|| {
            Ok(NativeQuantized {
                config: self.session.config().clone(),
                model: self.session.quantized()?.clone(),
                notes: Arc::clone(&self.notes),
            })
        })
    }
}

/// An integer network with the config it came from.
#[pyclass(module = "spikeloom._native", frozen)]
struct NativeQuantized {
    config: Config,
    model: LoadedModel,
    notes: Notes,
}

impl NativeQuantized {
    fn session(&self) -> Session<'static> {
        session(self.config.clone(), &self.notes).with_quantized(self.model.clone())
    }

    fn input(&self, name: &str, x: &Array<'_>) -> PResult<SpikeSteps> {
        steps_from_array(
            name,
            &npy(x),
            &spikeloom_pipeline::model::qnet_input(&self.model.qnet),
        )
    }

    fn v_scale(&self) -> f64 {
        let q = &self.model.qnet;
        q.layers[q.output_layer].state_lsb
    }
}

#[pymethods]
impl NativeQuantized {
    /// The quantization report as JSON (None for a `.q.json`, which has none).
    fn report_json(&self) -> PyResult<Option<String>> {
        guard(|| {
            self.model
                .report
                .as_ref()
                .map(|r| serde_json::to_string(r).map_err(|e| Error::failure(e.to_string())))
                .transpose()
        })
    }

    /// The report as the CLI prints it.
    fn report_text(&self) -> Option<String> {
        self.model.report.as_ref().map(ToString::to_string)
    }

    /// The `.q.json` text.
    fn qnet_json(&self) -> String {
        self.model.qnet.to_json_string()
    }

    /// The model's per-step input shape.
    fn input_shape(&self) -> Vec<usize> {
        spikeloom_pipeline::model::qnet_input(&self.model.qnet).shape
    }

    /// Layer names in order.
    fn layer_names(&self) -> Vec<String> {
        self.model
            .qnet
            .layers
            .iter()
            .map(|l| l.name.clone())
            .collect()
    }

    fn take_notes(&self) -> Vec<String> {
        take(&self.notes)
    }

    /// The fixed-point (golden), cycle or RTL engine on `x` (output layer).
    #[pyo3(signature = (engine, x, board="icebreaker".to_string(), lanes=None, simulator="verilator".to_string(), work=None))]
    #[allow(clippy::too_many_arguments)]
    fn simulate<'py>(
        &self,
        py: Python<'py>,
        engine: &str,
        x: Array<'_>,
        board: String,
        lanes: Option<usize>,
        simulator: String,
        work: Option<PathBuf>,
    ) -> PyResult<Output<'py>> {
        let input = guard(|| self.input("x", &x))?;
        let q = &self.model.qnet;
        let scale = self.v_scale();
        let sim = match simulator.as_str() {
            "verilator" => spikeloom_cosim::Simulator::Verilator,
            "icarus" => spikeloom_cosim::Simulator::Icarus,
            other => {
                return Err(input_error(format!(
                    "simulator={other:?}: use \"verilator\" or \"icarus\""
                )))
            }
        };
        let out = match engine {
            "fixed" => detached(py, || run_fixed(q, &input))?,
            "cycle" => detached(py, || {
                let plan = hardware_plan(q, &board, lanes, false)?;
                run_cycle(&plan, &input, scale)
            })?,
            "rtl" => detached(py, || {
                let plan = hardware_plan(q, &board, lanes, false)?;
                let work = work.unwrap_or_else(|| {
                    std::env::temp_dir().join(format!(
                        "spikeloom-rtl-{}",
                        &plan.model_hash[..plan.model_hash.len().min(12)]
                    ))
                });
                run_rtl(&plan, &input, sim, &work, scale)
            })?,
            other => {
                return Err(input_error(format!(
                    "engine={other:?} is not an engine: use \"float\", \"fixed\", \"cycle\" or \
                     \"rtl\""
                )))
            }
        };
        Ok(output(py, &out))
    }

    /// `spikeloom verify`: the cycle model and each RTL simulator against the golden model,
    /// every layer. Returns (passed, work dir, rows of (engine, layer, mismatches, first
    /// difference), cycles per step agreeing with the cycle model per engine).
    #[pyo3(signature = (x, simulators, board="icebreaker".to_string(), lanes=None, work=None))]
    #[allow(clippy::type_complexity)]
    fn verify(
        &self,
        py: Python<'_>,
        x: Array<'_>,
        simulators: Vec<String>,
        board: String,
        lanes: Option<usize>,
        work: Option<PathBuf>,
    ) -> PyResult<(
        bool,
        String,
        Vec<(String, String, usize, Option<(usize, usize, usize)>)>,
        Vec<(String, bool, Option<String>)>,
    )> {
        let input = guard(|| self.input("x", &x))?;
        let sims = simulators
            .iter()
            .map(|s| match s.as_str() {
                "verilator" => Ok(spikeloom_cosim::Simulator::Verilator),
                "icarus" => Ok(spikeloom_cosim::Simulator::Icarus),
                other => Err(input_error(format!(
                    "simulator={other:?}: use \"both\", \"verilator\", \"icarus\" or \"none\""
                ))),
            })
            .collect::<PyResult<Vec<_>>>()?;
        let session = self.session();
        let q = &self.model.qnet;
        detached(py, || {
            let steps = input.with_bits(q.input_bits).map_err(Error::input)?;
            let golden = session.golden(&steps)?;
            let plan = hardware_plan(q, &board, lanes, false)?;
            let work = work.unwrap_or_else(|| {
                std::env::temp_dir().join(format!(
                    "spikeloom-verify-{}",
                    &plan.model_hash[..plan.model_hash.len().min(12)]
                ))
            });
            let check = EngineCheckInput {
                qnet: q,
                golden: &golden,
                plan: &plan,
                input: &input,
                steps: &steps,
                simulators: &sims,
                work: &work,
                rtl: None,
            };
            let checks = check_engines(&check, &mut |_| {})?;
            let mut rows = Vec::new();
            let mut engines = Vec::new();
            let mut passed = true;
            let reference = checks.engines[0].cycles_per_step.clone();
            for e in &checks.engines {
                for (d, layer) in e.layers.iter().zip(&q.layers) {
                    passed &= d.mismatches == 0;
                    rows.push((e.engine.clone(), layer.name.clone(), d.mismatches, d.first));
                }
                let same = e.cycles_per_step == reference;
                passed &= same && e.log_mismatch.is_none();
                engines.push((
                    e.engine.clone(),
                    same,
                    e.log_mismatch.as_ref().map(|m| format!("{m:?}")),
                ));
            }
            Ok((passed, work.display().to_string(), rows, engines))
        })
    }

    /// `spikeloom build`: tools, generate, verify on the sample, synthesise, place and route,
    /// pack, report. `tool_dirs` are searched after PATH (the Python environment's scripts
    /// directory, where `spikeloom[tools]` puts the YoWASP tools); `progress(text)` is called
    /// on every step and tool progress report, and Ctrl-C stops the build there.
    /// Returns (report JSON, bitstream path).
    #[pyo3(signature = (board, out_dir, sample=None, samples=2, tool_dirs=Vec::new(), progress=None, verify=true))]
    #[allow(clippy::too_many_arguments)]
    fn build(
        &self,
        py: Python<'_>,
        board: String,
        out_dir: PathBuf,
        sample: Option<PathBuf>,
        samples: usize,
        tool_dirs: Vec<PathBuf>,
        progress: Option<Py<PyAny>>,
        verify: bool,
    ) -> PyResult<(String, String)> {
        let cancel = AtomicBool::new(false);
        let cancel = &cancel;
        let progress = progress.as_ref();
        // Called without the GIL: takes it to run Python's signal handlers (a KeyboardInterrupt
        // sets the cancel flag the tool steps poll) and to report.
        let say = |text: &str| {
            Python::attach(|py| {
                if py.check_signals().is_err() {
                    cancel.store(true, Ordering::Relaxed);
                }
                if let Some(f) = progress {
                    if let Err(e) = f.call1(py, (text,)) {
                        // An interrupt that lands in the callback stops the build like one that
                        // lands in Rust (spikeloom.Interrupted); any other exception is raised.
                        if !e.is_instance_of::<PyKeyboardInterrupt>(py) {
                            e.restore(py);
                        }
                        cancel.store(true, Ordering::Relaxed);
                    }
                }
            })
        };
        // After each own step: stop there when interrupted (tool steps poll the flag).
        let stop = |after: &str| -> PResult<()> {
            Python::attach(|py| {
                if py.check_signals().is_err() {
                    cancel.store(true, Ordering::Relaxed);
                }
            });
            if cancel.load(Ordering::Relaxed) {
                return Err(Error::Interrupted {
                    after: after.to_string(),
                });
            }
            Ok(())
        };
        let hw = HwConfig::new(board.clone());
        let session = self.session().with_hw(hw);
        let title = self.config.model.display().to_string();
        let result = detached(py, || {
            let b = spikeloom_board::Board::resolve(&board).map_err(Error::input)?;
            let needed = tools_for(b.device.family);
            say("tools (choose, check versions)");
            let watch = spikeloom_toolchain::process::Watch {
                time_limit: None,
                cancel: Some(cancel),
            };
            let tools = ToolPaths::select(
                &ToolEnv::from_process(&tool_dirs),
                &needed,
                &watch,
                &mut |_, _| {},
            )
            .map_err(Error::failure)?;
            tools.check(&needed).map_err(Error::failure)?;
            for t in needed {
                if let Some(info) = tools.info(t) {
                    say(&format!("{}: {}", info.describe(), info.reason));
                }
            }
            stop("tools")?;
            spikeloom_pipeline::build_report::remove_previous(&out_dir)?;
            say("plan + generate");
            let design = session.design()?;
            spikeloom_pipeline::design::write(design, &out_dir)?;
            stop("generate")?;
            say("verify (golden model, cycle model, RTL co-simulation)");
            let checked = session
                .check_design(sample.as_deref(), samples, &out_dir, verify)
                .map_err(|e| match e {
                    // the advice in this API's words
                    Error::SimulatorMissing {
                        what,
                        simulator,
                        reason,
                        advice,
                    } => Error::SimulatorMissing {
                        what,
                        simulator,
                        reason,
                        advice: advice.replace("--no-verify", "verify=False"),
                    },
                    e => e,
                })?;
            say(&format!("verify: {}", checked.rtl));
            stop("verify")?;
            let limits = TimeLimits::for_device(&b.device);
            let plan = session.build_plan(&ToolSettings {
                seed: 1,
                seeds: 1,
                time_limits: limits,
                allow_timing_failure: false,
            })?;
            let build_dir = out_dir.join(BUILD_DIR);
            let mut times = Vec::new();
            let result = execute(&plan, &build_dir, &tools, Some(cancel), &mut |p| match p {
                Progress::Started {
                    index, total, step, ..
                } => say(&format!("[{}/{total}] {step}", index + 1)),
                Progress::Running {
                    step,
                    elapsed,
                    activity,
                    ..
                } => say(&match activity {
                    Some(a) => format!("{step}: {a} ({:.0} s)", elapsed.as_secs_f64()),
                    None => format!("{step}: {:.0} s", elapsed.as_secs_f64()),
                }),
                Progress::Finished {
                    step,
                    elapsed,
                    note,
                    ..
                } => {
                    times.push((step.clone(), elapsed.as_secs_f64()));
                    say(&format!(
                        "{step}: done in {:.1} s {note}",
                        elapsed.as_secs_f64()
                    ))
                }
                Progress::Failed { step, reason, .. } => say(&format!("{step}: failed: {reason}")),
            })
            .map_err(|e| match e {
                spikeloom_toolchain::ToolchainError::Cancelled { step, .. } => {
                    Error::Interrupted { after: step }
                }
                e => Error::failure(format!(
                    "{e}\n(logs of every step are in {})",
                    build_dir.display()
                )),
            })?;
            let run = ToolRun {
                plan: &plan,
                result: &result,
                time_limits: &limits,
                step_seconds: times,
            };
            let (report, bitstream) = finish(design, &checked, run, &out_dir, &title)?;
            let json = serde_json::to_string(&report).map_err(|e| Error::failure(e.to_string()))?;
            Ok((json, bitstream.display().to_string()))
        });
        // A Python exception raised by the progress callback wins (it is why the build stopped).
        if let Some(e) = PyErr::take(py) {
            return Err(e);
        }
        result
    }

    /// Write the `.q.json`.
    fn save(&self, path: PathBuf) -> PyResult<()> {
        std::fs::write(&path, self.model.qnet.to_json_string())
            .map_err(|e| to_py(Error::write(&path, e)))
    }
}

/// The built-in boards (`spikeloom boards --json`), as JSON.
#[pyfunction]
fn boards_json() -> PyResult<String> {
    guard(|| {
        let rows = spikeloom_pipeline::boards::list()?;
        serde_json::to_string(&rows).map_err(|e| Error::failure(e.to_string()))
    })
}

/// The `spikeloom` command line (`args` with the program name first); returns the exit code.
#[pyfunction]
fn cli_main(py: Python<'_>, args: Vec<String>) -> i32 {
    py.detach(|| {
        catch_unwind(|| spikeloom_cli::main_with(args)).unwrap_or_else(|_| {
            eprintln!("error: internal error (a bug in spikeloom, please report it)");
            1
        })
    })
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("Error", py.get_type::<SpikeloomError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("StepError", py.get_type::<StepError>())?;
    m.add("VerificationError", py.get_type::<VerificationError>())?;
    m.add("Interrupted", py.get_type::<Interrupted>())?;
    m.add_class::<NativeModel>()?;
    m.add_class::<NativeQuantized>()?;
    m.add_function(wrap_pyfunction!(boards_json, m)?)?;
    m.add_function(wrap_pyfunction!(cli_main, m)?)?;
    Ok(())
}
