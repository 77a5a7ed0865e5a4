//! Planner errors: each names the layer (NIR node) and says what to change.

use crate::limits::HardwareProblem;
use spikeloom_qnet::QnetError;

/// Why a network cannot be planned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// The integer network breaks the contract: every problem `QNet::validate` found.
    #[error("the integer network breaks {} rule(s) of the contract; re-run `spikeloom quantize` or fix the model:{}", .0.len(), lines(.0))]
    InvalidNet(Vec<QnetError>),
    /// The network is valid but exceeds what the hardware builds: every such problem.
    #[error("the network exceeds {} hardware limit(s):{}", .0.len(), lines(.0))]
    Hardware(Vec<HardwareProblem>),
    /// A datapath would need more than 64 bits.
    #[error("layer `{layer}`: the neuron datapath needs {bits} bits (> 64); reduce state_bits, weight_bits or decay_shift")]
    TooWide {
        /// Layer name.
        layer: String,
        /// Bits needed.
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

/// One problem per line, indented under the error's first line.
fn lines<T: std::fmt::Display>(items: &[T]) -> String {
    items.iter().map(|i| format!("\n  {i}")).collect()
}
