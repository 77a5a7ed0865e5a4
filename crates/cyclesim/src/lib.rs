//! spikeloom-cyclesim: the cycle-accurate Rust model of a [`spikeloom_plan::Plan`].
//!
//! One Rust twin per RTL module of rtl-templates/ (same registers, same state machines, same
//! one-cycle memory read latency): `ctrl::Ctrl` = sl_ctrl, `engine::Acc` = sl_acc (+ the weight
//! store's read), `engine::Unit` = sl_unit (+ sl_param, sl_ram), `core::Core` = sl_conv (+
//! sl_param, sl_rom, sl_ram), `neuron::update` = sl_neuron, `evbuf::EvBuf` = sl_evbuf and
//! sl_delay, `pmap::pool_map` = sl_pmap, [`wload::Loader`] = sl_wload (with [`wload::Flash`], the twin of the
//! co-simulation's SPI flash model), [`bridge::Bridge`] = the step path of io/host_bridge.v
//! (feature scan with zero-skip, rate encoder, run states; [`CycleSim::run_bridge`]). [`CycleSim`] wires
//! them like the generated spikeloom_top and plays the co-simulation harness's part, so it
//! produces the same log (lines and cycle numbers) as the RTL for the same stimulus.
//! [`VcdWriter`] records its waveforms under the RTL's signal names.

#![deny(clippy::float_arithmetic)]

pub mod bridge;
mod core;
mod ctrl;
mod engine;
mod error;
mod evbuf;
pub mod neuron;
mod pmap;
mod probe;
mod protocol;
mod sim;
mod trace;
mod vcd;
pub mod wload;

pub use error::SimError;
pub use protocol::{parse_log, parse_stimulus, LogLine, ProtocolError, StimCmd};
pub use sim::{BridgeRun, CycleSim};
pub use trace::{
    simulate, simulate_on_chip, simulate_with_log, simulate_with_vcd, stimulus_for, CycleTrace,
};
pub use vcd::VcdWriter;
