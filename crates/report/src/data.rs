//! `ReportData`: everything `report.html` shows, as plain data (the caller fills it from the
//! pipeline; `collect.rs` has helpers). Serializable so a build can keep it as JSON as well.

use serde::{Deserialize, Serialize};

/// The whole report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReportData {
    /// Title, usually the model file name.
    pub title: String,
    /// Tool and version that produced the report (no timestamp: reports are deterministic).
    pub generator: String,
    /// Board and device the design targets.
    pub target: Target,
    /// Network structure as mapped onto hardware.
    pub network: NetworkSummary,
    /// Per-layer quantization record.
    pub quantization: Vec<QuantRow>,
    /// Accuracy of each engine on the labelled sample, when labels were given.
    pub accuracy: Option<Accuracy>,
    /// Verification outcome lines (e.g. "fixed == cycle: 12800 neuron-steps identical").
    pub verification: Vec<String>,
    /// Per-layer traces of one sample for raster and membrane plots.
    pub traces: Vec<LayerTraces>,
    /// Resource use against the device.
    pub resources: Vec<ResourceUse>,
    /// Clock and latency.
    pub timing: Timing,
    /// Cycles of every simulated step (all samples), for the histogram.
    pub cycles_per_step: Vec<u64>,
    /// Free-form notes (warnings worth reading), shown at the end.
    pub notes: Vec<String>,
}

/// Board and device.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target {
    /// Board name (`icebreaker`).
    pub board: String,
    /// Device name (`iCE40UP5K`).
    pub device: String,
}

/// Network structure.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkSummary {
    /// Input features.
    pub input_size: usize,
    /// Layers in evaluation order.
    pub layers: Vec<LayerSummary>,
    /// Index of the output layer.
    pub output_layer: usize,
}

/// One layer and its core.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayerSummary {
    /// Layer (NIR neuron node) name.
    pub name: String,
    /// Neuron model (`LIF`, `CubaLIF`, `LI`).
    pub kind: String,
    /// Neurons.
    pub size: usize,
    /// Sources feeding the layer, e.g. `input`, `lif1 (delayed)`.
    pub sources: Vec<String>,
    /// Weights (synapses) of the layer.
    pub synapses: usize,
    /// Lanes of its core.
    pub lanes: usize,
    /// Neuron blocks of its core.
    pub blocks: usize,
    /// Leak circuit (`multiplier`, `shift-add (2 terms)`).
    pub leak: String,
}

/// One layer's quantization.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QuantRow {
    /// Layer name.
    pub layer: String,
    /// Signed weight width.
    pub weight_bits: u32,
    /// Signed membrane width.
    pub state_bits: u32,
    /// Decay fraction bits.
    pub decay_shift: u32,
    /// Shift from weight units to state units.
    pub weight_shift: u32,
    /// Float value of one weight code.
    pub weight_lsb: f64,
    /// Float value of one state code.
    pub state_lsb: f64,
    /// Weights clamped to the code range.
    pub clipped_weights: usize,
    /// Largest weight quantization error (float units).
    pub max_weight_error: f64,
    /// Membrane/current saturations on the calibration input.
    pub saturations: Option<u64>,
    /// Fixed vs float spike agreement (fraction).
    pub spike_agreement: Option<f64>,
}

/// Accuracy (fractions in 0..=1) with spike-count argmax read-out.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Accuracy {
    /// Labelled samples.
    pub samples: usize,
    /// Float engine.
    pub float: Option<f64>,
    /// Integer golden model.
    pub fixed: Option<f64>,
    /// Cycle model of the hardware (equals the RTL by the verification triangle).
    pub hardware: Option<f64>,
}

/// Which engine produced a trace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// Float engine (matches the training library).
    Float,
    /// Integer golden model.
    Fixed,
    /// Cycle model of the hardware.
    Hardware,
}

impl Engine {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Engine::Float => "float",
            Engine::Fixed => "fixed",
            Engine::Hardware => "hardware",
        }
    }
}

/// One engine's view of one layer on one sample.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineTrace {
    /// The engine.
    pub engine: Engine,
    /// Spikes `[T][size]` row-major (0/1).
    pub spikes: Vec<u8>,
    /// Membrane `[T][size]` in float units (integer engines: raw value times the state LSB).
    pub membrane: Vec<f64>,
}

/// Traces of one layer.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LayerTraces {
    /// Layer name.
    pub layer: String,
    /// Neurons.
    pub size: usize,
    /// Steps.
    pub steps: usize,
    /// Which sample of the input these are.
    pub sample: usize,
    /// Firing threshold in float units (drawn on membrane plots), if uniform.
    pub threshold: Option<f64>,
    /// Neurons whose membrane is plotted; empty = the most active ones (chosen by `render`).
    pub membrane_neurons: Vec<usize>,
    /// One entry per engine (float, fixed, hardware; any may be missing).
    pub engines: Vec<EngineTrace>,
}

/// Where a resource figure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ResourceSource {
    /// The planner's estimate.
    Estimate,
    /// nextpnr after place and route.
    PlaceAndRoute,
}

/// One resource bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResourceUse {
    /// Resource name (`LUT4`, `FF`, `BRAM`, `DSP`).
    pub name: String,
    /// Used.
    pub used: u64,
    /// Available on the device.
    pub available: u64,
    /// Estimate or post place-and-route.
    pub source: ResourceSource,
}

/// Clock and latency.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// Target clock, MHz.
    pub target_mhz: Option<f64>,
    /// Fmax after place and route, MHz.
    pub fmax_mhz: Option<f64>,
    /// Cycles of a step without any spike (the floor of every step).
    pub idle_step_cycles: Option<u64>,
    /// How the design clock is made (oscillator, PLL, host link rate).
    #[serde(default)]
    pub clock: Option<String>,
    /// nextpnr's critical path of the design clock.
    #[serde(default)]
    pub critical_path: Option<spikeloom_toolchain::CriticalPath>,
    /// Paths nextpnr leaves out of Fmax, if any.
    #[serde(default)]
    pub untimed: Option<String>,
    /// Figures against the chip, as (quantity, value) rows: synaptic ops per cycle against the
    /// design's lanes and the device's weight bound, time per inference, logic per synapse.
    #[serde(default)]
    pub efficiency: Vec<(String, String)>,
}
