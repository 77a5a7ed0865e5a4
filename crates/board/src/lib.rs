//! spikeloom-board: FPGA devices and declarative board definitions (boards/*.toml), constraints.
//!
//! Boards are data: `boards/*.toml` are embedded at compile time ([`Board::builtin`], [`list`]);
//! user boards are read with [`Board::load`]. Every board is validated before use, and
//! [`constraints`] renders a PCF (iCE40) or LPF (ECP5) for exactly the ports a design uses.

mod board;
mod builtin;
mod clocking;
mod constraints;
mod device;
mod error;
pub mod pll;
mod top;
mod validate;

pub use board::*;
pub use builtin::{fragment, list};
pub use clocking::{
    dividers, exact_rates, ftdi_makes, ClockPlan, UartPlan, UartRate, CLOCK_WINDOW_PERCENT,
    MAX_BAUD_ERROR, SETTLE_NS,
};
pub use constraints::{constraints, Port, FLASH_PORTS};
pub use device::*;
pub use error::BoardError;
pub use pll::{Freq, Pll, PllInput, PllPrimitive};
pub use top::{board_wrapper, clock_check, io_sources, TopParams, CLOCK_CHECK_TOP, WRAPPER_TOP};
