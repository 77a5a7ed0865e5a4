//! The validated configuration of one run: CLI arguments (or a binding's keywords) become one
//! [`Config`], and the session derives the small per-crate configs from it
//! (`SemanticsOptions`, `QuantConfig`, `PlanConfig`, `ClockPlan`, `BuildOptions`).

use spikeloom_float::{ResetMode, SemanticsOptions};
use spikeloom_nir::ReadOptions;
use spikeloom_plan::{ConvEngineChoice, KernelMemChoice, StateMemChoice, WeightMemChoice};
use std::path::PathBuf;

/// Which model, how to read it, and how to quantize it.
#[derive(Debug, Clone)]
pub struct Config {
    /// The model: a `.nir` file, or a quantized `.q.json`.
    pub model: PathBuf,
    /// The semantic settings the user chose (`nir_version` is taken from the file).
    pub semantics: SemanticsOptions,
    /// The NIR reader's limits.
    pub read: ReadOptions,
    /// Quantization settings (for a `.nir` model).
    pub quant: QuantSettings,
    /// Per-layer settings the NIR file cannot record, by neuron node name (a binding reads
    /// them off the trained modules); they replace `semantics`' reset and reset delay for
    /// those layers.
    pub layers: Vec<(String, LayerSemantics)>,
}

/// A spiking layer's reset settings, read off the trained module (snnTorch's
/// `reset_mechanism` and `reset_delay`): `None` keeps the model-wide choice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LayerSemantics {
    /// The layer's reset rule.
    pub reset: Option<ResetMode>,
    /// The layer's reset delay.
    pub reset_delay: Option<bool>,
}

impl Config {
    /// A model with the default semantics, reader limits and quantization.
    pub fn new(model: impl Into<PathBuf>) -> Config {
        Config {
            model: model.into(),
            semantics: SemanticsOptions::default(),
            read: ReadOptions::default(),
            quant: QuantSettings::default(),
            layers: Vec::new(),
        }
    }

    /// True when the model is a quantized network rather than a NIR file.
    pub fn is_qnet(&self) -> bool {
        crate::model::is_qnet_file(&self.model)
    }
}

/// Quantization: a TOML config file (layered under the flags), the flags, and the
/// calibration data.
#[derive(Debug, Clone, Default)]
pub struct QuantSettings {
    /// Per-layer config file (`QuantConfig` TOML), read when the model is quantized.
    pub config_file: Option<PathBuf>,
    /// Default weight bits.
    pub weight_bits: Option<u32>,
    /// Default state bits.
    pub state_bits: Option<u32>,
    /// Default decay fraction bits.
    pub decay_shift: Option<u32>,
    /// Default spike-count bits.
    pub spike_bits: Option<u32>,
    /// Input bits.
    pub input_bits: Option<u32>,
    /// Calibration input (`.npy` / `x.npz:name`), time-major.
    pub calibrate: Option<PathBuf>,
}

/// The hardware: board, lanes, clock, host link, weight memory.
#[derive(Debug, Clone)]
pub struct HwConfig {
    /// A built-in board name or a path to a board `.toml`.
    pub board: String,
    /// Lanes per core (`None`: the most of 8, 4, 2, 1 that fits).
    pub lanes: Option<usize>,
    /// Requested design clock, MHz (`None`: the board's default for the design's cores).
    pub clock_mhz: Option<f64>,
    /// Host link baud rate (`None`: the fastest exact one).
    pub baud: Option<u32>,
    /// Where the dense weights go.
    pub weight_memory: WeightMemChoice,
    /// Where the neuron units' membrane state goes (`PlanConfig::state_memory`).
    pub state_memory: StateMemChoice,
    /// Where the convolution kernels go (`PlanConfig::kernel_memory`).
    pub kernel_memory: KernelMemChoice,
    /// Whether the convolution layers share one convolution engine
    /// (`PlanConfig::conv_engine`).
    pub conv_engine: ConvEngineChoice,
    /// Byte offset of the weight image in the board's SPI flash.
    pub flash_offset: Option<u32>,
    /// The host bridge's zero-skip (`PlanConfig::zero_skip`; `None`: by the input's size).
    pub zero_skip: Option<bool>,
    /// The host bridge's RUN_PIXELS and rate encoder (`PlanConfig::rate_encoder`; `None`: kept
    /// unless the design does not fit with it at the lanes chosen).
    pub rate_encoder: Option<bool>,
    /// Convolution layers update their neurons on the engine's shared units
    /// (`PlanConfig::conv_units`; `None`: the planner's default).
    pub conv_units: Option<bool>,
}

impl HwConfig {
    /// A board with every other setting automatic.
    pub fn new(board: impl Into<String>) -> HwConfig {
        HwConfig {
            board: board.into(),
            lanes: None,
            clock_mhz: None,
            baud: None,
            weight_memory: WeightMemChoice::Auto,
            state_memory: StateMemChoice::Auto,
            kernel_memory: KernelMemChoice::Auto,
            conv_engine: ConvEngineChoice::Auto,
            flash_offset: None,
            zero_skip: None,
            rate_encoder: None,
            conv_units: None,
        }
    }
}
