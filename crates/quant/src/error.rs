//! Errors of the quantizer: configuration problems (all reported at once) and run failures.

use spikeloom_qnet::{EvalError, QnetError};

/// One problem in a `QuantConfig`, located by its scope (`default`, `op.lif`, `layer.NAME`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigProblem {
    /// An override names a layer the network does not have.
    #[error("[layer.{name}] names no layer of the network (layers: {known})")]
    UnknownLayer {
        /// The unknown name.
        name: String,
        /// Comma-separated layer names.
        known: String,
    },
    /// A width outside the supported range.
    #[error("[{scope}] {what} = {value} is outside the supported range {min}..={max}")]
    Width {
        /// Where it was set.
        scope: String,
        /// Which field.
        what: &'static str,
        /// Value.
        value: u32,
        /// Smallest allowed.
        min: u32,
        /// Largest allowed.
        max: u32,
    },
    /// Weights wider than the state cannot be added to it.
    #[error("layer `{layer}`: weight_bits {weight_bits} exceeds state_bits {state_bits}; weights are added to the membrane, so state_bits must be at least weight_bits")]
    WeightWiderThanState {
        /// Layer name.
        layer: String,
        /// Weight width.
        weight_bits: u32,
        /// State width.
        state_bits: u32,
    },
}

/// Why quantization failed.
#[derive(Debug, thiserror::Error)]
pub enum QuantError {
    /// The TOML is malformed or has unknown keys.
    #[error("quantization config: {0}")]
    Toml(String),
    /// The configuration does not fit the network.
    #[error("quantization config has {} problem(s): {}", .0.len(), join(.0))]
    Config(Vec<ConfigProblem>),
    /// A float parameter cannot be quantized.
    #[error("layer `{layer}`: {problem}")]
    Layer {
        /// Layer name.
        layer: String,
        /// What is wrong and what to do.
        problem: String,
    },
    /// The convention's neuron rule has no integer counterpart yet.
    #[error("--semantics {convention}: {why}")]
    Convention {
        /// Convention name.
        convention: String,
        /// Why, and what to do.
        why: String,
    },
    /// Calibration data does not match the network.
    #[error("calibration data: {0}")]
    Calibration(String),
    /// The float engine refused the calibration input.
    #[error("float simulation of the calibration input failed: {0}")]
    Float(#[from] spikeloom_float::SimError),
    /// The produced integer network breaks the contract (a quantizer bug; please report it).
    #[error("internal error: the quantized network is invalid ({})", join(.0))]
    Invalid(Vec<QnetError>),
    /// The integer evaluation of the calibration input failed.
    #[error("fixed-point evaluation of the calibration input failed: {0}")]
    Eval(#[from] EvalError),
    /// The precision search cannot run or cannot meet its bound.
    #[error("precision search: {0}")]
    Search(String),
}

fn join<T: ToString>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}
