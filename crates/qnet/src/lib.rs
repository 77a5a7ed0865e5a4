//! spikeloom-qnet: the integer network IR (the software/hardware contract) and its golden evaluator.
//!
//! Invariant: no floating-point arithmetic happens here (`state_lsb` is carried for reports only).

#![deny(clippy::float_arithmetic)]

pub mod arith;
mod conv;
mod dump;
mod eval;
mod json;
mod net;
mod pool;
mod spikes;
mod trace;
mod validate;

pub use eval::{eval, EvalError, Evaluator};
pub use json::LoadError;
pub use net::*;
pub use spikes::{SpikeSteps, SpikeStepsError};
pub use trace::{Difference, LayerDiff, LayerTrace, QTrace, Saturations};
pub use validate::{
    LayerProblem, QnetError, FORMAT_3, FORMAT_4, INPUT_BITS, MAX_SOURCE_DELAY, SPIKE_BITS,
};
