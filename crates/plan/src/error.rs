//! Planner errors: each names the layer (NIR node) and says what to change.

/// Why a network cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The integer network is inconsistent.
    #[error("layer `{layer}`: {what}; re-run quantization or fix the model")]
    InvalidNet {
        /// Layer name.
        layer: String,
        /// What is wrong.
        what: String,
    },
    /// The network uses a contract feature the hardware does not implement.
    #[error("layer `{layer}`: {what} is supported by the float and fixed engines but not by the hardware; {hint}")]
    Unsupported {
        /// Layer (or projection origin) name.
        layer: String,
        /// The feature.
        what: String,
        /// What to do instead.
        hint: String,
    },
    /// The network has no layers.
    #[error("the network has no layers: nothing to build")]
    Empty,
    /// A datapath would need more than 64 bits.
    #[error("layer `{layer}`: the neuron datapath needs {bits} bits (> 64); reduce state_bits, weight_bits or decay_shift")]
    TooWide {
        /// Layer name.
        layer: String,
        /// Bits needed.
        bits: u32,
    },
    /// The verification trace carries membranes as 32-bit values.
    #[error("layer `{layer}`: state_bits = {bits} but the hardware trace carries at most 32 bits; quantize with --state-bits <= 32")]
    StateTooWide {
        /// Layer name.
        layer: String,
        /// state_bits.
        bits: u32,
    },
    /// The configuration is invalid.
    #[error("plan config: {0}")]
    Config(String),
    /// The design does not fit the device.
    #[error("the design does not fit {device}:\n{report}")]
    DoesNotFit {
        /// Device name.
        device: String,
        /// What does not fit and what would.
        report: String,
    },
}
