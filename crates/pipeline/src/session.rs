//! [`Session`]: one command's artifacts, each made once, on first use, and handed on:
//! NIR -> float network -> integer network -> design (plan, RTL bundle, board files) ->
//! engine runs on a sample (float, golden, cycle model). [`Runs`] counts what was made, so a
//! test can hold a command to "each artifact once".

use crate::config::{Config, HwConfig};
use crate::design::Design;
use crate::error::{Error, Result};
use crate::input::ModelInput;
use crate::model::{self, LoadedModel, LoadedNir};
use crate::verify::{self, CycleRun};
use spikeloom_float::{FloatNet, FloatTrace};
use spikeloom_qnet::{QTrace, SpikeSteps};
use spikeloom_quant::Calibration;
use std::sync::{Arc, Mutex, OnceLock};

/// What a session tells its user while it works (the CLI prints notes on stderr).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Something the user should know about the model (a guessed convention, an Output node
    /// the `nir` package added).
    Note(String),
}

/// How many times each artifact was made (a cached one counts once).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Runs {
    /// NIR files read and validated.
    pub nir_reads: usize,
    /// Lowerings to the float network.
    pub lowerings: usize,
    /// Quantizations (or `.q.json` reads).
    pub quantizations: usize,
    /// Designs planned and generated.
    pub designs: usize,
    /// Float engine runs.
    pub float_runs: usize,
    /// Golden (`qnet::eval`) runs.
    pub golden_runs: usize,
    /// Cycle-model runs.
    pub cycle_runs: usize,
}

type Sink<'e> = Box<dyn FnMut(Event) + Send + 'e>;

/// Engine runs already made, by input.
type Memo<K, V> = Mutex<Vec<(K, Arc<V>)>>;

/// One command's artifacts, made once each.
pub struct Session<'e> {
    config: Config,
    hw: Option<HwConfig>,
    events: Mutex<Sink<'e>>,
    calibration: Option<SpikeSteps>,
    calibration_input: OnceLock<Option<SpikeSteps>>,
    labels: Option<Vec<i64>>,
    runs: Mutex<Runs>,
    nir: OnceLock<LoadedNir>,
    float: OnceLock<FloatNet>,
    model: OnceLock<LoadedModel>,
    design: OnceLock<Design>,
    float_traces: Memo<SpikeSteps, FloatTrace>,
    golden: Memo<SpikeSteps, QTrace>,
    cycle: Memo<SpikeSteps, CycleRun>,
}

/// The cached value of `cell`, made by `make` the first time.
fn once<T>(cell: &OnceLock<T>, make: impl FnOnce() -> Result<T>) -> Result<&T> {
    if let Some(v) = cell.get() {
        return Ok(v);
    }
    let v = make()?;
    Ok(cell.get_or_init(|| v))
}

/// The run of `input` in `memo`, made by `make` the first time.
fn memo<K: PartialEq + Clone, V>(
    memo: &Memo<K, V>,
    input: &K,
    make: impl FnOnce() -> Result<V>,
) -> Result<Arc<V>> {
    if let Some((_, v)) = lock(memo).iter().find(|(k, _)| k == input) {
        return Ok(Arc::clone(v));
    }
    let v = Arc::new(make()?);
    lock(memo).push((input.clone(), Arc::clone(&v)));
    Ok(v)
}

/// A lock that a panicked holder did not poison for the others (the data stays valid).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl<'e> Session<'e> {
    /// A session for `config`; events are dropped until [`Session::on_event`].
    pub fn new(config: Config) -> Session<'e> {
        Session {
            config,
            hw: None,
            events: Mutex::new(Box::new(|_| {})),
            calibration: None,
            calibration_input: OnceLock::new(),
            labels: None,
            runs: Mutex::new(Runs::default()),
            nir: OnceLock::new(),
            float: OnceLock::new(),
            model: OnceLock::new(),
            design: OnceLock::new(),
            float_traces: Mutex::new(Vec::new()),
            golden: Mutex::new(Vec::new()),
            cycle: Mutex::new(Vec::new()),
        }
    }

    /// Send events to `sink`.
    pub fn on_event(mut self, sink: impl FnMut(Event) + Send + 'e) -> Session<'e> {
        self.events = Mutex::new(Box::new(sink));
        self
    }

    /// The hardware target of [`Session::design`].
    pub fn with_hw(mut self, hw: HwConfig) -> Session<'e> {
        self.hw = Some(hw);
        self
    }

    /// Calibrate on `spikes` when the config names no calibration file; `labels` (one per
    /// calibration sample) give the quantization report its accuracy.
    pub fn with_calibration(
        mut self,
        spikes: Option<SpikeSteps>,
        labels: Option<Vec<i64>>,
    ) -> Self {
        self.calibration = spikes;
        self.labels = labels;
        self
    }

    /// Use `model` as the session's integer network instead of quantizing (a binding's
    /// quantized model, made by an earlier session of the same config).
    pub fn with_quantized(self, model: LoadedModel) -> Self {
        let _ = self.model.set(model);
        self
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// What has been made so far.
    pub fn runs(&self) -> Runs {
        *lock(&self.runs)
    }

    fn count(&self, f: impl FnOnce(&mut Runs)) {
        f(&mut lock(&self.runs));
    }

    fn note(&self, text: String) {
        let mut sink = lock(&self.events);
        sink(Event::Note(text));
    }

    /// The NIR file, read, validated and flattened.
    pub fn nir(&self) -> Result<&LoadedNir> {
        once(&self.nir, || {
            self.count(|r| r.nir_reads += 1);
            model::load_nir(&self.config)
        })
    }

    /// The float network (notes about guesses go to the event sink).
    pub fn float_net(&self) -> Result<&FloatNet> {
        once(&self.float, || {
            let loaded = self.nir()?;
            self.count(|r| r.lowerings += 1);
            let (net, notes) = model::lower(loaded, &self.config)?;
            for n in notes {
                self.note(n);
            }
            Ok(net)
        })
    }

    /// What the model takes at each step: for a `.nir` the Input node's shape and any values,
    /// for a `.q.json` its recorded shape and the values its `input_bits` allow.
    pub fn model_input(&self) -> Result<ModelInput> {
        if self.config.is_qnet() {
            return Ok(model::qnet_input(&self.quantized()?.qnet));
        }
        Ok(model::nir_input(self.nir()?, self.float_net()?))
    }

    /// The float engine's trace of `spikes`.
    pub fn float_trace(&self, spikes: &SpikeSteps) -> Result<Arc<FloatTrace>> {
        let net = self.float_net()?;
        memo(&self.float_traces, spikes, || {
            self.count(|r| r.float_runs += 1);
            model::float_trace(net, spikes)
        })
    }

    /// The calibration samples: the config's file (read once), else
    /// [`Session::with_calibration`]'s spikes.
    pub fn calibration_input(&self) -> Result<Option<&SpikeSteps>> {
        let input = once(&self.calibration_input, || {
            match &self.config.quant.calibrate {
                Some(p) => Ok(Some(crate::input::load_steps(p, &self.model_input()?)?)),
                None => Ok(self.calibration.clone()),
            }
        })?;
        Ok(input.as_ref())
    }

    /// Calibration data for the quantizer: `spikes` with their float trace (made once).
    pub fn calibration(&self, spikes: &SpikeSteps, labels: Option<&[i64]>) -> Result<Calibration> {
        let float = (*self.float_trace(spikes)?).clone();
        model::calibration(self.float_net()?, spikes, float, labels)
    }

    /// The integer network: the `.q.json` as read, or the `.nir` quantized (calibrated on the
    /// config's file, else on [`Session::with_calibration`]'s spikes, else with estimated
    /// ranges).
    pub fn quantized(&self) -> Result<&LoadedModel> {
        once(&self.model, || {
            let path = &self.config.model;
            if self.config.is_qnet() {
                self.count(|r| r.quantizations += 1);
                return model::load_qnet_file(path);
            }
            let loaded = self.nir()?;
            let net = self.float_net()?;
            let cfg = model::quant_config(&self.config.quant)?;
            let input = model::nir_input(loaded, net);
            let calib = match self.calibration_input()? {
                Some(s) => Some(self.calibration(s, self.labels.as_deref())?),
                None => None,
            };
            self.count(|r| r.quantizations += 1);
            let (mut qnet, report) = spikeloom_quant::quantize(net, calib.as_ref(), &cfg)
                .map_err(|e| Error::input(format!("{}: {e}", path.display())))?;
            qnet.provenance
                .insert(0, ("source_sha256".into(), loaded.sha256.clone()));
            model::record_input_shape(&mut qnet, &input.shape);
            Ok(LoadedModel {
                qnet,
                source_sha256: loaded.sha256.clone(),
                report: Some(report),
            })
        })
    }

    /// The per-layer precision search on `calib` (labelled): the smallest weights + state whose
    /// fixed-point accuracy is at most `max_drop` (a fraction) below the float model's. Its
    /// network carries the model's hash and input shape, as [`Session::quantized`]'s.
    pub fn precision_search(
        &self,
        calib: &Calibration,
        max_drop: f64,
    ) -> Result<spikeloom_quant::Search> {
        let (loaded, net) = (self.nir()?, self.float_net()?);
        let base = model::quant_config(&self.config.quant)?;
        let mut found = spikeloom_quant::search(net, calib, &base, max_drop)
            .map_err(|e| Error::input(format!("{}: {e}", self.config.model.display())))?;
        found
            .qnet
            .provenance
            .insert(0, ("source_sha256".into(), loaded.sha256.clone()));
        model::record_input_shape(&mut found.qnet, &model::nir_input(loaded, net).shape);
        Ok(found)
    }

    /// The design for the session's board ([`Session::with_hw`]).
    pub fn design(&self) -> Result<&Design> {
        once(&self.design, || {
            let hw = self.hw.as_ref().ok_or_else(|| {
                Error::input("no board: a design needs a hardware target (Session::with_hw)")
            })?;
            let model = self.quantized()?.clone();
            self.count(|r| r.designs += 1);
            crate::design::prepare(model, &self.config.model, hw)
        })
    }

    /// The design, taken out of the session.
    pub fn into_design(self) -> Result<Design> {
        self.design()?;
        self.design
            .into_inner()
            .ok_or_else(|| Error::failure("the session lost its design"))
    }

    /// The golden model's trace of `input`.
    pub fn golden(&self, input: &SpikeSteps) -> Result<Arc<QTrace>> {
        let q = &self.quantized()?.qnet;
        memo(&self.golden, input, || {
            self.count(|r| r.golden_runs += 1);
            spikeloom_qnet::eval(q, input).map_err(Error::failure)
        })
    }

    /// The cycle model's run of `input` on the design's plan (trace and log).
    pub fn cycle(&self, input: &SpikeSteps) -> Result<Arc<CycleRun>> {
        let plan = &self.design()?.plan;
        memo(&self.cycle, input, || {
            self.count(|r| r.cycle_runs += 1);
            verify::cycle_run(plan, input)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Session;

    fn send_sync<T: Send + Sync>() {}

    /// A binding keeps a session in an object other threads may touch (PyO3 requires `Send`
    /// for a class, and the sweep runs on worker threads).
    #[test]
    fn a_session_is_send_and_sync() {
        send_sync::<Session<'static>>();
    }
}
