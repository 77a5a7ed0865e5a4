//! The layered float network: what the NIR graph means in discrete time, after the exporting
//! library's semantics (dt, reset mode, reset delay, decay rule) have been applied.
//!
//! Every input gain (NIR `r·dt/tau`, `w_in·dt/tau_syn`) and every constant drive (`v_leak`) has
//! been folded into the projection weights and the bias, so the neuron equations below are the
//! whole story. The quantizer maps this structure 1:1 onto `spikeloom_qnet::QNet`.

/// Where a projection reads its spikes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    /// The network input (`[F]` values per step).
    Input,
    /// The spikes of layer `i` (index into `FloatNet::layers`).
    Layer(usize),
}

/// A weighted connection into a layer: dense (`conv: None`) or a convolution whose kernel is
/// stored once; either one may read its source through a pooling (`pool`: a non-overlapping
/// SumPool/AvgPool as an index map, its AvgPool scale folded into `weight`). Flatten and
/// Scale are folded into the weights; an overlapping pooling is composed into a dense matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    /// Where the spikes come from.
    pub source: Source,
    /// Dense: row-major `(layer.size, columns)` weights, `columns` = the source size, or the
    /// pooled size when pooled. Conv: the kernel `[C_out][C_in/groups][kH][kW]`
    /// (`ConvGeometry::weight_len` values; its input shape is the pooled one when pooled).
    pub weight: Vec<f64>,
    /// Number of source neurons.
    pub source_size: usize,
    /// True for a back edge (recurrence): it reads the source's spikes of step `t-1` (zero at t=0).
    pub delayed: bool,
    /// Extra delay in steps per source neuron from a NIR `Delay` node on the path (source `i`
    /// is read at `t - delayed - source_delay[i]`, zero before step 0); empty when none.
    pub source_delay: Vec<usize>,
    /// NIR node name this projection came from (for messages and reports).
    pub origin: String,
    /// Convolution geometry; `None` for a dense projection.
    pub conv: Option<ConvGeometry>,
    /// Pooling of the source in front of the weights (event `i` feeds `pool.map(i)`).
    pub pool: Option<PoolGeometry>,
}

impl Projection {
    /// Elements the weights read: the pooled size when pooled, else the source size.
    pub fn columns(&self) -> usize {
        self.pool
            .as_ref()
            .map_or(self.source_size, PoolGeometry::target_size)
    }
}

pub use crate::conv::{ConvGeometry, PoolGeometry};

/// How a spike resets the membrane.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetMode {
    /// `U -= threshold` (snnTorch "subtract").
    Subtract,
    /// `U = v_reset` (snnTorch "zero" when `v_reset == 0`).
    Zero,
    /// No reset.
    None,
}

/// What a zero reset discards: snnTorch's `Leaky` keeps the step's input, while `Synaptic`,
/// `RLeaky` and `RSynaptic` drop the whole new membrane, `U = (1 - r) * U_new` (snnTorch 1.0's
/// `_base_zero` in `leaky.py` against `synaptic.py`, `rleaky.py`, `rsynaptic.py`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZeroResetInput {
    /// `U = beta * v_reset + X` (Leaky).
    Keep,
    /// `U = v_reset` (Synaptic, RLeaky, RSynaptic).
    Drop,
}

/// The neuron model of a layer, per-neuron parameters as vectors of `layer.size`.
#[derive(Debug, Clone, PartialEq)]
pub enum Neuron {
    /// `U[t] = beta*U[t-1] + X[t]` with reset, `S = U > threshold`.
    Lif {
        /// Membrane decay per step.
        beta: Vec<f64>,
        /// Firing threshold (strict `>`).
        threshold: Vec<f64>,
        /// Value a zero reset sets.
        v_reset: Vec<f64>,
        /// Reset rule.
        reset: ResetMode,
        /// snnTorch `reset_delay` (true: reset applied at the next step).
        reset_delay: bool,
        /// What a zero reset does with the step's input.
        zero_input: ZeroResetInput,
    },
    /// `I[t] = alpha*I[t-1] + X[t]`, `U[t] = beta*U[t-1] + I[t]`, reset on U only.
    CubaLif {
        /// Synaptic current decay per step.
        alpha: Vec<f64>,
        /// Membrane decay per step.
        beta: Vec<f64>,
        /// Firing threshold (strict `>`).
        threshold: Vec<f64>,
        /// Value a zero reset sets.
        v_reset: Vec<f64>,
        /// Reset rule.
        reset: ResetMode,
        /// snnTorch `reset_delay`.
        reset_delay: bool,
    },
    /// Leaky integrator read-out: `U[t] = beta*U[t-1] + X[t]`, never spikes.
    Li {
        /// Membrane decay per step.
        beta: Vec<f64>,
    },
    /// Current-based leaky integrator read-out (NIR `CubaLI`): `I[t] = alpha*I[t-1] + X[t]`,
    /// `U[t] = beta*U[t-1] + I[t]`, never spikes.
    CubaLi {
        /// Synaptic current decay per step.
        alpha: Vec<f64>,
        /// Membrane decay per step.
        beta: Vec<f64>,
    },
}

/// One layer: its neurons and everything that drives them.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    /// NIR name of the neuron node.
    pub name: String,
    /// Number of neurons (flattened).
    pub size: usize,
    /// NIR shape of the neuron node (for reports).
    pub shape: Vec<usize>,
    /// Weighted inputs; their contributions add.
    pub inputs: Vec<Projection>,
    /// Constant drive added to X every step (sum of projection biases and folded v_leak).
    pub bias: Vec<f64>,
    /// The neuron model.
    pub neuron: Neuron,
}

/// How the file's continuous-time parameters were turned into steps; reported by `inspect`.
#[derive(Debug, Clone, PartialEq)]
pub struct Semantics {
    /// Which convention was applied.
    pub convention: Convention,
    /// Which Norse version's export rule was applied; `Some` exactly when `convention` is
    /// `Norse`.
    pub norse: Option<NorseVersion>,
    /// Time step in seconds.
    pub dt: f64,
    /// Reset rule applied to every spiking layer.
    pub reset: ResetMode,
    /// snnTorch `reset_delay`.
    pub reset_delay: bool,
    /// How many spikes a neuron may emit in one step.
    pub spike_mode: SpikeMode,
    /// For each field, whether it came from the user, the file's metadata, or a default.
    pub provenance: Vec<(String, SettingSource)>,
}

/// How many spikes a neuron may emit in one step. NIR files do not record it; Sinabs layers
/// take it as `spike_fn` (`MultiSpike`, the default, or `SingleSpike`), Rockpool's as
/// `max_spikes_per_dt`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpikeMode {
    /// At most one spike per step: snnTorch, Norse, Spyx, nir-euler always; Sinabs
    /// `SingleSpike` (`v - θ >= 0`, then `v -= θ`); Rockpool with `max_spikes_per_dt = 1`.
    Single,
    /// Spike counts: Sinabs `MultiSpike` (`(v > 0)·trunc(v/θ)`), Rockpool (`floor(v/θ)`).
    Multi,
}

impl SpikeMode {
    /// `single` / `multi`.
    pub fn name(self) -> &'static str {
        match self {
            SpikeMode::Single => "single",
            SpikeMode::Multi => "multi",
        }
    }

    /// Parses `single` / `multi`.
    pub fn parse(text: &str) -> Option<SpikeMode> {
        match text.trim().to_ascii_lowercase().as_str() {
            "single" => Some(SpikeMode::Single),
            "multi" => Some(SpikeMode::Multi),
            _ => None,
        }
    }
}

/// Discretization conventions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Convention {
    /// snnTorch Leaky/Synaptic/RLeaky/RSynaptic: `beta = 1 - dt/tau`, unit input gain.
    Snntorch,
    /// Forward Euler of the NIR equations with immediate reset to `v_reset`.
    NirEuler,
    /// Norse `LIFBoxCell`/`IAFCell`/`LIBoxCell` (see `exporters`): Euler, `r` ignored, strict
    /// `>`, immediate reset; how the file's tau relates to the neuron's depends on the Norse
    /// version that wrote it (`NorseVersion`).
    Norse,
    /// Sinabs `LIF`/`IAF`/`ExpLeak`: `exp(-dt/tau)` with tau in steps (dt = 1), multi-spike
    /// `(v > 0)·trunc(v/θ)`, subtractive reset, IF membrane clamped at `-θ`.
    Sinabs,
    /// Rockpool `LIFTorch`/`LIFNeuronTorch`/`ExpSynTorch`: `exp(-dt/tau)` with dt recovered from
    /// `r`, current `I = β(I + X)`, multi-spike `(v >= θ)·floor(v/θ)`, subtractive reset.
    Rockpool,
    /// Spyx (JAX): Euler decays `beta = 1 - dt/tau`, `alpha = 1 - dt/tau_syn`, `r` and `w_in`
    /// ignored, dt default 1 (`spyx.nir`).
    Spyx,
    /// SpikingJelly `LIFNode`/`IFNode`/`CUBALIFNode` (`nir_exchange`, 2.0): forward Euler of the
    /// NIR equations at the export's dt (tau = `tau·dt`, `r` = 1 or tau by `decay_input`),
    /// `v >= θ`, one spike, immediate hard reset to `v_reset`.
    Spikingjelly,
}

/// How Norse's NIR export wrote `tau`, by version (Norse's git history of
/// `norse/torch/utils/export_nir.py`; see `semantics` for the evidence and how one is chosen).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NorseVersion {
    /// `norse@<1.1`: git main from the first NIR export (2023-07-14, #371) to 2024-01-15 (#379),
    /// before the 1.1.0 release; `tau = 1/tau_mem_inv`, the time constant in seconds. The NIR
    /// paper's `lif_norse.nir` (written by nir 0.1.1) is one.
    Before1_1,
    /// `norse@1.1`: Norse 1.1.0 (PyPI, 2024-03-18; git main 2024-01-15 to 2025-05-23):
    /// `tau = dt/tau_mem_inv = dt·tau` with `to_nir`'s dt (default 1e-3), Norse issue #411.
    V1_1,
    /// `norse@>1.1`: git main since 2025-05-23 (#413, unreleased): `tau =
    /// time_scaling_factor/tau_mem_inv` with the factor 1 by default, the time constant in
    /// seconds again; the same rule as `Before1_1`.
    After1_1,
}

impl NorseVersion {
    /// True when the file's tau is `dt·tau` (only 1.1).
    pub fn tau_times_dt(self) -> bool {
        self == NorseVersion::V1_1
    }

    /// The `--semantics` name.
    pub fn name(self) -> &'static str {
        match self {
            NorseVersion::Before1_1 => "norse@<1.1",
            NorseVersion::V1_1 => "norse@1.1",
            NorseVersion::After1_1 => "norse@>1.1",
        }
    }
}

/// Where a semantic setting came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingSource {
    /// Given by the caller (the CLI's flags).
    User,
    /// Read from the file's metadata.
    Metadata,
    /// Inferred from the file's `version` (the nir package that wrote it); the text says how.
    Version(String),
    /// Guessed from the file's parameters, which carry an exporter's signature; the text says
    /// which (see `semantics`).
    Fingerprint(String),
    /// Assumed default.
    Default,
}

impl SettingSource {
    /// `flag`, `metadata`, `version`, `fingerprint` or `default`.
    pub fn name(&self) -> &'static str {
        match self {
            SettingSource::User => "flag",
            SettingSource::Metadata => "metadata",
            SettingSource::Version(_) => "version",
            SettingSource::Fingerprint(_) => "fingerprint",
            SettingSource::Default => "default",
        }
    }

    /// The evidence behind a version or fingerprint inference.
    pub fn evidence(&self) -> Option<&str> {
        match self {
            SettingSource::Version(why) | SettingSource::Fingerprint(why) => Some(why),
            _ => None,
        }
    }

    /// True for inferences (version, fingerprint), which `inspect` reports as guesses.
    pub fn is_guess(&self) -> bool {
        self.evidence().is_some()
    }
}

/// The whole discrete-time float network. Layers are in evaluation order: a non-delayed
/// projection always reads an earlier layer (or the input).
#[derive(Debug, Clone, PartialEq)]
pub struct FloatNet {
    /// Input features per step.
    pub input_size: usize,
    /// Layers in evaluation order.
    pub layers: Vec<Layer>,
    /// Index of the layer whose spikes/membrane are the network output.
    pub output_layer: usize,
    /// The semantics applied when lowering.
    pub semantics: Semantics,
}
