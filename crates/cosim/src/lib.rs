//! spikeloom-cosim: RTL co-simulation of a generated `spikeloom_top` with Verilator or Icarus.
//!
//! Owns the co-simulation protocol on the Rust side (sim/README.md is the reference): turning
//! input spikes into a stimulus ([`stimulus_from_spikes`]), building and running the HDL
//! harnesses of `sim/` ([`run_rtl`]), reading their logs ([`parse_log`]), decoding a log into
//! per-layer traces and cycle counts ([`decode_log`]) and finding the first difference between
//! two logs ([`compare_logs`]); and the post-synthesis check ([`run_netlist`]: Yosys netlist +
//! cell models in Icarus). The cycle model must write the identical log for the same
//! stimulus; that equality is the project's bit- and cycle-exactness check. A design whose
//! weights are loaded at start-up (`TopInterface::loader`) is simulated with the SPI flash model
//! (sim/sl_spi_flash.v) serving its bundle's flash image: the stimulus command `P` (implicit
//! before its first `R`) powers it on, and the log's `L <cycle> <state>` line ends the load.

mod compare;
mod contract;
mod decode;
mod error;
mod harness;
mod netlist;
mod protocol;
mod run;
mod stimulus;

pub use compare::{compare_logs, FirstMismatch};
pub use contract::{compare_with_contract, ContractMismatch};
pub use decode::{decode_log, RtlTrace};
pub use error::CosimError;
pub use harness::{icarus_params, load_limit, verilator_params};
pub use netlist::{run_netlist, select_yosys, NetlistTarget};
pub use protocol::{format_log, format_stimulus, parse_log};
pub use run::{check_tools, run_rtl, Simulator};
pub use spikeloom_cyclesim::{LogLine, StimCmd};
pub use spikeloom_plan::TopInterface;
pub use stimulus::{stimulus_from_spikes, stimulus_from_values};

/// Cycles the harness keeps logging after the last expected end-of-step beat of a stimulus
/// segment (before the next `R` or the end of the run). A correct design is silent then, so the
/// log equals the cycle model's (which stops at the last `OS`); a late or extra beat shows up.
pub const DRAIN_CYCLES: u64 = 16;

/// Watchdog passed to the harnesses: a run fails after this many cycles without any beat.
pub const TIMEOUT_CYCLES: u64 = 1_000_000;

/// How many worst-case steps (clear included) the harnesses' step limit allows ([`step_limit`]).
/// A correct design never gets near it: no step takes more than
/// `TopInterface::max_step_cycles` cycles, the first one `clear_cycles` more. One that loops
/// inside a step while emitting trace beats (which the idle watchdog counts as beats) is
/// stopped within about two worst-case steps instead of running until killed.
pub const STEP_LIMIT_FACTOR: u64 = 2;

/// Cycles added to the step limit beyond [`STEP_LIMIT_FACTOR`] worst-case steps, so tiny
/// designs are not held to a few cycles.
pub const STEP_LIMIT_MARGIN: u64 = 1000;

/// The harnesses' `+steplimit`: cycles allowed from reset release to a sample's first
/// end-of-step output beat, and from each such beat to the next while steps are in flight
/// (sim/README.md). `STEP_LIMIT_FACTOR * (clear_cycles + max_step_cycles) + STEP_LIMIT_MARGIN`.
pub fn step_limit(iface: &TopInterface) -> u64 {
    STEP_LIMIT_FACTOR * (iface.clear_cycles + iface.max_step_cycles) + STEP_LIMIT_MARGIN
}
