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
/// stored once (pooling, flattening and following Linear layers are composed into dense ones).
#[derive(Debug, Clone, PartialEq)]
pub struct Projection {
    /// Where the spikes come from.
    pub source: Source,
    /// Dense: row-major `(layer.size, source size)` weights. Conv: the kernel
    /// `[C_out][C_in/groups][kH][kW]` (`ConvGeometry::weight_len` values).
    pub weight: Vec<f64>,
    /// Number of source neurons (columns of `weight`).
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
}

pub use crate::conv::ConvGeometry;

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
/// `RLeaky` and `RSynaptic` drop the whole new membrane (NIR-NOTES §3.3).
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
    /// Time step in seconds.
    pub dt: f64,
    /// Reset rule applied to every spiking layer.
    pub reset: ResetMode,
    /// snnTorch `reset_delay`.
    pub reset_delay: bool,
    /// For each field, whether it came from the user, the file's metadata, or a default.
    pub provenance: Vec<(String, SettingSource)>,
}

/// Discretization conventions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Convention {
    /// snnTorch Leaky/Synaptic/RLeaky/RSynaptic: `beta = 1 - dt/tau`, unit input gain.
    Snntorch,
    /// Forward Euler of the NIR equations with immediate reset to `v_reset`.
    NirEuler,
    /// Norse <= 1.1 `LIFBoxCell`/`IAFCell`/`LIBoxCell` (see `exporters`): Euler, `r` ignored,
    /// the file's tau is `dt * tau` (Norse #411), strict `>`, immediate reset.
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
}

/// Where a semantic setting came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SettingSource {
    /// Given on the command line / in the config.
    User,
    /// Read from the file's metadata.
    Metadata,
    /// Assumed default.
    Default,
    /// Guessed from the file's parameters (only the convention, only when neither the user nor
    /// the metadata chose one; see `semantics::guess_convention`); the text says from what.
    Guessed(&'static str),
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
