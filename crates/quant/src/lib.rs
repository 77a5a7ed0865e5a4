//! spikeloom-quant: float network -> integer network (the hardware contract), with calibration,
//! a report of what quantization cost, a sweep over bit widths and a per-layer precision search.
//!
//! Invariant: floats stop here. Everything downstream of `quantize` reads the `QNet` only.

mod calib;
mod config;
mod error;
mod measure;
mod quantize;
mod ranges;
mod readout;
mod report;
mod scale;
mod search;
mod sweep;

pub use calib::Calibration;
pub use config::{LayerPrecision, OpKind, Precision, QuantConfig, RoundingName};
pub use error::{ConfigProblem, QuantError};
pub use quantize::quantize;
pub use readout::{accuracy, predict, spike_counts, Readout};
pub use report::{LayerReport, QuantReport};
pub use scale::{choose_weight_shift, min_state_lsb, quantize_value, weight_lsb, RangeNeeds};
pub use search::{search, Search, SearchStep, Width};
pub use sweep::{memory_bits, sweep, SweepRow};
