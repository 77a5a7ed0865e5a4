//! spikeloom-float: lowering of a NIR graph to a discrete-time layered network, and the float
//! engine that simulates it with the exporting library's exact per-step arithmetic.

mod choice;
mod conv;
mod dump;
mod engine;
#[cfg(test)]
mod engine_tests;
mod error;
mod exporters;
mod graph;
mod linmap;
mod lower;
#[cfg(test)]
mod lower_tests;
mod net;
mod params;
mod semantics;
mod step;

pub use choice::{alternatives, convention_source, Alternative};
pub use engine::{simulate, FloatTrace, LayerTrace, SimError};
pub use error::LowerError;
pub use lower::lower;
pub use net::*;
pub use semantics::{parse_convention, NirVersion, SemanticsOptions, SNNTORCH_DT};
